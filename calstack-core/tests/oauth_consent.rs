//! Consent: the authorization URL, PKCE, the single-use expiring state, the code exchange and
//! the callback shapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oauth_support;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use calstack_core::crypto::aad;
use calstack_core::oauth::{AuthorizeOptions, CredentialExt as _};
use calstack_core::{Clock, Error};
use chrono::TimeDelta;
use oauth_support::*;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

fn query(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// Google's answer to a code exchange, granting `scope`.
fn code_response(scope: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": NEW_ACCESS,
        "expires_in": 3599,
        "refresh_token": NEW_REFRESH,
        "scope": scope,
        "token_type": "Bearer",
        "id_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
    }))
}

const BOTH_SCOPES: &str = "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.readonly";

async fn mount_code_exchange(h: &Harness, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(response)
        .expect(times)
        .named("code exchange")
        .mount(&h.server)
        .await;
}

fn authorization_code(err: &Error) -> &str {
    match err {
        Error::Authorization { code, .. } => code,
        other => panic!("expected an authorization error, got {other:?}"),
    }
}

#[tokio::test]
async fn authorize_url_has_every_required_parameter() {
    let h = harness().await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let url = &request.url;
    assert_eq!(url.host_str(), Some("accounts.example.test"));
    assert_eq!(url.path(), "/o/oauth2/v2/auth");
    let q = query(url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], GOOGLE_CLIENT_ID);
    assert_eq!(q["redirect_uri"], REDIRECT_URI);
    assert_eq!(q["scope"], BOTH_SCOPES);
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["include_granted_scopes"], "true");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43, "base64url SHA-256");
    assert_eq!(q["state"], request.state);
    assert!(request.state.len() >= 22, "state has enough entropy");
    assert!(!q.contains_key("login_hint"));
    assert!(!q.contains_key("client_secret"));
    assert_eq!(request.expires_at, h.clock.now() + TimeDelta::minutes(10));

    let other = h.oauth().authorize_url(h.id()).await.expect("url");
    assert_ne!(other.state, request.state, "state is random per request");
}

#[tokio::test]
async fn authorize_url_carries_the_login_hint() {
    let h = harness().await;
    let request = h
        .oauth()
        .authorize_url_with(
            h.id(),
            AuthorizeOptions {
                login_hint: Some("owner@acme.example".into()),
                ..AuthorizeOptions::default()
            },
        )
        .await
        .expect("url");
    assert_eq!(query(&request.url)["login_hint"], "owner@acme.example");
}

#[tokio::test]
async fn code_exchange_sends_the_pkce_verifier_and_the_registered_redirect_uri() {
    let h = harness().await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let challenge = query(&request.url)["code_challenge"].clone();

    h.oauth()
        .complete("4/0AX-test-code", &request.state)
        .await
        .expect("consent completes");

    let received = h.server.received_requests().await.expect("recording on");
    assert_eq!(received.len(), 1);
    let body = form(&received[0].body);
    assert_eq!(
        field(&body, "grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(field(&body, "code").as_deref(), Some("4/0AX-test-code"));
    assert_eq!(field(&body, "redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert_eq!(field(&body, "client_id").as_deref(), Some(GOOGLE_CLIENT_ID));
    assert_eq!(
        field(&body, "client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    let verifier = field(&body, "code_verifier").expect("verifier sent");
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        computed, challenge,
        "verifier matches the challenge in the URL"
    );
}

#[tokio::test]
async fn completed_consent_stores_sealed_tokens_and_marks_the_credential_valid() {
    let h = harness().await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let credential = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect("completes");
    assert!(credential.is_valid);
    assert_eq!(credential.last_error, None);
    assert!(credential.missing_scopes().is_empty());
    assert!(credential.is_authorized());
    assert_eq!(
        credential.expires_at,
        Some(h.clock.now() + TimeDelta::seconds(3599))
    );
    let stored = h.stored().await;
    assert_eq!(stored, credential);
    let access = stored.access_token.as_ref().expect("access token");
    assert!(
        !access.as_stored().contains(NEW_ACCESS),
        "sealed, not plain"
    );
    let opened = keyring()
        .open(access, &aad::credential(h.id(), aad::ACCESS_TOKEN))
        .expect("opens");
    assert_eq!(opened.secret(), NEW_ACCESS);
    // The next call is served from the store.
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), NEW_ACCESS);
}

#[tokio::test]
async fn narrower_grant_is_recorded_and_reported_as_missing_scopes() {
    let h = harness().await;
    mount_code_exchange(
        &h,
        code_response("https://www.googleapis.com/auth/calendar.readonly"),
        1,
    )
    .await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let credential = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect("completes");
    assert_eq!(
        credential.scopes,
        vec![
            "https://www.googleapis.com/auth/calendar.events",
            "https://www.googleapis.com/auth/calendar.readonly"
        ]
    );
    assert_eq!(
        credential.granted_scopes,
        vec!["https://www.googleapis.com/auth/calendar.readonly"]
    );
    assert_eq!(
        credential.missing_scopes(),
        vec!["https://www.googleapis.com/auth/calendar.events"]
    );
    assert!(credential.has_scope("https://www.googleapis.com/auth/calendar.readonly"));
}

#[tokio::test]
async fn unknown_state_is_rejected_and_nothing_changes() {
    let h = harness().await;
    let before = h.stored().await;
    let err = h
        .oauth()
        .complete("code", "forged-state")
        .await
        .expect_err("unknown state");
    assert_eq!(authorization_code(&err), "invalid_state");
    assert_eq!(h.stored().await, before);
}

#[tokio::test]
async fn replayed_state_is_rejected() {
    let h = harness().await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    h.oauth()
        .complete("code", &request.state)
        .await
        .expect("first use works");
    let after_first = h.stored().await;
    let err = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect_err("replay");
    assert_eq!(authorization_code(&err), "invalid_state");
    assert_eq!(h.stored().await, after_first);
    h.server.verify().await; // one exchange only
}

#[tokio::test]
async fn expired_state_is_rejected_without_calling_google() {
    let h = harness().await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let before = h.stored().await;
    h.clock.advance(Duration::from_secs(601));
    let err = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect_err("expired");
    assert_eq!(authorization_code(&err), "expired_state");
    assert_eq!(h.stored().await, before);
    // And it is gone: a retry is now an unknown state.
    let err = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect_err("consumed");
    assert_eq!(authorization_code(&err), "invalid_state");
}

#[tokio::test]
async fn access_denied_callback_is_typed_and_consumes_the_state() {
    let h = harness().await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let before = h.stored().await;
    let err = h
        .oauth()
        .complete_callback([
            ("error", "access_denied"),
            ("state", request.state.as_str()),
        ])
        .await
        .expect_err("denied");
    assert_eq!(authorization_code(&err), "access_denied");
    assert_eq!(h.stored().await, before);
    let replay = h
        .oauth()
        .complete_callback([("code", "code"), ("state", request.state.as_str())])
        .await
        .expect_err("state was consumed");
    assert_eq!(authorization_code(&replay), "invalid_state");
}

#[tokio::test]
async fn callback_query_string_completes_consent() {
    let h = harness().await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let query = format!(
        "?code=4%2F0AX-code&scope={}&state={}",
        url::form_urlencoded::byte_serialize(BOTH_SCOPES.as_bytes()).collect::<String>(),
        request.state
    );
    let credential = h
        .oauth()
        .complete_callback_query(&query)
        .await
        .expect("completes");
    assert!(credential.is_valid);
    let received = h.server.received_requests().await.expect("recording on");
    assert_eq!(
        field(&form(&received[0].body), "code").as_deref(),
        Some("4/0AX-code")
    );
}

#[tokio::test]
async fn callback_without_state_is_refused() {
    let h = harness().await;
    let err = h
        .oauth()
        .complete_callback([("code", "abc")])
        .await
        .expect_err("no state");
    assert_eq!(authorization_code(&err), "invalid_state");
}

#[tokio::test]
async fn google_refusing_the_code_is_an_authorization_error() {
    let h = harness().await;
    mount_code_exchange(
        &h,
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "Bad Request"
        })),
        1,
    )
    .await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let err = h
        .oauth()
        .complete("used-code", &request.state)
        .await
        .expect_err("refused");
    assert_eq!(authorization_code(&err), "invalid_grant");
    assert!(!h.stored().await.is_valid, "still awaiting consent");
}

#[tokio::test]
async fn reconsent_revalidates_an_invalid_credential() {
    let h = harness().await;
    h.seed_expired().await;
    // invalid_grant on refresh...
    mount_refresh(
        &h.server,
        ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})),
        1,
    )
    .await;
    h.oauth().access_token(h.id()).await.expect_err("revoked");
    assert!(!h.stored().await.is_valid);
    // ...then consent again.
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let credential = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect("completes");
    assert!(credential.is_valid);
    assert_eq!(credential.last_error, None);
    let token = h.oauth().access_token(h.id()).await.expect("token");
    assert_eq!(token.secret(), NEW_ACCESS);
}

#[tokio::test]
async fn consent_records_the_verified_account_email_from_the_id_token() {
    let h = harness().await;
    let claims = URL_SAFE_NO_PAD.encode(
        json!({"sub": "1101", "email": "owner@acme.example", "email_verified": true}).to_string(),
    );
    mount_code_exchange(
        &h,
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": NEW_ACCESS,
            "expires_in": 3599,
            "refresh_token": NEW_REFRESH,
            "scope": format!("{BOTH_SCOPES} openid https://www.googleapis.com/auth/userinfo.email"),
            "token_type": "Bearer",
            "id_token": format!("eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln"),
        })),
        1,
    )
    .await;
    assert_eq!(h.credential.account_email, None);
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let credential = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect("completes");
    assert_eq!(
        credential.account_email.as_deref(),
        Some("owner@acme.example")
    );
    // The next consent pre-selects that account.
    let next = h.oauth().authorize_url(h.id()).await.expect("url");
    assert_eq!(query(&next.url)["login_hint"], "owner@acme.example");
}

#[tokio::test]
async fn loopback_redirect_override_is_repeated_in_the_code_exchange() {
    let h = harness().await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let loopback = "http://127.0.0.1:53682/";
    let request = h
        .oauth()
        .authorize_url_with(
            h.id(),
            AuthorizeOptions {
                redirect_uri: Some(loopback.into()),
                ..AuthorizeOptions::default()
            },
        )
        .await
        .expect("url");
    assert_eq!(query(&request.url)["redirect_uri"], loopback);
    h.oauth()
        .complete("code", &request.state)
        .await
        .expect("completes");
    let received = h.server.received_requests().await.expect("recording on");
    assert_eq!(
        field(&form(&received[0].body), "redirect_uri").as_deref(),
        Some(loopback)
    );
    // The registered redirect URI is unchanged.
    assert_eq!(h.stored().await.redirect_uri, REDIRECT_URI);
    let err = h
        .oauth()
        .authorize_url_with(
            h.id(),
            AuthorizeOptions {
                redirect_uri: Some("not a url".into()),
                ..AuthorizeOptions::default()
            },
        )
        .await
        .expect_err("invalid override");
    assert!(matches!(err, Error::Validation { ref field, .. } if field == "redirect_uri"));
}

#[tokio::test]
async fn code_exchange_is_retried_after_a_server_error() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&h.server)
        .await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let credential = h
        .oauth()
        .complete("code", &request.state)
        .await
        .expect("second try works");
    assert!(credential.is_valid);
    assert_eq!(h.clock.sleeps().len(), 1);
}

#[tokio::test]
async fn a_consent_started_before_key_rotation_completes_with_only_the_new_key() {
    use calstack_core::crypto::{EncryptionKey, Keyring};
    use calstack_core::oauth::OAuthManager;
    use std::sync::Arc;

    let h = harness().await;
    mount_code_exchange(&h, code_response(BOTH_SCOPES), 1).await;
    let request = h.oauth().authorize_url(h.id()).await.expect("url");
    let challenge = query(&request.url)["code_challenge"].clone();
    let manager = |keyring: Keyring| {
        OAuthManager::new(
            h.store.clone(),
            keyring,
            endpoints(&h.server),
            Arc::new(h.clock.clone()),
            config(),
        )
        .expect("manager")
    };

    let new_key = EncryptionKey::from_bytes([9; 32]);
    let report = manager(keyring().rotated_to(new_key.clone()))
        .rotate_keys()
        .await
        .expect("rotation");
    assert_eq!(
        report.pending_resealed, 1,
        "the consent in progress is re-sealed"
    );

    // The old key is gone; the user now comes back from Google's consent page.
    manager(Keyring::new(new_key))
        .complete("code", &request.state)
        .await
        .expect("consent completes without the old key");
    let received = h.server.received_requests().await.expect("recording on");
    let verifier = field(&form(&received[0].body), "code_verifier").expect("verifier sent");
    assert_eq!(
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        challenge,
        "the re-sealed verifier is the one the URL's challenge was made from"
    );
}
