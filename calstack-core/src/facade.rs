//! [`Calstack`]: one handle on everything (the store, the clients service, the OAuth manager),
//! built once from a store, a keyring, Google's endpoints and a clock. And [`Clients`], the
//! service that creates, finds, changes and deletes clients with validation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::calendar::CalendarClient;
use crate::clock::{Clock, SystemClock};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::mirror::cache::OpenedCache;
use crate::oauth::{GoogleEndpoints, OAuthConfig, OAuthManager, RotationReport};
use crate::store::{
    Client, ClientId, CredentialId, OAuthCredential, Store, StoreError, WorkingHours,
};
use crate::transport::{RetryBudget, RetryEngine, RetryPolicy};
use crate::validate::client as validate;

mod accounts;
mod client_settings;
pub mod settings;

/// The entry point: a store, the clients service and the OAuth manager, sharing one clock.
///
/// ```
/// # async fn demo() -> calstack_core::Result<()> {
/// use std::sync::Arc;
/// use calstack_core::crypto::{EncryptionKey, Keyring};
/// use calstack_core::facade::Calstack;
/// use calstack_core::store::MemoryStore;
///
/// let calstack = Calstack::builder()
///     .store(Arc::new(MemoryStore::new()))
///     .keyring(Keyring::new(EncryptionKey::generate()))
///     .build()?;
/// let client = calstack.clients().create("Acme Ltd", "ops@acme.example").await?;
/// assert_eq!(calstack.clients().find("Acme Ltd").await?.id, client.id);
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().expect("runtime").block_on(demo()).expect("demo");
/// ```
#[derive(Clone)]
pub struct Calstack {
    store: Arc<dyn Store>,
    clients: Clients,
    oauth: OAuthManager,
    endpoints: GoogleEndpoints,
    clock: Arc<dyn Clock>,
    calendar_settings: CalendarSettings,
    /// One Calendar client per credential, so its throttle and counters are per credential and
    /// it reuses connections.
    calendars: Arc<Mutex<HashMap<CredentialId, CalendarClient>>>,
    /// Opened mirror rows the stacked views reuse while their calendar is unchanged.
    opened: Arc<OpenedCache>,
}

/// How [`Calstack::calendar`] configures the Calendar clients it hands out.
#[derive(Debug, Clone)]
struct CalendarSettings {
    retry: RetryPolicy,
    requests_per_second: u32,
    http: reqwest::Client,
    /// One budget for every Calendar client and the token endpoint.
    budget: Arc<RetryBudget>,
    max_retry_after: Option<std::time::Duration>,
    metrics_per_credential: bool,
}

impl std::fmt::Debug for Calstack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calstack")
            .field("oauth", &self.oauth)
            .field("endpoints", &self.endpoints)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Calstack`]. `store` and `keyring` are required; endpoints default to Google's,
/// the clock to the system clock, the OAuth settings to [`OAuthConfig::default`].
#[derive(Default)]
#[must_use]
pub struct CalstackBuilder {
    store: Option<Arc<dyn Store>>,
    keyring: Option<Keyring>,
    endpoints: Option<GoogleEndpoints>,
    clock: Option<Arc<dyn Clock>>,
    oauth_config: Option<OAuthConfig>,
    retry: Option<RetryPolicy>,
    requests_per_second: u32,
    retry_budget: Option<Arc<RetryBudget>>,
    max_retry_after: Option<std::time::Duration>,
    metrics_per_credential: bool,
    mirror_cache_rows: Option<usize>,
}

impl std::fmt::Debug for CalstackBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalstackBuilder")
            .field("store", &self.store.is_some())
            .field("keyring", &self.keyring)
            .field("endpoints", &self.endpoints)
            .field("clock", &self.clock)
            .field("oauth_config", &self.oauth_config)
            .field("retry", &self.retry)
            .field("requests_per_second", &self.requests_per_second)
            .field("retry_budget", &self.retry_budget)
            .field("max_retry_after", &self.max_retry_after)
            .field("metrics_per_credential", &self.metrics_per_credential)
            .field("mirror_cache_rows", &self.mirror_cache_rows)
            .finish()
    }
}

impl CalstackBuilder {
    /// Where clients and credentials live (e.g. `calstack_store::connect(url)` or
    /// [`crate::store::MemoryStore`]).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The keys secrets are sealed with.
    pub fn keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// Google's endpoints (override for an emulator or a proxy).
    pub fn endpoints(mut self, endpoints: GoogleEndpoints) -> Self {
        self.endpoints = Some(endpoints);
        self
    }

    /// The clock (a [`crate::ManualClock`] in tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The OAuth manager's timing settings.
    pub fn oauth_config(mut self, config: OAuthConfig) -> Self {
        self.oauth_config = Some(config);
        self
    }

    /// How every request retries: the Calendar clients from [`Calstack::calendar`] and the
    /// OAuth manager's token exchange, refresh and revoke (default: [`RetryPolicy::default`];
    /// token requests are further capped by [`OAuthConfig::max_retries`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The token bucket every retry is paid from, shared by all Calendar clients and the token
    /// endpoint (default: [`RetryBudget::default`], 500 tokens, 5 per retry).
    pub fn retry_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// Sleep through a server's `Retry-After` of up to `longest` before retrying (default: the
    /// policy's `max_delay`). A longer one is returned at once as
    /// [`Error::RateLimited`] with its `retry_after`, for the caller to schedule.
    pub fn max_retry_after(mut self, longest: std::time::Duration) -> Self {
        self.max_retry_after = Some(longest);
        self
    }

    /// Adds a `credential` label (the credential id) to every Calendar metric series (default
    /// off: one series per credential can be many series). See `docs/metrics.md`.
    pub fn metrics_per_credential(mut self, enabled: bool) -> Self {
        self.metrics_per_credential = enabled;
        self
    }

    /// At most `rate` Calendar API requests per second per credential (0 = unthrottled, the
    /// default). Google allows 600 requests per minute per user.
    pub fn requests_per_second(mut self, rate: u32) -> Self {
        self.requests_per_second = rate;
        self
    }

    /// How many opened mirror rows the stacked views keep in memory to answer later reads of
    /// unchanged calendars without reading and opening them again (default
    /// [`DEFAULT_CACHED_ROWS`](crate::mirror::DEFAULT_CACHED_ROWS); 0 keeps none). A kept
    /// calendar is answered only while its revision in the store is the one it was read at,
    /// whichever process writes; see `docs/stacking.md`.
    pub fn mirror_cache_rows(mut self, rows: usize) -> Self {
        self.mirror_cache_rows = Some(rows);
        self
    }

    /// Builds it. A missing store or keyring is [`Error::Validation`] naming it.
    pub fn build(self) -> Result<Calstack> {
        let store = self
            .store
            .ok_or_else(|| Error::validation("store", "a store is required"))?;
        let keyring = self
            .keyring
            .ok_or_else(|| Error::validation("keyring", "an encryption keyring is required"))?;
        let endpoints = self.endpoints.unwrap_or_default();
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let retry = self.retry.unwrap_or_default();
        let budget = self.retry_budget.unwrap_or_default();
        let http = crate::transport::default_http_client()?;
        let engine = RetryEngine::new(retry, budget.clone(), clock.clone(), self.max_retry_after);
        let oauth = OAuthManager::with_transport(
            store.clone(),
            keyring,
            endpoints.clone(),
            clock.clone(),
            self.oauth_config.unwrap_or_default(),
            http.clone(),
            engine,
        );
        oauth.set_before_delete(
            crate::sync::cleanup::ChannelStopper {
                store: store.clone(),
                api_base: endpoints.api_base.clone(),
                clock: clock.clone(),
                http: http.clone(),
                retry,
            }
            .hook(),
        );
        Ok(Calstack {
            clients: Clients {
                store: store.clone(),
                clock: clock.clone(),
                oauth: Some(oauth.clone()),
            },
            store,
            oauth,
            endpoints,
            clock,
            calendar_settings: CalendarSettings {
                retry,
                requests_per_second: self.requests_per_second,
                http,
                budget,
                max_retry_after: self.max_retry_after,
                metrics_per_credential: self.metrics_per_credential,
            },
            calendars: Arc::default(),
            opened: Arc::new(OpenedCache::new(
                self.mirror_cache_rows
                    .unwrap_or(crate::mirror::DEFAULT_CACHED_ROWS),
            )),
        })
    }
}

impl Calstack {
    /// Starts a builder.
    pub fn builder() -> CalstackBuilder {
        CalstackBuilder::default()
    }

    /// The clients service.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The OAuth credential manager.
    pub fn oauth(&self) -> &OAuthManager {
        &self.oauth
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Google's endpoints in use.
    pub fn endpoints(&self) -> &GoogleEndpoints {
        &self.endpoints
    }

    /// The clock in use.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The opened-events cache the mirror source of the stacked views uses.
    pub(crate) fn opened_cache(&self) -> &OpenedCache {
        &self.opened
    }

    /// The retry budget every request of this handle pays its retries from.
    pub fn retry_budget(&self) -> &Arc<RetryBudget> {
        &self.calendar_settings.budget
    }

    /// The credential to use for a client: its most recently updated valid credential.
    /// [`Error::NotFound`] if the client (or any credential of it) does not exist;
    /// [`Error::ReauthorizationRequired`] if it has credentials but none is valid.
    pub async fn credential_for(&self, client_id: ClientId) -> Result<OAuthCredential> {
        self.clients.get(client_id).await?;
        let credentials = self.oauth.list_credentials(Some(client_id)).await?;
        if let Some(best) = credentials
            .iter()
            .filter(|c| c.is_valid)
            .max_by_key(|c| (c.updated_at, c.created_at))
        {
            return Ok(best.clone());
        }
        match credentials.iter().max_by_key(|c| c.updated_at) {
            None => Err(Error::NotFound {
                what: format!("OAuth credential for client {client_id}"),
            }),
            Some(latest) => Err(Error::ReauthorizationRequired {
                credential_id: latest.id.to_string(),
                reason: latest
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "no valid credential".into()),
            }),
        }
    }

    /// A Calendar client for `client_id`, authorized by its valid credential (see
    /// [`Calstack::credential_for`]). Tokens are refreshed as needed, once per credential at a
    /// time; a 401 forces one refresh and one retry.
    pub async fn calendar(&self, client_id: ClientId) -> Result<CalendarClient> {
        let credential = self.credential_for(client_id).await?;
        self.calendar_for_credential(credential.id)
    }

    /// A Calendar client authorized by one particular credential (a client with several
    /// Google accounts). Clients are cached per credential: the same throttle and counters
    /// apply to every caller.
    pub fn calendar_for_credential(&self, credential_id: CredentialId) -> Result<CalendarClient> {
        let mut cache = self
            .calendars
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = cache.get(&credential_id) {
            return Ok(client.clone());
        }
        let settings = &self.calendar_settings;
        let mut builder = CalendarClient::builder(self.oauth.token_source(credential_id))
            .base_url(self.endpoints.api_base.clone())
            .clock(self.clock.clone())
            .retry(settings.retry)
            .retry_budget(settings.budget.clone())
            .requests_per_second(settings.requests_per_second)
            .http_client(settings.http.clone())
            .write_observer(Arc::new(crate::mirror::write_through::WriteThrough::new(
                self.store.clone(),
                self.oauth.keyring().clone(),
                self.clock.clone(),
                credential_id,
            )));
        if let Some(longest) = settings.max_retry_after {
            builder = builder.max_retry_after(longest);
        }
        if settings.metrics_per_credential {
            builder = builder.metrics_credential_label(credential_id.to_string());
        }
        let client = builder.build()?;
        cache.insert(credential_id, client.clone());
        Ok(client)
    }

    /// Re-seals every stored secret under the keyring's current key
    /// (see [`OAuthManager::rotate_keys`]).
    pub async fn rotate_keys(&self) -> Result<RotationReport> {
        self.oauth.rotate_keys().await
    }
}

/// Creates, finds, changes and deletes clients. Names are trimmed and 1–200 characters; emails
/// valid and unique (ignoring case). Timestamps come from the injected clock.
#[derive(Clone)]
pub struct Clients {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// To stop the client's push channels at Google before it goes (set by [`Calstack`]).
    oauth: Option<OAuthManager>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients").finish_non_exhaustive()
    }
}

/// Changes to a client; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ClientUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New contact email.
    pub email: Option<String>,
    /// New working hours (`Some(None)` clears them; see
    /// [`crate::validate::working_hours::parse`]).
    pub working_hours: Option<Option<WorkingHours>>,
}

impl Clients {
    /// A clients service over `store`, stamping times from `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            oauth: None,
        }
    }

    /// Creates a client. Errors name the field: `name`, `email` (also when the email is taken).
    pub async fn create(&self, name: &str, email: &str) -> Result<Client> {
        let name = validate::client_name(name)?;
        let email = validate::client_email(email)?;
        let now = self.clock.now();
        let client = Client {
            id: ClientId::new(),
            name,
            email,
            created_at: now,
            updated_at: now,
        };
        self.store
            .insert_client(&client)
            .await
            .map_err(|e| email_conflict(e, &client.email))?;
        tracing::info!(client_id = %client.id, "client created");
        Ok(client)
    }

    /// The client with this id, or [`Error::NotFound`].
    pub async fn get(&self, id: ClientId) -> Result<Client> {
        self.store
            .get_client(id)
            .await?
            .ok_or_else(|| client_not_found(id))
    }

    /// Every client, by name.
    pub async fn list(&self) -> Result<Vec<Client>> {
        Ok(self.store.list_clients().await?)
    }

    /// Finds a client by id (a UUID) or by name: an exact match first, else a case-insensitive
    /// one. [`Error::NotFound`] if none matches; [`Error::Validation`] on `name` if several
    /// share the name (use the id then).
    pub async fn find(&self, id_or_name: &str) -> Result<Client> {
        let key = id_or_name.trim();
        if let Ok(id) = key.parse::<ClientId>()
            && let Some(client) = self.store.get_client(id).await?
        {
            return Ok(client);
        }
        let all = self.store.list_clients().await?;
        pick_client(&all, key)
    }

    /// Changes a client's name and/or email. Errors name the field; missing client →
    /// [`Error::NotFound`].
    pub async fn update(&self, id: ClientId, update: ClientUpdate) -> Result<Client> {
        let name = update
            .name
            .as_deref()
            .map(validate::client_name)
            .transpose()?;
        let email = update
            .email
            .as_deref()
            .map(validate::client_email)
            .transpose()?;
        let working_hours = update
            .working_hours
            .map(|h| {
                h.map(crate::validate::working_hours::normalized)
                    .transpose()
            })
            .transpose()?;
        let mut client = self.get(id).await?;
        if let Some(name) = name {
            client.name = name;
        }
        if let Some(email) = email {
            client.email = email;
        }
        client.updated_at = self.clock.now();
        self.store
            .update_client(&client)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => client_not_found(id),
                other => email_conflict(other, &client.email),
            })?;
        if let Some(hours) = working_hours {
            self.set_working_hours(id, hours).await?;
        }
        Ok(client)
    }

    /// Deletes a client with its credentials and pending consents; their push channels are
    /// stopped at Google first (best effort). It does not revoke grants at Google: revoke
    /// credentials first for that. [`Error::NotFound`] if missing.
    pub async fn delete(&self, id: ClientId) -> Result<()> {
        if let Some(oauth) = &self.oauth {
            for credential in self.store.list_credentials(Some(id)).await? {
                oauth.before_delete(credential.id).await;
            }
        }
        if !self.store.delete_client(id).await? {
            return Err(client_not_found(id));
        }
        tracing::info!(client_id = %id, "client deleted");
        Ok(())
    }
}

fn client_not_found(id: ClientId) -> Error {
    Error::NotFound {
        what: format!("client {id}"),
    }
}

fn email_conflict(e: StoreError, email: &str) -> Error {
    match e {
        StoreError::Conflict { .. } => Error::validation(
            "email",
            format!("{email} is already used by another client"),
        ),
        other => Error::Store(other),
    }
}

/// The client `key` names among `all`: its id, its exact name, or its name in any case (as
/// [`Clients::find`] resolves it, for callers resolving many handles against one listing).
pub(crate) fn pick_client(all: &[Client], key: &str) -> Result<Client> {
    let key = key.trim();
    if let Ok(id) = key.parse::<ClientId>()
        && let Some(client) = all.iter().find(|c| c.id == id)
    {
        return Ok(client.clone());
    }
    let exact: Vec<&Client> = all.iter().filter(|c| c.name == key).collect();
    if let [only] = exact.as_slice() {
        return Ok((*only).clone());
    }
    let folded = key.to_lowercase();
    let mut matches: Vec<&Client> = all
        .iter()
        .filter(|c| c.name.to_lowercase() == folded)
        .collect();
    match matches.len() {
        0 => Err(Error::NotFound {
            what: format!("client {key:?}"),
        }),
        1 => Ok(matches.remove(0).clone()),
        n => Err(Error::validation(
            "name",
            format!("{n} clients are named {key:?}; use the client id"),
        )),
    }
}
