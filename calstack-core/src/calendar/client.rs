//! [`CalendarClient`]: one per credential; the entry point to every request builder.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::api::{
    AclApi, CalendarListApi, CalendarsApi, ChannelsApi, ColorsApi, EventsApi, FreeBusyApi,
    SettingsApi,
};
use super::observer::EventWriteObserver;
use crate::auth::TokenSource;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::transport::{
    DEFAULT_BASE_URL, MetricsSnapshot, RetryBudget, RetryEngine, RetryPolicy, Transport,
    TransportParts, default_http_client,
};

/// A typed, retrying, throttled Google Calendar v3 client for one credential.
///
/// Cheap to clone (an `Arc` inside); clones share the connection pool, throttle and counters.
///
/// ```no_run
/// # async fn demo() -> calstack_core::Result<()> {
/// use std::sync::Arc;
/// use calstack_core::{CalendarClient, StaticToken};
///
/// let client = CalendarClient::builder(Arc::new(StaticToken::new("ya29.token")))
///     .requests_per_second(5)
///     .build()?;
/// let page = client.events().list("primary").single_events(true).send().await?;
/// println!("{} events", page.items.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CalendarClient {
    transport: Arc<Transport>,
    observer: Option<Arc<dyn EventWriteObserver>>,
}

impl std::fmt::Debug for CalendarClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarClient")
            .field("transport", &self.transport)
            .finish()
    }
}

impl CalendarClient {
    /// Starts building a client that authenticates with `token_source`.
    pub fn builder(token_source: Arc<dyn TokenSource>) -> CalendarClientBuilder {
        CalendarClientBuilder {
            token_source,
            base_url: None,
            clock: None,
            retry: RetryPolicy::default(),
            budget: None,
            max_retry_after: None,
            requests_per_second: None,
            http: None,
            metrics_label: None,
            observer: None,
        }
    }

    /// Events of a calendar: list, get, insert, update, patch, delete, move, quickAdd,
    /// instances, import, watch, incremental sync.
    pub fn events(&self) -> EventsApi {
        EventsApi::new(self.clone())
    }

    /// The user's calendar list: list, get, insert, update, patch, delete, sync.
    pub fn calendar_list(&self) -> CalendarListApi {
        CalendarListApi::new(self.clone())
    }

    /// Calendars themselves: get, insert, update, patch, delete, clear.
    pub fn calendars(&self) -> CalendarsApi {
        CalendarsApi::new(self.clone())
    }

    /// Sharing rules of a calendar: list, get, insert, update, patch, delete, watch, sync.
    pub fn acl(&self) -> AclApi {
        AclApi::new(self.clone())
    }

    /// The user's settings: list, get, watch, sync.
    pub fn settings(&self) -> SettingsApi {
        SettingsApi::new(self.clone())
    }

    /// Free/busy queries.
    pub fn freebusy(&self) -> FreeBusyApi {
        FreeBusyApi::new(self.clone())
    }

    /// The color palettes.
    pub fn colors(&self) -> ColorsApi {
        ColorsApi::new(self.clone())
    }

    /// Push-notification channels (stop).
    pub fn channels(&self) -> ChannelsApi {
        ChannelsApi::new(self.clone())
    }

    /// A snapshot of this client's counters (shared by its clones).
    pub fn metrics(&self) -> MetricsSnapshot {
        self.transport.metrics()
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &Url {
        self.transport.base_url()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The hook told about successful event writes, if any.
    pub(crate) fn write_observer(&self) -> Option<&Arc<dyn EventWriteObserver>> {
        self.observer.as_ref()
    }
}

/// Configures a [`CalendarClient`]. Made by [`CalendarClient::builder`].
#[must_use]
pub struct CalendarClientBuilder {
    token_source: Arc<dyn TokenSource>,
    base_url: Option<Url>,
    clock: Option<Arc<dyn Clock>>,
    retry: RetryPolicy,
    budget: Option<Arc<RetryBudget>>,
    max_retry_after: Option<Duration>,
    requests_per_second: Option<u32>,
    http: Option<reqwest::Client>,
    metrics_label: Option<String>,
    observer: Option<Arc<dyn EventWriteObserver>>,
}

impl std::fmt::Debug for CalendarClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarClientBuilder")
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
            .field("retry", &self.retry)
            .field("requests_per_second", &self.requests_per_second)
            .finish_non_exhaustive()
    }
}

impl CalendarClientBuilder {
    /// Sends requests to `url` instead of `https://www.googleapis.com/calendar/v3/`
    /// (an emulator, a proxy, a wiremock server).
    pub fn base_url(mut self, url: Url) -> Self {
        self.base_url = Some(url);
        self
    }

    /// The clock used for backoff sleeps, throttle pacing and `Retry-After` dates.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget this client's retries are paid from (default: a
    /// [`RetryBudget::default`] of its own). Share one between clients so a storm of failures
    /// across all of them stays bounded.
    pub fn retry_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Sleep through a `Retry-After` of up to `longest` (default: the policy's `max_delay`).
    /// A longer one is returned at once as [`Error::RateLimited`] with its `retry_after`.
    pub fn max_retry_after(mut self, longest: Duration) -> Self {
        self.max_retry_after = Some(longest);
        self
    }

    /// Adds `credential="<label>"` to this client's metrics series (see `docs/metrics.md`).
    pub fn metrics_credential_label(mut self, label: impl Into<String>) -> Self {
        self.metrics_label = Some(label.into());
        self
    }

    /// At most `rate` requests per second from this client (0 = unthrottled, the default).
    pub fn requests_per_second(mut self, rate: u32) -> Self {
        self.requests_per_second = (rate > 0).then_some(rate);
        self
    }

    /// Uses this `reqwest::Client` (proxies, timeouts, custom roots).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Tells `observer` about every event write that succeeds (see [`EventWriteObserver`]).
    pub fn write_observer(mut self, observer: Arc<dyn EventWriteObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<CalendarClient> {
        let base_url = match self.base_url {
            Some(url) => url,
            None => Url::parse(DEFAULT_BASE_URL)
                .map_err(|e| Error::validation("base_url", e.to_string()))?,
        };
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(Error::validation(
                "base_url",
                format!("must be an http(s) URL, got scheme {:?}", base_url.scheme()),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => default_http_client()?,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let budget = self.budget.unwrap_or_default();
        Ok(CalendarClient {
            transport: Arc::new(Transport::new(TransportParts {
                http,
                base_url,
                tokens: self.token_source,
                engine: RetryEngine::new(self.retry, budget, clock, self.max_retry_after),
                requests_per_second: self.requests_per_second,
                metrics_label: self.metrics_label,
            })),
            observer: self.observer,
        })
    }
}
