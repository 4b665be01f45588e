//! Free/busy: each client's busy intervals over a window, merged across that client's
//! calendars. Busy means what Google's `freebusy.query` counts: events that are not cancelled,
//! not transparent and not declined by the calendar's owner, all-day ones from midnight to
//! midnight in their calendar's zone; intervals are clipped to the window, and overlapping or
//! touching ones merged.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::busy::{is_busy, span};
use crate::calendar::Event;
use crate::store::ClientId;

/// A half-open interval of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Interval {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
}

impl Interval {
    /// `[start, end)`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }
}

/// One client's busy intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientBusy {
    /// The client.
    pub client_id: ClientId,
    /// Its display name.
    pub client: String,
    /// Busy intervals, sorted, disjoint, clipped to the window.
    pub busy: Vec<Interval>,
}

/// The answer of `free_busy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeBusy {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// Per client, in the order the clients were chosen (by name when all).
    pub clients: Vec<ClientBusy>,
}

/// The busy intervals of `events` (on a calendar in `zone`) within `[from, to)`, unmerged.
pub fn busy_intervals<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Iterator<Item = Interval> {
    events
        .into_iter()
        .filter(|e| is_busy(e))
        .filter_map(move |e| span(e, zone))
        .filter(move |s| s.end > from && s.start < to && s.end > s.start)
        .map(move |s| Interval::new(s.start.max(from), s.end.min(to)))
}

/// Sorts and merges overlapping or touching intervals.
pub fn merge(mut spans: Vec<Interval>) -> Vec<Interval> {
    spans.sort_unstable();
    let mut merged: Vec<Interval> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

/// `a` minus `b` (both sorted and disjoint).
pub(crate) fn subtract(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut j = 0;
    for &iv in a {
        let mut start = iv.start;
        while j < b.len() && b[j].end <= start {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].start < iv.end {
            if b[k].start > start {
                out.push(Interval::new(start, b[k].start));
            }
            start = start.max(b[k].end);
            k += 1;
        }
        if start < iv.end {
            out.push(Interval::new(start, iv.end));
        }
    }
    out
}

/// Where `a` and `b` (both sorted and disjoint) overlap.
pub(crate) fn intersect(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            out.push(Interval::new(start, end));
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn iv(a: u32, b: u32) -> Interval {
        let at = |h| {
            Utc.with_ymd_and_hms(2026, 5, 4, h, 0, 0)
                .single()
                .expect("valid")
        };
        Interval::new(at(a), at(b))
    }

    #[test]
    fn touching_and_overlapping_intervals_merge() {
        assert_eq!(
            merge(vec![iv(9, 10), iv(12, 13), iv(10, 11), iv(12, 14)]),
            [iv(9, 11), iv(12, 14)]
        );
    }

    #[test]
    fn subtract_cuts_holes() {
        assert_eq!(
            subtract(&[iv(8, 18)], &[iv(7, 9), iv(12, 13), iv(17, 20)]),
            [iv(9, 12), iv(13, 17)]
        );
        assert_eq!(subtract(&[iv(8, 10)], &[iv(8, 10)]), []);
    }

    #[test]
    fn intersect_keeps_common_time() {
        assert_eq!(
            intersect(&[iv(8, 12), iv(13, 18)], &[iv(10, 14), iv(17, 20)]),
            [iv(10, 12), iv(13, 14), iv(17, 18)]
        );
    }
}
