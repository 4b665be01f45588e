//! DTSTART / DTEND / DURATION / RECURRENCE-ID values as Calendar v3 `EventDateTime`s, with the
//! RFC 5545 defaults for a missing end.

use chrono::{Days, TimeDelta};
use chrono_tz::Tz;

use super::lexer::Property;
use super::values::{RawTime, parse_duration, parse_time};
use super::write::ZONE_PARAM;
use super::zones::{Zones, resolve_local};
use crate::calendar::EventDateTime;

/// A DATE or DATE-TIME property as an `EventDateTime`: dates all-day, UTC times without a
/// zone (or in the zone our writer kept beside them), `TZID` times in the zone it resolves
/// to, floating times in the calendar's zone.
pub(crate) fn date_time_of(p: &Property, zones: &mut Zones) -> Result<EventDateTime, String> {
    let value = p.value.trim();
    let raw = if p
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
    {
        match parse_time(value)? {
            RawTime::Date(d) => RawTime::Date(d),
            other => RawTime::Date(other.naive().date()),
        }
    } else {
        parse_time(value)?
    };
    match raw {
        RawTime::Date(date) => Ok(EventDateTime::all_day(date)),
        RawTime::Utc(at) => {
            // A zone kept beside a UTC time by our writer (see `write::ZONE_PARAM`).
            let zone = p.param(ZONE_PARAM).and_then(|z| z.parse::<Tz>().ok());
            let at = at.and_utc();
            Ok(match zone {
                Some(tz) => EventDateTime::zoned(at.with_timezone(&tz)),
                None => EventDateTime::timed(at.fixed_offset(), None),
            })
        }
        RawTime::Local(local) => {
            let tz = match p.param("TZID") {
                Some(tzid) => zones.resolve(tzid, local)?,
                None => zones.floating,
            };
            Ok(EventDateTime::timed(resolve_local(local, tz)?, Some(tz)))
        }
    }
}

/// `start + delta`; all-day starts move by whole days (at least one).
pub(crate) fn add_duration(
    start: &EventDateTime,
    delta: TimeDelta,
) -> Result<EventDateTime, String> {
    let out_of_range = || "the end it gives is out of range".to_owned();
    if let Some(date) = start.date {
        let days = delta.num_days() + i64::from(delta.num_seconds() % 86_400 != 0);
        let days = u64::try_from(days.max(1)).map_err(|_| out_of_range())?;
        let end = date
            .checked_add_days(Days::new(days))
            .ok_or_else(out_of_range)?;
        return Ok(EventDateTime::all_day(end));
    }
    let at = start.date_time.ok_or_else(out_of_range)?;
    let end = at.checked_add_signed(delta).ok_or_else(out_of_range)?;
    Ok(EventDateTime {
        date_time: Some(end),
        ..start.clone()
    })
}

/// The end from DTEND, else DURATION, else RFC 5545's default (a day for a date, the start
/// itself for a time). An all-day DTEND equal to DTSTART means one day. Errors name the
/// property.
pub(crate) fn end_of(
    start: &EventDateTime,
    dtend: Option<&Property>,
    duration: Option<&Property>,
    zones: &mut Zones,
) -> Result<EventDateTime, (&'static str, String)> {
    let end = match (dtend, duration) {
        (Some(p), _) => date_time_of(p, zones).map_err(|r| ("DTEND", r))?,
        (None, Some(p)) => {
            let delta = parse_duration(&p.value).map_err(|r| ("DURATION", r))?;
            if delta < TimeDelta::zero() {
                return Err(("DURATION", format!("{:?} is negative", p.value.trim())));
            }
            add_duration(start, delta).map_err(|r| ("DURATION", r))?
        }
        (None, None) => add_duration(start, TimeDelta::zero()).map_err(|r| ("DTEND", r))?,
    };
    match (start.date, end.date, start.date_time, end.date_time) {
        (Some(s), Some(e), _, _) if e == s => {
            add_duration(start, TimeDelta::days(1)).map_err(|r| ("DTEND", r))
        }
        (Some(s), Some(e), _, _) if e < s => Err((
            "DTEND",
            format!("{e} is before DTSTART {s} (all-day ends are exclusive)"),
        )),
        (_, _, Some(s), Some(e)) if e < s => Err(("DTEND", format!("{e} is before DTSTART {s}"))),
        (Some(_), None, _, _) | (None, Some(_), _, _) => Err((
            "DTEND",
            "DTSTART and DTEND must both be dates or both be date-times".into(),
        )),
        _ => Ok(end),
    }
}

/// A recurring timed event needs a zone on start and end: UTC times get `UTC`.
pub(crate) fn anchor_in_zone(at: &mut EventDateTime, fallback: Tz) {
    if at.date_time.is_some() && at.time_zone.is_none() {
        at.time_zone = Some(fallback.name().to_owned());
    }
}
