//! Parsing the dates and times people type: RFC 3339 (`2026-12-01T14:00:00+01:00`), friendly
//! forms (`2026-12-01 14:00`, `2026-12-01`) and relative ones (`today`, `tomorrow 9am`).
//!
//! Local times are resolved in a time zone chosen by the caller (the `--tz` flag, else the
//! machine's zone), so the same words mean the same instant on every run.

use chrono::{
    DateTime, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// A date or time as typed, before it is tied to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A whole day (`2026-12-01`, `tomorrow`).
    Date(NaiveDate),
    /// An instant (RFC 3339, or a local time resolved in a zone).
    Instant(DateTime<FixedOffset>),
}

impl Moment {
    /// The instant this moment starts at; a date starts at midnight in `zone`.
    pub fn start_instant(self, zone: Tz) -> DateTime<FixedOffset> {
        match self {
            Moment::Instant(at) => at,
            Moment::Date(date) => resolve_local(date.and_time(NaiveTime::MIN), zone)
                .unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc().fixed_offset()),
        }
    }
}

/// The accepted forms, appended to every date error.
const FORMS: &str = "(use RFC 3339 like 2026-12-01T14:00:00+01:00, or \"2026-12-01 14:00\", \"2026-12-01\", \"tomorrow 9am\")";

/// A date that could not be understood; names the field and shows accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct DateError {
    /// The flag or field at fault (`start`, `--from`).
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

/// Parses `input` for `field`. Local times are resolved in `zone`; relative words
/// (`today`, `tomorrow`) are taken relative to `now` seen in `zone`.
pub fn parse_moment(
    field: &str,
    input: &str,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<Moment, DateError> {
    let err = |reason: String| DateError {
        field: field.to_owned(),
        reason: format!("{reason} {FORMS}"),
    };
    let text = input.trim();
    if text.is_empty() {
        return Err(err("it is empty".into()));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Moment::Instant(at));
    }
    let lower = text.to_ascii_lowercase();
    let (day_part, time_part) = split_relative(&lower, zone, now);
    let date = match day_part {
        Some(date) => date,
        None => {
            // "2026-12-01", "2026-12-01 14:00", "2026-12-01T14:00"
            let (date_text, rest) = match lower.find(['t', ' ']) {
                Some(10) => (&lower[..10], Some(lower[11..].trim())),
                _ => (lower.as_str(), None),
            };
            let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
                .map_err(|_| err(format!("{input:?} is not a date or time")))?;
            match rest {
                None => return Ok(Moment::Date(date)),
                Some(rest) => {
                    let time = parse_time(rest)
                        .ok_or_else(|| err(format!("{rest:?} is not a time of day")))?;
                    return local_instant(date.and_time(time), zone).map_err(err);
                }
            }
        }
    };
    match time_part {
        None => Ok(Moment::Date(date)),
        Some(t) => {
            let time = parse_time(t).ok_or_else(|| err(format!("{t:?} is not a time of day")))?;
            local_instant(date.and_time(time), zone).map_err(err)
        }
    }
}

/// Splits `today 9am` into the date of `today` in `zone` and `9am`.
fn split_relative(text: &str, zone: Tz, now: DateTime<Utc>) -> (Option<NaiveDate>, Option<&str>) {
    let today = now.with_timezone(&zone).date_naive();
    let (word, rest) = match text.split_once(' ') {
        Some((w, r)) => (w, Some(r.trim())),
        None => (text, None),
    };
    let date = match word {
        "today" => Some(today),
        "tomorrow" => today.checked_add_days(Days::new(1)),
        "yesterday" => today.checked_sub_days(Days::new(1)),
        "now" if rest.is_none() => None,
        _ => None,
    };
    match date {
        Some(d) => (Some(d), rest.filter(|r| !r.is_empty())),
        None => (None, None),
    }
}

/// `14:00`, `14:00:30`, `9am`, `9:30pm`, `12pm`.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    for fmt in ["%H:%M", "%H:%M:%S"] {
        if let Ok(time) = NaiveTime::parse_from_str(t, fmt) {
            return Some(time);
        }
    }
    let (digits, pm) = if let Some(d) = t.strip_suffix("am") {
        (d.trim(), false)
    } else if let Some(d) = t.strip_suffix("pm") {
        (d.trim(), true)
    } else {
        return None;
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None => (digits.parse::<u32>().ok()?, 0),
    };
    if !(1..=12).contains(&h) {
        return None;
    }
    let hour = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    NaiveTime::from_hms_opt(hour, m, 0)
}

fn local_instant(local: NaiveDateTime, zone: Tz) -> Result<Moment, String> {
    resolve_local(local, zone)
        .map(Moment::Instant)
        .ok_or_else(|| format!("{local} does not exist in {zone} (daylight-saving gap)"))
}

/// Resolves a wall-clock time in `zone`; in a fall-back overlap, the earlier instant wins.
pub fn resolve_local(local: NaiveDateTime, zone: Tz) -> Option<DateTime<FixedOffset>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at.fixed_offset()),
        LocalResult::Ambiguous(first, _) => Some(first.fixed_offset()),
        LocalResult::None => None,
    }
}

/// The machine's IANA time zone: `TZ`, else `/etc/timezone`, else the `/etc/localtime` link,
/// else UTC.
pub fn system_zone() -> Tz {
    let from_env = std::env::var("TZ")
        .ok()
        .map(|v| v.trim_start_matches(':').to_owned());
    let from_file = || {
        std::fs::read_to_string("/etc/timezone")
            .ok()
            .map(|s| s.trim().to_owned())
    };
    let from_link = || {
        std::fs::read_link("/etc/localtime").ok().and_then(|p| {
            let text = p.to_string_lossy().into_owned();
            text.split_once("zoneinfo/")
                .map(|(_, name)| name.to_owned())
        })
    };
    [from_env, from_file(), from_link()]
        .into_iter()
        .flatten()
        .find_map(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}

/// Parses an IANA zone name for `field`.
pub fn parse_zone(field: &str, name: &str) -> Result<Tz, DateError> {
    name.parse::<Tz>().map_err(|_| DateError {
        field: field.to_owned(),
        reason: format!("{name:?} is not an IANA time zone name (e.g. Europe/Zurich)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-10T23:30:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    fn parse(input: &str, zone: &str) -> Result<Moment, DateError> {
        parse_moment("start", input, zone.parse().expect("zone"), now())
    }

    fn instant(s: &str) -> Moment {
        Moment::Instant(DateTime::parse_from_rfc3339(s).expect("valid"))
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        assert_eq!(
            parse("2026-12-01T14:00:00+01:00", "UTC"),
            Ok(instant("2026-12-01T14:00:00+01:00"))
        );
    }

    #[test]
    fn friendly_local_time_uses_the_zone() {
        assert_eq!(
            parse("2026-12-01 14:00", "Europe/Zurich"),
            Ok(instant("2026-12-01T14:00:00+01:00"))
        );
        assert_eq!(
            parse("2026-07-01T09:30", "America/New_York"),
            Ok(instant("2026-07-01T09:30:00-04:00"))
        );
    }

    #[test]
    fn bare_date_is_a_whole_day() {
        assert_eq!(
            parse("2026-12-01", "UTC"),
            Ok(Moment::Date(
                NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid")
            ))
        );
    }

    #[test]
    fn tomorrow_is_relative_to_today_in_the_zone() {
        // 23:30 UTC on March 10 is already March 11 in Zurich.
        assert_eq!(
            parse("tomorrow 9am", "Europe/Zurich"),
            Ok(instant("2026-03-12T09:00:00+01:00"))
        );
        assert_eq!(
            parse("tomorrow", "UTC"),
            Ok(Moment::Date(
                NaiveDate::from_ymd_opt(2026, 3, 11).expect("valid")
            ))
        );
        assert_eq!(
            parse("today 12pm", "UTC"),
            Ok(instant("2026-03-10T12:00:00+00:00"))
        );
    }

    #[test]
    fn nonsense_names_the_field() {
        let e = parse("next blursday", "UTC").expect_err("not a date");
        assert_eq!(e.field, "start");
        assert!(e.to_string().starts_with("invalid start:"), "{e}");
        let e = parse("2026-13-01", "UTC").expect_err("no 13th month");
        assert!(e.to_string().contains("2026-13-01"));
        assert!(parse("2026-12-01 25:00", "UTC").is_err());
        assert!(parse("today 13pm", "UTC").is_err());
    }

    #[test]
    fn time_in_a_daylight_saving_gap_is_refused() {
        let e = parse("2026-03-29 02:30", "Europe/Zurich").expect_err("gap");
        assert!(e.reason.contains("does not exist"), "{e}");
    }

    #[test]
    fn unknown_zone_is_refused_with_the_field() {
        let e = parse_zone("--tz", "Mars/Olympus").expect_err("unknown");
        assert!(e.to_string().starts_with("invalid --tz"), "{e}");
    }
}
