//! The conformance suite every storage backend runs (enabled by the `conformance` feature).
//!
//! Written once as generic async functions over a [`Store`]; a backend's test calls
//! [`run_all`] with a fresh, empty store:
//!
//! ```ignore
//! #[tokio::test]
//! async fn my_store_conforms() {
//!     let store = std::sync::Arc::new(MyStore::connect("…").await.expect("connect"));
//!     calstack_core::store::conformance::run_all(store).await;
//! }
//! ```
//!
//! Every check starts from an empty store and deletes what it created, so the checks can also
//! be called one by one. A failed check panics with a message naming the behaviour.

pub mod settings;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use futures::future::join_all;
use uuid::Uuid;

use super::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, Store,
    StoreError,
};

/// Runs every conformance check against `store`, which must be empty.
pub async fn run_all(store: Arc<dyn Store>) {
    let s = &*store;
    clients_round_trip_update_and_delete(s).await;
    clients_are_listed_by_name_then_id(s).await;
    client_email_is_unique_ignoring_case(s).await;
    missing_clients_are_reported(s).await;
    deleting_a_client_cascades(s).await;
    credential_needs_an_existing_client_and_a_new_id(s).await;
    credential_fields_round_trip(s).await;
    credential_update_is_versioned(s).await;
    concurrent_credential_updates_have_one_winner(s).await;
    credentials_are_listed_by_creation_then_id(s).await;
    deleting_a_credential_cascades(s).await;
    timestamps_keep_microseconds(s).await;
    pending_authorization_is_taken_once(s).await;
    pending_authorization_taken_once_by_concurrent_takers(s).await;
    expired_pending_authorizations_are_purged(s).await;
    pending_authorizations_are_listed_and_resealed_by_compare_and_set(s).await;
    lease_acquire_extend_expire_release(s).await;
    lease_has_one_winner_among_concurrent_holders(s).await;
    super::mirror_conformance::run_all(s).await;
    settings::run_all(s).await;
}

// ---------------------------------------------------------------------------------------
// fixtures

/// 2026-01-01T00:00:00Z plus `seconds` and `micros`.
pub(super) fn at(seconds: i64, micros: i64) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    base + TimeDelta::seconds(seconds) + TimeDelta::microseconds(micros)
}

fn client(name: &str, email: &str) -> Client {
    Client {
        id: ClientId::new(),
        name: name.to_owned(),
        email: email.to_owned(),
        created_at: at(0, 123_456),
        updated_at: at(0, 123_456),
    }
}

/// A credential with every optional field set.
fn full_credential(client_id: ClientId, created_at: DateTime<Utc>) -> OAuthCredential {
    OAuthCredential {
        id: CredentialId::new(),
        client_id,
        google_client_id: "1234-abc.apps.googleusercontent.com".to_owned(),
        client_secret: Sealed::from_stored("k1:c2VhbGVkLWNsaWVudC1zZWNyZXQ"),
        scopes: vec![
            "https://www.googleapis.com/auth/calendar".to_owned(),
            "https://www.googleapis.com/auth/calendar.events".to_owned(),
        ],
        granted_scopes: vec!["https://www.googleapis.com/auth/calendar".to_owned()],
        redirect_uri: "https://app.example.test/api/oauth/callback?x=1&y=é".to_owned(),
        account_email: Some("owner@gmail.test".to_owned()),
        access_token: Some(Sealed::from_stored("k1:c2VhbGVkLWFjY2Vzcw")),
        refresh_token: Some(Sealed::from_stored("k1:c2VhbGVkLXJlZnJlc2g")),
        expires_at: Some(at(3600, 654_321)),
        is_valid: true,
        last_error: Some("refresh failed: 503 backendError".to_owned()),
        created_at,
        updated_at: created_at,
        version: 1,
    }
}

/// A credential with every optional field set, for `owner` (for other test suites).
pub fn full_credential_for(owner: ClientId) -> OAuthCredential {
    full_credential(owner, at(100, 100))
}

/// A credential as it is before consent: nothing optional set, no scopes granted.
fn bare_credential(client_id: ClientId, created_at: DateTime<Utc>) -> OAuthCredential {
    OAuthCredential {
        id: CredentialId::new(),
        client_id,
        google_client_id: "5678-def.apps.googleusercontent.com".to_owned(),
        client_secret: Sealed::from_stored("k1:YmFyZQ"),
        scopes: Vec::new(),
        granted_scopes: Vec::new(),
        redirect_uri: "http://127.0.0.1:8765/".to_owned(),
        account_email: None,
        access_token: None,
        refresh_token: None,
        expires_at: None,
        is_valid: false,
        last_error: None,
        created_at,
        updated_at: created_at,
        version: 1,
    }
}

fn pending(
    credential_id: CredentialId,
    state: &str,
    expires_at: DateTime<Utc>,
) -> PendingAuthorization {
    PendingAuthorization {
        state: state.to_owned(),
        credential_id,
        pkce_verifier: Sealed::from_stored("k1:cGtjZS12ZXJpZmllcg"),
        redirect_uri: "https://app.example.test/api/oauth/callback".to_owned(),
        created_at: at(10, 1),
        expires_at,
    }
}

pub(super) async fn add_client(s: &dyn Store, name: &str, email: &str) -> Client {
    let c = client(name, email);
    s.insert_client(&c).await.expect("insert client");
    c
}

pub(super) async fn add_credential(s: &dyn Store, owner: ClientId) -> OAuthCredential {
    let c = full_credential(owner, at(100, 100));
    s.insert_credential(&c).await.expect("insert credential");
    c
}

pub(super) async fn remove_clients(s: &dyn Store) {
    for c in s.list_clients().await.expect("list clients for cleanup") {
        s.delete_client(c.id)
            .await
            .expect("delete client for cleanup");
    }
}

#[track_caller]
pub(super) fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Conflict { .. }) => {}
        other => panic!("{what}: expected StoreError::Conflict, got {other:?}"),
    }
}

#[track_caller]
pub(super) fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("{what}: expected StoreError::NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// clients

/// Insert, get, update (keeping `created_at`), delete.
pub async fn clients_round_trip_update_and_delete(s: &dyn Store) {
    let original = add_client(s, "Acme Dental", "ops@acme.test").await;
    let got = s.get_client(original.id).await.expect("get client");
    assert_eq!(
        got.as_ref(),
        Some(&original),
        "a client reads back as inserted"
    );
    assert_eq!(
        s.get_client(ClientId::new())
            .await
            .expect("get unknown client"),
        None,
        "an unknown client id reads as None"
    );

    let mut changed = original.clone();
    changed.name = "Acme Dental Group".to_owned();
    changed.email = "admin@acme.test".to_owned();
    changed.updated_at = at(60, 999_999);
    changed.created_at = at(999, 0);
    s.update_client(&changed).await.expect("update client");
    let got = s
        .get_client(original.id)
        .await
        .expect("get")
        .expect("still there");
    assert_eq!(got.name, changed.name, "update_client writes the name");
    assert_eq!(got.email, changed.email, "update_client writes the email");
    assert_eq!(
        got.updated_at, changed.updated_at,
        "update_client writes updated_at"
    );
    assert_eq!(
        got.created_at, original.created_at,
        "update_client keeps created_at"
    );

    assert!(
        s.delete_client(original.id).await.expect("delete"),
        "delete of an existing client returns true"
    );
    assert_eq!(
        s.get_client(original.id).await.expect("get deleted"),
        None,
        "a deleted client is gone"
    );
    assert!(
        !s.delete_client(original.id).await.expect("delete again"),
        "deleting twice returns false"
    );
}

/// `list_clients` orders by name (byte-wise), then id.
pub async fn clients_are_listed_by_name_then_id(s: &dyn Store) {
    let mut inserted = Vec::new();
    for (name, id) in [
        ("delta", 9u128),
        ("alpha", 5),
        ("Zeta", 7),
        ("delta", 2),
        ("charlie", 1),
        ("delta", 0x8000_0000_0000_0000_0000_0000_0000_0000),
    ] {
        let mut c = client(name, &format!("{name}-{id}@order.test"));
        c.id = ClientId(Uuid::from_u128(id));
        s.insert_client(&c).await.expect("insert client");
        inserted.push(c);
    }
    let mut expected = inserted.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let listed = s.list_clients().await.expect("list clients");
    let names: Vec<(String, ClientId)> = listed.iter().map(|c| (c.name.clone(), c.id)).collect();
    let want: Vec<(String, ClientId)> = expected.iter().map(|c| (c.name.clone(), c.id)).collect();
    assert_eq!(
        names, want,
        "clients are listed by name (byte order), then id"
    );
    assert_eq!(listed, expected, "listed clients carry every field");
    remove_clients(s).await;
    assert!(
        s.list_clients().await.expect("list").is_empty(),
        "an empty store lists no clients"
    );
}

/// Two clients cannot share an email, whatever its ASCII case.
pub async fn client_email_is_unique_ignoring_case(s: &dyn Store) {
    let first = add_client(s, "First", "Owner@Example.test").await;
    assert_conflict(
        s.insert_client(&client("Second", "owner@EXAMPLE.TEST"))
            .await,
        "inserting a client whose email differs only in case",
    );
    s.insert_client(&client("Second", "other@example.test"))
        .await
        .expect("a different email is accepted");
    assert_conflict(
        s.insert_client(&Client {
            email: "third@example.test".to_owned(),
            ..first.clone()
        })
        .await,
        "inserting a client with an existing id",
    );
    let second = s
        .list_clients()
        .await
        .expect("list")
        .into_iter()
        .find(|c| c.email == "other@example.test")
        .expect("the client with a fresh email was inserted");
    let mut stolen = second.clone();
    stolen.email = "OWNER@example.test".to_owned();
    assert_conflict(
        s.update_client(&stolen).await,
        "updating a client to another client's email",
    );
    let kept = s.get_client(second.id).await.expect("get").expect("exists");
    assert_eq!(
        kept.email, "other@example.test",
        "a refused update changes nothing"
    );

    let mut recased = first.clone();
    recased.email = "owner@example.test".to_owned();
    s.update_client(&recased)
        .await
        .expect("a client may change the case of its own email");
    let conflict = s
        .insert_client(&client("Fourth", "OWNER@example.TEST"))
        .await;
    assert_conflict(conflict, "the re-cased email is still taken");
    remove_clients(s).await;
}

/// Updating a client that does not exist is NotFound; deleting one returns false.
pub async fn missing_clients_are_reported(s: &dyn Store) {
    assert_not_found(
        s.update_client(&client("Ghost", "ghost@nowhere.test"))
            .await,
        "update of a missing client",
    );
    assert!(
        !s.delete_client(ClientId::new())
            .await
            .expect("delete missing"),
        "deleting a missing client returns false"
    );
    assert!(
        s.list_credentials(Some(ClientId::new()))
            .await
            .expect("list")
            .is_empty(),
        "an unknown client has no credentials"
    );
}

/// Deleting a client deletes its credentials, their pending authorizations and leases, and
/// nothing of other clients.
pub async fn deleting_a_client_cascades(s: &dyn Store) {
    let doomed = add_client(s, "Doomed", "doomed@cascade.test").await;
    let kept = add_client(s, "Kept", "kept@cascade.test").await;
    let doomed_cred = add_credential(s, doomed.id).await;
    let kept_cred = add_credential(s, kept.id).await;
    s.insert_pending(&pending(doomed_cred.id, "state-doomed", at(600, 0)))
        .await
        .expect("insert pending");
    s.insert_pending(&pending(kept_cred.id, "state-kept", at(600, 0)))
        .await
        .expect("insert pending");
    assert!(
        s.try_acquire_lease(doomed_cred.id, "worker-a", at(0, 0), at(30, 0))
            .await
            .expect("lease")
    );

    assert!(s.delete_client(doomed.id).await.expect("delete client"));
    assert_eq!(
        s.get_credential(doomed_cred.id).await.expect("get"),
        None,
        "a deleted client's credentials are gone"
    );
    assert_eq!(
        s.take_pending("state-doomed").await.expect("take"),
        None,
        "a deleted client's pending authorizations are gone"
    );
    assert_not_found(
        s.try_acquire_lease(doomed_cred.id, "worker-b", at(0, 0), at(30, 0))
            .await,
        "a lease on a deleted client's credential",
    );
    assert_eq!(
        s.get_credential(kept_cred.id).await.expect("get"),
        Some(kept_cred.clone()),
        "other clients' credentials stay"
    );
    assert!(
        s.take_pending("state-kept").await.expect("take").is_some(),
        "other clients' pending authorizations stay"
    );
    remove_clients(s).await;
}

// ---------------------------------------------------------------------------------------
// credentials

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

// ---------------------------------------------------------------------------------------
// timestamps

/// Timestamps with sub-second parts come back equal to the microsecond, on every record.
pub async fn timestamps_keep_microseconds(s: &dyn Store) {
    let samples = [
        at(0, 1),
        at(59, 999_999),
        at(86_399, 500_000),
        Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59)
            .single()
            .expect("valid")
            + TimeDelta::microseconds(10),
        Utc.with_ymd_and_hms(2099, 6, 30, 12, 0, 0)
            .single()
            .expect("valid")
            + TimeDelta::microseconds(654_321),
    ];
    for (i, t) in samples.iter().enumerate() {
        let mut c = client("Timely", &format!("t{i}@time.test"));
        c.created_at = *t;
        c.updated_at = *t + TimeDelta::microseconds(1);
        s.insert_client(&c).await.expect("insert client");
        assert_eq!(
            s.get_client(c.id).await.expect("get"),
            Some(c.clone()),
            "client timestamps keep microseconds ({t})"
        );

        let mut cred = full_credential(c.id, *t);
        cred.updated_at = *t + TimeDelta::microseconds(3);
        cred.expires_at = Some(*t + TimeDelta::microseconds(7));
        s.insert_credential(&cred).await.expect("insert credential");
        assert_eq!(
            s.get_credential(cred.id).await.expect("get"),
            Some(cred.clone()),
            "credential timestamps keep microseconds ({t})"
        );

        let mut p = pending(
            cred.id,
            &format!("state-time-{i}"),
            *t + TimeDelta::microseconds(9),
        );
        p.created_at = *t;
        s.insert_pending(&p).await.expect("insert pending");
        assert_eq!(
            s.take_pending(&p.state).await.expect("take"),
            Some(p),
            "pending timestamps keep microseconds ({t})"
        );
    }
    remove_clients(s).await;
}

// ---------------------------------------------------------------------------------------
// pending authorizations

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

// ---------------------------------------------------------------------------------------
// leases

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn memory_store_passes_the_conformance_suite() {
        run_all(Arc::new(MemoryStore::new())).await;
    }
}
