//! The rules of the stacked views: which events block time, and where each event sits on the
//! timeline (all-day events from midnight to midnight in a given zone).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::model::{EventStatus, ResponseStatus, Transparency};
use crate::calendar::{Event, When};

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
/// start and end.
pub fn span(event: &Event, zone: Tz) -> Option<Span> {
    let start = event.start.as_ref()?.when().ok()?;
    let end = event.end.as_ref()?.when().ok()?;
    let all_day = match (start, end) {
        (When::AllDay(first), When::AllDay(end_exclusive)) => {
            Some((first, end_exclusive.pred_opt().unwrap_or(first).max(first)))
        }
        _ => None,
    };
    let instant = |w: When| match w {
        When::AllDay(date) => midnight(date, zone),
        When::Timed { at, .. } => at.with_timezone(&Utc),
    };
    Some(Span {
        start: instant(start),
        end: instant(end),
        all_day,
    })
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
