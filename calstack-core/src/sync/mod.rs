//! The sync engine: keeps the local mirror equal to Google.
//!
//! - `engine`: one client's calendar list and one calendar's events, by incremental sync
//!   with stored tokens (the first sync is full; `410 Gone` runs a full resync that replaces
//!   the calendar's rows atomically; pages are streamed into the store, never collected).
//! - [`run`](self): syncing one leased calendar and recording the outcome (backoff, parking on
//!   `ReauthorizationRequired`, push channels renewed).
//! - [`Syncer`]: workers that claim due calendars through store leases, so many processes
//!   share the work.
//! - [`push`](self): `events.watch` channels and [`Calstack::handle_notification`].
//! - `cleanup`: a credential's (or client's) channels stopped before it is deleted.
//!
//! [`Calstack`] gains `sync()`, `sync_client()`, `sync_calendar()`, `sync_stale()`,
//! `syncer()`, `handle_notification()` and `mirror()` (see [`facade`](self)).
//!
//! [`Calstack`]: crate::Calstack
//! [`Calstack::handle_notification`]: crate::Calstack::handle_notification

pub(crate) mod cleanup;
mod engine;
mod facade;
mod push;
mod run;
mod worker;

use std::time::Duration;

use url::Url;

use crate::error::Error;
use crate::store::{CalendarKey, ClientId};

pub use push::{Notification, ResourceState};
pub use worker::{Progress, RoundReport, Syncer};

/// How syncing is paced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// How long after a successful sync a calendar is due again (default 5 minutes; with
    /// push, changes make it due at once, so this is a safety net).
    pub poll_interval: Duration,
    /// How long a worker's lease on a calendar lasts (default 2 minutes; extended after every
    /// page, so long syncs keep it).
    pub lease: Duration,
    /// Calendars synced at once by one [`Syncer`] (default 4).
    pub workers: usize,
    /// The first retry delay after a failure (default 30 s), doubled per failure in a row.
    pub backoff_base: Duration,
    /// The longest retry delay (default 1 hour).
    pub backoff_max: Duration,
    /// How often a [`Syncer`] looks for clients whose calendars are not mirrored yet
    /// (default 1 minute).
    pub discovery_interval: Duration,
    /// Push notifications: `None` (the default) polls only.
    pub push: Option<PushOptions>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(300),
            lease: Duration::from_secs(120),
            workers: 4,
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            discovery_interval: Duration::from_secs(60),
            push: None,
        }
    }
}

impl SyncOptions {
    /// The defaults with `workers` calendars synced at once.
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// The defaults with push channels delivering to `address`.
    pub fn with_push(mut self, push: PushOptions) -> Self {
        self.push = Some(push);
        self
    }
}

/// Where Google delivers push notifications, and when channels are renewed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PushOptions {
    /// The public HTTPS address that receives Google's notifications and hands their headers
    /// to [`crate::Calstack::handle_notification`].
    pub address: Url,
    /// How long channels should live (Google caps events channels at about a week; default
    /// 7 days).
    pub ttl: Duration,
    /// Channels expiring within this are renewed at the next sync (default 1 day).
    pub renew_before: Duration,
}

impl PushOptions {
    /// Notifications delivered to `address`, with the default lifetimes. The address is taken
    /// as it is; [`PushOptions::parse`] checks text a user gave.
    pub fn new(address: Url) -> Self {
        Self {
            address,
            ttl: Duration::from_secs(7 * 24 * 3600),
            renew_before: Duration::from_secs(24 * 3600),
        }
    }

    /// Notifications delivered to the address in `text`, with the default lifetimes, once it
    /// passes [`crate::validate::webhook::webhook_address`]: an absolute `https` URL (plain
    /// `http` only on a loopback host such as `127.0.0.1` or `localhost`, for the emulator
    /// and tests), with no user name, password or fragment. A refused address is
    /// [`Error::Validation`] naming `field` (the caller's name for the setting, e.g.
    /// `push_address` or `--public-url`).
    ///
    /// ```
    /// use calstack_core::sync::PushOptions;
    ///
    /// let push = PushOptions::parse("push_address", "https://sync.example.com/notify")?;
    /// assert_eq!(push.address.as_str(), "https://sync.example.com/notify");
    /// let refused = PushOptions::parse("push_address", "http://sync.example.com/notify");
    /// assert!(matches!(refused, Err(calstack_core::Error::Validation { field, .. }) if field == "push_address"));
    /// # Ok::<(), calstack_core::Error>(())
    /// ```
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        crate::validate::webhook::webhook_address(field, text).map(Self::new)
    }
}

/// What syncing one calendar did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CalendarSync {
    /// Whether it was a full sync (first sync, or after `410 Gone`).
    pub full: bool,
    /// Event rows written (added or changed).
    pub upserted: u64,
    /// Events deleted by tombstones.
    pub deleted: u64,
    /// List pages fetched.
    pub pages: u64,
    /// Whether another worker held the calendar, so nothing was done.
    pub skipped: bool,
}

/// What a sync of several calendars did: one entry per calendar, failures kept whole.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct SyncReport {
    /// Calendars synced, and what each sync did.
    pub synced: Vec<(CalendarKey, CalendarSync)>,
    /// Calendars whose sync failed, and why.
    pub failed: Vec<(CalendarKey, Error)>,
    /// Clients whose calendar list could not be synced (nothing of theirs was synced), and why.
    pub failed_clients: Vec<(ClientId, Error)>,
}

impl SyncReport {
    /// Whether everything succeeded.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && self.failed_clients.is_empty()
    }

    fn merge(&mut self, other: SyncReport) {
        self.synced.extend(other.synced);
        self.failed.extend(other.failed);
        self.failed_clients.extend(other.failed_clients);
    }
}

/// The guide `docs/sync.md`, compiled here so its snippets are checked as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sync.md")]
pub struct SyncGuide;
