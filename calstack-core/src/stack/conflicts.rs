//! Conflict detection: which busy timed entries overlap. Back-to-back entries (one ends when
//! the next starts) do not conflict; all-day entries never do.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use foldhash::HashMap;
use serde::Serialize;

use super::agenda::AgendaEntry;
use super::parallel::map_runs;
use crate::store::ClientId;

/// Sorts entries by start (then end, client, title), fills `conflicts_with` for every pair of
/// overlapping busy timed entries and returns those pairs (lower index first), in order.
pub fn stack(entries: &mut [AgendaEntry]) -> Vec<(usize, usize)> {
    stack_counted(entries);
    let mut pairs: Vec<(usize, usize)> = entries
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            e.conflicts_with
                .iter()
                .map(|&j| j as usize)
                .filter(move |&j| j > i)
                .map(move |j| (i, j))
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

/// [`stack`], returning only how many pairs conflict (the agenda needs no list of pairs; a
/// large agenda can have millions).
///
/// Once sorted, the entries an entry overlaps *later* in the order are a run: the busy timed
/// entries after it that start before it ends (they start no earlier, so they end after it
/// starts; a zero-length entry sorts before the others starting with it, and overlaps none
/// of them). Those runs are copied from one list of the busy timed entries. The *earlier*
/// ones come from a sweep keeping the entries still open. A large agenda is swept in
/// contiguous runs on several cores, each run starting from the entries open where it begins.
pub(crate) fn stack_counted(entries: &mut [AgendaEntry]) -> usize {
    order(entries);
    // The busy timed entries (indexes into `entries`, in order) and their spans.
    let mut busy: Vec<u32> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter_mut().enumerate() {
        if entry.takes_part_in_conflicts() {
            busy.push(index(i));
        } else {
            entry.conflicts_with = Vec::new();
        }
    }
    let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = busy
        .iter()
        .map(|&i| (entries[i as usize].start, entries[i as usize].end))
        .collect();
    // The lists are built over runs of positions, a large agenda's on several cores (each run
    // starts from the entries still open where it begins), then moved into place.
    let positions: Vec<usize> = (0..busy.len()).collect();
    let runs = map_runs(
        positions,
        |_| 1,
        |_, _| true,
        |run| conflict_lists(&busy, &spans, run),
    );
    let mut pairs = 0;
    for (position, (list, later)) in runs.into_iter().flatten().enumerate() {
        pairs += later;
        entries[busy[position] as usize].conflicts_with = list;
    }
    pairs
}

/// For each of `positions` (contiguous, increasing) in the busy entries `busy` with `spans`:
/// the entries it overlaps (earlier ones, then later ones) and how many of them are later.
fn conflict_lists(
    busy: &[u32],
    spans: &[(DateTime<Utc>, DateTime<Utc>)],
    positions: Vec<usize>,
) -> Vec<(Vec<u32>, usize)> {
    let Some(&first) = positions.first() else {
        return Vec::new();
    };
    // The earlier busy entries whose end is after the current start: (end, index), by index.
    let first_start = spans[first].0;
    let mut open: Vec<(DateTime<Utc>, u32)> = (0..first)
        .filter(|&j| spans[j].1 > first_start)
        .map(|j| (spans[j].1, busy[j]))
        .collect();
    let mut out = Vec::with_capacity(positions.len());
    for position in positions {
        let (start, end) = spans[position];
        open.retain(|&(open_end, _)| open_end > start);
        let after = position + 1;
        let run = after + spans[after..].partition_point(|&(s, _)| s < end);
        let later = &busy[after..run];
        let mut list = Vec::with_capacity(open.len() + later.len());
        list.extend(open.iter().map(|&(_, j)| j));
        list.extend_from_slice(later);
        out.push((list, later.len()));
        open.push((end, busy[position]));
    }
    out
}

/// Entry `i`'s index in `conflicts_with`. A query covers at most 366 days
/// ([`super::params::MAX_RANGE`]), and `u32::MAX` entries would be a year of some ten million
/// clients' calendars: an agenda held in memory cannot get there (each entry takes over 100
/// bytes). Only a stream over such a year could, and its indexes past that would saturate.
pub(crate) fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Sorts entries by start, then end, client and title, keeping the order of equal ones: the
/// order is found on a compact list of (start, end, client's rank, index), looking at titles
/// only for one client's entries at equal times, then each entry is moved once (entries are
/// large, and a sort that read their names for every tie would wander over all of them: many
/// clients' meetings start at the same times).
fn order(entries: &mut [AgendaEntry]) {
    let ranks = client_ranks(entries);
    let mut keys: Vec<(DateTime<Utc>, DateTime<Utc>, u32, usize)> = entries
        .iter()
        .zip(ranks)
        .enumerate()
        .map(|(i, (e, rank))| (e.start, e.end, rank, i))
        .collect();
    keys.sort_by(|a, b| {
        (a.0, a.1, a.2)
            .cmp(&(b.0, b.1, b.2))
            .then_with(|| entries[a.3].summary.cmp(&entries[b.3].summary))
    });
    let mut by: Vec<usize> = keys.into_iter().map(|(_, _, _, i)| i).collect();
    // Apply the permutation in place, cycle by cycle: position `i` takes entry `by[i]`.
    for start in 0..by.len() {
        let mut i = start;
        while by[i] != start {
            let next = by[i];
            entries.swap(i, next);
            by[i] = i;
            i = next;
        }
        by[i] = i;
    }
}

/// Each entry's client's rank in the order of the clients' names (equal names, equal ranks).
/// An agenda's entries share a few names (one per client), so the names are sorted once.
fn client_ranks(entries: &[AgendaEntry]) -> Vec<u32> {
    // The distinct names, found by the shared name each entry points to.
    let mut slot_of: HashMap<*const u8, u32> = HashMap::default();
    let mut names: Vec<&str> = Vec::new();
    let slots: Vec<u32> = entries
        .iter()
        .map(|e| {
            *slot_of
                .entry(Arc::as_ptr(&e.client).cast())
                .or_insert_with(|| {
                    names.push(&e.client);
                    index(names.len() - 1)
                })
        })
        .collect();
    let mut sorted: Vec<u32> = (0..index(names.len())).collect();
    sorted.sort_unstable_by(|&a, &b| names[a as usize].cmp(names[b as usize]));
    let mut rank_of = vec![0u32; names.len()];
    let mut rank = 0;
    for (k, &slot) in sorted.iter().enumerate() {
        if k > 0 && names[sorted[k - 1] as usize] != names[slot as usize] {
            rank += 1;
        }
        rank_of[slot as usize] = rank;
    }
    slots
        .into_iter()
        .map(|slot| rank_of[slot as usize])
        .collect()
}

/// One side of a [`Conflict`]. Its `Debug` leaves out the title.
#[derive(Clone, PartialEq, Serialize)]
pub struct ConflictSide {
    /// The client.
    pub client_id: ClientId,
    /// Its display name (shared with the agenda's entries).
    pub client: Arc<str>,
    /// The calendar id (shared, like `client`).
    pub calendar_id: Arc<str>,
    /// The event (or instance) id.
    pub event_id: String,
    /// Its title.
    pub summary: String,
    /// Its start.
    pub start: DateTime<Utc>,
    /// Its end (exclusive).
    pub end: DateTime<Utc>,
}

impl std::fmt::Debug for ConflictSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictSide")
            .field("client_id", &self.client_id)
            .field("calendar_id", &self.calendar_id)
            .field("event_id", &self.event_id)
            .field("summary", &"<redacted>")
            .field("start", &self.start)
            .field("end", &self.end)
            .finish()
    }
}

impl From<&AgendaEntry> for ConflictSide {
    fn from(e: &AgendaEntry) -> Self {
        Self {
            client_id: e.client_id,
            client: Arc::clone(&e.client),
            calendar_id: Arc::clone(&e.calendar_id),
            event_id: e.event_id.clone(),
            summary: e.summary.clone(),
            start: e.start,
            end: e.end,
        }
    }
}

/// Two busy events that overlap; each pair is reported once, the earlier event first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The event that starts first.
    pub first: ConflictSide,
    /// The other one.
    pub second: ConflictSide,
    /// Where they overlap: from the later start…
    pub overlap_start: DateTime<Utc>,
    /// …to the earlier end.
    pub overlap_end: DateTime<Utc>,
}

impl Conflict {
    /// The conflict between `a` and `b` (as ordered on the agenda).
    pub fn between(a: &AgendaEntry, b: &AgendaEntry) -> Self {
        Self {
            first: a.into(),
            second: b.into(),
            overlap_start: a.start.max(b.start),
            overlap_end: a.end.min(b.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::model::{EventAttendee, EventStatus, ResponseStatus, Transparency};
    use crate::calendar::{Event, EventDateTime};
    use crate::stack::busy::is_busy;
    use crate::stack::source::CalendarRef;
    use chrono::NaiveDate;
    use chrono_tz::Tz;

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
            .filter_map(|(client, e)| {
                let calendar = CalendarRef {
                    client_id: ClientId::new(),
                    client: (*client).into(),
                    calendar_id: "primary".into(),
                    name: "primary".into(),
                    time_zone: Tz::UTC,
                };
                AgendaEntry::from_event(&calendar, e, Tz::UTC)
            })
            .collect()
    }

    fn conflicts_of<'a>(agenda: &'a [AgendaEntry], id: &str) -> Vec<&'a str> {
        let e = agenda.iter().find(|e| e.event_id == id).expect("present");
        e.conflicts_with
            .iter()
            .map(|&i| agenda[i as usize].event_id.as_str())
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
        assert_eq!(stack(&mut agenda).len(), 0);
        let order: Vec<_> = agenda.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(order, ["early", "mid", "late"]);
        assert_eq!(&*agenda[0].client, "Bolt");
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
        assert_eq!(stack(&mut agenda).len(), 2);
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
        assert_eq!(stack(&mut agenda).len(), 2);
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
        assert_eq!(stack(&mut agenda).len(), 0);
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
        assert_eq!(stack(&mut agenda).len(), 0);
        assert_eq!(agenda[0].event_id, "holiday");
        assert_eq!(agenda[0].all_day, Some((day, day)));
        assert_eq!(agenda[0].summary, "(no title)");
    }

    /// Checks that the agenda's order and its conflict lists equal the plain definitions: a
    /// stable sort by (start, end, client, title), and every other busy timed entry
    /// overlapping (zero-length entries included). Spans are (start, length) in quarter
    /// hours, the client's number, and whether the entry is free.
    fn assert_definitions(spans: &[(u16, u8, u8, bool)]) {
        let base = DateTime::parse_from_rfc3339("2026-05-01T00:00:00Z").expect("valid");
        let list: Vec<(String, Event)> = spans
            .iter()
            .enumerate()
            .map(|(n, &(start, len, client, free))| {
                let s = base + chrono::TimeDelta::minutes(15 * i64::from(start));
                let e = s + chrono::TimeDelta::minutes(15 * i64::from(len));
                let mut event = timed(&format!("e{n}"), &s.to_rfc3339(), &e.to_rfc3339());
                event.summary = Some(format!("t{}", n % 4));
                if free {
                    event.transparency = Some(Transparency::Transparent);
                }
                (format!("c{client}"), event)
            })
            .collect();
        let borrowed: Vec<(&str, Event)> =
            list.iter().map(|(c, e)| (c.as_str(), e.clone())).collect();
        let mut agenda = entries(&borrowed);
        let mut expected: Vec<AgendaEntry> = agenda.clone();
        expected.sort_by(|a, b| {
            (a.start, a.end, &a.client, &a.summary).cmp(&(b.start, b.end, &b.client, &b.summary))
        });
        let pairs = stack(&mut agenda);
        let ids = |v: &[AgendaEntry]| v.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&agenda), ids(&expected));
        let mut counted = 0;
        for (i, a) in agenda.iter().enumerate() {
            let want: Vec<u32> = agenda
                .iter()
                .enumerate()
                .filter(|&(j, b)| {
                    j != i
                        && a.takes_part_in_conflicts()
                        && b.takes_part_in_conflicts()
                        && a.start < b.end
                        && b.start < a.end
                })
                .map(|(j, _)| index(j))
                .collect();
            counted += want.iter().filter(|&&j| j as usize > i).count();
            assert_eq!(a.conflicts_with, want, "entry {i}");
        }
        assert_eq!(pairs.len(), counted);
    }

    proptest::proptest! {
        #[test]
        fn order_and_conflicts_match_their_definitions(
            spans in proptest::collection::vec((0u16..40, 0u8..12, 0u8..3, proptest::bool::ANY), 0..60),
        ) {
            assert_definitions(&spans);
        }
    }

    /// An agenda large enough to be worked on several cores answers as the definitions say.
    #[test]
    fn a_large_agenda_matches_the_definitions() {
        let spans: Vec<(u16, u8, u8, bool)> = (0..6_000u32)
            .map(|n| {
                let scattered = n.wrapping_mul(2_654_435_761) >> 7;
                let start = u16::try_from(scattered % 2_000).expect("small");
                let len = u8::try_from(scattered % 9).expect("small");
                let client = u8::try_from(n % 5).expect("small");
                (start, len, client, n % 11 == 0)
            })
            .collect();
        assert_definitions(&spans);
    }
}
