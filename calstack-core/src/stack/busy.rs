//! The rules of the stacked views: which events block time, and where each event sits on the
//! timeline (all-day events from midnight to midnight in a given zone).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::model::{EventStatus, ResponseStatus, Transparency};
use crate::calendar::{Event, EventDateTime};

/// Whether `event` blocks the time it covers: not cancelled, opaque, and not declined by the
/// calendar's owner (an attendee marked `self` with `responseStatus: declined`). Someone
/// else's decline leaves it busy.
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

/// Where an event sits on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start instant (all-day: midnight of the first day in the zone given to [`span`]).
    pub start: DateTime<Utc>,
    /// End instant, exclusive.
    pub end: DateTime<Utc>,
    /// For all-day events, the first and last day (inclusive).
    pub all_day: Option<(NaiveDate, NaiveDate)>,
}

/// The span of `event`, placing all-day dates in `zone`; `None` for events without a usable
/// start and end (a start or end with neither or both of `date` and `dateTime`). A timed
/// start or end is the instant its `dateTime` names: its `timeZone` (which only says how a
/// recurring series repeats) is not read here, so an agenda of thousands of events does not
/// look each name up.
pub fn span(event: &Event, zone: Tz) -> Option<Span> {
    let start = when(event.start.as_ref()?)?;
    let end = when(event.end.as_ref()?)?;
    let all_day = match (start, end) {
        (Point::AllDay(first), Point::AllDay(end_exclusive)) => {
            Some((first, end_exclusive.pred_opt().unwrap_or(first).max(first)))
        }
        _ => None,
    };
    let instant = |p: Point| match p {
        Point::AllDay(date) => midnight(date, zone),
        Point::Timed(at) => at,
    };
    Some(Span {
        start: instant(start),
        end: instant(end),
        all_day,
    })
}

/// A start or end as [`span`] reads it.
#[derive(Clone, Copy)]
enum Point {
    AllDay(NaiveDate),
    Timed(DateTime<Utc>),
}

fn when(at: &EventDateTime) -> Option<Point> {
    match (at.date, at.date_time) {
        (Some(date), None) => Some(Point::AllDay(date)),
        (None, Some(at)) => Some(Point::Timed(at.with_timezone(&Utc))),
        _ => None,
    }
}

/// The first instant of `date` in `zone` (where midnight does not exist, the first instant
/// that does).
pub fn midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_instant(date.and_time(NaiveTime::MIN), zone)
}

/// The instant a local wall-clock time names in `zone`: the earlier one when the clock goes
/// back; when the time falls in a gap (the clock jumps forward), the instant of the jump.
pub fn local_instant(local: chrono::NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    if let Some(at) = zone.from_local_datetime(&local).earliest() {
        return at.with_timezone(&Utc);
    }
    // In a gap: walk back to the last minute that exists; the jump happens one minute later.
    let mut probe = local;
    for _ in 0..(48 * 60) {
        probe -= chrono::TimeDelta::minutes(1);
        if let Some(at) = zone.from_local_datetime(&probe).latest() {
            return at.with_timezone(&Utc) + chrono::TimeDelta::minutes(1);
        }
    }
    local.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(date: Option<&str>, date_time: Option<&str>, zone: Option<&str>) -> EventDateTime {
        EventDateTime {
            date: date.map(|d| d.parse().expect("date")),
            date_time: date_time.map(|t| DateTime::parse_from_rfc3339(t).expect("time")),
            time_zone: zone.map(str::to_owned),
            ..EventDateTime::default()
        }
    }

    fn event(start: EventDateTime, end: EventDateTime) -> Event {
        Event {
            start: Some(start),
            end: Some(end),
            ..Event::default()
        }
    }

    #[test]
    fn timed_spans_are_the_instants_named_whatever_the_zone_name_says() {
        let zurich = event(
            point(
                None,
                Some("2031-03-03T09:00:00+01:00"),
                Some("Europe/Zurich"),
            ),
            point(None, Some("2031-03-03T10:30:00+01:00"), Some("Not/A_Zone")),
        );
        let s = span(&zurich, Tz::Asia__Tokyo).expect("a span");
        assert_eq!(s.start.to_rfc3339(), "2031-03-03T08:00:00+00:00");
        assert_eq!(s.end.to_rfc3339(), "2031-03-03T09:30:00+00:00");
        assert_eq!(s.all_day, None);
    }

    #[test]
    fn all_day_spans_sit_in_the_given_zone_and_unusable_points_have_none() {
        let offsite = event(
            point(Some("2031-03-03"), None, None),
            point(Some("2031-03-05"), None, None),
        );
        let s = span(&offsite, Tz::America__New_York).expect("a span");
        assert_eq!(s.start.to_rfc3339(), "2031-03-03T05:00:00+00:00");
        assert_eq!(s.end.to_rfc3339(), "2031-03-05T05:00:00+00:00");
        let first = "2031-03-03".parse().expect("date");
        let last = "2031-03-04".parse().expect("date");
        assert_eq!(s.all_day, Some((first, last)));
        let both = point(Some("2031-03-03"), Some("2031-03-03T09:00:00Z"), None);
        let neither = point(None, None, Some("UTC"));
        let fine = point(None, Some("2031-03-03T09:00:00Z"), None);
        assert_eq!(span(&event(both, fine.clone()), Tz::UTC), None);
        assert_eq!(span(&event(fine, neither), Tz::UTC), None);
    }
}
