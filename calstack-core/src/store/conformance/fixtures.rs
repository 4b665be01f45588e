//! What the conformance checks build from: fixed instants, clients, credentials, pending
//! authorizations and mirrored calendars, inserting and cleaning them up, and assertions on
//! store errors.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::store::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, Store,
    StoreError,
};

/// 2026-01-01T00:00:00Z plus `seconds` and `micros`.
pub(in crate::store) fn at(seconds: i64, micros: i64) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    base + TimeDelta::seconds(seconds) + TimeDelta::microseconds(micros)
}

pub(super) fn client(name: &str, email: &str) -> Client {
    Client {
        id: ClientId::new(),
        name: name.to_owned(),
        email: email.to_owned(),
        created_at: at(0, 123_456),
        updated_at: at(0, 123_456),
    }
}

/// A credential with every optional field set.
pub(super) fn full_credential(client_id: ClientId, created_at: DateTime<Utc>) -> OAuthCredential {
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
pub(super) fn bare_credential(client_id: ClientId, created_at: DateTime<Utc>) -> OAuthCredential {
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

pub(super) fn pending(
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

pub(crate) async fn add_client(s: &dyn Store, name: &str, email: &str) -> Client {
    let c = client(name, email);
    s.insert_client(&c).await.expect("insert client");
    c
}

pub(crate) async fn add_credential(s: &dyn Store, owner: ClientId) -> OAuthCredential {
    let c = full_credential(owner, at(100, 100));
    s.insert_credential(&c).await.expect("insert credential");
    c
}

pub(in crate::store) async fn remove_clients(s: &dyn Store) {
    for c in s.list_clients().await.expect("list clients for cleanup") {
        s.delete_client(c.id)
            .await
            .expect("delete client for cleanup");
    }
}

#[track_caller]
pub(in crate::store) fn assert_conflict<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    what: &str,
) {
    match result {
        Err(StoreError::Conflict { .. }) => {}
        other => panic!("{what}: expected StoreError::Conflict, got {other:?}"),
    }
}

#[track_caller]
pub(in crate::store) fn assert_not_found<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    what: &str,
) {
    match result {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("{what}: expected StoreError::NotFound, got {other:?}"),
    }
}
