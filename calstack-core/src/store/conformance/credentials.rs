//! Conformance checks for OAuth credentials: an existing owner and a new id, every field
//! round-tripping, versioned and concurrent updates, ordering, and the cascade of deleting one.

use futures::future::join_all;
use uuid::Uuid;

use super::fixtures::{
    add_client, add_credential, assert_conflict, assert_not_found, at, bare_credential,
    full_credential, pending, remove_clients,
};
use crate::store::{ClientId, CredentialId, OAuthCredential, Sealed, Store, StoreError};

/// A credential needs an existing client (else NotFound) and an unused id (else Conflict).
pub async fn credential_needs_an_existing_client_and_a_new_id(s: &dyn Store) {
    assert_not_found(
        s.insert_credential(&full_credential(ClientId::new(), at(1, 0)))
            .await,
        "inserting a credential for an unknown client",
    );
    let owner = add_client(s, "Owner", "owner@cred.test").await;
    let cred = add_credential(s, owner.id).await;
    let mut again = bare_credential(owner.id, at(2, 0));
    again.id = cred.id;
    assert_conflict(
        s.insert_credential(&again).await,
        "inserting a credential with an existing id",
    );
    assert_eq!(
        s.get_credential(cred.id).await.expect("get"),
        Some(cred),
        "a refused insert changes nothing"
    );
    assert_eq!(
        s.get_credential(CredentialId::new())
            .await
            .expect("get unknown"),
        None,
        "an unknown credential reads as None"
    );
    remove_clients(s).await;
}

/// Every field round-trips, with optional fields both set and unset and scope lists both
/// empty and not.
pub async fn credential_fields_round_trip(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@fields.test").await;
    let full = full_credential(owner.id, at(5, 5));
    let bare = bare_credential(owner.id, at(6, 6));
    s.insert_credential(&full)
        .await
        .expect("insert full credential");
    s.insert_credential(&bare)
        .await
        .expect("insert bare credential");
    assert_eq!(
        s.get_credential(full.id).await.expect("get"),
        Some(full.clone()),
        "a credential with every field set reads back equal"
    );
    assert_eq!(
        s.get_credential(bare.id).await.expect("get"),
        Some(bare.clone()),
        "a credential with nothing optional set reads back equal"
    );
    assert_eq!(
        s.list_credentials(None).await.expect("list"),
        vec![full, bare],
        "listed credentials carry every field"
    );
    remove_clients(s).await;
}

/// `update_credential` writes every mutable field, keeps `client_id` and `created_at`, bumps
/// the version, and refuses a stale version or a missing credential.
pub async fn credential_update_is_versioned(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@versions.test").await;
    let other = add_client(s, "Other", "other@versions.test").await;
    let original = add_credential(s, owner.id).await;

    // Every optional field Some → None, scopes emptied, flags flipped.
    let mut cleared = original.clone();
    cleared.client_id = other.id;
    cleared.created_at = at(9_999, 0);
    cleared.google_client_id = "changed.apps.googleusercontent.com".to_owned();
    cleared.client_secret = Sealed::from_stored("k2:bmV3LXNlY3JldA");
    cleared.scopes = Vec::new();
    cleared.granted_scopes = Vec::new();
    cleared.redirect_uri = "https://new.example.test/cb".to_owned();
    cleared.account_email = None;
    cleared.access_token = None;
    cleared.refresh_token = None;
    cleared.expires_at = None;
    cleared.is_valid = false;
    cleared.last_error = None;
    cleared.updated_at = at(200, 200_002);
    let stored = s
        .update_credential(&cleared)
        .await
        .expect("update credential");
    let mut want = cleared.clone();
    want.client_id = original.client_id;
    want.created_at = original.created_at;
    want.version = original.version + 1;
    assert_eq!(
        stored, want,
        "update_credential returns the record as stored"
    );
    assert_eq!(
        s.get_credential(original.id).await.expect("get"),
        Some(want.clone()),
        "the update is stored, client_id and created_at kept"
    );

    // None → Some again.
    let mut refilled = want.clone();
    refilled.account_email = Some("second@gmail.test".to_owned());
    refilled.access_token = Some(Sealed::from_stored("k2:YWNjZXNzLTI"));
    refilled.refresh_token = Some(Sealed::from_stored("k2:cmVmcmVzaC0y"));
    refilled.expires_at = Some(at(7200, 7));
    refilled.scopes = vec!["https://www.googleapis.com/auth/calendar.readonly".to_owned()];
    refilled.granted_scopes = refilled.scopes.clone();
    refilled.is_valid = true;
    refilled.last_error = Some("invalid_grant: Token has been expired or revoked.".to_owned());
    let stored = s.update_credential(&refilled).await.expect("second update");
    assert_eq!(
        stored.version,
        original.version + 2,
        "every update increments the version"
    );
    let mut want = refilled.clone();
    want.version = original.version + 2;
    assert_eq!(
        s.get_credential(original.id).await.expect("get"),
        Some(want.clone()),
        "optional fields can be set again"
    );

    // Stale version.
    let mut stale = refilled.clone(); // still carries the previous version
    stale.access_token = Some(Sealed::from_stored("k9:c3RhbGUtd3JpdGU"));
    let refused = s.update_credential(&stale).await;
    if let Err(e) = &refused {
        let text = e.to_string();
        assert!(
            !text.contains("c3RhbGUtd3JpdGU"),
            "a conflict message never contains a secret: {text}"
        );
    }
    assert_conflict(refused, "updating with a stale version");
    assert_eq!(
        s.get_credential(original.id).await.expect("get"),
        Some(want),
        "a refused update changes nothing"
    );

    let mut ghost = full_credential(owner.id, at(1, 0));
    ghost.id = CredentialId::new();
    assert_not_found(
        s.update_credential(&ghost).await,
        "updating a missing credential",
    );
    remove_clients(s).await;
}

/// Of ten concurrent updates from the same version, exactly one succeeds.
pub async fn concurrent_credential_updates_have_one_winner(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@race.test").await;
    let original = add_credential(s, owner.id).await;
    let attempts: Vec<OAuthCredential> = (0..10)
        .map(|i| {
            let mut c = original.clone();
            c.last_error = Some(format!("writer {i}"));
            c
        })
        .collect();
    let results = join_all(attempts.iter().map(|c| s.update_credential(c))).await;
    let winners: Vec<&OAuthCredential> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one of 10 concurrent updates wins: {results:?}"
    );
    for r in &results {
        if let Err(e) = r {
            assert!(
                matches!(e, StoreError::Conflict { .. }),
                "losers get Conflict, got {e:?}"
            );
        }
    }
    let stored = s
        .get_credential(original.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(&stored, winners[0], "the winner's write is what is stored");
    assert_eq!(stored.version, original.version + 1);
    remove_clients(s).await;
}

/// Credentials list by `created_at`, then id, for one client or all.
pub async fn credentials_are_listed_by_creation_then_id(s: &dyn Store) {
    let a = add_client(s, "A", "a@list.test").await;
    let b = add_client(s, "B", "b@list.test").await;
    let mut all = Vec::new();
    for (owner, created, id) in [
        (a.id, at(30, 0), 1u128),
        (b.id, at(10, 5), 2),
        (a.id, at(10, 4), 3),
        (b.id, at(20, 0), 4),
        (a.id, at(20, 0), 0xffff),
        (a.id, at(20, 0), 5),
    ] {
        let mut c = bare_credential(owner, created);
        c.id = CredentialId(Uuid::from_u128(id));
        s.insert_credential(&c).await.expect("insert credential");
        all.push(c);
    }
    all.sort_by(|x, y| x.created_at.cmp(&y.created_at).then(x.id.cmp(&y.id)));
    assert_eq!(
        s.list_credentials(None).await.expect("list all"),
        all,
        "all credentials, by created_at then id"
    );
    let of_a: Vec<OAuthCredential> = all
        .iter()
        .filter(|c| c.client_id == a.id)
        .cloned()
        .collect();
    assert_eq!(
        s.list_credentials(Some(a.id)).await.expect("list a"),
        of_a,
        "one client's credentials, by created_at then id"
    );
    let of_b: Vec<OAuthCredential> = all
        .iter()
        .filter(|c| c.client_id == b.id)
        .cloned()
        .collect();
    assert_eq!(s.list_credentials(Some(b.id)).await.expect("list b"), of_b);
    remove_clients(s).await;
}

/// Deleting a credential deletes its pending authorizations and lease.
pub async fn deleting_a_credential_cascades(s: &dyn Store) {
    let owner = add_client(s, "Owner", "owner@credcascade.test").await;
    let doomed = add_credential(s, owner.id).await;
    let kept = add_credential(s, owner.id).await;
    s.insert_pending(&pending(doomed.id, "state-of-doomed", at(600, 0)))
        .await
        .expect("insert pending");
    s.insert_pending(&pending(kept.id, "state-of-kept", at(600, 0)))
        .await
        .expect("insert pending");
    assert!(
        s.try_acquire_lease(doomed.id, "worker", at(0, 0), at(30, 0))
            .await
            .expect("lease")
    );

    assert!(
        s.delete_credential(doomed.id).await.expect("delete"),
        "deleting an existing credential returns true"
    );
    assert!(
        !s.delete_credential(doomed.id).await.expect("delete again"),
        "deleting twice returns false"
    );
    assert_eq!(s.get_credential(doomed.id).await.expect("get"), None);
    assert_eq!(
        s.take_pending("state-of-doomed").await.expect("take"),
        None,
        "its pending authorizations are gone"
    );
    assert_not_found(
        s.try_acquire_lease(doomed.id, "worker", at(0, 0), at(30, 0))
            .await,
        "a lease on a deleted credential",
    );
    assert!(
        s.get_client(owner.id).await.expect("get").is_some(),
        "the client stays"
    );
    assert!(
        s.take_pending("state-of-kept")
            .await
            .expect("take")
            .is_some(),
        "other credentials' pending authorizations stay"
    );
    remove_clients(s).await;
}
