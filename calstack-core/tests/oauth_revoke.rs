//! Revocation at Google, and what it leaves behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use calstack_core::{Clock as _, Error};
use oauth_support::*;
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

async fn mount_revoke(h: &Harness, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(response)
        .expect(times)
        .named("revoke")
        .mount(&h.server)
        .await;
}

#[tokio::test]
async fn revoke_sends_the_refresh_token_and_marks_the_credential_invalid() {
    let h = harness().await;
    h.seed_fresh().await;
    mount_revoke(&h, ResponseTemplate::new(200), 1).await;
    h.oauth().revoke(h.id()).await.expect("revoked");

    let received = h.server.received_requests().await.expect("recording on");
    assert_eq!(received.len(), 1);
    let body = form(&received[0].body);
    assert_eq!(field(&body, "token").as_deref(), Some(OLD_REFRESH));
    assert!(
        received[0]
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
    );

    let stored = h.stored().await;
    assert!(!stored.is_valid);
    assert_eq!(stored.access_token, None);
    assert_eq!(stored.refresh_token, None);
    assert_eq!(stored.expires_at, None);
    assert_eq!(stored.last_error.as_deref(), Some("revoked"));
}

#[tokio::test]
async fn revoked_credential_requires_reauthorization_without_calling_google() {
    let h = harness().await;
    h.seed_fresh().await;
    mount_revoke(&h, ResponseTemplate::new(200), 1).await;
    h.oauth().revoke(h.id()).await.expect("revoked");
    let err = h.oauth().access_token(h.id()).await.expect_err("revoked");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );
    h.server.verify().await;
}

#[tokio::test]
async fn already_revoked_token_counts_as_revoked() {
    let h = harness().await;
    h.seed_fresh().await;
    mount_revoke(
        &h,
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_token",
            "error_description": "Token expired or revoked"
        })),
        1,
    )
    .await;
    h.oauth().revoke(h.id()).await.expect("treated as revoked");
    assert!(!h.stored().await.is_valid);
}

#[tokio::test]
async fn revoke_without_refresh_token_sends_the_access_token() {
    let h = harness().await;
    let later = h.clock.now() + chrono::TimeDelta::hours(1);
    h.seed_tokens(Some(OLD_ACCESS), None, Some(later)).await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=ya29.old-access-token-value"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&h.server)
        .await;
    h.oauth().revoke(h.id()).await.expect("revoked");
}

#[tokio::test]
async fn revoke_failure_at_google_leaves_the_credential_unchanged() {
    let h = harness().await;
    h.seed_fresh().await;
    let before = h.stored().await;
    mount_revoke(
        &h,
        ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_request"})),
        1,
    )
    .await;
    let err = h.oauth().revoke(h.id()).await.expect_err("refused");
    assert_eq!(err.status(), Some(400));
    assert_eq!(h.stored().await, before);
}

#[tokio::test]
async fn revoke_retries_server_errors() {
    let h = harness().await;
    h.seed_fresh().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&h.server)
        .await;
    mount_revoke(&h, ResponseTemplate::new(200), 1).await;
    h.oauth().revoke(h.id()).await.expect("second try works");
    assert_eq!(h.clock.sleeps().len(), 1);
    assert!(!h.stored().await.is_valid);
}
