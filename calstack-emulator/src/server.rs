//! Starting and stopping the emulator, and the in-process control surface that mirrors the
//! admin API so Rust tests can drive it without HTTP.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;
use url::Url;

use crate::error::EmulatorError;
use crate::faults::{FaultProfile, ScriptedFault};
use crate::http::{ConnKill, router};
use crate::state::events::seed::Seed;
use crate::state::model::oauth::Consent;
use crate::state::{Config, Shared};

/// Entry point: `Emulator::builder()…start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with Google-like defaults: 127.0.0.1, an ephemeral port, 3599 s access tokens,
    /// any client id accepted, no refresh-token expiry, no per-user quota.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            config: Config::default(),
        }
    }
}

/// Configures an emulator before it starts.
#[derive(Debug, Clone)]
#[must_use]
pub struct EmulatorBuilder {
    host: IpAddr,
    port: u16,
    config: Config,
}

impl EmulatorBuilder {
    /// The address to bind (default 127.0.0.1).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port to bind; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Lifetime of issued access tokens (default 3599 s, like Google).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.access_token_lifetime = lifetime;
        self
    }

    /// Strict mode: only clients registered through the admin API are accepted; others get
    /// `invalid_client`. Off by default (any client id is bound to its secret at first use).
    pub fn strict_clients(mut self, strict: bool) -> Self {
        self.config.strict_clients = strict;
        self
    }

    /// The account that consents when the authorization request has no `login_hint`
    /// (default `user@example.com`).
    pub fn default_account(mut self, email: impl Into<String>) -> Self {
        self.config.default_account = email.into();
        self
    }

    /// Make refresh tokens (whole grants) expire this long after consent; `Some(7 days)` plays
    /// an app in Google's "Testing" publishing status. Default: no expiry.
    pub fn refresh_token_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.config.refresh_token_lifetime = lifetime;
        self
    }

    /// Per-account Calendar API requests per minute before 403 `userRateLimitExceeded`
    /// (Google's default is 600). Default: unlimited.
    pub fn user_rate_limit_per_minute(mut self, limit: Option<u32>) -> Self {
        self.config.user_rate_limit_per_minute = limit;
        self
    }

    /// Binds the socket and starts serving in the background on the current tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, EmulatorError> {
        let addr = SocketAddr::new(self.host, self.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let local = listener.local_addr()?;
        let shared = Shared::new(self.config);
        let app = router(shared.clone());
        let task = tokio::spawn(serve(listener, app));
        tracing::info!(%local, "calstack-emulator listening");
        Ok(RunningEmulator {
            addr: local,
            shared,
            task,
        })
    }
}

async fn serve(listener: TcpListener, app: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve_connection(stream, app.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, app: Router) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let handle = ConnKill(kill.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        app.clone().oneshot(request)
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = kill.notified() => {}
    }
}

/// How `seed_events` lays out events: `count` timed events, one every `spacing`, each lasting
/// `duration`, starting at `start`.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// How many events to create.
    pub count: usize,
    /// Start of the first event.
    pub start: DateTime<Utc>,
    /// Gap between consecutive starts.
    pub spacing: Duration,
    /// Length of each event.
    pub duration: Duration,
    /// Summaries are `"{prefix} {n}"`.
    pub summary_prefix: String,
}

impl SeedOptions {
    /// `count` 30-minute events, hourly, from 2024-01-01T00:00:00Z.
    pub fn new(count: usize) -> Self {
        Self {
            count,
            start: crate::consts::DEFAULT_SEED_START
                .parse()
                .unwrap_or_default(),
            spacing: Duration::from_secs(3600),
            duration: Duration::from_secs(1800),
            summary_prefix: "Seeded event".to_owned(),
        }
    }
}

/// A running emulator. Dropping it (or calling [`RunningEmulator::shutdown`]) stops the server.
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Shared,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn delta(d: Duration) -> TimeDelta {
    crate::time::clamp_delta(TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX))
}

impl RunningEmulator {
    /// The socket address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.addr)).unwrap_or_else(|_| unreachable_url())
    }

    fn join(&self, path: &str) -> Url {
        self.base_url()
            .join(path)
            .unwrap_or_else(|_| unreachable_url())
    }

    /// `http://127.0.0.1:PORT/calendar/v3/` (what Google calls the API base URL).
    pub fn calendar_api_base(&self) -> Url {
        self.join("calendar/v3/")
    }

    /// The authorization endpoint, `…/o/oauth2/v2/auth`.
    pub fn auth_url(&self) -> Url {
        self.join("o/oauth2/v2/auth")
    }

    /// The token endpoint, `…/token`.
    pub fn token_url(&self) -> Url {
        self.join("token")
    }

    /// The revocation endpoint, `…/revoke`.
    pub fn revoke_url(&self) -> Url {
        self.join("revoke")
    }

    /// The admin API root, `…/__emulator/`.
    pub fn admin_url(&self) -> Url {
        self.join("__emulator/")
    }

    /// Stops the server and waits until it no longer accepts connections.
    pub async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }

    /// Forgets all accounts, calendars, events, grants, faults and counters.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Creates an account (and its primary calendar, whose id is the email) if missing.
    pub fn create_account(&self, email: &str) {
        self.shared.lock().ensure_account(email);
    }

    /// Sets an account's time zone (IANA name), creating the account if needed.
    pub fn set_time_zone(&self, email: &str, time_zone: &str) -> Result<(), EmulatorError> {
        let tz = crate::time::parse_tz(time_zone).ok_or_else(|| EmulatorError::Invalid {
            field: "time_zone",
            reason: format!("unknown time zone {time_zone}"),
        })?;
        self.shared.lock().set_account_time_zone(email, tz);
        Ok(())
    }

    /// Mints an access token for `email` with `scopes` (full URLs), creating the account if
    /// needed; the same as `POST /__emulator/accounts/{email}/token`.
    pub fn access_token(&self, email: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared.lock().mint_access_token(email, &scopes, None).0
    }

    /// Inserts events in bulk into one of `email`'s calendars (`primary` works).
    pub fn seed_events(
        &self,
        email: &str,
        calendar_id: &str,
        options: &SeedOptions,
    ) -> Result<usize, EmulatorError> {
        let seed = Seed {
            count: options.count,
            start: options.start,
            spacing: delta(options.spacing),
            duration: delta(options.duration),
            summary_prefix: options.summary_prefix.clone(),
        };
        let mut state = self.shared.lock();
        if !state.accounts.contains_key(email) {
            return Err(EmulatorError::UnknownAccount {
                email: email.to_owned(),
            });
        }
        state
            .seed_events(email, calendar_id, &seed)
            .map_err(|_| EmulatorError::UnknownCalendar {
                email: email.to_owned(),
                calendar_id: calendar_id.to_owned(),
            })
    }

    /// Creates a secondary calendar owned by `email` (creating the account if needed) and
    /// returns its id (`…@group.calendar.google.com`).
    pub fn create_calendar(&self, email: &str, summary: &str) -> Result<String, EmulatorError> {
        let mut state = self.shared.lock();
        state.ensure_account(email);
        let mut body = serde_json::Map::new();
        body.insert("summary".into(), serde_json::Value::from(summary));
        let created = state
            .calendar_insert(email, &body)
            .map_err(|e| EmulatorError::Invalid {
                field: "summary",
                reason: e.message,
            })?;
        Ok(created["id"].as_str().unwrap_or_default().to_owned())
    }

    /// Inserts one event (a Calendar v3 `Event` body, e.g. with `recurrence`) into one of
    /// `email`'s calendars with the same validation as `events.insert`; returns the stored event.
    pub fn insert_event(
        &self,
        email: &str,
        calendar_id: &str,
        event: serde_json::Value,
    ) -> Result<serde_json::Value, EmulatorError> {
        let mut state = self.shared.lock();
        if !state.accounts.contains_key(email) {
            return Err(EmulatorError::UnknownAccount {
                email: email.to_owned(),
            });
        }
        let stored = state.event_insert(email, calendar_id, event).map_err(|e| {
            if e.code == 404 {
                EmulatorError::UnknownCalendar {
                    email: email.to_owned(),
                    calendar_id: calendar_id.to_owned(),
                }
            } else {
                EmulatorError::Invalid {
                    field: "event",
                    reason: e.message,
                }
            }
        })?;
        serde_json::from_str(&stored.json).map_err(|e| EmulatorError::Invalid {
            field: "event",
            reason: e.to_string(),
        })
    }

    /// Registers an OAuth client (required in strict mode). Empty `redirect_uris` allows any.
    pub fn register_client(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        redirect_uris: &[&str],
    ) {
        self.shared.lock().register_client(
            client_id,
            client_secret.map(str::to_owned),
            redirect_uris.iter().map(|u| (*u).to_owned()).collect(),
        );
    }

    /// Sets what the consent screen answers from now on.
    pub fn set_consent(&self, consent: Consent) {
        self.shared.lock().oauth.consent = consent;
    }

    /// Queues a scripted fault ("fail the next 2 `events.insert` with 503").
    pub fn script_fault(&self, fault: ScriptedFault) {
        self.shared.lock().faults.push_script(fault);
    }

    /// Replaces the seeded random fault profile.
    pub fn set_fault_profile(&self, profile: FaultProfile) {
        self.shared.lock().faults.set_profile(profile);
    }

    /// Caps every events-list page at `max_items` (short pages), or lifts the cap.
    pub fn set_page_cap(&self, max_items: Option<usize>) {
        self.shared.lock().faults.page_cap = max_items;
    }

    /// Removes scripted and random faults and the page cap.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Sets the per-account requests-per-minute quota (`None`: unlimited).
    pub fn set_user_rate_limit(&self, per_minute: Option<u32>) {
        self.shared.lock().config.user_rate_limit_per_minute = per_minute;
    }

    /// Invalidates sync tokens of one calendar, or of every calendar and calendar list;
    /// the next incremental list answers 410 `fullSyncRequired`.
    pub fn expire_sync_tokens(&self, calendar_id: Option<&str>) {
        self.shared.lock().expire_sync_tokens(calendar_id);
    }

    /// Revokes the grant behind a refresh token (as if the user removed the app's access).
    pub fn revoke_grant(&self, refresh_token: &str) -> Result<(), EmulatorError> {
        if self.shared.lock().admin_revoke_grant(refresh_token) {
            Ok(())
        } else {
            Err(EmulatorError::UnknownGrant)
        }
    }

    /// Revokes every grant `email` gave; returns how many.
    pub fn revoke_account_grants(&self, email: &str) -> usize {
        self.shared.lock().admin_revoke_account(email, None)
    }

    /// Expires a refresh token now (Google's 7-day testing-mode expiry): refreshing answers
    /// `invalid_grant`.
    pub fn expire_refresh_token(&self, refresh_token: &str) -> Result<(), EmulatorError> {
        if self.shared.lock().admin_expire_refresh_token(refresh_token) {
            Ok(())
        } else {
            Err(EmulatorError::UnknownGrant)
        }
    }

    /// Expires every access token issued so far.
    pub fn expire_access_tokens(&self) {
        self.shared.lock().admin_expire_access_tokens();
    }

    /// Moves the emulator's clock forward (token and grant expiry, quota windows).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.lock().clock.advance(delta(by));
    }

    /// Requests served so far, by endpoint (`events.list`, `oauth.token`, …).
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counters.clone()
    }

    /// The ids of the push channels currently open (watched and not stopped or expired).
    pub fn channel_ids(&self) -> Vec<String> {
        self.shared.lock().channels.keys().cloned().collect()
    }

    /// Requests served so far by one endpoint.
    pub fn counter(&self, endpoint: &str) -> u64 {
        self.shared
            .lock()
            .counters
            .get(endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        self.shared.lock().counters.clear();
    }
}

fn unreachable_url() -> Url {
    // Only reached if a SocketAddr failed to format as a URL, which cannot happen.
    Url::parse("http://127.0.0.1/").unwrap_or_else(|_| unreachable!("static URL parses"))
}
