//! The stacked agenda: every selected client's events on one time-ordered list, each entry
//! with its client, calendar, event and the entries it conflicts with.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::busy::{is_busy, span};
use super::source::{CalendarRef, Problem};
use crate::calendar::model::EventStatus;
use crate::calendar::{Event, LazyEvent};
use crate::store::ClientId;

/// One line of the stacked agenda. Its `Debug` leaves out the title and the event (a
/// client's calendar contents), showing where and when only.
#[derive(Clone, PartialEq, Serialize)]
pub struct AgendaEntry {
    /// The client the event belongs to.
    pub client_id: ClientId,
    /// That client's display name (shared by the client's entries, not copied per entry).
    pub client: Arc<str>,
    /// The calendar id the event is on (shared, like `client`).
    pub calendar_id: Arc<str>,
    /// The calendar's display name (the user's override, else its summary, else its id;
    /// shared, like `client`).
    pub calendar: Arc<str>,
    /// The event (or instance) id.
    pub event_id: String,
    /// Title (`(no title)` when absent).
    pub summary: String,
    /// Start instant (all-day events: midnight in the agenda's time zone).
    pub start: DateTime<Utc>,
    /// End instant (exclusive).
    pub end: DateTime<Utc>,
    /// The all-day date range `[first, last]` when the event is all-day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_day: Option<(NaiveDate, NaiveDate)>,
    /// Whether the event blocks time (see [`is_busy`]).
    pub busy: bool,
    /// Indexes (into the agenda) of the entries this one overlaps with, as `u32`: a large
    /// agenda holds millions of these, and half the memory of `usize` is worth the `as usize`
    /// when indexing (an agenda covers at most 366 days: far fewer than `u32::MAX` entries).
    pub conflicts_with: Vec<u32>,
    /// The event as Google lists it with `singleEvents=true`, shared with the mirror's
    /// cache of opened events (no copy is made per answer). It dereferences to the whole
    /// [`Event`]; a single event read from the mirror decodes the fields beyond the ones
    /// above on first use (see [`LazyEvent`]).
    pub event: LazyEvent,
}

impl std::fmt::Debug for AgendaEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgendaEntry")
            .field("client_id", &self.client_id)
            .field("calendar_id", &self.calendar_id)
            .field("event_id", &self.event_id)
            .field("summary", &"<redacted>")
            .field("start", &self.start)
            .field("end", &self.end)
            .field("all_day", &self.all_day)
            .field("busy", &self.busy)
            .field("conflicts_with", &self.conflicts_with)
            .field("event", &"<redacted>")
            .finish()
    }
}

impl AgendaEntry {
    /// Builds an entry from an event on `calendar`, placing all-day events in `zone`; `None`
    /// for events that cannot appear on an agenda (cancelled ones, events without a usable
    /// start or end).
    pub fn from_event(calendar: &CalendarRef, event: &Event, zone: Tz) -> Option<Self> {
        if event.status == Some(EventStatus::Cancelled) {
            return None;
        }
        Self::from_owned(calendar, LazyEvent::new(event.clone()), zone)
    }

    /// [`AgendaEntry::from_event`], sharing the event (no copy).
    pub(crate) fn from_owned(calendar: &CalendarRef, event: LazyEvent, zone: Tz) -> Option<Self> {
        // The views' fields only: a single event from the mirror stays unopened.
        let head = event.head();
        if head.status == Some(EventStatus::Cancelled) {
            return None;
        }
        let span = span(head, zone)?;
        Some(Self {
            client_id: calendar.client_id,
            client: Arc::clone(&calendar.client),
            calendar_id: Arc::clone(&calendar.calendar_id),
            calendar: Arc::clone(&calendar.name),
            event_id: head.id.clone().unwrap_or_default(),
            summary: head
                .summary
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "(no title)".to_owned()),
            start: span.start,
            end: span.end,
            all_day: span.all_day,
            busy: is_busy(head),
            conflicts_with: Vec::new(),
            event,
        })
    }

    /// Whether the entry can conflict: busy and timed.
    pub fn takes_part_in_conflicts(&self) -> bool {
        self.busy && self.all_day.is_none()
    }
}

/// The stacked agenda over a window, and what could not be read.
#[derive(Debug, Serialize)]
pub struct Agenda {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// The entries, time-ordered; `conflicts_with` holds indexes into this list.
    pub entries: Vec<AgendaEntry>,
    /// Number of conflicting pairs.
    pub conflicts: usize,
    /// Clients or calendars that could not be read (the rest is still listed).
    pub problems: Vec<Problem>,
}
