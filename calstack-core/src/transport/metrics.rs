//! Counters a caller can read to watch quota use: requests, retries, throttled waits, errors.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// A snapshot of a client's counters (see [`crate::CalendarClient::metrics`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// HTTP requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts that were retries of an earlier failed attempt (401 re-sends excluded).
    pub retries: u64,
    /// Times a request waited for the client-side throttle.
    pub throttled_waits: u64,
    /// Times a 401 was healed by a fresh token and the request re-sent.
    pub unauthorized_refreshes: u64,
    /// Failed attempts by reason: Google's `errors[].reason` when given, else `http_<status>`,
    /// or `transport` when no answer arrived.
    pub errors: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled_waits: AtomicU64,
    unauthorized_refreshes: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn throttled(&self) {
        self.throttled_waits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn unauthorized_refresh(&self) {
        self.unauthorized_refreshes.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn error(&self, reason: &str) {
        let mut errors = self.errors.lock().unwrap_or_else(PoisonError::into_inner);
        *errors.entry(reason.to_owned()).or_insert(0) += 1;
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled_waits: self.throttled_waits.load(Ordering::Relaxed),
            unauthorized_refreshes: self.unauthorized_refreshes.load(Ordering::Relaxed),
            errors: self
                .errors
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}
