//! The token pipeline's in-memory cache: a fresh token is served without reading the store or
//! opening a sealed value, and everything that changes a credential forgets the cached token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use std::time::Duration;

use calstack_core::crypto::aad;
use calstack_core::oauth::CredentialUpdate;
use calstack_core::store::CredentialStore;
use calstack_core::{Error, Sealed};
use oauth_support::*;
use wiremock::ResponseTemplate;
use wiremock::matchers::{method, path};

/// Replaces the stored access token behind the manager's back (as another process, or a
/// corrupted row, would), without touching the manager's cache.
async fn put_stored_access(h: &Harness, sealed: Sealed) {
    let mut c = h.stored().await;
    c.access_token = Some(sealed);
    h.store.update_credential(&c).await.expect("update");
}

/// Google accepting one revocation.
async fn mount_revoke(h: &Harness) {
    wiremock::Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&h.server)
        .await;
}

fn garbage() -> Sealed {
    Sealed::from_stored("v1:00000000:not-a-ciphertext")
}

fn sealed(h: &Harness, token: &str) -> Sealed {
    keyring()
        .seal(token, &aad::credential(h.id(), aad::ACCESS_TOKEN))
        .expect("seal")
}

#[tokio::test]
async fn a_fresh_token_is_served_from_memory_without_reading_the_store() {
    let h = harness().await;
    h.seed_fresh().await;
    let first = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(first.secret(), OLD_ACCESS);
    // The stored value can no longer be opened: only a read of the store would notice.
    put_stored_access(&h, garbage()).await;
    for _ in 0..100 {
        let again = h
            .oauth()
            .access_token(h.id())
            .await
            .expect("served from memory");
        assert_eq!(again.secret(), OLD_ACCESS);
    }
}

#[tokio::test]
async fn the_cached_token_is_refreshed_once_it_is_due() {
    let h = harness().await;
    h.seed_fresh().await;
    h.oauth().access_token(h.id()).await.expect("token");
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    // Within the 60 s skew of the hour's end.
    h.clock.advance(Duration::from_secs(3600 - 30));
    let token = h.oauth().access_token(h.id()).await.expect("refreshed");
    assert_eq!(token.secret(), NEW_ACCESS);
    let again = h.oauth().access_token(h.id()).await.expect("cached");
    assert_eq!(again.secret(), NEW_ACCESS);
    h.server.verify().await;
}

#[tokio::test]
async fn revoking_forgets_the_cached_token() {
    let h = harness().await;
    h.seed_fresh().await;
    h.oauth().access_token(h.id()).await.expect("cached");
    mount_revoke(&h).await;
    h.oauth().revoke(h.id()).await.expect("revoked");
    let err = h.oauth().access_token(h.id()).await.expect_err("revoked");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn key_rotation_and_credential_updates_forget_the_cached_token() {
    let h = harness().await;
    h.seed_fresh().await;
    h.oauth().access_token(h.id()).await.expect("cached");
    put_stored_access(&h, sealed(&h, "ya29.written-by-another-process")).await;
    assert_eq!(
        h.oauth().access_token(h.id()).await.unwrap().secret(),
        OLD_ACCESS,
        "still the cached one"
    );
    h.calstack.rotate_keys().await.expect("rotation");
    assert_eq!(
        h.oauth().access_token(h.id()).await.unwrap().secret(),
        "ya29.written-by-another-process",
        "rotation made the next call read the store"
    );

    put_stored_access(&h, sealed(&h, "ya29.second-write")).await;
    h.oauth()
        .update_credential(
            h.id(),
            CredentialUpdate {
                redirect_uri: Some("https://app.example.test/other/callback".into()),
                ..CredentialUpdate::default()
            },
        )
        .await
        .expect("updated");
    assert_eq!(
        h.oauth().access_token(h.id()).await.unwrap().secret(),
        "ya29.second-write",
        "an update made the next call read the store"
    );
}

#[tokio::test]
async fn a_grant_revoked_by_another_process_is_noticed_at_the_first_401() {
    let h = harness().await;
    h.seed_fresh().await;
    let source = h.oauth().token_source(h.id());
    let cached = source.access_token().await.expect("cached");
    // Another process revokes: this one still holds the token in memory.
    let other = h.another_manager(std::sync::Arc::new(h.clock.clone()));
    mount_revoke(&h).await;
    other.revoke(h.id()).await.expect("revoked elsewhere");
    assert_eq!(source.access_token().await.unwrap(), cached);
    // Google answers 401 to it; the source goes to the store and finds the grant gone.
    let err = source
        .refresh_after_unauthorized(&cached)
        .await
        .expect_err("revoked");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn refreshes_and_cache_hits_are_counted() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let recorder = calstack_core::metrics::prometheus::recorder();
    let handle = recorder.handle();
    {
        let _scope = metrics::set_default_local_recorder(&recorder);
        for _ in 0..3 {
            h.oauth().access_token(h.id()).await.expect("token");
        }
    }
    let text = handle.render();
    for line in [
        r#"calstack_token_refreshes_total{outcome="ok"} 1"#,
        r#"calstack_token_lookups_total{source="store"} 1"#,
        r#"calstack_token_lookups_total{source="cache"} 2"#,
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    assert!(!text.contains(NEW_ACCESS) && !text.contains(OLD_REFRESH));
}
