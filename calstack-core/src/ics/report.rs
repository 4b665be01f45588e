//! What an import did, and the options that steer it.

use chrono_tz::Tz;
use serde::Serialize;

/// How to import a file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportOptions {
    /// Import the good events and list the refused ones, instead of refusing the file.
    pub skip_invalid: bool,
    /// The zone for floating times; `None` uses the target calendar's own zone.
    pub default_zone: Option<Tz>,
    /// Calls per batch request; `0` or `1` sends one request per event instead.
    pub batch_size: usize,
    /// HTTP requests in flight at once (batch requests, or single ones when not batching).
    pub concurrency: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            skip_invalid: false,
            default_zone: None,
            batch_size: crate::calendar::api::MAX_CALLS_PER_REQUEST,
            concurrency: 4,
        }
    }
}

impl ImportOptions {
    /// Keep good events when some are refused.
    #[must_use]
    pub fn skip_invalid(mut self, yes: bool) -> Self {
        self.skip_invalid = yes;
        self
    }

    /// Read floating times in `zone` instead of the calendar's zone.
    #[must_use]
    pub fn default_zone(mut self, zone: Option<Tz>) -> Self {
        self.default_zone = zone;
        self
    }

    /// Calls per batch request (capped at 50); `0` or `1` disables batching.
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.min(crate::calendar::api::MAX_CALLS_PER_REQUEST);
        self
    }

    /// HTTP requests in flight at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
}

/// What an import did. Exceptions of a series (moved or cancelled occurrences) count like
/// events: created when new, updated when changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// Events that did not exist and were created.
    pub created: usize,
    /// Events that existed with different content and were updated.
    pub updated: usize,
    /// Events that already matched the file (no request was made for them).
    pub unchanged: usize,
    /// Events the API refused, each `uid: reason`.
    pub failed: Vec<String>,
    /// Events refused while reading the file (only with `skip_invalid`), each with line and
    /// reason.
    pub skipped: Vec<String>,
    /// What was read differently from how it was written (zones matched, alarms left out...).
    pub notes: Vec<String>,
}

/// Progress of an import: called with (done, total) as events are settled.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);
