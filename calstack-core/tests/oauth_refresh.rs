//! Handing out access tokens: refresh ahead of expiry, single-flight across tasks and across
//! managers sharing a store, `invalid_grant`, retries, and the Calendar client's auth hook.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use std::sync::Arc;
use std::time::Duration;

use calstack_core::crypto::aad;
use calstack_core::store::LeaseStore;
use calstack_core::{AccessToken, Clock, Error, SystemClock};
use chrono::TimeDelta;
use oauth_support::*;
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_string_contains, method, path};

#[tokio::test]
async fn fresh_token_is_served_without_calling_google() {
    let h = harness().await;
    h.seed_fresh().await;
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), OLD_ACCESS);
}

#[tokio::test]
async fn token_expiring_within_the_skew_is_refreshed() {
    let h = harness().await;
    let soon = h.clock.now() + TimeDelta::seconds(30);
    h.seed_tokens(Some(OLD_ACCESS), Some(OLD_REFRESH), Some(soon))
        .await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), NEW_ACCESS);
}

#[tokio::test]
async fn token_without_expiry_counts_as_expired() {
    let h = harness().await;
    h.seed_tokens(Some(OLD_ACCESS), Some(OLD_REFRESH), None)
        .await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), NEW_ACCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_runs_once_for_100_concurrent_callers() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(
        &h.server,
        refresh_response(NEW_ACCESS, None).set_delay(Duration::from_millis(50)),
        1,
    )
    .await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let oauth = h.oauth().clone();
        let id = h.id();
        tasks.push(tokio::spawn(async move { oauth.access_token(id).await }));
    }
    for task in tasks {
        let token = task.await.expect("task ran").expect("token");
        assert_eq!(token.secret(), NEW_ACCESS);
    }
    h.server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_managers_sharing_a_store_refresh_once() {
    let h = harness_with_system_clock().await;
    let expired = SystemClock.now() - TimeDelta::seconds(5);
    h.seed_tokens(Some(OLD_ACCESS), Some(OLD_REFRESH), Some(expired))
        .await;
    mount_refresh(
        &h.server,
        refresh_response(NEW_ACCESS, None).set_delay(Duration::from_millis(100)),
        1,
    )
    .await;
    let first = h.oauth().clone();
    let second = h.another_manager(Arc::new(SystemClock));
    let mut tasks = Vec::new();
    for i in 0..40 {
        let manager = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let id = h.id();
        tasks.push(tokio::spawn(async move { manager.access_token(id).await }));
    }
    for task in tasks {
        let token = task.await.expect("task ran").expect("token");
        assert_eq!(token.secret(), NEW_ACCESS);
    }
    h.server.verify().await;
}

#[tokio::test]
async fn waits_for_another_process_then_uses_its_token() {
    let h = harness().await;
    h.seed_expired().await;
    // Another process holds the refresh lease...
    let until = h.clock.now() + TimeDelta::seconds(30);
    assert!(
        h.store
            .try_acquire_lease(h.id(), "other-process", h.clock.now(), until)
            .await
            .expect("lease")
    );
    // ...and stores a fresh token after this manager has polled a few times.
    let store = h.store.clone();
    let clock = h.clock.clone();
    let id = h.id();
    let writer = tokio::spawn(async move {
        while clock.sleeps().len() < 3 {
            tokio::task::yield_now().await;
        }
        let keyring = keyring();
        let mut c = calstack_core::store::CredentialStore::get_credential(&*store, id)
            .await
            .expect("read")
            .expect("exists");
        c.access_token = Some(
            keyring
                .seal(NEW_ACCESS, &aad::credential(id, aad::ACCESS_TOKEN))
                .expect("seal"),
        );
        c.expires_at = Some(clock.now() + TimeDelta::hours(1));
        calstack_core::store::CredentialStore::update_credential(&*store, &c)
            .await
            .expect("write");
    });
    let token = h.oauth().access_token(h.id()).await.expect("token");
    writer.await.expect("writer ran");
    assert_eq!(token.secret(), NEW_ACCESS);
    assert!(h.clock.sleeps().len() >= 3, "it polled while waiting");
    // No mock mounted on /token: any refresh request would fail the test.
}

#[tokio::test]
async fn refreshes_itself_once_another_process_lease_expires() {
    let h = harness().await;
    h.seed_expired().await;
    let until = h.clock.now() + TimeDelta::seconds(2);
    assert!(
        h.store
            .try_acquire_lease(h.id(), "crashed-process", h.clock.now(), until)
            .await
            .expect("lease")
    );
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), NEW_ACCESS);
    let waited: Duration = h.clock.sleeps().iter().sum();
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}");
}

#[tokio::test]
async fn invalid_grant_marks_invalid_and_second_call_skips_the_network() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(
        &h.server,
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "Token has been expired or revoked."
        })),
        1,
    )
    .await;
    let err = h.oauth().access_token(h.id()).await.expect_err("revoked");
    match &err {
        Error::ReauthorizationRequired {
            credential_id,
            reason,
        } => {
            assert_eq!(*credential_id, h.id().to_string());
            assert!(reason.contains("invalid_grant"), "{reason}");
        }
        other => panic!("expected ReauthorizationRequired, got {other:?}"),
    }
    let stored = h.stored().await;
    assert!(!stored.is_valid);
    let last_error = stored.last_error.expect("reason kept");
    assert!(last_error.contains("invalid_grant"), "{last_error}");
    assert!(!last_error.contains(OLD_REFRESH));

    let again = h
        .oauth()
        .access_token(h.id())
        .await
        .expect_err("still invalid");
    assert!(matches!(again, Error::ReauthorizationRequired { .. }));
    h.server.verify().await; // exactly one request
}

#[tokio::test]
async fn refresh_keeps_the_refresh_token_when_google_omits_it() {
    let h = harness().await;
    h.seed_expired().await;
    let before = h.stored().await.refresh_token;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    h.oauth().access_token(h.id()).await.expect("token");
    let after = h.stored().await;
    assert_eq!(after.refresh_token, before);
    let opened = keyring()
        .open(
            after.refresh_token.as_ref().expect("kept"),
            &aad::credential(h.id(), aad::REFRESH_TOKEN),
        )
        .expect("opens");
    assert_eq!(opened.secret(), OLD_REFRESH);
    assert_eq!(
        after.expires_at,
        Some(h.clock.now() + TimeDelta::seconds(3599))
    );
}

#[tokio::test]
async fn refresh_stores_a_rotated_refresh_token() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(
        &h.server,
        refresh_response(NEW_ACCESS, Some(NEW_REFRESH)),
        1,
    )
    .await;
    h.oauth().access_token(h.id()).await.expect("token");
    let after = h.stored().await;
    let opened = keyring()
        .open(
            after.refresh_token.as_ref().expect("stored"),
            &aad::credential(h.id(), aad::REFRESH_TOKEN),
        )
        .expect("opens");
    assert_eq!(opened.secret(), NEW_REFRESH);
}

#[tokio::test]
async fn refresh_request_sends_the_refresh_token_and_app_credentials() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    h.oauth().access_token(h.id()).await.expect("token");
    let requests = h.server.received_requests().await.expect("recording on");
    let body = form(&requests[0].body);
    assert_eq!(field(&body, "refresh_token").as_deref(), Some(OLD_REFRESH));
    assert_eq!(field(&body, "client_id").as_deref(), Some(GOOGLE_CLIENT_ID));
    assert_eq!(
        field(&body, "client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
}

#[tokio::test]
async fn token_endpoint_5xx_is_retried_and_the_credential_stays_valid() {
    let h = harness().await;
    h.seed_expired().await;
    wiremock::Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(503).set_body_string("backend unavailable"))
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&h.server)
        .await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let token = h
        .oauth()
        .access_token(h.id())
        .await
        .expect("third try works");
    assert_eq!(token.secret(), NEW_ACCESS);
    assert_eq!(h.clock.sleeps().len(), 2, "backed off before each retry");
    assert!(h.stored().await.is_valid);
}

#[tokio::test]
async fn persistent_5xx_gives_a_retryable_error_and_leaves_the_credential_valid() {
    let h = harness().await;
    h.seed_expired().await;
    let retries = calstack_core::oauth::OAuthConfig::default().max_retries;
    mount_refresh(
        &h.server,
        ResponseTemplate::new(500),
        u64::from(retries) + 1,
    )
    .await;
    let err = h
        .oauth()
        .access_token(h.id())
        .await
        .expect_err("keeps failing");
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    let stored = h.stored().await;
    assert!(stored.is_valid);
    // The one retry policy's full jitter: delay n is drawn from [0, ceiling(n)].
    let sleeps = h.clock.sleeps();
    assert_eq!(sleeps.len(), retries as usize);
    let policy = calstack_core::RetryPolicy::default();
    assert!(
        (1u32..).zip(&sleeps).all(|(n, d)| *d <= policy.ceiling(n)),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn unauthorized_retry_forces_one_refresh() {
    let h = harness().await;
    h.seed_fresh().await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let source = h.oauth().token_source(h.id());
    let rejected = source.access_token().await.expect("token");
    assert_eq!(rejected.secret(), OLD_ACCESS);
    let replacement = source
        .refresh_after_unauthorized(&rejected)
        .await
        .expect("refresh")
        .expect("a new token");
    assert_eq!(replacement.secret(), NEW_ACCESS);
    // A second task that saw the same 401 gets the already-replaced token without a refresh.
    let again = source
        .refresh_after_unauthorized(&rejected)
        .await
        .expect("no refresh")
        .expect("token");
    assert_eq!(again.secret(), NEW_ACCESS);
    h.server.verify().await;
}

#[tokio::test]
async fn unauthorized_retry_does_not_refresh_when_the_token_already_changed() {
    let h = harness().await;
    h.seed_fresh().await;
    let source = h.oauth().token_source(h.id());
    let stale = AccessToken::new("ya29.token-from-before");
    let token = source
        .refresh_after_unauthorized(&stale)
        .await
        .expect("no refresh needed")
        .expect("token");
    assert_eq!(token.secret(), OLD_ACCESS);
}

#[tokio::test]
async fn never_authorized_credential_requires_consent() {
    let h = harness().await;
    let err = h
        .oauth()
        .access_token(h.id())
        .await
        .expect_err("no consent yet");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn unknown_credential_is_not_found() {
    let h = harness().await;
    let err = h
        .oauth()
        .access_token(calstack_core::CredentialId::new())
        .await
        .expect_err("unknown");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn absurd_expires_in_is_capped_at_a_day() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(
        &h.server,
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": NEW_ACCESS,
            "expires_in": u64::MAX,
            "token_type": "Bearer",
        })),
        1,
    )
    .await;
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), NEW_ACCESS);
    let expires_at = h.stored().await.expires_at.expect("set");
    assert_eq!(expires_at, h.clock.now() + TimeDelta::days(1));
}

#[tokio::test]
async fn wrong_app_credentials_are_reported_but_do_not_invalidate_the_grant() {
    let h = harness().await;
    h.seed_expired().await;
    mount_refresh(
        &h.server,
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "The OAuth client was not found."
        })),
        1,
    )
    .await;
    let err = h.oauth().access_token(h.id()).await.expect_err("refused");
    match err {
        Error::Authorization { code, reason } => {
            assert_eq!(code, "invalid_client");
            assert_eq!(reason, "The OAuth client was not found.");
        }
        other => panic!("expected an authorization error, got {other:?}"),
    }
    let stored = h.stored().await;
    assert!(stored.is_valid);
    assert_eq!(
        stored.last_error.as_deref(),
        Some("refresh refused: invalid_client")
    );
}

#[tokio::test]
async fn token_endpoint_timeout_is_retried() {
    let h = harness().await;
    h.seed_expired().await;
    let manager = calstack_core::oauth::OAuthManager::new(
        h.store.clone(),
        keyring(),
        endpoints(&h.server),
        Arc::new(h.clock.clone()),
        calstack_core::oauth::OAuthConfig {
            http_timeout: Duration::from_millis(200),
            ..config()
        },
    )
    .expect("manager");
    wiremock::Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(refresh_response("ya29.too-late", None).set_delay(Duration::from_secs(10)))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&h.server)
        .await;
    mount_refresh(&h.server, refresh_response(NEW_ACCESS, None), 1).await;
    let token = manager
        .access_token(h.id())
        .await
        .expect("second try works");
    assert_eq!(token.secret(), NEW_ACCESS);
    assert_eq!(h.clock.sleeps().len(), 1);
    assert!(h.stored().await.is_valid);
}

#[tokio::test]
async fn unexpired_token_is_served_while_another_process_refreshes() {
    let h = harness().await;
    // Within the 60 s skew, so due for refresh, but not expired.
    let soon = h.clock.now() + TimeDelta::seconds(30);
    h.seed_tokens(Some(OLD_ACCESS), Some(OLD_REFRESH), Some(soon))
        .await;
    let until = h.clock.now() + TimeDelta::seconds(30);
    assert!(
        h.store
            .try_acquire_lease(h.id(), "other-process", h.clock.now(), until)
            .await
            .expect("lease")
    );
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), OLD_ACCESS);
    assert!(h.clock.sleeps().is_empty(), "did not wait");
}
