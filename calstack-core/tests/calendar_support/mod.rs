//! Shared helpers of the calendar integration tests: a wiremock server that fails loudly on
//! unexpected requests, a client wired to it with a manual clock, and exact-query matching.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use calstack_core::{
    AccessToken, CalendarClient, ManualClock, RetryPolicy, StaticToken, TokenSource,
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;
use wiremock::matchers::any;
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "ya29.test-access-token-SECRET";

/// A server with a lowest-priority catch-all that answers 418 and must never be hit.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|req: &Request| {
            ResponseTemplate::new(418)
                .set_body_string(format!("unexpected request: {} {}", req.method, req.url))
        })
        .with_priority(u8::MAX)
        .named("fallback: no request other than the mocked ones may be sent")
        .expect(0)
        .mount(&server)
        .await;
    server
}

pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-05-01T08:00:00Z")
        .expect("valid")
        .with_timezone(&Utc)
}

pub fn base_url(server: &MockServer) -> Url {
    Url::parse(&format!("{}/calendar/v3/", server.uri())).expect("valid base url")
}

/// A client on `server`, static token, manual clock, default retry policy.
pub fn client(server: &MockServer) -> (CalendarClient, ManualClock) {
    client_with(
        server,
        Arc::new(StaticToken::new(TOKEN)),
        RetryPolicy::default(),
    )
}

pub fn client_with(
    server: &MockServer,
    tokens: Arc<dyn TokenSource>,
    retry: RetryPolicy,
) -> (CalendarClient, ManualClock) {
    let clock = ManualClock::new(start_time());
    let client = CalendarClient::builder(tokens)
        .base_url(base_url(server))
        .clock(Arc::new(clock.clone()))
        .retry(retry)
        .build()
        .expect("client builds");
    (client, clock)
}

/// Path under the test base URL.
pub fn api(path: &str) -> String {
    format!("/calendar/v3/{path}")
}

/// Matches when the query string holds exactly these pairs (any order, repeats counted).
pub struct ExactQuery(pub Vec<(String, String)>);

pub fn exact_query(pairs: &[(&str, &str)]) -> ExactQuery {
    ExactQuery(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut want = self.0.clone();
        got.sort();
        want.sort();
        got == want
    }
}

/// Matches requests without a body (or with an empty one).
pub struct NoBody;

impl Match for NoBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}

/// A test vector from /work/shared/reference/test-vectors.jsonl (copied into fixtures).
pub fn vector(name: &str) -> Value {
    let text = include_str!("../fixtures/test-vectors.jsonl");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("fixture line is JSON"))
        .find(|v| v["name"] == name)
        .map(|v| v["json"].clone())
        .unwrap_or_else(|| panic!("no test vector named {name}"))
}

pub fn all_vectors() -> Vec<(String, Value)> {
    include_str!("../fixtures/test-vectors.jsonl")
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("fixture line is JSON"))
        .map(|v| (v["name"].as_str().unwrap().to_owned(), v["json"].clone()))
        .collect()
}

/// A token source that hands out `old` until a 401, then `fresh`; counts refreshes.
#[derive(Debug)]
pub struct RotatingToken {
    pub old: String,
    pub fresh: Option<String>,
    pub refreshes: AtomicUsize,
    rotated: std::sync::atomic::AtomicBool,
}

impl RotatingToken {
    pub fn new(old: &str, fresh: Option<&str>) -> Self {
        Self {
            old: old.to_owned(),
            fresh: fresh.map(str::to_owned),
            refreshes: AtomicUsize::new(0),
            rotated: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn refresh_count(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenSource for RotatingToken {
    async fn access_token(&self) -> calstack_core::Result<AccessToken> {
        if self.rotated.load(Ordering::SeqCst) {
            Ok(AccessToken::new(self.fresh.clone().unwrap_or_default()))
        } else {
            Ok(AccessToken::new(self.old.clone()))
        }
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> calstack_core::Result<Option<AccessToken>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            rejected.secret(),
            self.old,
            "the rejected token is passed back"
        );
        self.rotated.store(true, Ordering::SeqCst);
        Ok(self.fresh.clone().map(AccessToken::new))
    }
}

pub fn event_json(id: &str, summary: &str) -> Value {
    serde_json::json!({
        "kind": "calendar#event",
        "etag": format!("\"etag-{id}\""),
        "id": id,
        "status": "confirmed",
        "summary": summary,
        "start": {"dateTime": "2024-05-01T10:00:00+02:00", "timeZone": "Europe/Zurich"},
        "end": {"dateTime": "2024-05-01T11:00:00+02:00", "timeZone": "Europe/Zurich"}
    })
}

pub fn json(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

pub fn google_error(status: u16, reason: &str, message: &str) -> ResponseTemplate {
    json(
        status,
        serde_json::json!({
            "error": {
                "errors": [{"domain": "global", "reason": reason, "message": message}],
                "code": status,
                "message": message
            }
        }),
    )
}

pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// A client on `server` with the static test token and the given retry policy.
pub fn client_retrying(server: &MockServer, retry: RetryPolicy) -> (CalendarClient, ManualClock) {
    client_with(server, Arc::new(StaticToken::new(TOKEN)), retry)
}

/// A mock for `route` ("METHOD path", the path under the test base URL).
pub fn on(route: &str) -> wiremock::MockBuilder {
    let (verb, path) = route
        .split_once(' ')
        .unwrap_or_else(|| panic!("route {route:?} is \"METHOD path\""));
    Mock::given(wiremock::matchers::method(verb)).and(wiremock::matchers::path(api(path)))
}

/// A mock about to be mounted on a server; finish it with [`Answer::with`].
pub struct Answer<'a> {
    server: &'a MockServer,
    mock: wiremock::MockBuilder,
    times: u64,
    first_only: bool,
}

/// Expects exactly `times` requests to `route` ("METHOD path") on `server`.
pub fn answer<'a>(server: &'a MockServer, times: u64, route: &str) -> Answer<'a> {
    Answer {
        server,
        mock: on(route),
        times,
        first_only: false,
    }
}

/// Answers only the first `times` requests to `route` (and expects that many); later ones
/// fall through to the next mock.
pub fn answer_first<'a>(server: &'a MockServer, times: u64, route: &str) -> Answer<'a> {
    Answer {
        first_only: true,
        ..answer(server, times, route)
    }
}

impl Answer<'_> {
    /// Also requires `matcher` to match.
    pub fn and(self, matcher: impl Match + 'static) -> Self {
        Self {
            mock: self.mock.and(matcher),
            ..self
        }
    }

    /// Mounts the mock, replying with `response`.
    pub async fn with(self, response: impl wiremock::Respond + 'static) {
        let mut mock = self.mock.respond_with(response);
        if self.first_only {
            mock = mock.up_to_n_times(self.times);
        }
        mock.expect(self.times).mount(self.server).await;
    }
}

/// Google's 409 for an insert whose event id already exists.
pub fn duplicate_id() -> ResponseTemplate {
    google_error(409, "duplicate", "The requested identifier already exists.")
}

/// Google's retryable 503 `backendError`.
pub fn backend_error() -> ResponseTemplate {
    google_error(503, "backendError", "Backend Error")
}

/// Google's 401 for a rejected access token.
pub fn invalid_credentials() -> ResponseTemplate {
    google_error(401, "authError", "Invalid Credentials")
}

/// Google's 429 `rateLimitExceeded` with `message`, asking to wait `retry_after` (seconds or
/// an HTTP date).
pub fn rate_limited(message: &str, retry_after: &str) -> ResponseTemplate {
    google_error(429, "rateLimitExceeded", message).insert_header("Retry-After", retry_after)
}

/// A client on `server` whose token source hands out "old-token" until a 401, then
/// "fresh-token"; the source is returned too, to count refreshes.
pub fn rotating_client(server: &MockServer) -> (CalendarClient, ManualClock, Arc<RotatingToken>) {
    let tokens = Arc::new(RotatingToken::new("old-token", Some("fresh-token")));
    let (client, clock) = client_with(server, tokens.clone(), RetryPolicy::default());
    (client, clock, tokens)
}

/// One request to `route` with "old-token" gets a 401; one with "fresh-token" gets `fresh`.
pub async fn reject_old_token_then(server: &MockServer, route: &str, fresh: ResponseTemplate) {
    answer(server, 1, route)
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer old-token",
        ))
        .with(invalid_credentials())
        .await;
    answer(server, 1, route)
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer fresh-token",
        ))
        .with(fresh)
        .await;
}

/// Asserts that `err` is a validation error naming `field`.
#[track_caller]
pub fn assert_invalid_field(err: &calstack_core::Error, field: &str) {
    assert!(
        matches!(err, calstack_core::Error::Validation { field: got, .. } if got == field),
        "{err}"
    );
}
