//! Shared by the `manager_*` tests: a wiremock Google token endpoint that fails loudly on any
//! unexpected request, `Calstack` instances that each open their own pool on a database URL
//! (the way separate worker processes would), and a consented credential to work with.
//!
//! Database isolation (a fresh PostgreSQL schema / MariaDB database per test, loud skips
//! outside CI) comes from the backend tests' `support` module, included by each test crate.

use std::sync::Arc;
use std::time::Duration;

use calstack_core::crypto::Keyring;
use calstack_core::oauth::{GoogleEndpoints, NewCredential, OAuthConfig};
use calstack_core::store::Store;
use calstack_core::{Calstack, ClientSecret, CredentialId, OAuthCredential};
use chrono::{TimeDelta, Utc};
use serde_json::json;
use wiremock::matchers::{any, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The client secret registered for the test credential.
pub(crate) const CLIENT_SECRET: &str = "GOCSPX-manager-test-client-secret-7Qx";
/// The authorization code the test "user" brings back from consent.
pub(crate) const AUTH_CODE: &str = "4/0AX-manager-test-authorization-code";
/// The access token the code exchange returns.
pub(crate) const FIRST_ACCESS: &str = "ya29.manager-first-access-token-Hk2";
/// The refresh token the code exchange returns.
pub(crate) const FIRST_REFRESH: &str = "1//manager-first-refresh-token-Zp9";
/// The access token a refresh returns.
pub(crate) const SECOND_ACCESS: &str = "ya29.manager-second-access-token-Lw4";
/// The (rotated) refresh token a refresh returns.
pub(crate) const SECOND_REFRESH: &str = "1//manager-second-refresh-token-Rb6";

/// A wiremock server standing in for Google's token endpoint. Any request no test mock
/// answers gets a 418 and fails the test when the server is verified.
pub(crate) async fn token_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .named("no unexpected request reaches Google")
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// Answers exactly one authorization-code exchange with `FIRST_ACCESS` / `FIRST_REFRESH`.
pub(crate) async fn mount_code_exchange(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": FIRST_ACCESS,
            "expires_in": 3599,
            "refresh_token": FIRST_REFRESH,
            "scope": "https://www.googleapis.com/auth/calendar",
            "token_type": "Bearer",
        })))
        .named("code exchange")
        .expect(1)
        .mount(server)
        .await;
}

/// Answers exactly one refresh of `FIRST_REFRESH` with `SECOND_ACCESS` / `SECOND_REFRESH`,
/// after `delay` (so concurrent callers really do arrive while it is in flight).
pub(crate) async fn mount_refresh(server: &MockServer, delay: Duration) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({
                    "access_token": SECOND_ACCESS,
                    "expires_in": 3599,
                    "refresh_token": SECOND_REFRESH,
                    "scope": "https://www.googleapis.com/auth/calendar",
                    "token_type": "Bearer",
                }))
                .set_delay(delay),
        )
        .named("token refresh")
        .expect(1)
        .mount(server)
        .await;
}

/// Answers exactly one refresh with Google's `invalid_grant` (revoked or expired grant).
pub(crate) async fn mount_invalid_grant(server: &MockServer, delay: Duration) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }))
                .set_delay(delay),
        )
        .named("refresh refused with invalid_grant")
        .expect(1)
        .mount(server)
        .await;
}

/// How many requests reached `/token` with this grant type.
pub(crate) async fn token_requests(server: &MockServer, grant_type: &str) -> usize {
    let needle = format!("grant_type={grant_type}");
    server
        .received_requests()
        .await
        .expect("wiremock records requests")
        .iter()
        .filter(|r| r.url.path() == "/token" && String::from_utf8_lossy(&r.body).contains(&needle))
        .count()
}

/// Endpoints pointing at the wiremock server (the consent page is never fetched here).
pub(crate) fn endpoints(server: &MockServer) -> GoogleEndpoints {
    endpoints_at(&server.uri())
}

/// Endpoints pointing at a wiremock server known by its base URI (`http://127.0.0.1:PORT`).
pub(crate) fn endpoints_at(server_uri: &str) -> GoogleEndpoints {
    GoogleEndpoints::new(
        "https://accounts.example.test/o/oauth2/v2/auth",
        &format!("{server_uri}/token"),
        &format!("{server_uri}/revoke"),
        &format!("{server_uri}/calendar/v3/"),
    )
    .expect("wiremock endpoints are valid URLs")
}

/// Timing suited to tests: other managers re-read the store every 20 ms while one refreshes,
/// and a failed token request is not retried (the tests count requests).
pub(crate) fn test_oauth_config() -> OAuthConfig {
    OAuthConfig {
        lease_poll_interval: Duration::from_millis(20),
        max_retries: 0,
        ..OAuthConfig::default()
    }
}

/// One "worker process": its own connection pool on `url` (a separate
/// `calstack_store::connect`), its own OAuth manager and lease-holder id.
pub(crate) async fn worker(url: &str, keyring: &Keyring, server: &MockServer) -> Calstack {
    let store = calstack_store::connect(url)
        .await
        .expect("each worker connects its own pool");
    Calstack::builder()
        .store(store)
        .keyring(keyring.clone())
        .endpoints(endpoints(server))
        .oauth_config(test_oauth_config())
        .build()
        .expect("facade builds")
}

/// Registers a client and a credential with `CLIENT_SECRET`, and completes consent with
/// `AUTH_CODE` (the server must answer one code exchange).
pub(crate) async fn consented_credential(calstack: &Calstack) -> OAuthCredential {
    let client = calstack
        .clients()
        .create("Shared Worker Ltd", "ops@shared-worker.example")
        .await
        .expect("client created");
    let credential = calstack
        .oauth()
        .register(NewCredential {
            client_id: client.id,
            google_client_id: "1234-shared.apps.googleusercontent.com".into(),
            client_secret: ClientSecret::new(CLIENT_SECRET),
            scopes: vec!["calendar".into()],
            redirect_uri: "https://app.example.test/api/oauth/callback".into(),
            account_email: Some("owner@shared-worker.example".into()),
        })
        .await
        .expect("credential registered");
    let request = calstack
        .oauth()
        .authorize_url(credential.id)
        .await
        .expect("consent URL");
    let consented = calstack
        .oauth()
        .complete(AUTH_CODE, &request.state)
        .await
        .expect("consent completes");
    assert!(consented.is_valid, "a consented credential is valid");
    consented
}

/// Makes the stored access token one that expired an hour ago, as if every worker had been
/// idle: the next `access_token` call anywhere must refresh.
pub(crate) async fn expire_access_token(store: &Arc<dyn Store>, id: CredentialId) {
    let mut credential = store
        .get_credential(id)
        .await
        .expect("read credential")
        .expect("credential exists");
    credential.expires_at = Some(calstack_core::clock::truncate_to_micros(
        Utc::now() - TimeDelta::hours(1),
    ));
    store
        .update_credential(&credential)
        .await
        .expect("expire the access token");
}

/// One fresh database for one test, on one backend.
#[derive(Debug)]
pub(crate) enum Target {
    /// A SQLite file in a temporary folder (several pools may open it, like several processes).
    SqliteFile(std::path::PathBuf),
    /// A fresh schema in the test PostgreSQL database.
    Postgres(crate::support::PgTarget),
    /// A fresh database on the test MariaDB/MySQL server.
    MySql(crate::support::MySqlTarget),
}

impl Target {
    /// The URL `calstack_store::connect` takes for this database.
    pub(crate) fn url(&self) -> String {
        match self {
            Target::SqliteFile(path) => format!("sqlite://{}", path.display()),
            Target::Postgres(db) => db.url.clone(),
            Target::MySql(db) => db.url.clone(),
        }
    }
}

/// Generates `mod <scenario> { sqlite_file, postgres, mysql }`: one test per backend, each
/// running `async fn <scenario>(Target)` on a fresh database (skipped loudly outside CI when
/// a server is unreachable; see `support`).
macro_rules! on_every_backend {
    ($scenario:ident) => {
        mod $scenario {
            use crate::manager_support::Target;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite_file() {
                let dir = tempfile::tempdir().expect("temp dir");
                super::$scenario(Target::SqliteFile(dir.path().join("calstack.db"))).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::support::with_postgres(concat!(stringify!($scenario), "::postgres"), |db| {
                    super::$scenario(Target::Postgres(db))
                })
                .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mysql() {
                crate::support::with_mysql(concat!(stringify!($scenario), "::mysql"), |db| {
                    super::$scenario(Target::MySql(db))
                })
                .await;
            }
        }
    };
}
