//! Secret hygiene across a whole credential lifecycle: no secret in captured `tracing` output,
//! in any `Debug` string or in any error message. (A unit test so `tracing-test` captures this
//! crate's logs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use tracing_test::traced_test;
use wiremock::matchers::{any, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{GoogleEndpoints, NewCredential, OAuthConfig};
use crate::clock::ManualClock;
use crate::crypto::{EncryptionKey, Keyring};
use crate::facade::Calstack;
use crate::secret::ClientSecret;
use crate::store::{MemoryStore, Store};

const CLIENT_SECRET: &str = "GOCSPX-hygiene-client-secret";
const CODE: &str = "4/0AX-hygiene-authorization-code";
const FIRST_ACCESS: &str = "ya29.hygiene-first-access";
const FIRST_REFRESH: &str = "1//hygiene-first-refresh";
const SECOND_ACCESS: &str = "ya29.hygiene-second-access";
const SECOND_REFRESH: &str = "1//hygiene-second-refresh";

#[tokio::test]
#[traced_test]
async fn no_secret_reaches_logs_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418))
        .with_priority(u8::MAX)
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": FIRST_ACCESS, "expires_in": 3599, "refresh_token": FIRST_REFRESH,
            "scope": "https://www.googleapis.com/auth/calendar.readonly", "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("hygiene-first-refresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": SECOND_ACCESS, "expires_in": 3599, "refresh_token": SECOND_REFRESH,
            "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("hygiene-second-refresh"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Token has been expired or revoked."
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let key = EncryptionKey::generate();
    let key_text = key.to_base64_secret();
    let start = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    let clock = ManualClock::new(start);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let calstack = Calstack::builder()
        .store(store.clone())
        .keyring(Keyring::new(key.clone()))
        .endpoints(
            GoogleEndpoints::new(
                "https://accounts.example.test/auth",
                &format!("{}/token", server.uri()),
                &format!("{}/revoke", server.uri()),
                &format!("{}/calendar/v3/", server.uri()),
            )
            .expect("endpoints"),
        )
        .clock(Arc::new(clock.clone()))
        .oauth_config(OAuthConfig::default())
        .build()
        .expect("facade");
    let oauth = calstack.oauth();
    let client = calstack
        .clients()
        .create("Hygiene Inc", "sec@hygiene.example")
        .await
        .expect("client");
    let new = NewCredential {
        client_id: client.id,
        google_client_id: "hygiene.apps.googleusercontent.com".into(),
        client_secret: ClientSecret::new(CLIENT_SECRET),
        scopes: vec!["calendar.readonly".into(), "calendar.events".into()],
        redirect_uri: "https://app.example.test/cb".into(),
        account_email: None,
    };
    let mut debug = vec![format!("{new:?}"), format!("{key:?}")];
    let credential = oauth.register(new).await.expect("registered");
    let request = oauth.authorize_url(credential.id).await.expect("url");
    let completed = oauth.complete(CODE, &request.state).await.expect("consent");
    clock.advance(std::time::Duration::from_secs(3600));
    let refreshed = oauth.access_token(credential.id).await.expect("refresh");
    assert_eq!(refreshed.secret(), SECOND_ACCESS);
    clock.advance(std::time::Duration::from_secs(3600));
    let invalid = oauth
        .access_token(credential.id)
        .await
        .expect_err("invalid_grant");
    let source = oauth.token_source(credential.id);
    let stale = source
        .refresh_after_unauthorized(&refreshed)
        .await
        .expect_err("invalid");
    oauth.revoke(credential.id).await.expect("revoked");
    let bad_key = Keyring::new(EncryptionKey::generate())
        .open(&completed.client_secret, "x")
        .expect_err("wrong key");
    let wrong_aad = Keyring::new(key.clone())
        .open(&completed.client_secret, "x")
        .expect_err("wrong aad");

    // The PKCE verifier as Google received it.
    let received = server.received_requests().await.expect("recording");
    let verifier = url::form_urlencoded::parse(&received[0].body)
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.into_owned())
        .expect("verifier sent");

    debug.extend([
        format!("{completed:?}"),
        format!("{:?}", oauth.get_credential(credential.id).await),
        format!("{refreshed:?}"),
        format!("{invalid:?} {invalid}"),
        format!("{stale:?} {stale}"),
        format!("{bad_key:?} {bad_key}"),
        format!("{wrong_aad:?} {wrong_aad}"),
        format!("{calstack:?}"),
        format!("{oauth:?}"),
        format!("{source:?}"),
        format!("{request:?}"),
    ]);
    let secrets = [
        CLIENT_SECRET,
        CODE,
        FIRST_ACCESS,
        FIRST_REFRESH,
        SECOND_ACCESS,
        SECOND_REFRESH,
        verifier.as_str(),
        key_text.as_str(),
    ];
    for text in &debug {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaked into {text}");
        }
    }
    assert!(debug[2].contains("Sealed(..)"), "{}", debug[2]);

    // The run did log, and none of it holds a secret.
    assert!(logs_contain("consent completed"));
    assert!(logs_contain("access token refreshed"));
    assert!(logs_contain("credential marked invalid"));
    assert!(logs_contain("credential revoked"));
    logs_assert(|lines: &[&str]| {
        for line in lines {
            for secret in secrets {
                if line.contains(secret) {
                    return Err(format!("{secret:?} leaked into log line {line}"));
                }
            }
        }
        Ok(())
    });
}
