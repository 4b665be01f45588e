//! Choosing which Google account of a client to act as (`credential_for_account`), and the
//! facade's summed Calendar counters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use calstack_core::oauth::NewCredential;
use calstack_core::store::CredentialStore;
use calstack_core::{ClientSecret, CredentialId, Error};
use oauth_support::*;

/// Registers another credential of the harness client and marks it valid for `account`.
async fn valid_credential(h: &Harness, account: &str) -> CredentialId {
    let created = h
        .oauth()
        .register(NewCredential {
            client_id: h.client.id,
            google_client_id: GOOGLE_CLIENT_ID.into(),
            client_secret: ClientSecret::new(CLIENT_SECRET),
            scopes: vec!["calendar".into()],
            redirect_uri: REDIRECT_URI.into(),
            account_email: Some(account.into()),
        })
        .await
        .expect("register");
    let mut c = h
        .store
        .get_credential(created.id)
        .await
        .expect("read")
        .expect("exists");
    c.is_valid = true;
    h.store.update_credential(&c).await.expect("write");
    created.id
}

#[tokio::test]
async fn a_client_with_one_account_needs_no_choice() {
    let h = harness().await;
    let only = valid_credential(&h, "ann@acme.test").await;
    let chosen = h
        .calstack
        .credential_for_account(h.client.id, None)
        .await
        .expect("the only account");
    assert_eq!(chosen.id, only);
}

#[tokio::test]
async fn several_accounts_without_a_choice_is_refused_naming_them() {
    let h = harness().await;
    valid_credential(&h, "ann@acme.test").await;
    valid_credential(&h, "bob@acme.test").await;
    let err = h
        .calstack
        .credential_for_account(h.client.id, None)
        .await
        .expect_err("ambiguous");
    match err {
        Error::Validation { field, reason } => {
            assert_eq!(field, "account");
            assert!(
                reason.contains("ann@acme.test") && reason.contains("bob@acme.test"),
                "{reason}"
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_account_chosen_picks_its_credential_ignoring_case() {
    let h = harness().await;
    valid_credential(&h, "ann@acme.test").await;
    let bob = valid_credential(&h, "bob@acme.test").await;
    let chosen = h
        .calstack
        .credential_for_account(h.client.id, Some(" Bob@Acme.test "))
        .await
        .expect("bob");
    assert_eq!(chosen.id, bob);
}

#[tokio::test]
async fn an_unknown_account_is_not_found_and_lists_the_known_ones() {
    let h = harness().await;
    valid_credential(&h, "ann@acme.test").await;
    let err = h
        .calstack
        .credential_for_account(h.client.id, Some("eve@acme.test"))
        .await
        .expect_err("unknown");
    match err {
        Error::NotFound { what } => assert!(what.contains("ann@acme.test"), "{what}"),
        other => panic!("expected not found, got {other:?}"),
    }
    let empty = h
        .calstack
        .credential_for_account(h.client.id, Some("  "))
        .await
        .expect_err("blank");
    assert!(matches!(empty, Error::Validation { ref field, .. } if field == "account"));
}

#[tokio::test]
async fn metrics_start_at_zero() {
    let h = harness().await;
    let m = h.calstack.metrics();
    assert_eq!(m.requests, 0);
    assert!(m.errors.is_empty());
}
