//! The stacked agenda: every client's events merged into one time-ordered list, with overlaps
//! between busy events flagged as conflicts. Pure functions over events; fetching lives in
//! `commands::agenda`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::{Event, EventStatus, ResponseStatus, Transparency, When};

/// One line of the stacked agenda.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaEntry {
    /// Display name of the client the event belongs to.
    pub client: String,
    /// Calendar id the event is on.
    pub calendar: String,
    /// Event id.
    pub event_id: String,
    /// Title (`(no title)` when absent).
    pub summary: String,
    /// Start instant (all-day events: midnight UTC of the date).
    pub start: DateTime<Utc>,
    /// End instant (exclusive).
    pub end: DateTime<Utc>,
    /// The all-day date range `[first, last]` when the event is all-day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_day: Option<(NaiveDate, NaiveDate)>,
    /// Whether the event blocks time: opaque, not cancelled, not declined by the calendar's
    /// owner. Only timed busy events take part in conflict detection.
    pub busy: bool,
    /// Indexes (into the agenda) of the entries this one overlaps with.
    pub conflicts_with: Vec<usize>,
}

impl AgendaEntry {
    /// Builds an entry from an event, or `None` for events that cannot appear on an agenda
    /// (cancelled tombstones, events without a usable start or end).
    pub fn from_event(client: &str, calendar: &str, event: &Event) -> Option<Self> {
        if event.status == Some(EventStatus::Cancelled) {
            return None;
        }
        let start = event.start.as_ref()?.when().ok()?;
        let end = event.end.as_ref()?.when().ok()?;
        let all_day = match (start, end) {
            (When::AllDay(first), When::AllDay(end_exclusive)) => {
                Some((first, end_exclusive.pred_opt().unwrap_or(first).max(first)))
            }
            _ => None,
        };
        Some(Self {
            client: client.to_owned(),
            calendar: calendar.to_owned(),
            event_id: event.id.clone().unwrap_or_default(),
            summary: event
                .summary
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "(no title)".to_owned()),
            start: start.to_utc(),
            end: end.to_utc(),
            all_day,
            busy: is_busy(event),
            conflicts_with: Vec::new(),
        })
    }
}

/// Whether `event` blocks the time it covers.
pub fn is_busy(event: &Event) -> bool {
    if event.status == Some(EventStatus::Cancelled) {
        return false;
    }
    if event.transparency == Some(Transparency::Transparent) {
        return false;
    }
    let declined_by_owner =
        event.attendees.iter().flatten().any(|a| {
            a.is_self == Some(true) && a.response_status == Some(ResponseStatus::Declined)
        });
    !declined_by_owner
}

/// Sorts entries by start (then end, client, title) and fills `conflicts_with` for every pair
/// of overlapping busy timed entries. Touching events (one ends when the next starts) do not
/// conflict. Returns the number of conflicting pairs.
pub fn stack(entries: &mut [AgendaEntry]) -> usize {
    entries.sort_by(|a, b| {
        (a.start, a.end, &a.client, &a.summary).cmp(&(b.start, b.end, &b.client, &b.summary))
    });
    for e in entries.iter_mut() {
        e.conflicts_with.clear();
    }
    let mut pairs = Vec::new();
    // Sweep: `open` holds busy timed entries whose end is after the current start.
    let mut open: Vec<usize> = Vec::new();
    for i in 0..entries.len() {
        if !entries[i].busy || entries[i].all_day.is_some() {
            continue;
        }
        let start = entries[i].start;
        open.retain(|&j| entries[j].end > start);
        for &j in &open {
            pairs.push((j, i));
        }
        open.push(i);
    }
    for &(a, b) in &pairs {
        entries[a].conflicts_with.push(b);
        entries[b].conflicts_with.push(a);
    }
    pairs.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventAttendee, EventDateTime};

    fn at(s: &str) -> EventDateTime {
        EventDateTime {
            date_time: Some(DateTime::parse_from_rfc3339(s).expect("valid")),
            ..EventDateTime::default()
        }
    }

    fn timed(id: &str, start: &str, end: &str) -> Event {
        Event {
            id: Some(id.into()),
            summary: Some(id.into()),
            start: Some(at(start)),
            end: Some(at(end)),
            ..Event::default()
        }
    }

    fn entries(list: &[(&str, Event)]) -> Vec<AgendaEntry> {
        list.iter()
            .filter_map(|(client, e)| AgendaEntry::from_event(client, "primary", e))
            .collect()
    }

    fn conflicts_of<'a>(agenda: &'a [AgendaEntry], id: &str) -> Vec<&'a str> {
        let e = agenda.iter().find(|e| e.event_id == id).expect("present");
        e.conflicts_with
            .iter()
            .map(|&i| agenda[i].event_id.as_str())
            .collect()
    }

    #[test]
    fn agenda_is_time_ordered_across_clients() {
        let mut agenda = entries(&[
            (
                "Acme",
                timed("late", "2026-05-01T15:00:00Z", "2026-05-01T16:00:00Z"),
            ),
            (
                "Bolt",
                timed("early", "2026-05-01T08:00:00Z", "2026-05-01T09:00:00Z"),
            ),
            (
                "Acme",
                timed(
                    "mid",
                    "2026-05-01T12:00:00+02:00",
                    "2026-05-01T13:00:00+02:00",
                ),
            ),
        ]);
        assert_eq!(stack(&mut agenda), 0);
        let order: Vec<_> = agenda.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(order, ["early", "mid", "late"]);
        assert_eq!(agenda[0].client, "Bolt");
    }

    #[test]
    fn overlapping_busy_events_across_clients_conflict() {
        let mut agenda = entries(&[
            (
                "Acme",
                timed("a", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z"),
            ),
            (
                "Bolt",
                timed("b", "2026-05-01T10:30:00Z", "2026-05-01T11:30:00Z"),
            ),
            (
                "Cove",
                timed("c", "2026-05-01T11:00:00Z", "2026-05-01T12:00:00Z"),
            ),
        ]);
        assert_eq!(stack(&mut agenda), 2);
        assert_eq!(conflicts_of(&agenda, "a"), ["b"]);
        assert_eq!(conflicts_of(&agenda, "b"), ["a", "c"]);
        // a ends exactly when c starts: touching is not a conflict.
        assert_eq!(conflicts_of(&agenda, "c"), ["b"]);
    }

    #[test]
    fn long_event_conflicts_with_everything_inside_it() {
        let mut agenda = entries(&[
            (
                "Acme",
                timed("day", "2026-05-01T08:00:00Z", "2026-05-01T18:00:00Z"),
            ),
            (
                "Bolt",
                timed("x", "2026-05-01T09:00:00Z", "2026-05-01T09:30:00Z"),
            ),
            (
                "Bolt",
                timed("y", "2026-05-01T16:00:00Z", "2026-05-01T17:00:00Z"),
            ),
        ]);
        assert_eq!(stack(&mut agenda), 2);
        assert_eq!(conflicts_of(&agenda, "day"), ["x", "y"]);
    }

    #[test]
    fn free_declined_and_cancelled_events_never_conflict() {
        let mut free = timed("free", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        free.transparency = Some(Transparency::Transparent);
        let mut declined = timed("declined", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        declined.attendees = Some(vec![EventAttendee {
            email: Some("me@example.com".into()),
            is_self: Some(true),
            response_status: Some(ResponseStatus::Declined),
            ..EventAttendee::default()
        }]);
        let mut cancelled = timed("gone", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        cancelled.status = Some(EventStatus::Cancelled);
        let busy = timed("busy", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        let mut agenda = entries(&[("A", free), ("B", declined), ("C", cancelled), ("D", busy)]);
        assert_eq!(agenda.len(), 3, "cancelled events are not on the agenda");
        assert_eq!(stack(&mut agenda), 0);
        assert!(agenda.iter().all(|e| e.conflicts_with.is_empty()));
    }

    #[test]
    fn someone_elses_decline_still_leaves_the_event_busy() {
        let mut e = timed("e", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        e.attendees = Some(vec![EventAttendee {
            email: Some("guest@example.com".into()),
            response_status: Some(ResponseStatus::Declined),
            ..EventAttendee::default()
        }]);
        assert!(is_busy(&e));
    }

    #[test]
    fn all_day_events_are_listed_but_do_not_conflict() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid");
        let next = NaiveDate::from_ymd_opt(2026, 5, 2).expect("valid");
        let holiday = Event {
            id: Some("holiday".into()),
            start: Some(EventDateTime::all_day(day)),
            end: Some(EventDateTime::all_day(next)),
            ..Event::default()
        };
        let mut agenda = entries(&[
            ("A", holiday),
            (
                "B",
                timed("m", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z"),
            ),
        ]);
        assert_eq!(stack(&mut agenda), 0);
        assert_eq!(agenda[0].event_id, "holiday");
        assert_eq!(agenda[0].all_day, Some((day, day)));
        assert_eq!(agenda[0].summary, "(no title)");
    }
}
