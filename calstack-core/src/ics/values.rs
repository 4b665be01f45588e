//! Property values: TEXT escapes, DATE and DATE-TIME, DURATION (with checked arithmetic, so an
//! absurd duration is an error rather than an overflow), and the UTC offsets of VTIMEZONE.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};

/// A DATE or DATE-TIME value as written, before any zone is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawTime {
    /// `VALUE=DATE`: `20260704`.
    Date(NaiveDate),
    /// `20260704T090000Z`.
    Utc(NaiveDateTime),
    /// `20260704T090000`, read in the `TZID` or, without one, in the calendar's zone.
    Local(NaiveDateTime),
}

impl RawTime {
    /// The wall-clock (or UTC) date-time, dates at midnight.
    pub(crate) fn naive(self) -> NaiveDateTime {
        match self {
            RawTime::Date(d) => d.and_time(NaiveTime::MIN),
            RawTime::Utc(t) | RawTime::Local(t) => t,
        }
    }
}

/// Parses a DATE (`YYYYMMDD`) or DATE-TIME (`YYYYMMDDTHHMMSS[Z]`). A DATE-TIME without seconds
/// (`YYYYMMDDTHHMM`), as some tools write, is accepted too.
pub(crate) fn parse_time(text: &str) -> Result<RawTime, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a DATE (YYYYMMDD) or DATE-TIME (YYYYMMDDTHHMMSS[Z])");
    if !t.is_ascii() {
        return Err(bad());
    }
    if t.len() == 8 {
        return NaiveDate::parse_from_str(t, "%Y%m%d")
            .map(RawTime::Date)
            .map_err(|_| bad());
    }
    let (local, utc) = match t.strip_suffix(['Z', 'z']) {
        Some(l) => (l, true),
        None => (t, false),
    };
    let format = if local.len() == 13 {
        "%Y%m%dT%H%M"
    } else {
        "%Y%m%dT%H%M%S"
    };
    let at =
        NaiveDateTime::parse_from_str(&local.to_ascii_uppercase(), format).map_err(|_| bad())?;
    Ok(if utc {
        RawTime::Utc(at)
    } else {
        RawTime::Local(at)
    })
}

/// A weekday as RRULE's `BYDAY` and `WKST` write it (`MO` … `SU`, upper case).
pub(crate) fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// `P1D`, `PT1H30M`, `P1W`, `-PT15M`, `P1DT2H3M4S`. Components too large for a date are
/// errors, never a panic.
pub(crate) fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let t = text.trim();
    let bad = |why: &str| format!("{t:?} is not an RFC 5545 duration ({why}, e.g. PT1H30M)");
    let (negative, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let rest = rest
        .strip_prefix(['P', 'p'])
        .ok_or_else(|| bad("it must start with P"))?;
    let mut total = TimeDelta::zero();
    let mut number: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if number.is_none() => in_time = true,
            d @ '0'..='9' => {
                let digit = i64::from(u32::from(d) - u32::from('0'));
                number = Some(
                    number
                        .unwrap_or(0)
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(digit))
                        .ok_or_else(|| bad("a number is too large"))?,
                );
            }
            unit => {
                let n = number.take().ok_or_else(|| bad("a unit has no number"))?;
                let part = match (unit, in_time) {
                    ('W', false) => TimeDelta::try_weeks(n),
                    ('D', false) => TimeDelta::try_days(n),
                    ('H', true) => TimeDelta::try_hours(n),
                    ('M', true) => TimeDelta::try_minutes(n),
                    ('S', true) => TimeDelta::try_seconds(n),
                    _ => return Err(bad(&format!("unexpected {c:?}"))),
                };
                total = part
                    .and_then(|p| total.checked_add(&p))
                    .ok_or_else(|| bad("it is out of range"))?;
                any = true;
            }
        }
    }
    if !any || number.is_some() {
        return Err(bad("it is incomplete"));
    }
    Ok(if negative { -total } else { total })
}

/// Writes a duration as `[-]PnDTnHnMnS` (only the parts that are not zero).
pub(crate) fn format_duration(delta: TimeDelta) -> String {
    let mut out = String::new();
    if delta < TimeDelta::zero() {
        out.push('-');
    }
    let secs = delta.num_seconds().unsigned_abs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    out.push('P');
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rem > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || rem == 0 {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

/// A UTC offset `+HHMM`, `-HHMM` or `+HHMMSS`, in seconds east of UTC.
pub(crate) fn parse_offset(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a UTC offset (e.g. +0100)");
    let (sign, digits) = match t.split_at_checked(1) {
        Some(("+", d)) => (1, d),
        Some(("-", d)) => (-1, d),
        _ => return Err(bad()),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|d| d.parse::<i32>().ok());
    let (h, m) = (num(0..2).ok_or_else(bad)?, num(2..4).ok_or_else(bad)?);
    let s = if digits.len() == 6 {
        num(4..6).ok_or_else(bad)?
    } else {
        0
    };
    if h > 23 || m > 59 || s > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60 + s))
}

/// Writes seconds east of UTC as `+HHMM` (or `+HHMMSS` when there are seconds).
pub(crate) fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// Un-escapes a TEXT value: `\\`, `\;`, `\,`, `\n` / `\N`.
pub(crate) fn unescape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Escapes a TEXT value for writing.
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// Splits a TEXT list (`CATEGORIES:a,b\,c`) at unescaped commas, un-escaping each item.
pub(crate) fn split_text_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in text.chars() {
        match (escaped, c) {
            (false, '\\') => {
                escaped = true;
                current.push(c);
            }
            (false, ',') => items.push(std::mem::take(&mut current)),
            _ => {
                escaped = false;
                current.push(c);
            }
        }
    }
    items.push(current);
    items
        .iter()
        .map(|i| unescape_text(i.trim()))
        .filter(|i| !i.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_never_overflow() {
        assert_eq!(parse_duration("PT1H30M"), Ok(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("P1W"), Ok(TimeDelta::weeks(1)));
        assert_eq!(parse_duration("P1DT2H"), Ok(TimeDelta::hours(26)));
        assert_eq!(parse_duration("-PT15M"), Ok(TimeDelta::minutes(-15)));
        assert!(parse_duration("PT").is_err());
        assert!(parse_duration("1H").is_err());
        assert!(parse_duration("P99999999999999999W").is_err());
        assert!(parse_duration("P999999999999999999999999D").is_err());
        assert!(parse_duration("P15250284452785W").is_err());
    }

    #[test]
    fn durations_round_trip() {
        for d in [
            TimeDelta::minutes(90),
            TimeDelta::days(1),
            TimeDelta::zero(),
            TimeDelta::seconds(-61),
        ] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{d}");
        }
    }

    #[test]
    fn times_offsets_and_text() {
        assert!(matches!(parse_time("20260704"), Ok(RawTime::Date(_))));
        assert!(matches!(
            parse_time("20260704T090000Z"),
            Ok(RawTime::Utc(_))
        ));
        assert!(matches!(parse_time("20260704T0900"), Ok(RawTime::Local(_))));
        assert!(parse_time("2026-07-04").is_err());
        assert_eq!(parse_offset("+0530"), Ok(19_800));
        assert_eq!(parse_offset("-0800"), Ok(-28_800));
        assert!(parse_offset("0800").is_err());
        assert_eq!(format_offset(-28_800), "-0800");
        assert_eq!(unescape_text("a\\, b\\;c\\nd\\\\"), "a, b;c\nd\\");
        assert_eq!(unescape_text(&escape_text("x;y,z\n\\")), "x;y,z\n\\");
        assert_eq!(
            split_text_list("Work, Travel\\, abroad,"),
            vec!["Work", "Travel, abroad"]
        );
    }
}
