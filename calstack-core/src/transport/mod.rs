//! The one place HTTP happens: base URLs, auth header injection, retries with backoff,
//! throttling, counters and tracing.
//!
//! Every Calendar call goes through one function: it paces the request through the client's
//! throttle, adds the bearer token (header marked sensitive), re-sends once with a
//! fresh token after a 401, retries retryable failures of requests that are safe to repeat
//! (decided by [`Error::is_retryable`] alone) with full-jitter backoff or the server's
//! `Retry-After`, and maps Google's error envelope to a typed [`Error`].

mod budget;
mod errors;
mod metrics;
mod retry;
mod throttle;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, IF_MATCH, IF_NONE_MATCH, RETRY_AFTER,
};
use reqwest::{Method, StatusCode};
use tracing::Instrument;
use url::Url;

use crate::auth::TokenSource;
use crate::error::{Error, Result};
use crate::secret::AccessToken;

pub use budget::RetryBudget;
pub use metrics::MetricsSnapshot;
pub use retry::RetryPolicy;
pub(crate) use retry::{GiveUp, RetryEngine, millis};

pub(crate) use errors::error_from_response;
use metrics::Metrics;
use throttle::Throttle;

/// The default base URL of Calendar v3.
pub const DEFAULT_BASE_URL: &str = "https://www.googleapis.com/calendar/v3/";

/// Whether a request may be sent again after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Repeating it has the same effect as sending it once (GET, PUT, DELETE, PATCH, inserts
    /// with a client-chosen id): retried on every retryable failure.
    Safe,
    /// Repeating it could act twice (quickAdd, calendars.insert, move, clear, watch): retried
    /// only when the connection failed before the request was sent.
    ConnectOnly,
}

/// A request, relative to the base URL.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) if_match: Option<String>,
    pub(crate) if_none_match: Option<String>,
    pub(crate) idempotency: Idempotency,
    /// An absolute URL instead of base URL + segments (the batch endpoint).
    pub(crate) url: Option<Url>,
    /// The body's content type when it is not JSON (a batch's `multipart/mixed`).
    pub(crate) content_type: Option<String>,
}

impl ApiRequest {
    pub(crate) fn new(method: Method, segments: Vec<String>, idempotency: Idempotency) -> Self {
        Self {
            method,
            segments,
            query: Vec::new(),
            body: None,
            if_match: None,
            if_none_match: None,
            idempotency,
            url: None,
            content_type: None,
        }
    }

    /// Sets a single-valued query parameter, replacing an earlier value.
    pub(crate) fn set_query(&mut self, name: &'static str, value: String) {
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value));
    }

    /// Adds a value of a repeatable query parameter.
    pub(crate) fn push_query(&mut self, name: &'static str, value: String) {
        self.query.push((name, value));
    }

    /// Whether the query has the parameter.
    pub(crate) fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(n, _)| *n == name)
    }

    /// The path for messages: segments joined, no query.
    pub(crate) fn display_path(&self) -> String {
        self.segments.join("/")
    }
}

/// A successful answer (2xx, or 304 to a conditional read).
#[derive(Debug)]
pub(crate) struct ApiResponse {
    pub(crate) status: StatusCode,
    pub(crate) body: bytes::Bytes,
}

/// The outcome of [`Transport::execute`], and how many times it was retried after a failure
/// that may have reached the server (401 re-sends with a fresh token are not counted).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) result: Result<ApiResponse>,
    pub(crate) retries: u32,
}

/// A failed attempt and whether it may be sent again.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
    may_repeat: bool,
    /// Whether the request may have reached the server (an answer came, or the connection
    /// failed after it was sent).
    reached: bool,
}

/// How long to wait before the next attempt, and whether the failed one may have reached the
/// server.
struct Pause {
    wait: Duration,
    reached: bool,
}

/// Shared HTTP machinery of one [`crate::CalendarClient`].
pub(crate) struct Transport {
    http: reqwest::Client,
    base_url: Url,
    tokens: Arc<dyn TokenSource>,
    engine: RetryEngine,
    throttle: Option<Throttle>,
    metrics: Metrics,
    /// The `credential` label of this client's metrics, when the caller opted in.
    metrics_label: Option<String>,
}

/// How a [`Transport`] is put together (see [`crate::CalendarClientBuilder`]).
pub(crate) struct TransportParts {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) tokens: Arc<dyn TokenSource>,
    pub(crate) engine: RetryEngine,
    pub(crate) requests_per_second: Option<u32>,
    pub(crate) metrics_label: Option<String>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url.as_str())
            .field("retry", self.engine.policy())
            .field("throttled", &self.throttle.is_some())
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(parts: TransportParts) -> Self {
        let throttle = parts
            .requests_per_second
            .and_then(NonZeroU32::new)
            .map(|rate| Throttle::new(rate, parts.engine.clock().clone()));
        Self {
            http: parts.http,
            base_url: parts.base_url,
            tokens: parts.tokens,
            engine: parts.engine,
            throttle,
            metrics: Metrics::default(),
            metrics_label: parts.metrics_label,
        }
    }

    pub(crate) fn base_url(&self) -> &Url {
        &self.base_url
    }

    pub(crate) fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }

    /// The URL `request` goes to.
    pub(crate) fn url_for(&self, request: &ApiRequest) -> Result<Url> {
        if let Some(url) = &request.url {
            return Ok(url.clone());
        }
        let mut url = self.base_url.clone();
        {
            let mut segments = url.path_segments_mut().map_err(|()| {
                Error::validation("base_url", "must be an http(s) URL that can have a path")
            })?;
            segments.pop_if_empty();
            segments.extend(request.segments.iter().map(String::as_str));
        }
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Sends `request`, retrying what is safe, and maps failures to [`Error`].
    pub(crate) async fn execute(&self, request: &ApiRequest) -> Outcome {
        let operation = crate::metrics::operation_name(request.method.as_str(), &request.segments);
        let started = std::time::Instant::now();
        let mut retries = 0;
        let result = self
            .execute_counting(request, operation, &mut retries)
            .await;
        crate::metrics::finished(
            operation,
            result.is_ok(),
            started.elapsed(),
            self.metrics_label.as_deref(),
        );
        crate::metrics::budget_available(self.engine.budget().available());
        Outcome { result, retries }
    }

    async fn execute_counting(
        &self,
        request: &ApiRequest,
        operation: &'static str,
        retries: &mut u32,
    ) -> Result<ApiResponse> {
        let url = self.url_for(request)?;
        let path = url.path().to_owned();
        let label = self.metrics_label.as_deref();
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut attempts = self.engine.start();
        loop {
            let attempt = attempts.begin();
            if let Some(throttle) = &self.throttle
                && throttle.acquire().await
            {
                self.metrics.throttled();
                crate::metrics::throttled(operation, label);
            }
            let span = tracing::debug_span!(
                "calendar_request",
                method = %request.method,
                path = %path,
                attempt,
                status = tracing::field::Empty,
            );
            let sent = self
                .send_once(request, &url, &token)
                .instrument(span.clone())
                .await;
            self.metrics.request();
            crate::metrics::attempt(operation, label);
            let failure = match sent {
                Ok((status, headers, body)) => {
                    span.record("status", status.as_u16());
                    if status.is_success() || status == StatusCode::NOT_MODIFIED {
                        attempts.succeeded();
                        return Ok(ApiResponse { status, body });
                    }
                    if status == StatusCode::UNAUTHORIZED && !refreshed {
                        refreshed = true;
                        if let Some(fresh) = self.tokens.refresh_after_unauthorized(&token).await? {
                            tracing::debug!(parent: &span, "401: retrying once with a refreshed token");
                            self.metrics.unauthorized_refresh();
                            token = fresh;
                            continue;
                        }
                    }
                    self.failure_from_answer(request, status, &headers, &body)
                }
                Err((error, before_send)) => Failure {
                    error,
                    retry_after: None,
                    may_repeat: before_send || request.idempotency == Idempotency::Safe,
                    reached: !before_send,
                },
            };
            let delay = self.next_delay(&mut attempts, failure, operation, &path)?;
            if delay.reached {
                *retries += 1;
            }
            self.engine.clock().sleep(delay.wait).await;
        }
    }

    /// Counts a failed attempt and decides, through the retry engine, whether and after how
    /// long to send it again; `Err` is the error to return.
    fn next_delay(
        &self,
        attempts: &mut retry::Attempts<'_>,
        failure: Failure,
        operation: &'static str,
        path: &str,
    ) -> Result<Pause> {
        let label = self.metrics_label.as_deref();
        let reason = match &failure.error {
            Error::Transport { .. } => "transport".to_owned(),
            other => errors::metric_reason(other.status().unwrap_or(0), other),
        };
        self.metrics.error(&reason);
        crate::metrics::error(operation, &reason, label);
        let Failure {
            error,
            retry_after,
            may_repeat,
            reached,
        } = failure;
        let wait = match attempts.after_failure(&error, retry_after, may_repeat) {
            Ok(wait) => wait,
            Err(why) => {
                if why == GiveUp::Budget {
                    tracing::warn!(operation, path, "retry budget spent: not retrying");
                    crate::metrics::budget_exhausted(operation);
                }
                return Err(error);
            }
        };
        tracing::debug!(
            operation,
            path,
            retry = attempts.retries(),
            delay_ms = millis(wait),
            error = %error,
            "retrying after a retryable failure"
        );
        self.metrics.retry();
        crate::metrics::retry(operation, label);
        if retry_after.is_some() {
            crate::metrics::retry_after_wait(operation, label);
        }
        Ok(Pause { wait, reached })
    }

    /// A non-success answer as a [`Failure`]: the server saw the request, so only what is safe
    /// to repeat may be repeated.
    fn failure_from_answer(
        &self,
        request: &ApiRequest,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Failure {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, self.engine.clock().now()));
        let error =
            error_from_response(status.as_u16(), retry_after, body, &request.display_path());
        Failure {
            error,
            retry_after,
            may_repeat: request.idempotency == Idempotency::Safe,
            reached: true,
        }
    }

    /// One HTTP exchange. On failure: the error and whether the request surely never left.
    async fn send_once(
        &self,
        request: &ApiRequest,
        url: &Url,
        token: &AccessToken,
    ) -> std::result::Result<(StatusCode, HeaderMap, bytes::Bytes), (Error, bool)> {
        let mut auth =
            HeaderValue::try_from(format!("Bearer {}", token.secret())).map_err(|_| {
                (
                    Error::validation(
                        "access_token",
                        "contains characters not allowed in a header",
                    ),
                    true,
                )
            })?;
        auth.set_sensitive(true);
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .header(AUTHORIZATION, auth);
        if let Some(etag) = &request.if_match {
            builder = builder.header(IF_MATCH, etag.as_str());
        }
        if let Some(etag) = &request.if_none_match {
            builder = builder.header(IF_NONE_MATCH, etag.as_str());
        }
        if let Some(body) = &request.body {
            let content_type = request
                .content_type
                .as_deref()
                .unwrap_or("application/json");
            builder = builder
                .header(CONTENT_TYPE, content_type)
                .body(body.clone());
        } else if request.method == Method::POST {
            builder = builder.header(reqwest::header::CONTENT_LENGTH, 0);
        }
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_error)?;
        Ok((status, headers, body))
    }
}

fn transport_error(error: reqwest::Error) -> (Error, bool) {
    let before_send = error.is_connect();
    let error = error.without_url();
    let message = if error.is_timeout() {
        "request timed out".to_owned()
    } else if before_send {
        "could not connect".to_owned()
    } else {
        "the connection failed".to_owned()
    };
    (
        Error::Transport {
            message,
            source: Some(Box::new(error)),
        },
        before_send,
    )
}

/// Default HTTP client: rustls, HTTP/2 when offered, sane timeouts, redirects not followed
/// (neither Calendar nor the token endpoint redirects; a redirect is reported, not chased). The
/// Calendar clients and the OAuth manager of one [`crate::Calstack`] share one.
pub(crate) fn default_http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("calstack/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Transport {
            message: "could not build the HTTP client".to_owned(),
            source: Some(Box::new(e)),
        })
}
