//! Conformance checks for pending authorizations: taken exactly once (also by concurrent
//! takers), listed and resealed by compare-and-set, and purged once expired.

use chrono::TimeDelta;
use futures::future::join_all;

use super::fixtures::{
    add_client, add_credential, assert_conflict, assert_not_found, at, pending, remove_clients,
};
use crate::store::{CredentialId, PendingAuthorization, Sealed, Store};

/// A pending authorization is taken exactly once; duplicates and unknown credentials are
/// refused; expired rows are still returned by `take_pending`.
pub async fn pending_authorization_is_taken_once(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@pending.test").await;
    let cred = add_credential(s, owner.id).await;
    assert_not_found(
        s.insert_pending(&pending(CredentialId::new(), "state-orphan", at(600, 0)))
            .await,
        "a pending authorization for an unknown credential",
    );
    let p = pending(cred.id, "state-Abc_123-xyz", at(600, 250_000));
    s.insert_pending(&p).await.expect("insert pending");
    assert_conflict(
        s.insert_pending(&pending(cred.id, &p.state, at(900, 0)))
            .await,
        "the same state twice",
    );
    assert_eq!(
        s.take_pending("state-abc_123-xyz")
            .await
            .expect("take other case"),
        None,
        "states are compared exactly"
    );
    assert_eq!(
        s.take_pending(&p.state).await.expect("take"),
        Some(p.clone()),
        "take returns the pending authorization"
    );
    assert_eq!(
        s.take_pending(&p.state).await.expect("take again"),
        None,
        "a state is taken once"
    );
    assert_eq!(
        s.take_pending("never-issued").await.expect("take unknown"),
        None
    );

    let expired = pending(cred.id, "state-expired", at(-60, 0));
    s.insert_pending(&expired)
        .await
        .expect("insert expired pending");
    assert_eq!(
        s.take_pending(&expired.state).await.expect("take expired"),
        Some(expired),
        "take returns expired rows too"
    );
    remove_clients(s).await;
}

/// Of 20 concurrent takers of one state, exactly one gets it.
pub async fn pending_authorization_taken_once_by_concurrent_takers(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@pendingrace.test").await;
    let cred = add_credential(s, owner.id).await;
    let p = pending(cred.id, "state-contended", at(600, 0));
    s.insert_pending(&p).await.expect("insert pending");
    let results = join_all((0..20).map(|_| s.take_pending(&p.state))).await;
    let mut winners = 0;
    for r in results {
        if let Some(got) = r.expect("take_pending under contention must not fail") {
            assert_eq!(got, p);
            winners += 1;
        }
    }
    assert_eq!(
        winners, 1,
        "exactly one of 20 concurrent takers gets the state"
    );
    remove_clients(s).await;
}

/// Pending authorizations are listed oldest first, and their verifier is replaced only while
/// it is still the one the caller read (key rotation racing a completing consent).
pub async fn pending_authorizations_are_listed_and_resealed_by_compare_and_set(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@reseal.test").await;
    let cred = add_credential(s, owner.id).await;
    let mut second = pending(cred.id, "reseal-second", at(9000, 0));
    second.created_at = at(20, 0);
    let first = pending(cred.id, "reseal-first", at(9000, 0));
    for p in [&second, &first] {
        s.insert_pending(p).await.expect("insert pending");
    }
    let mine = |all: Vec<PendingAuthorization>| -> Vec<PendingAuthorization> {
        all.into_iter()
            .filter(|p| p.credential_id == cred.id)
            .collect()
    };
    let listed = mine(s.list_pending().await.expect("list"));
    assert_eq!(
        listed,
        vec![first.clone(), second.clone()],
        "oldest first, fields intact"
    );

    let new = Sealed::from_stored("k2:bmV3LXZlcmlmaWVy");
    assert!(
        s.reseal_pending("reseal-first", &first.pkce_verifier, &new)
            .await
            .expect("reseal")
    );
    assert!(
        !s.reseal_pending("reseal-first", &first.pkce_verifier, &new)
            .await
            .expect("reseal again"),
        "a verifier that changed since it was read is not replaced"
    );
    assert!(
        !s.reseal_pending("no-such-state", &first.pkce_verifier, &new)
            .await
            .expect("reseal unknown"),
        "a consent that completed (taken) is not resurrected"
    );
    let taken = s.take_pending("reseal-first").await.expect("take");
    assert_eq!(taken.map(|p| p.pkce_verifier), Some(new));
    let taken = s.take_pending("reseal-second").await.expect("take");
    assert_eq!(taken.map(|p| p.pkce_verifier), Some(second.pkce_verifier));
    assert!(mine(s.list_pending().await.expect("list")).is_empty());
    remove_clients(s).await;
}

/// `purge_expired_pending` deletes what expired before `now`, keeps the rest, and counts.
pub async fn expired_pending_authorizations_are_purged(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@purge.test").await;
    let cred = add_credential(s, owner.id).await;
    let now = at(1000, 500_000);
    for (state, expires) in [
        ("old-1", at(1, 0)),
        ("old-2", now - TimeDelta::microseconds(1)),
        ("exactly-now", now),
        ("fresh", now + TimeDelta::microseconds(1)),
        ("later", at(5000, 0)),
    ] {
        s.insert_pending(&pending(cred.id, state, expires))
            .await
            .expect("insert pending");
    }
    assert_eq!(
        s.purge_expired_pending(now).await.expect("purge"),
        2,
        "two expired before now"
    );
    assert_eq!(
        s.purge_expired_pending(now).await.expect("purge again"),
        0,
        "purging twice deletes nothing more"
    );
    for gone in ["old-1", "old-2"] {
        assert_eq!(
            s.take_pending(gone).await.expect("take"),
            None,
            "{gone} was purged"
        );
    }
    for kept in ["exactly-now", "fresh", "later"] {
        assert!(
            s.take_pending(kept).await.expect("take").is_some(),
            "{kept} was kept"
        );
    }
    remove_clients(s).await;
}
