//! Conformance checks for refresh leases: acquire, contend, extend, expire, release, and one
//! winner among concurrent holders.

use futures::future::join_all;

use super::fixtures::{add_client, add_credential, assert_not_found, at, remove_clients};
use crate::store::{CredentialId, Store};

/// Acquire, contend, extend, expire, release; leases never touch the credential's version.
pub async fn lease_acquire_extend_expire_release(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@lease.test").await;
    let cred = add_credential(s, owner.id).await;
    let other = add_credential(s, owner.id).await;
    assert_not_found(
        s.try_acquire_lease(CredentialId::new(), "a", at(0, 0), at(30, 0))
            .await,
        "a lease on an unknown credential",
    );

    assert!(
        s.try_acquire_lease(cred.id, "a", at(0, 0), at(30, 0))
            .await
            .expect("acquire"),
        "a free lease is taken"
    );
    assert!(
        !s.try_acquire_lease(cred.id, "b", at(10, 0), at(40, 0))
            .await
            .expect("contend"),
        "a held lease refuses another holder"
    );
    assert!(
        s.try_acquire_lease(other.id, "b", at(10, 0), at(40, 0))
            .await
            .expect("other credential"),
        "leases are per credential"
    );
    assert!(
        s.try_acquire_lease(cred.id, "a", at(20, 0), at(60, 0))
            .await
            .expect("extend"),
        "the holder extends its lease"
    );
    assert!(
        !s.try_acquire_lease(cred.id, "b", at(45, 0), at(90, 0))
            .await
            .expect("contend after extend"),
        "the extension counts: still held past the first expiry"
    );
    assert!(
        !s.try_acquire_lease(cred.id, "b", at(59, 999_999), at(90, 0))
            .await
            .expect("just before expiry"),
        "held until its expiry"
    );
    assert!(
        s.try_acquire_lease(cred.id, "b", at(60, 0), at(90, 0))
            .await
            .expect("at expiry"),
        "a lease is free at its expiry"
    );
    assert!(
        !s.try_acquire_lease(cred.id, "a", at(61, 0), at(90, 0))
            .await
            .expect("old holder"),
        "the old holder lost it"
    );

    s.release_lease(cred.id, "a")
        .await
        .expect("release by non-holder");
    assert!(
        !s.try_acquire_lease(cred.id, "c", at(62, 0), at(90, 0))
            .await
            .expect("after foreign release"),
        "only the holder can release"
    );
    s.release_lease(cred.id, "b")
        .await
        .expect("release by holder");
    assert!(
        s.try_acquire_lease(cred.id, "c", at(62, 0), at(90, 0))
            .await
            .expect("after release"),
        "a released lease is free at once"
    );
    s.release_lease(CredentialId::new(), "c")
        .await
        .expect("releasing a lease of an unknown credential does nothing");

    let read = s
        .get_credential(cred.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        read, cred,
        "leases do not change the credential record or its version"
    );
    let mut updated = read.clone();
    updated.last_error = Some("updated while leased".to_owned());
    s.update_credential(&updated)
        .await
        .expect("update while leased");
    assert!(
        !s.try_acquire_lease(cred.id, "d", at(63, 0), at(90, 0))
            .await
            .expect("after update"),
        "a credential update keeps the lease"
    );
    remove_clients(s).await;
}

/// Of 20 concurrent contenders for a free lease, exactly one wins.
pub async fn lease_has_one_winner_among_concurrent_holders(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@leaserace.test").await;
    let cred = add_credential(s, owner.id).await;
    let holders: Vec<String> = (0..20).map(|i| format!("process-{i}")).collect();
    let results = join_all(
        holders
            .iter()
            .map(|h| s.try_acquire_lease(cred.id, h, at(0, 0), at(30, 0))),
    )
    .await;
    let wins = results
        .into_iter()
        .map(|r| r.expect("acquire under contention must not fail"))
        .filter(|won| *won)
        .count();
    assert_eq!(
        wins, 1,
        "exactly one of 20 concurrent contenders holds the lease"
    );

    // Same again once the lease has expired: still one winner.
    let results = join_all(
        holders
            .iter()
            .map(|h| s.try_acquire_lease(cred.id, h, at(30, 0), at(60, 0))),
    )
    .await;
    let wins = results
        .into_iter()
        .map(|r| r.expect("acquire under contention must not fail"))
        .filter(|won| *won)
        .count();
    assert_eq!(
        wins, 1,
        "exactly one of 20 concurrent contenders takes over an expired lease"
    );
    remove_clients(s).await;
}
