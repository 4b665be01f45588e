//! The recurrence rules most calendars hold, walked without the `rrule` crate: a single
//! `RRULE` of `FREQ=DAILY` or `FREQ=WEEKLY` with at most `INTERVAL`, plain weekdays in
//! `BYDAY`, a UTC `UNTIL` and `WKST`. Parsing such a rule with `rrule` and walking it costs
//! about 60,000 instructions for a week's five occurrences; here a window's occurrences are
//! found by arithmetic from the series' start, whenever it began.
//!
//! The walk gives exactly what `rrule` gives for the same `DTSTART` and line (held to it by a
//! property test in `expand`): the dates of each period in order (a week's from its `WKST`),
//! the series' wall-clock time on each in its zone — where that time is skipped or repeated
//! by a clock change, midnight plus the time's length, as `rrule` does — none before the
//! series' start and none after `UNTIL`; an `UNTIL` before the start is refused, as `rrule`
//! refuses it. One difference: `rrule` refuses a series whose first wall-clock time exists
//! twice (the hour a clock change repeats); the walk starts from the instant the event gives.
//! Anything else (`COUNT`, other `BY` parts, several lines, lower case, an `UNTIL` without
//! `Z`) is not plain, and is left to `rrule`.

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::ics::values::weekday as weekday_of;

/// A plain rule over its series' start.
#[derive(Debug, Clone)]
pub(super) struct PlainRule {
    /// Days between periods (`INTERVAL` days, or weeks × 7).
    period_days: i64,
    /// Whether a period is a week (else a day).
    weekly: bool,
    /// The weekdays an occurrence may fall on, bit `n` for `n` days from Monday.
    days: u8,
    /// `WKST`: where a weekly period begins.
    week_start: Weekday,
    /// No occurrence after this instant.
    until: Option<DateTime<Utc>>,
    /// The series' first date and wall-clock time, and its zone.
    start: NaiveDateTime,
    zone: Tz,
    /// The start as an instant: no occurrence before it.
    first: DateTime<Utc>,
}

/// A rule [`PlainRule::of`] reads but `rrule` refuses: the series' recurrence is unreadable.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Refused;

impl PlainRule {
    /// The plain rule of `lines` (the series' rule lines, after `until_as_utc`) for a series
    /// starting at instant `first`, wall-clock `start` in `zone`: `None` when the lines are
    /// not one plain rule (`rrule` reads them instead), `Some(Err)` when `rrule` would refuse
    /// them.
    pub(super) fn of(
        lines: &[String],
        first: DateTime<Utc>,
        start: NaiveDateTime,
        zone: Tz,
    ) -> Option<Result<Self, Refused>> {
        let [line] = lines else {
            return None;
        };
        let rule = line.strip_prefix("RRULE:")?;
        let mut freq = None;
        let mut interval = None;
        let mut days = None;
        let mut until = None;
        let mut week_start = None;
        for part in rule.split(';') {
            let (key, value) = part.split_once('=')?;
            let slot_was_empty = match key {
                "FREQ" => freq
                    .replace(match value {
                        "DAILY" => false,
                        "WEEKLY" => true,
                        _ => return None,
                    })
                    .is_none(),
                "INTERVAL" => interval.replace(interval_of(value)?).is_none(),
                "BYDAY" => days.replace(days_of(value)?).is_none(),
                "UNTIL" => until.replace(until_of(value)?).is_none(),
                "WKST" => week_start.replace(weekday_of(value)?).is_none(),
                _ => return None,
            };
            // A part given twice: `rrule` refuses it, and says why.
            if !slot_was_empty {
                return None;
            }
        }
        let weekly = freq?;
        if until.is_some_and(|u| u < first) {
            return Some(Err(Refused));
        }
        let own_day = 1 << start.weekday().num_days_from_monday();
        let days = days.unwrap_or(if weekly { own_day } else { 0x7f });
        let period_days = i64::from(interval.unwrap_or(1)) * if weekly { 7 } else { 1 };
        Some(Ok(Self {
            period_days,
            weekly,
            days,
            week_start: week_start.unwrap_or(Weekday::Mon),
            until,
            start,
            zone,
            first,
        }))
    }

    /// The occurrences' start instants from the periods around `from_date` (a wall-clock
    /// date; earlier ones may come first, none of a later period is missed) on, in order.
    /// Endless unless the rule has an `UNTIL`: the caller stops.
    pub(super) fn starts_from(&self, from_date: NaiveDate) -> impl Iterator<Item = DateTime<Utc>> {
        let first_date = self.start.date();
        // A daily rule stepping whole weeks meets only its start's weekday.
        let reachable = self.weekly
            || self.period_days % 7 != 0
            || self.days & (1 << first_date.weekday().num_days_from_monday()) != 0;
        let origin = if self.weekly {
            let back = (7 + first_date.weekday().num_days_from_monday()
                - self.week_start.num_days_from_monday())
                % 7;
            first_date - TimeDelta::days(i64::from(back))
        } else {
            first_date
        };
        let begin = from_date.max(first_date);
        let skipped = (begin - origin).num_days().div_euclid(self.period_days);
        let mut period = origin + TimeDelta::days(skipped * self.period_days);
        let span = if self.weekly { 7 } else { 1 };
        let time = self.start.time();
        let mut offset = 0;
        let mut done = !reachable || self.days == 0;
        std::iter::from_fn(move || {
            while !done {
                if offset == span {
                    offset = 0;
                    period = period.checked_add_signed(TimeDelta::days(self.period_days))?;
                }
                let date = period.checked_add_signed(TimeDelta::days(offset))?;
                offset += 1;
                if date < first_date
                    || self.days & (1 << date.weekday().num_days_from_monday()) == 0
                {
                    continue;
                }
                let Some(at) = wall_clock(self.zone, date, time) else {
                    continue;
                };
                if self.until.is_some_and(|until| at > until) {
                    done = true;
                    return None;
                }
                if at >= self.first {
                    return Some(at);
                }
            }
            None
        })
    }
}

/// `time` on `date` in `zone`, as `rrule` places it: the one instant it names, else (a clock
/// change skips or repeats it) local midnight plus the time's length, else nothing.
fn wall_clock(zone: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    if let Some(at) = zone.from_local_datetime(&date.and_time(time)).single() {
        return Some(at.with_timezone(&Utc));
    }
    let midnight = zone
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()?;
    Some(midnight.with_timezone(&Utc) + (time - NaiveTime::MIN))
}

/// `INTERVAL`: 1 to 65,535 in plain digits (0 and larger values are `rrule`'s to judge).
fn interval_of(value: &str) -> Option<u16> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|n| *n > 0)
}

/// `BYDAY` of plain weekdays (`MO,WE`), as a mask; an ordinal (`1MO`) is not plain.
fn days_of(value: &str) -> Option<u8> {
    value.split(',').try_fold(0u8, |mask, day| {
        Some(mask | 1 << weekday_of(day)?.num_days_from_monday())
    })
}

/// A UTC `UNTIL` (`20310301T235959Z`).
fn until_of(value: &str) -> Option<DateTime<Utc>> {
    let text = value.strip_suffix('Z')?;
    if text.len() != 15 || !text.is_ascii() {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}
