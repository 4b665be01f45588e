//! Where the stacked views get events from. A source hands back, per selected calendar, the
//! events overlapping a window: single events and instances, or recurring masters with their
//! exceptions (which [`super::expand`] turns into instances). Per-client and per-calendar
//! failures come back as [`Problem`]s next to what could be read.
//!
//! Two sources exist: `live::LiveSource` asks Google (concurrently, with a bound), and
//! `mirror::MirrorSource` reads the local mirror, syncing first what is missing or older
//! than `max_staleness` (`fresh`).

pub(crate) mod fresh;
pub(crate) mod live;
pub(crate) mod mirror;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::calendar::LazyEvent;
use crate::error::Error;
use crate::mirror::cache::Version;
use crate::store::{CalendarKey, Client, ClientId};

/// A calendar of a client, as the stacked views name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarRef {
    /// The client.
    pub client_id: ClientId,
    /// Its display name (shared with every agenda entry of the calendar).
    pub client: Arc<str>,
    /// The calendar id.
    pub calendar_id: Arc<str>,
    /// The calendar's display name.
    pub name: Arc<str>,
    /// The calendar's time zone (all-day events are busy from midnight to midnight in it).
    #[serde(serialize_with = "zone_name")]
    pub time_zone: Tz,
}

/// Something that could not be read: a whole client, or one of its calendars.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// The client.
    pub client_id: ClientId,
    /// Its display name.
    pub client: String,
    /// The calendar, when only that calendar failed.
    pub calendar_id: Option<String>,
    /// What went wrong.
    #[serde(serialize_with = "display")]
    pub error: Error,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.calendar_id {
            Some(calendar) => write!(f, "{} / {calendar}: {}", self.client, self.error),
            None => write!(f, "{}: {}", self.client, self.error),
        }
    }
}

/// Whether the stacked views read Google live or the local mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceChoice {
    /// The local mirror (the default): recurring masters expanded locally; clients and
    /// calendars never synced (and, with `max_staleness`, those synced too long ago) are
    /// synced first.
    #[default]
    Mirror,
    /// Google, live: `calendarList.list` and `events.list` with `singleEvents=true` per
    /// calendar, at most a bounded number of requests at once.
    Live,
}

/// One calendar's events from a source. Its `Debug` counts the events, never shows them.
pub(crate) struct CalendarEvents {
    pub(crate) calendar: CalendarRef,
    pub(crate) events: Vec<LazyEvent>,
    /// Whether `events` are expanded already (recurring series turned into instances).
    pub(crate) expanded: bool,
    /// Where the mirror's opened-events cache keeps this calendar's rows, so that their
    /// expansion can be kept next to them.
    pub(crate) cached: Option<(CalendarKey, Version)>,
}

impl CalendarEvents {
    /// A calendar's events, not expanded yet and not kept anywhere.
    pub(crate) fn new(calendar: CalendarRef, events: Vec<LazyEvent>) -> Self {
        Self {
            calendar,
            events,
            expanded: false,
            cached: None,
        }
    }
}

impl std::fmt::Debug for CalendarEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarEvents")
            .field("calendar", &self.calendar)
            .field("events", &self.events.len())
            .finish()
    }
}

/// What a source read, and what it could not.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    pub(crate) calendars: Vec<CalendarEvents>,
    pub(crate) problems: Vec<Problem>,
}

/// Which calendars of which clients to read.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    /// The clients, resolved.
    pub(crate) clients: Vec<Client>,
    /// Whether that is every client (no client was named).
    pub(crate) every_client: bool,
    /// Only these calendar ids (`primary` names each client's primary calendar); `None` =
    /// every selected calendar.
    pub(crate) calendars: Option<Vec<String>>,
}

/// A place events come from.
#[async_trait]
pub(crate) trait EventSource: Send + Sync {
    /// The selected calendars' events overlapping `[from, to)`.
    async fn fetch(
        &self,
        selection: &Selection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> crate::error::Result<Fetched>;
}

fn zone_name<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

fn display<S: Serializer>(e: &Error, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}
