//! Shared setup for the OAuth integration tests: a wiremock server standing in for Google's
//! token and revoke endpoints (unexpected requests fail the test), a memory store, a manual
//! clock, and helpers to seed tokens.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use calstack_core::crypto::{EncryptionKey, Keyring, aad};
use calstack_core::oauth::{GoogleEndpoints, NewCredential, OAuthConfig, OAuthManager};
use calstack_core::store::{CredentialStore, MemoryStore};
use calstack_core::{
    Calstack, Client, ClientSecret, Clock, CredentialId, ManualClock, OAuthCredential, SystemClock,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use wiremock::matchers::{any, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_SECRET: &str = "GOCSPX-test-client-secret-value";
pub const GOOGLE_CLIENT_ID: &str = "1234-test.apps.googleusercontent.com";
pub const REDIRECT_URI: &str = "https://app.example.test/oauth/callback";
pub const OLD_ACCESS: &str = "ya29.old-access-token-value";
pub const OLD_REFRESH: &str = "1//old-refresh-token-value";
pub const NEW_ACCESS: &str = "ya29.new-access-token-value";
pub const NEW_REFRESH: &str = "1//new-refresh-token-value";

pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

pub fn keyring() -> Keyring {
    Keyring::new(EncryptionKey::from_bytes([42; 32]))
}

pub fn endpoints(server: &MockServer) -> GoogleEndpoints {
    GoogleEndpoints::new(
        "https://accounts.example.test/o/oauth2/v2/auth",
        &format!("{}/token", server.uri()),
        &format!("{}/revoke", server.uri()),
        &format!("{}/calendar/v3/", server.uri()),
    )
    .expect("valid endpoints")
}

pub fn config() -> OAuthConfig {
    OAuthConfig {
        lease_poll_interval: Duration::from_millis(10),
        http_timeout: Duration::from_secs(5),
        ..OAuthConfig::default()
    }
}

/// Any request no other mock matched fails the test when the server is dropped.
pub async fn fail_on_unexpected(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418))
        .with_priority(u8::MAX)
        .named("unexpected request")
        .expect(0)
        .mount(server)
        .await;
}

pub struct Harness {
    pub server: MockServer,
    pub store: Arc<MemoryStore>,
    pub clock: ManualClock,
    pub calstack: Calstack,
    pub client: Client,
    pub credential: OAuthCredential,
}

impl Harness {
    pub fn oauth(&self) -> &OAuthManager {
        self.calstack.oauth()
    }

    pub fn id(&self) -> CredentialId {
        self.credential.id
    }

    /// A second, independent manager over the same store (as another process would be).
    pub fn another_manager(&self, clock: Arc<dyn Clock>) -> OAuthManager {
        OAuthManager::new(
            self.store.clone(),
            keyring(),
            endpoints(&self.server),
            clock,
            config(),
        )
        .expect("manager")
    }

    pub async fn stored(&self) -> OAuthCredential {
        self.store
            .get_credential(self.id())
            .await
            .expect("store works")
            .expect("credential exists")
    }

    /// Puts sealed tokens on the credential and marks it valid, as a finished consent would.
    pub async fn seed_tokens(
        &self,
        access: Option<&str>,
        refresh: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) {
        let keyring = keyring();
        let id = self.id();
        let mut c = self.stored().await;
        c.access_token = access.map(|t| {
            keyring
                .seal(t, &aad::credential(id, aad::ACCESS_TOKEN))
                .expect("seal")
        });
        c.refresh_token = refresh.map(|t| {
            keyring
                .seal(t, &aad::credential(id, aad::REFRESH_TOKEN))
                .expect("seal")
        });
        c.expires_at = expires_at;
        c.is_valid = true;
        c.last_error = None;
        self.store.update_credential(&c).await.expect("seed");
    }

    /// Seeds an access token that expired a second ago, plus the old refresh token.
    pub async fn seed_expired(&self) {
        let expired = self.clock.now() - TimeDelta::seconds(1);
        self.seed_tokens(Some(OLD_ACCESS), Some(OLD_REFRESH), Some(expired))
            .await;
    }

    /// Seeds an access token valid for another hour.
    pub async fn seed_fresh(&self) {
        let later = self.clock.now() + TimeDelta::hours(1);
        self.seed_tokens(Some(OLD_ACCESS), Some(OLD_REFRESH), Some(later))
            .await;
    }
}

/// A memory store with one client and one registered (not yet authorized) credential, a
/// manual clock and a facade pointing at a fresh wiremock server.
pub async fn harness() -> Harness {
    harness_with_clock_kind(false).await
}

/// Same, but the facade reads the system clock (for tests where two managers poll a lease in
/// real time). The manual clock is still returned, set to the real time at start.
pub async fn harness_with_system_clock() -> Harness {
    harness_with_clock_kind(true).await
}

async fn harness_with_clock_kind(system: bool) -> Harness {
    let server = MockServer::start().await;
    fail_on_unexpected(&server).await;
    let store = Arc::new(MemoryStore::new());
    let clock = if system {
        ManualClock::new(SystemClock.now())
    } else {
        ManualClock::new(start_time())
    };
    let facade_clock: Arc<dyn Clock> = if system {
        Arc::new(SystemClock)
    } else {
        Arc::new(clock.clone())
    };
    let calstack = Calstack::builder()
        .store(store.clone())
        .keyring(keyring())
        .endpoints(endpoints(&server))
        .clock(facade_clock)
        .oauth_config(config())
        .build()
        .expect("facade builds");
    let client = calstack
        .clients()
        .create("Acme Ltd", "ops@acme.example")
        .await
        .expect("client");
    let credential = calstack
        .oauth()
        .register(NewCredential {
            client_id: client.id,
            google_client_id: GOOGLE_CLIENT_ID.into(),
            client_secret: ClientSecret::new(CLIENT_SECRET),
            scopes: vec!["calendar.events".into(), "calendar.readonly".into()],
            redirect_uri: REDIRECT_URI.into(),
            account_email: None,
        })
        .await
        .expect("credential");
    Harness {
        server,
        store,
        clock,
        calstack,
        client,
        credential,
    }
}

/// A token-endpoint answer to a refresh.
pub fn refresh_response(access: &str, refresh: Option<&str>) -> ResponseTemplate {
    let mut body = json!({
        "access_token": access,
        "expires_in": 3599,
        "scope": "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.readonly",
        "token_type": "Bearer",
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// Mounts a refresh-grant answer on `/token`, expected exactly `times` times.
pub async fn mount_refresh(server: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(response)
        .expect(times)
        .named("refresh grant")
        .mount(server)
        .await;
}

/// Form fields of a received request body.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

pub fn field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}
