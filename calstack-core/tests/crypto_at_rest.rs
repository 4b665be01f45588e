//! Encryption at rest through the manager: nothing plain in the store, ciphertexts bound to
//! their row and field, clear errors for a wrong key, and key rotation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use std::sync::Arc;

use calstack_core::crypto::{EncryptionKey, Keyring};
use calstack_core::oauth::{NewCredential, OAuthManager};
use calstack_core::store::CredentialStore;
use calstack_core::{ClientSecret, Error};
use oauth_support::*;

fn manager_with(h: &Harness, keyring: Keyring) -> OAuthManager {
    OAuthManager::new(
        h.store.clone(),
        keyring,
        endpoints(&h.server),
        Arc::new(h.clock.clone()),
        config(),
    )
    .expect("manager")
}

fn crypto_message(err: Error) -> String {
    match err {
        Error::Crypto(message) => message,
        other => panic!("expected a crypto error, got {other:?}"),
    }
}

#[tokio::test]
async fn store_never_holds_a_plaintext_secret() {
    let h = harness().await;
    h.seed_fresh().await;
    let stored = h.stored().await;
    let client_secret = stored.client_secret.as_stored();
    let access = stored.access_token.as_ref().expect("sealed").as_stored();
    let refresh = stored.refresh_token.as_ref().expect("sealed").as_stored();
    for (text, secret) in [
        (client_secret, CLIENT_SECRET),
        (access, OLD_ACCESS),
        (refresh, OLD_REFRESH),
    ] {
        assert!(text.starts_with("v1:"), "{text}");
        assert!(!text.contains(secret));
    }
}

#[tokio::test]
async fn ciphertext_swapped_between_fields_fails_to_open() {
    let h = harness().await;
    h.seed_fresh().await;
    let mut c = h.stored().await;
    // Put the refresh token's ciphertext where the access token belongs.
    c.access_token = c.refresh_token.clone();
    h.store.update_credential(&c).await.expect("write");
    let err = h.oauth().access_token(h.id()).await.expect_err("swapped");
    let message = crypto_message(err);
    assert!(message.contains("access_token"), "{message}");
    assert!(!message.contains(OLD_REFRESH));
}

#[tokio::test]
async fn ciphertext_copied_from_another_credential_fails_to_open() {
    let h = harness().await;
    h.seed_fresh().await;
    let other = h
        .oauth()
        .register(NewCredential {
            client_id: h.client.id,
            google_client_id: GOOGLE_CLIENT_ID.into(),
            client_secret: ClientSecret::new("another-secret"),
            scopes: vec!["calendar".into()],
            redirect_uri: REDIRECT_URI.into(),
            account_email: None,
        })
        .await
        .expect("second credential");
    let source = h.stored().await;
    let mut target = h
        .store
        .get_credential(other.id)
        .await
        .expect("read")
        .expect("exists");
    target.access_token = source.access_token.clone();
    target.refresh_token = source.refresh_token.clone();
    target.expires_at = source.expires_at;
    target.is_valid = true;
    h.store.update_credential(&target).await.expect("write");
    let err = h
        .oauth()
        .access_token(other.id)
        .await
        .expect_err("copied row");
    assert!(matches!(err, Error::Crypto(_)), "{err:?}");
}

#[tokio::test]
async fn wrong_key_gives_a_clear_error_naming_the_missing_key_id() {
    let h = harness().await;
    h.seed_fresh().await;
    let wrong = manager_with(&h, Keyring::new(EncryptionKey::from_bytes([7; 32])));
    let err = wrong.access_token(h.id()).await.expect_err("wrong key");
    let message = crypto_message(err);
    assert!(message.contains(keyring().current_key_id()), "{message}");
    assert!(message.contains("not in the keyring"), "{message}");
    assert!(!message.contains(OLD_ACCESS), "{message}");
}

#[tokio::test]
async fn key_rotation_reseals_everything_and_the_old_key_can_then_be_dropped() {
    let h = harness().await;
    h.seed_fresh().await;
    let new_key = EncryptionKey::from_bytes([9; 32]);
    let rotated = keyring().rotated_to(new_key.clone());
    let manager = manager_with(&h, rotated.clone());

    // Before rotation the new keyring opens old values through the old key.
    assert_eq!(
        manager.access_token(h.id()).await.expect("token").secret(),
        OLD_ACCESS
    );

    let report = manager.rotate_keys().await.expect("rotation");
    assert_eq!(report.examined, 1);
    assert_eq!(report.resealed, 1);
    let stored = h.stored().await;
    let prefix = format!("v1:{}:", rotated.current_key_id());
    assert!(stored.client_secret.as_stored().starts_with(&prefix));
    assert!(
        stored
            .refresh_token
            .as_ref()
            .expect("kept")
            .as_stored()
            .starts_with(&prefix)
    );

    // A second rotation has nothing to do.
    let again = manager.rotate_keys().await.expect("rotation");
    assert_eq!(again.resealed, 0);

    // Only the new key now: everything still opens.
    let new_only = manager_with(&h, Keyring::new(new_key));
    assert_eq!(
        new_only.access_token(h.id()).await.expect("token").secret(),
        OLD_ACCESS
    );
    // And the old key alone no longer can.
    let old_only = manager_with(&h, keyring());
    assert!(matches!(
        old_only.access_token(h.id()).await,
        Err(Error::Crypto(_))
    ));
}

#[tokio::test]
async fn keyring_from_env_style_list_opens_values_of_every_listed_key() {
    let old = EncryptionKey::from_bytes([1; 32]);
    let new = EncryptionKey::from_bytes([2; 32]);
    let sealed = Keyring::new(old.clone())
        .seal("secret-value", "aad")
        .expect("seal");
    let list = format!("{},{}", new.to_base64_secret(), old.to_base64_secret());
    let ring = Keyring::from_base64(&list).expect("list");
    assert_eq!(ring.current_key_id(), new.id());
    assert_eq!(
        ring.open(&sealed, "aad").expect("old key opens").secret(),
        "secret-value"
    );
}
