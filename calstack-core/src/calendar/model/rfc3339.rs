//! A fast path for the RFC 3339 timestamps Google writes (`2024-03-12T10:00:00.123Z`,
//! `2024-03-12T10:00:00+01:00`): fixed-width fields read straight from the bytes.
//!
//! A listing decodes four or five timestamps per event, and chrono's general parser (which
//! accepts every form RFC 3339 allows) costs several times this. Anything this path does not
//! recognise, or finds out of range, is left to chrono ([`parse`] returns `None`), so what is
//! accepted, refused and reported stays exactly chrono's.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

/// Two ASCII digits at `at`, as a number.
fn two(bytes: &[u8], at: usize) -> Option<u32> {
    let (tens, ones) = (bytes.get(at)?, bytes.get(at + 1)?);
    if tens.is_ascii_digit() && ones.is_ascii_digit() {
        Some(u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
    } else {
        None
    }
}

/// `yyyy-mm-ddThh:mm:ss[.fraction]`, and the index just after it. Leap seconds (`:60`) and
/// fractions longer than nanoseconds are left to chrono.
fn local(bytes: &[u8]) -> Option<(NaiveDateTime, usize)> {
    if bytes.len() < 19
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let year = two(bytes, 0)? * 100 + two(bytes, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two(bytes, 5)?, two(bytes, 8)?)?;
    let (hour, minute, second) = (two(bytes, 11)?, two(bytes, 14)?, two(bytes, 17)?);
    let mut at = 19;
    let mut nanos = 0u32;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while let Some(digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            if at - start == 9 {
                return None;
            }
            nanos = nanos * 10 + u32::from(digit - b'0');
            at += 1;
        }
        let digits = at - start;
        if digits == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - u32::try_from(digits).ok()?);
    }
    if second > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some((date.and_time(time), at))
}

/// An RFC 3339 timestamp in Google's form (`T`, `Z` or `±hh:mm`), or `None` to let chrono
/// decide.
pub(crate) fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    let (local, at) = local(bytes)?;
    let offset = match &bytes[at..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (two(bytes, at + 1)?, two(bytes, at + 4)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let offset = FixedOffset::east_opt(offset)?;
    local.and_local_timezone(offset).single()
}

/// A `dateTime` without offset (`2024-03-12T10:00:00`), as Google accepts next to a
/// `timeZone`; `None` to let chrono decide.
pub(crate) fn parse_local(text: &str) -> Option<NaiveDateTime> {
    match local(text.as_bytes())? {
        (local, at) if at == text.len() => Some(local),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono(text: &str) -> Option<DateTime<FixedOffset>> {
        DateTime::parse_from_rfc3339(text).ok()
    }

    #[test]
    fn agrees_with_chrono_on_every_form_it_accepts() {
        for text in [
            "2024-03-12T10:00:00Z",
            "2024-03-12T10:00:00.123Z",
            "2025-11-02T08:15:30.000Z",
            "2026-03-01T23:59:59.123456789+01:00",
            "2026-03-01T00:00:00-05:30",
            "2024-02-29T12:00:00.5+14:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            assert_eq!(parse(text), chrono(text), "{text}");
            assert!(parse(text).is_some(), "{text}");
        }
    }

    #[test]
    fn leaves_other_forms_and_bad_values_to_chrono() {
        for text in [
            "2024-03-12t10:00:00z",
            "2024-03-12 10:00:00Z",
            "2024-03-12T10:00:60Z",
            "2024-02-30T10:00:00Z",
            "2024-03-12T24:00:00Z",
            "2024-03-12T10:00:00.Z",
            "2024-03-12T10:00:00.1234567891Z",
            "2024-03-12T10:00:00+24:00",
            "2024-03-12T10:00:00+0100",
            "2024-03-12T10:00:00",
            "2024-03-12T10:00:00Zjunk",
            "+2024-03-12T10:00:00Z",
            "2024-03-12",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn local_times_without_offset() {
        let expected =
            NaiveDateTime::parse_from_str("2026-03-02T09:30:15.25", "%Y-%m-%dT%H:%M:%S%.f").ok();
        assert_eq!(parse_local("2026-03-02T09:30:15.25"), expected);
        assert_eq!(parse_local("2026-03-02T09:30:15Z"), None);
    }
}
