//! Metrics through the `metrics` facade: latency, attempts, retries, throttled waits, refreshes
//! and errors by reason, for Prometheus (or any `metrics` recorder) to scrape.
//!
//! Nothing is recorded until the application installs a recorder; with the `prometheus` feature,
//! [`prometheus::install`] installs one and [`prometheus::serve`] serves it over HTTP. Every
//! series is listed in `docs/metrics.md`, with alert rules. Series carry an `operation` label
//! (Google's method id, e.g. `events.insert`, or `oauth.refresh`); a `credential` label is added
//! only when the caller opts in (`CalstackBuilder::metrics_per_credential`), because one series
//! per credential can be many series.
//!
//! The per-client [`crate::MetricsSnapshot`] counters are kept beside these. Several processes'
//! Prometheus pages add up to one with [`merge_text`].

mod merge;
#[cfg(feature = "prometheus")]
pub mod prometheus;

pub use merge::merge_text;

use std::time::Duration;

use metrics::{Label, counter, gauge, histogram};

use crate::error::Error;

/// Seconds from a call's first attempt to its final answer (retries and waits included).
pub const REQUEST_DURATION: &str = "calstack_request_duration_seconds";
/// Calls finished, by `outcome` (`ok` / `error`).
pub const REQUESTS: &str = "calstack_requests_total";
/// HTTP attempts sent (every try counts).
pub const ATTEMPTS: &str = "calstack_attempts_total";
/// Attempts that were retries of a failed one.
pub const RETRIES: &str = "calstack_retries_total";
/// Failed attempts by `reason` (Google's `errors[].reason`, `http_<status>`, `transport`).
pub const ERRORS: &str = "calstack_errors_total";
/// Waits for the client-side throttle.
pub const THROTTLED_WAITS: &str = "calstack_throttled_waits_total";
/// Waits that honoured a server's `Retry-After`.
pub const RETRY_AFTER_WAITS: &str = "calstack_retry_after_waits_total";
/// Retries not made because the shared retry budget was short.
pub const RETRY_BUDGET_EXHAUSTED: &str = "calstack_retry_budget_exhausted_total";
/// Tokens left in the shared retry budget.
pub const RETRY_BUDGET_AVAILABLE: &str = "calstack_retry_budget_available";
/// Access-token refreshes by `outcome` (`ok`, `invalid_grant`, `refused`, `error`).
pub const TOKEN_REFRESHES: &str = "calstack_token_refreshes_total";
/// Access-token lookups by `source` (`cache` = no store read, `store`).
pub const TOKEN_LOOKUPS: &str = "calstack_token_lookups_total";

/// Labels of one series: the operation and, when opted in, the credential.
fn labels(operation: &str, credential: Option<&str>) -> Vec<Label> {
    let mut labels = vec![Label::new("operation", operation.to_owned())];
    if let Some(credential) = credential {
        labels.push(Label::new("credential", credential.to_owned()));
    }
    labels
}

/// One HTTP attempt was sent.
pub(crate) fn attempt(operation: &str, credential: Option<&str>) {
    counter!(ATTEMPTS, labels(operation, credential)).increment(1);
}

/// A failed attempt is about to be retried.
pub(crate) fn retry(operation: &str, credential: Option<&str>) {
    counter!(RETRIES, labels(operation, credential)).increment(1);
}

/// An attempt failed with `reason`.
pub(crate) fn error(operation: &str, reason: &str, credential: Option<&str>) {
    let mut labels = labels(operation, credential);
    labels.push(Label::new("reason", reason.to_owned()));
    counter!(ERRORS, labels).increment(1);
}

/// A request waited for the client-side throttle.
pub(crate) fn throttled(operation: &str, credential: Option<&str>) {
    counter!(THROTTLED_WAITS, labels(operation, credential)).increment(1);
}

/// A retry waited as long as the server's `Retry-After` asked.
pub(crate) fn retry_after_wait(operation: &str, credential: Option<&str>) {
    counter!(RETRY_AFTER_WAITS, labels(operation, credential)).increment(1);
}

/// A retry was refused by the retry budget.
pub(crate) fn budget_exhausted(operation: &str) {
    counter!(RETRY_BUDGET_EXHAUSTED, labels(operation, None)).increment(1);
}

/// The tokens left in the retry budget.
pub(crate) fn budget_available(tokens: u32) {
    gauge!(RETRY_BUDGET_AVAILABLE).set(f64::from(tokens));
}

/// A call finished after `elapsed` (all attempts and waits).
pub(crate) fn finished(operation: &str, ok: bool, elapsed: Duration, credential: Option<&str>) {
    let mut labels = labels(operation, credential);
    labels.push(Label::new("outcome", if ok { "ok" } else { "error" }));
    histogram!(REQUEST_DURATION, labels.clone()).record(elapsed.as_secs_f64());
    counter!(REQUESTS, labels).increment(1);
}

/// An access-token refresh ended with `outcome`.
pub(crate) fn refresh(outcome: &'static str, credential: Option<&str>) {
    let mut labels = vec![Label::new("outcome", outcome)];
    if let Some(credential) = credential {
        labels.push(Label::new("credential", credential.to_owned()));
    }
    counter!(TOKEN_REFRESHES, labels).increment(1);
}

/// An access token was served from the in-memory cache (`true`) or looked up in the store.
/// Static keys (literal name and labels): this runs on every request, and must stay cheap.
pub(crate) fn token_lookup(from_cache: bool) {
    if from_cache {
        counter!("calstack_token_lookups_total", "source" => "cache").increment(1);
    } else {
        counter!("calstack_token_lookups_total", "source" => "store").increment(1);
    }
}

/// The `reason` label of a failure.
pub(crate) fn reason_of(error: &Error) -> String {
    match error {
        Error::RateLimited { reason, .. } | Error::QuotaExceeded { reason, .. } => reason.clone(),
        Error::NotFound { .. } => "notFound".to_owned(),
        Error::PreconditionFailed => "conditionNotMet".to_owned(),
        Error::SyncTokenExpired => "fullSyncRequired".to_owned(),
        Error::Api(api) => api
            .reason
            .clone()
            .unwrap_or_else(|| format!("http_{}", api.status)),
        Error::Transport { .. } => "transport".to_owned(),
        Error::Decode { .. } => "decode".to_owned(),
        Error::Authorization { code, .. } => code.clone(),
        Error::ReauthorizationRequired { .. } => "reauthorization_required".to_owned(),
        Error::Validation { .. } => "validation".to_owned(),
        Error::Crypto(_) => "crypto".to_owned(),
        Error::Store(_) => "store".to_owned(),
    }
}

/// Google's method id for a Calendar request (`events.insert`), from its method and path
/// segments relative to the API base; `other` when the shape is not one of Calendar v3's.
pub(crate) fn operation_name(method: &str, segments: &[String]) -> &'static str {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method, s.as_slice()) {
        ("GET", ["users", "me", "calendarList"]) => "calendarList.list",
        ("POST", ["users", "me", "calendarList"]) => "calendarList.insert",
        ("POST", ["users", "me", "calendarList", "watch"]) => "calendarList.watch",
        (m, ["users", "me", "calendarList", _]) => by_verb(m, CALENDAR_LIST),
        ("GET", ["users", "me", "settings"]) => "settings.list",
        ("POST", ["users", "me", "settings", "watch"]) => "settings.watch",
        ("GET", ["users", "me", "settings", _]) => "settings.get",
        ("POST", ["calendars"]) => "calendars.insert",
        ("POST", ["calendars", _, "clear"]) => "calendars.clear",
        (m, ["calendars", _]) => by_verb(m, CALENDARS),
        ("GET", ["calendars", _, "acl"]) => "acl.list",
        ("POST", ["calendars", _, "acl"]) => "acl.insert",
        ("POST", ["calendars", _, "acl", "watch"]) => "acl.watch",
        (m, ["calendars", _, "acl", _]) => by_verb(m, ACL),
        ("GET", ["calendars", _, "events"]) => "events.list",
        ("POST", ["calendars", _, "events"]) => "events.insert",
        ("POST", ["calendars", _, "events", "quickAdd"]) => "events.quickAdd",
        ("POST", ["calendars", _, "events", "import"]) => "events.import",
        ("POST", ["calendars", _, "events", "watch"]) => "events.watch",
        ("POST", ["calendars", _, "events", _, "move"]) => "events.move",
        ("GET", ["calendars", _, "events", _, "instances"]) => "events.instances",
        (m, ["calendars", _, "events", _]) => by_verb(m, EVENTS),
        ("POST", ["freeBusy"]) => "freebusy.query",
        ("GET", ["colors"]) => "colors.get",
        ("POST", ["channels", "stop"]) => "channels.stop",
        _ => "other",
    }
}

/// The `get` / `update` / `patch` / `delete` method ids of one resource.
const CALENDAR_LIST: [&str; 4] = [
    "calendarList.get",
    "calendarList.update",
    "calendarList.patch",
    "calendarList.delete",
];
const CALENDARS: [&str; 4] = [
    "calendars.get",
    "calendars.update",
    "calendars.patch",
    "calendars.delete",
];
const ACL: [&str; 4] = ["acl.get", "acl.update", "acl.patch", "acl.delete"];
const EVENTS: [&str; 4] = [
    "events.get",
    "events.update",
    "events.patch",
    "events.delete",
];

/// The method id of `method` on one resource, from its `[get, update, patch, delete]` ids.
fn by_verb(method: &str, ids: [&'static str; 4]) -> &'static str {
    match method {
        "GET" => ids[0],
        "PUT" => ids[1],
        "PATCH" => ids[2],
        "DELETE" => ids[3],
        _ => "other",
    }
}

/// The guide `docs/metrics.md`, compiled here so its snippets are checked as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/metrics.md")]
pub struct MetricsGuide;

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        path.split('/').map(str::to_owned).collect()
    }

    #[test]
    fn operation_names_are_googles_method_ids() {
        assert_eq!(
            operation_name("POST", &segs("calendars/primary/events")),
            "events.insert"
        );
        assert_eq!(
            operation_name("PATCH", &segs("calendars/primary/events/e1")),
            "events.patch"
        );
        assert_eq!(
            operation_name("GET", &segs("calendars/primary/events/e1/instances")),
            "events.instances"
        );
        assert_eq!(
            operation_name("DELETE", &segs("calendars/c1/acl/user:a@b")),
            "acl.delete"
        );
        assert_eq!(
            operation_name("GET", &segs("users/me/calendarList/c1")),
            "calendarList.get"
        );
        assert_eq!(operation_name("GET", &segs("colors")), "colors.get");
        assert_eq!(operation_name("GET", &segs("nowhere/at/all")), "other");
    }
}
