//! The facade and the clients service: validation naming the field, lookups, cascading
//! deletes, timestamps from the injected clock, and picking a client's credential.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use std::sync::Arc;
use std::time::Duration;

use calstack_core::facade::ClientUpdate;
use calstack_core::oauth::{CredentialUpdate, NewCredential};
use calstack_core::store::{CredentialStore, MemoryStore};
use calstack_core::{Calstack, ClientSecret, Clock, Error};
use chrono::TimeDelta;
use oauth_support::*;

fn field(err: Error) -> String {
    match err {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn new_credential(h: &Harness) -> NewCredential {
    NewCredential {
        client_id: h.client.id,
        google_client_id: GOOGLE_CLIENT_ID.into(),
        client_secret: ClientSecret::new(CLIENT_SECRET),
        scopes: vec!["calendar".into()],
        redirect_uri: REDIRECT_URI.into(),
        account_email: None,
    }
}

#[tokio::test]
async fn builder_requires_a_store_and_a_keyring() {
    let err = Calstack::builder()
        .keyring(keyring())
        .build()
        .expect_err("no store");
    assert_eq!(field(err), "store");
    let err = Calstack::builder()
        .store(Arc::new(MemoryStore::new()))
        .build()
        .expect_err("no keyring");
    assert_eq!(field(err), "keyring");
}

#[tokio::test]
async fn create_trims_the_name_and_stamps_times_from_the_clock() {
    let h = harness().await;
    let client = h
        .calstack
        .clients()
        .create("  Globex  ", "it@globex.example")
        .await
        .expect("created");
    assert_eq!(client.name, "Globex");
    assert_eq!(client.created_at, h.clock.now());
    assert_eq!(client.updated_at, h.clock.now());
    assert_eq!(
        h.calstack.clients().get(client.id).await.expect("get"),
        client
    );
}

#[tokio::test]
async fn client_validation_errors_name_the_field() {
    let h = harness().await;
    let clients = h.calstack.clients();
    assert_eq!(
        field(
            clients
                .create("  ", "a@b.example")
                .await
                .expect_err("blank")
        ),
        "name"
    );
    assert_eq!(
        field(
            clients
                .create(&"n".repeat(201), "a@b.example")
                .await
                .expect_err("long")
        ),
        "name"
    );
    assert_eq!(
        field(
            clients
                .create("Bob", "not-an-email")
                .await
                .expect_err("email")
        ),
        "email"
    );
    // Email already used (case-insensitively) by the harness client.
    assert_eq!(
        field(
            clients
                .create("Other", "OPS@acme.example")
                .await
                .expect_err("taken")
        ),
        "email"
    );
}

#[tokio::test]
async fn credential_validation_errors_name_the_field() {
    let h = harness().await;
    let oauth = h.oauth();
    let mut bad = new_credential(&h);
    bad.scopes = vec!["calendar".into(), "calendar.events".into(), "drive".into()];
    assert_eq!(
        field(oauth.register(bad).await.expect_err("scope")),
        "scopes[2]"
    );
    let mut bad = new_credential(&h);
    bad.redirect_uri = "/callback".into();
    assert_eq!(
        field(oauth.register(bad).await.expect_err("redirect")),
        "redirect_uri"
    );
    let mut bad = new_credential(&h);
    bad.google_client_id = " ".into();
    assert_eq!(
        field(oauth.register(bad).await.expect_err("client id")),
        "google_client_id"
    );
    let mut bad = new_credential(&h);
    bad.client_secret = ClientSecret::new("");
    assert_eq!(
        field(oauth.register(bad).await.expect_err("secret")),
        "client_secret"
    );
}

#[tokio::test]
async fn find_accepts_an_id_or_a_unique_name() {
    let h = harness().await;
    let clients = h.calstack.clients();
    assert_eq!(
        clients
            .find(&h.client.id.to_string())
            .await
            .expect("by id")
            .id,
        h.client.id
    );
    assert_eq!(
        clients.find("acme ltd").await.expect("by name").id,
        h.client.id
    );
    assert!(matches!(
        clients.find("Nobody").await,
        Err(Error::NotFound { .. })
    ));
    clients
        .create("Acme Ltd", "second@acme.example")
        .await
        .expect("same name, other email");
    assert_eq!(
        field(clients.find("Acme Ltd").await.expect_err("ambiguous")),
        "name"
    );
}

#[tokio::test]
async fn update_changes_fields_and_updated_at_only() {
    let h = harness().await;
    h.clock.advance(Duration::from_secs(60));
    let updated = h
        .calstack
        .clients()
        .update(
            h.client.id,
            ClientUpdate {
                name: Some("Acme Group".into()),
                email: None,
                ..ClientUpdate::default()
            },
        )
        .await
        .expect("updated");
    assert_eq!(updated.name, "Acme Group");
    assert_eq!(updated.email, h.client.email);
    assert_eq!(updated.created_at, h.client.created_at);
    assert_eq!(updated.updated_at, h.clock.now());
    let err = h
        .calstack
        .clients()
        .update(
            h.client.id,
            ClientUpdate {
                name: None,
                email: Some("nope".into()),
                ..ClientUpdate::default()
            },
        )
        .await
        .expect_err("bad email");
    assert_eq!(field(err), "email");
}

#[tokio::test]
async fn deleting_a_client_deletes_its_credentials() {
    let h = harness().await;
    h.calstack
        .clients()
        .delete(h.client.id)
        .await
        .expect("deleted");
    assert!(
        h.store
            .get_credential(h.id())
            .await
            .expect("read")
            .is_none()
    );
    assert!(matches!(
        h.calstack.clients().get(h.client.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        h.calstack.clients().delete(h.client.id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn credential_for_picks_the_most_recently_updated_valid_credential() {
    let h = harness().await;
    // Only an unauthorized credential: consent needed.
    let err = h
        .calstack
        .credential_for(h.client.id)
        .await
        .expect_err("none valid");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );

    h.seed_fresh().await;
    h.clock.advance(Duration::from_secs(5));
    let second = h
        .oauth()
        .register(new_credential(&h))
        .await
        .expect("second");
    // The second is newer but not valid: the first is picked.
    assert_eq!(
        h.calstack
            .credential_for(h.client.id)
            .await
            .expect("valid one")
            .id,
        h.id()
    );
    // Make the second valid and more recently updated.
    let mut c = h
        .store
        .get_credential(second.id)
        .await
        .expect("read")
        .expect("exists");
    c.is_valid = true;
    c.updated_at = h.clock.now() + TimeDelta::seconds(1);
    h.store.update_credential(&c).await.expect("write");
    assert_eq!(
        h.calstack
            .credential_for(h.client.id)
            .await
            .expect("valid")
            .id,
        second.id
    );
}

#[tokio::test]
async fn credential_for_a_client_without_credentials_is_not_found() {
    let h = harness().await;
    let client = h
        .calstack
        .clients()
        .create("Initech", "it@initech.example")
        .await
        .expect("client");
    assert!(matches!(
        h.calstack.credential_for(client.id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn listing_the_credentials_of_an_unknown_client_is_not_found() {
    let h = harness().await;
    let err = h
        .oauth()
        .list_credentials(Some(calstack_core::ClientId::new()))
        .await
        .expect_err("unknown client");
    assert!(
        matches!(err, Error::NotFound { ref what } if what.starts_with("client ")),
        "{err:?}"
    );
    let known = h
        .calstack
        .clients()
        .create("Initech", "it@initech.example")
        .await
        .expect("client");
    let none = h.oauth().list_credentials(Some(known.id)).await;
    assert!(none.expect("a known client without credentials").is_empty());
}

#[tokio::test]
async fn credential_crud_through_the_manager() {
    let h = harness().await;
    let oauth = h.oauth();
    assert_eq!(
        oauth
            .list_credentials(Some(h.client.id))
            .await
            .expect("list")
            .len(),
        1
    );
    let updated = oauth
        .update_credential(
            h.id(),
            CredentialUpdate {
                scopes: Some(vec!["calendar.readonly".into()]),
                redirect_uri: Some("http://127.0.0.1:8765/callback".into()),
                ..CredentialUpdate::default()
            },
        )
        .await
        .expect("updated");
    assert_eq!(
        updated.scopes,
        vec!["https://www.googleapis.com/auth/calendar.readonly"]
    );
    assert_eq!(updated.redirect_uri, "http://127.0.0.1:8765/callback");
    assert_eq!(updated.version, h.credential.version + 1);
    let err = oauth
        .update_credential(
            h.id(),
            CredentialUpdate {
                redirect_uri: Some("nope".into()),
                ..CredentialUpdate::default()
            },
        )
        .await
        .expect_err("bad uri");
    assert_eq!(field(err), "redirect_uri");
    oauth.delete_credential(h.id()).await.expect("deleted");
    assert!(matches!(
        oauth.get_credential(h.id()).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        oauth.delete_credential(h.id()).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn registering_for_an_unknown_client_is_not_found() {
    let h = harness().await;
    let mut new = new_credential(&h);
    new.client_id = calstack_core::ClientId::new();
    assert!(matches!(
        h.oauth().register(new).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn find_prefers_an_exact_name_over_a_case_insensitive_one() {
    let h = harness().await;
    let clients = h.calstack.clients();
    let lower = clients
        .create("acme ltd", "lower@acme.example")
        .await
        .expect("created");
    assert_eq!(clients.find("acme ltd").await.expect("exact").id, lower.id);
    assert_eq!(
        clients.find("Acme Ltd").await.expect("exact").id,
        h.client.id
    );
    assert_eq!(
        field(
            clients
                .find("ACME LTD")
                .await
                .expect_err("two folded matches")
        ),
        "name"
    );
}
