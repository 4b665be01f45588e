//! A small text parser for `events.quickAdd`: understands `today`, `tomorrow`, weekday names,
//! ISO dates (`2024-05-13`) and times (`10am`, `3:30pm`, `15:00`); the rest becomes the summary.
//! Events last one hour; without a time they start at the next full hour (or 09:00 on a given day).

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

/// What quickAdd understood.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QuickAdd {
    pub(crate) summary: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
}

fn parse_time(word: &str) -> Option<NaiveTime> {
    let lower = word.to_ascii_lowercase();
    let (digits, offset) = if let Some(d) = lower.strip_suffix("am") {
        (d, Some(0))
    } else if let Some(d) = lower.strip_suffix("pm") {
        (d, Some(12))
    } else {
        (lower.as_str(), None)
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None if offset.is_some() => (digits.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let h = match offset {
        Some(add) if (1..=12).contains(&h) => h % 12 + add,
        Some(_) => return None,
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

fn parse_weekday(word: &str) -> Option<Weekday> {
    match word.to_ascii_lowercase().as_str() {
        "monday" | "mon" => Some(Weekday::Mon),
        "tuesday" | "tue" => Some(Weekday::Tue),
        "wednesday" | "wed" => Some(Weekday::Wed),
        "thursday" | "thu" => Some(Weekday::Thu),
        "friday" | "fri" => Some(Weekday::Fri),
        "saturday" | "sat" => Some(Weekday::Sat),
        "sunday" | "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

/// Parses quickAdd text relative to `now` in zone `tz`.
pub(crate) fn parse(text: &str, now: DateTime<Utc>, tz: Tz) -> QuickAdd {
    let local_now = now.with_timezone(&tz);
    let today = local_now.date_naive();
    let mut date: Option<NaiveDate> = None;
    let mut time: Option<NaiveTime> = None;
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let bare = word.trim_matches(|c: char| c == ',' || c == '.');
        let lower = bare.to_ascii_lowercase();
        if lower == "today" {
            date = Some(today);
        } else if lower == "tomorrow" {
            date = today.succ_opt();
        } else if let Some(day) = parse_weekday(bare) {
            let ahead =
                (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            date = today.checked_add_signed(TimeDelta::days(i64::from(if ahead == 0 {
                7
            } else {
                ahead
            })));
        } else if let Ok(d) = NaiveDate::parse_from_str(bare, "%Y-%m-%d") {
            date = Some(d);
        } else if let Some(t) = parse_time(bare) {
            time = Some(t);
        } else {
            words.push(word);
        }
    }
    while words
        .last()
        .is_some_and(|w| matches!(w.to_ascii_lowercase().as_str(), "at" | "on"))
    {
        words.pop();
    }
    let summary = words
        .iter()
        .filter(|w| !matches!(w.to_ascii_lowercase().as_str(), "at" | "on"))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let local_start = match (date, time) {
        (Some(d), Some(t)) => d.and_time(t),
        (Some(d), None) => d.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
        (None, Some(t)) => today.and_time(t),
        (None, None) => {
            let next_hour = local_now
                .naive_local()
                .with_minute(0)
                .and_then(|t| t.with_second(0))
                .and_then(|t| t.with_nanosecond(0));
            next_hour.unwrap_or(local_now.naive_local()) + TimeDelta::hours(1)
        }
    };
    let start = tz
        .from_local_datetime(&local_start)
        .earliest()
        .map_or(now, |d| d.with_timezone(&Utc));
    QuickAdd {
        summary: if summary.is_empty() {
            text.to_owned()
        } else {
            summary
        },
        start,
        end: start + TimeDelta::hours(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    #[test]
    fn date_and_time_are_taken_out_of_the_summary() {
        let now = parse_rfc3339("2024-05-10T08:00:00Z").expect("valid");
        let parsed = parse("Lunch with Ana on 2024-05-13 at 12:30pm", now, Tz::UTC);
        assert_eq!(parsed.summary, "Lunch with Ana");
        assert_eq!(Some(parsed.start), parse_rfc3339("2024-05-13T12:30:00Z"));
        assert_eq!(Some(parsed.end), parse_rfc3339("2024-05-13T13:30:00Z"));
    }

    #[test]
    fn tomorrow_is_relative_to_now_in_calendar_zone() {
        let now = parse_rfc3339("2024-05-10T23:30:00Z").expect("valid");
        let parsed = parse(
            "Dentist tomorrow 10am",
            now,
            "Europe/Zurich".parse().expect("zone"),
        );
        // 23:30 UTC is already May 11 in Zurich, so tomorrow is May 12, 10:00 CEST.
        assert_eq!(Some(parsed.start), parse_rfc3339("2024-05-12T08:00:00Z"));
    }
}
