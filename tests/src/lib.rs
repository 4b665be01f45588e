//! The harness behind calstack's end-to-end tests: a running Google emulator, a fresh SQLite
//! store in a temporary folder, and the real [`Calstack`] facade pointed at both, with a
//! [`ManualClock`] so tests move time by hand instead of sleeping.
//!
//! Consent runs the way a browser would: fetch the authorization URL (redirects off), read the
//! emulator's `302 Location`, and hand its query (`code`, `state`) to the facade.
//!
//! ```no_run
//! # async fn demo() {
//! let harness = calstack_e2e::Harness::start().await;
//! let (client, _credential) = harness.authorized_client("Acme Ltd", "alice@example.com").await;
//! let calendar = harness.calstack().calendar(client.id).await.expect("calendar client");
//! let calendars = calendar.calendar_list().list().send().await.expect("calendar list");
//! assert!(!calendars.items.is_empty());
//! # }
//! ```

mod webhook;

pub use webhook::{ReceivedHeaders, WebhookSink};

use std::path::PathBuf;
use std::sync::Arc;

use calstack_core::crypto::{EncryptionKey, Keyring, aad};
use calstack_core::oauth::{GoogleEndpoints, NewCredential};
use calstack_core::store::CalendarKey;
use calstack_core::{
    CalendarClient, Calstack, Client, ClientSecret, CredentialId, Event, ManualClock,
    OAuthCredential, StaticToken, Store,
};
use calstack_emulator::{Emulator, EmulatorBuilder, RunningEmulator};
use chrono::Utc;
use tempfile::TempDir;
use url::Url;

/// The Google OAuth client id every test credential uses (the emulator accepts any).
pub const GOOGLE_CLIENT_ID: &str = "1234-e2e.apps.googleusercontent.com";
/// The client secret every test credential registers.
pub const CLIENT_SECRET: &str = "GOCSPX-e2e-client-secret";
/// The redirect URI every test credential registers (never fetched: redirects are read, not
/// followed).
pub const REDIRECT_URI: &str = "https://app.example.test/api/oauth/callback";

/// An emulator, a SQLite store in a temporary folder and a facade over both.
///
/// Setup failures panic with a message saying what failed: this is test code.
pub struct Harness {
    emulator: RunningEmulator,
    calstack: Calstack,
    clock: ManualClock,
    key: EncryptionKey,
    keyring: Keyring,
    database: PathBuf,
    http: reqwest::Client,
    _dir: TempDir,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("emulator", &self.emulator.base_url().as_str())
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl Harness {
    /// A harness over an emulator with Google's defaults.
    ///
    /// # Panics
    /// If the emulator, the store or the facade cannot start.
    pub async fn start() -> Self {
        Self::with_emulator(Emulator::builder()).await
    }

    /// A harness over an emulator configured by `builder` (its port is forced to 0: any free
    /// port).
    ///
    /// # Panics
    /// If the emulator, the store or the facade cannot start.
    pub async fn with_emulator(builder: EmulatorBuilder) -> Self {
        Self::with_store(builder, None).await
    }

    /// A harness over an emulator configured by `builder` and `store` (a fresh SQLite file in
    /// a temporary folder when `None`).
    ///
    /// # Panics
    /// If the emulator, the store or the facade cannot start.
    pub async fn with_store(builder: EmulatorBuilder, store: Option<Arc<dyn Store>>) -> Self {
        let emulator = builder
            .port(0)
            .start()
            .await
            .expect("the emulator starts on a free port");
        let dir = tempfile::tempdir().expect("a temporary folder for the SQLite store");
        let database = dir.path().join("calstack.db");
        let store: Arc<dyn Store> = match store {
            Some(store) => store,
            None => Arc::new(
                calstack_store::SqliteStore::open(&database)
                    .await
                    .expect("the SQLite store opens"),
            ),
        };
        let key = EncryptionKey::generate();
        let keyring = Keyring::new(key.clone());
        let clock = ManualClock::new(Utc::now());
        let endpoints = GoogleEndpoints::new(
            emulator.auth_url().as_str(),
            emulator.token_url().as_str(),
            emulator.revoke_url().as_str(),
            emulator.calendar_api_base().as_str(),
        )
        .expect("the emulator's endpoints are valid");
        let calstack = Calstack::builder()
            .store(store)
            .keyring(keyring.clone())
            .endpoints(endpoints)
            .clock(Arc::new(clock.clone()))
            .build()
            .expect("the facade builds");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client for the consent page");
        Self {
            emulator,
            calstack,
            clock,
            key,
            keyring,
            database,
            http,
            _dir: dir,
        }
    }

    /// Another "process" on the same database file: a new SQLite pool and a new facade with
    /// `keyring`, the same emulator endpoints and the same clock.
    ///
    /// # Panics
    /// If the store or the facade cannot open.
    pub async fn another_process(&self, keyring: Keyring) -> Calstack {
        let store = calstack_store::SqliteStore::open(&self.database)
            .await
            .expect("the SQLite store opens again");
        Calstack::builder()
            .store(Arc::new(store))
            .keyring(keyring)
            .endpoints(self.calstack.endpoints().clone())
            .clock(Arc::new(self.clock.clone()))
            .build()
            .expect("the facade builds")
    }

    /// Another "process" on the same database file with the harness's keyring, whose facade
    /// builder is first passed through `configure` (retry policy, budget, throttle, ...).
    ///
    /// # Panics
    /// If the store or the facade cannot open.
    pub async fn another_process_with(
        &self,
        configure: impl FnOnce(
            calstack_core::facade::CalstackBuilder,
        ) -> calstack_core::facade::CalstackBuilder,
    ) -> Calstack {
        let store = calstack_store::SqliteStore::open(&self.database)
            .await
            .expect("the SQLite store opens again");
        let builder = Calstack::builder()
            .store(Arc::new(store))
            .keyring(self.keyring.clone())
            .endpoints(self.calstack.endpoints().clone())
            .clock(Arc::new(self.clock.clone()));
        configure(builder).build().expect("the facade builds")
    }

    /// The running emulator (base URLs, admin helpers, counters).
    pub fn emulator(&self) -> &RunningEmulator {
        &self.emulator
    }

    /// The facade under test.
    pub fn calstack(&self) -> &Calstack {
        &self.calstack
    }

    /// The facade's clock; advance it to make tokens expire.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// The keyring the facade seals secrets with.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The key of [`Harness::keyring`], for a test that hands it to a child process (through
    /// `CALSTACK_ENCRYPTION_KEY`, never on a command line).
    pub fn encryption_key(&self) -> &EncryptionKey {
        &self.key
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> &std::path::Path {
        &self.database
    }

    /// Creates a client named `name` and registers a credential for the Google account
    /// `account` (full Calendar scope, [`CLIENT_SECRET`], [`REDIRECT_URI`]). Not yet consented.
    ///
    /// # Panics
    /// If the facade refuses.
    pub async fn register(&self, name: &str, account: &str) -> (Client, OAuthCredential) {
        self.register_with_scopes(name, account, &["calendar"])
            .await
    }

    /// Like [`Harness::register`], asking for `scopes` (short Calendar names such as
    /// `calendar.readonly`, or full URLs).
    ///
    /// # Panics
    /// If the facade refuses.
    pub async fn register_with_scopes(
        &self,
        name: &str,
        account: &str,
        scopes: &[&str],
    ) -> (Client, OAuthCredential) {
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let client = self
            .calstack
            .clients()
            .create(name, &format!("ops@{slug}.example"))
            .await
            .expect("client created");
        let credential = self
            .calstack
            .oauth()
            .register(NewCredential {
                client_id: client.id,
                google_client_id: GOOGLE_CLIENT_ID.into(),
                client_secret: ClientSecret::new(CLIENT_SECRET),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                redirect_uri: REDIRECT_URI.into(),
                account_email: Some(account.into()),
            })
            .await
            .expect("credential registered");
        (client, credential)
    }

    /// Starts consent for a credential and "clicks allow": fetches the authorization URL with
    /// redirects off and returns the redirect the emulator answered with (the callback URL,
    /// carrying `code` and `state`, or `error`).
    ///
    /// # Panics
    /// If the consent page does not answer with a redirect.
    pub async fn consent_redirect(&self, credential_id: CredentialId) -> Url {
        let request = self
            .calstack
            .oauth()
            .authorize_url(credential_id)
            .await
            .expect("authorization URL");
        let response = self
            .http
            .get(request.url)
            .send()
            .await
            .expect("the consent page answers");
        assert_eq!(
            response.status(),
            reqwest::StatusCode::FOUND,
            "the consent page redirects back to the app"
        );
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .expect("a Location header")
            .to_str()
            .expect("an ASCII Location");
        Url::parse(location).expect("the Location is an absolute URL")
    }

    /// A client whose credential for `account` has completed consent through the facade.
    ///
    /// # Panics
    /// If any step fails.
    pub async fn authorized_client(&self, name: &str, account: &str) -> (Client, OAuthCredential) {
        let (client, credential) = self.register(name, account).await;
        let credential = self.consent(credential.id).await;
        (client, credential)
    }

    /// Runs consent for a registered credential: the consent page's redirect, then
    /// [`OAuthManager::complete`](calstack_core::oauth::OAuthManager::complete) with the `code`
    /// and `state` it carries.
    ///
    /// # Panics
    /// If the redirect carries no code (consent denied) or completing fails.
    pub async fn consent(&self, credential_id: CredentialId) -> OAuthCredential {
        let callback = self.consent_redirect(credential_id).await;
        let param = |name: &str| {
            callback
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("the consent redirect carries no {name}: {callback}"))
        };
        self.calstack
            .oauth()
            .complete(&param("code"), &param("state"))
            .await
            .expect("consent completes")
    }

    /// The credential's refresh token in plaintext (opened with the keyring), for emulator
    /// admin calls that name a grant by its refresh token.
    ///
    /// # Panics
    /// If the credential has no refresh token or it does not open.
    pub async fn refresh_token(&self, credential_id: CredentialId) -> String {
        let credential = self
            .calstack
            .oauth()
            .get_credential(credential_id)
            .await
            .expect("credential");
        let sealed = credential
            .refresh_token
            .expect("the credential holds a refresh token");
        self.keyring
            .open(&sealed, &aad::credential(credential_id, aad::REFRESH_TOKEN))
            .expect("the refresh token opens")
            .into_secret()
    }
}

impl Harness {
    /// A Calendar client acting for `account` directly at "Google" (a bearer minted by the
    /// emulator, not through calstack): changes made with it are what a user does in Google
    /// Calendar, unseen by the mirror until it syncs.
    ///
    /// # Panics
    /// If the client cannot be built.
    pub fn google_side(&self, account: &str) -> CalendarClient {
        let token = self
            .emulator
            .access_token(account, &[calstack_emulator::SCOPE_CALENDAR]);
        CalendarClient::builder(Arc::new(StaticToken::new(token)))
            .base_url(self.emulator.calendar_api_base())
            .build()
            .expect("a Google-side client")
    }
}

/// Asserts that the mirror holds exactly what Google lists for one calendar
/// (`singleEvents=false`: single events, masters, exceptions), field by field.
///
/// # Panics
/// If listing or reading fails, or any event differs (the message names the event and field).
pub async fn assert_mirror_matches_google(
    calstack: &Calstack,
    google: &CalendarClient,
    key: &CalendarKey,
) {
    let listed = google
        .events()
        .list(&key.calendar_id)
        .max_results(2500)
        .collect_all()
        .await
        .expect("Google lists the calendar");
    let mirrored: Vec<Event> = calstack
        .mirror()
        .events(key)
        .await
        .expect("the mirror reads")
        .into_iter()
        .map(|m| m.event)
        .collect();
    let by_id = |events: &[Event]| -> std::collections::BTreeMap<String, serde_json::Value> {
        events
            .iter()
            .map(|e| {
                let value = serde_json::to_value(e).expect("events serialize");
                (e.id.clone().unwrap_or_default(), value)
            })
            .collect()
    };
    let (want, got) = (by_id(&listed), by_id(&mirrored));
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{key}: mirror lacks {missing:?} and has extra {extra:?}"
    );
    for (id, expected) in &want {
        let actual = &got[id];
        if let (Some(e), Some(a)) = (expected.as_object(), actual.as_object()) {
            for field in e.keys().chain(a.keys()) {
                assert_eq!(
                    a.get(field),
                    e.get(field),
                    "{key}: event {id} differs in field {field}"
                );
            }
        }
        assert_eq!(actual, expected, "{key}: event {id} differs");
    }
}

/// The README, compiled here so its Rust snippets are checked as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The credentials guide, compiled here so its snippets are checked as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/credentials.md")]
pub struct CredentialsGuideDoctests;
