//! Working hours as people write them: `09:00-17:00` (Monday to Friday), or per day groups like
//! `mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00`. Errors are [`Error::Validation`] on
//! `working_hours` (or `time_zone`), saying which part is wrong.

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;

use crate::error::{Error, Result};
use crate::store::{WorkInterval, WorkingHours};

const FIELD: &str = "working_hours";
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Parses `text` into working hours read in the zone `time_zone` (an IANA name).
///
/// ```
/// use calstack_core::validate::working_hours::parse;
/// let hours = parse("mon-fri 09:00-17:00; sat 10:00-12:00", "Europe/Zurich")?;
/// assert_eq!(hours.to_string(), "mon 09:00-17:00; tue 09:00-17:00; wed 09:00-17:00; \
///     thu 09:00-17:00; fri 09:00-17:00; sat 10:00-12:00 (Europe/Zurich)");
/// # Ok::<(), calstack_core::Error>(())
/// ```
pub fn parse(text: &str, time_zone: &str) -> Result<WorkingHours> {
    let time_zone = zone(time_zone)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation(FIELD, "must not be empty"));
    }
    let mut days: [Vec<WorkInterval>; 7] = Default::default();
    for group in text.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        let (day_part, times) = match group.split_once(char::is_whitespace) {
            Some((d, t)) => (Some(d), t.trim()),
            None => (None, group),
        };
        let weekdays = match day_part {
            Some(d) => day_set(d)?,
            None => (0..5).collect(),
        };
        let intervals = times.split(',').map(interval).collect::<Result<Vec<_>>>()?;
        for day in weekdays {
            days[day].extend(intervals.iter().copied());
        }
    }
    let hours = WorkingHours { time_zone, days };
    check(&hours)?;
    Ok(hours)
}

/// Checks working hours built some other way (e.g. decoded from JSON): every interval ends
/// after it starts, and a day's intervals do not overlap. Sorts each day's intervals.
pub fn check(hours: &WorkingHours) -> Result<()> {
    for (name, intervals) in DAY_NAMES.iter().zip(&hours.days) {
        let mut sorted = intervals.clone();
        sorted.sort();
        for w in &sorted {
            if w.end.is_some_and(|end| end <= w.start) {
                return Err(Error::validation(
                    FIELD,
                    format!("{name} {w}: the end must be after the start"),
                ));
            }
        }
        for pair in sorted.windows(2) {
            if pair[0].end.is_none_or(|end| end > pair[1].start) {
                return Err(Error::validation(
                    FIELD,
                    format!("{name}: {} and {} overlap", pair[0], pair[1]),
                ));
            }
        }
    }
    Ok(())
}

/// Sorts every day's intervals (after [`check`] passed, so they stay non-overlapping).
pub fn normalized(mut hours: WorkingHours) -> Result<WorkingHours> {
    check(&hours)?;
    for day in &mut hours.days {
        day.sort();
    }
    Ok(hours)
}

/// An IANA zone name, or [`Error::Validation`] on `time_zone`.
pub fn zone(name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        Error::validation(
            "time_zone",
            format!("{name:?} is not an IANA time zone name (like Europe/Zurich)"),
        )
    })
}

/// `mon`, `mon-fri`, `mon,wed,fri`, `sat-sun`, `daily`, `weekdays` → day indexes (Monday = 0).
fn day_set(text: &str) -> Result<Vec<usize>> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "daily" | "every-day" => return Ok((0..7).collect()),
        "weekdays" => return Ok((0..5).collect()),
        "weekends" => return Ok(vec![5, 6]),
        _ => {}
    }
    let mut out = Vec::new();
    for part in lower.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                if to < from {
                    return Err(Error::validation(
                        FIELD,
                        format!("{part}: a day range runs from Monday towards Sunday"),
                    ));
                }
                out.extend(from..=to);
            }
            None => out.push(day(part)?),
        }
    }
    Ok(out)
}

fn day(text: &str) -> Result<usize> {
    let parsed: Option<Weekday> = text.parse().ok();
    parsed
        .map(|d| d.num_days_from_monday() as usize)
        .ok_or_else(|| {
            Error::validation(
                FIELD,
                format!("{text:?} is not a weekday (use mon, tue, … sun)"),
            )
        })
}

/// `09:00-17:00` (`24:00` allowed as an end).
fn interval(text: &str) -> Result<WorkInterval> {
    let text = text.trim();
    let (start, end) = text.split_once('-').ok_or_else(|| {
        Error::validation(
            FIELD,
            format!("{text:?} is not an interval like 09:00-17:00"),
        )
    })?;
    let start = time(start)?;
    let end = match end.trim() {
        "24:00" => None,
        other => Some(time(other)?),
    };
    let interval = WorkInterval { start, end };
    if end.is_some_and(|end| end <= start) {
        return Err(Error::validation(
            FIELD,
            format!("{interval}: the end must be after the start"),
        ));
    }
    Ok(interval)
}

fn time(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        Error::validation(FIELD, format!("{:?} is not a time like 09:30", text.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(result: Result<WorkingHours>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn bare_interval_means_monday_to_friday() {
        let hours = parse("09:00-17:00", "Europe/Zurich").expect("valid");
        assert_eq!(hours.on(Weekday::Fri).len(), 1);
        assert!(hours.on(Weekday::Sat).is_empty());
        assert_eq!(hours.on(Weekday::Mon)[0].to_string(), "09:00-17:00");
    }

    #[test]
    fn groups_split_days_and_intervals() {
        let hours = parse("mon,wed 08:00-12:00,13:00-24:00; sun 10:00-11:00", "UTC").expect("ok");
        assert_eq!(hours.on(Weekday::Wed).len(), 2);
        assert_eq!(hours.on(Weekday::Wed)[1].end, None);
        assert!(hours.on(Weekday::Tue).is_empty());
        assert_eq!(hours.on(Weekday::Sun).len(), 1);
        let again = parse(
            hours.to_string().trim_end_matches(" (UTC)"),
            hours.time_zone.name(),
        )
        .expect("text form reads back");
        assert_eq!(again, hours);
    }

    #[test]
    fn malformed_hours_name_the_field() {
        for bad in [
            "",
            "9-5",
            "17:00-09:00",
            "funday 09:00-10:00",
            "fri-mon 09:00-10:00",
            "09:00-12:00,11:00-13:00",
            "25:00-26:00",
        ] {
            assert_eq!(field(parse(bad, "UTC")), "working_hours", "{bad:?}");
        }
        assert_eq!(field(parse("09:00-17:00", "Mars/Olympus")), "time_zone");
    }
}
