//! RFC 3339 timestamps as Google writes them (`2031-03-03T10:00:00+01:00`,
//! `2026-12-06T14:42:47.906Z`), read by position. An opened event holds four of them
//! (`created`, `updated`, `start`, `end`); chrono's general parser spends about 370
//! instructions on each, this reader a few dozen. Anything of another shape (a lower-case
//! `t` or `z`, a space, a leap second, more than nine fraction digits) goes to chrono, which
//! also gives the answer for text this reader would refuse: both agree on every input (a
//! property test holds them to it).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta};

/// `text` as chrono's `DateTime::parse_from_rfc3339` reads it.
pub(crate) fn parse(text: &str) -> chrono::ParseResult<DateTime<FixedOffset>> {
    match by_position(text.as_bytes()) {
        Some(at) => Ok(at),
        None => DateTime::parse_from_rfc3339(text),
    }
}

/// What a fraction of `n` digits is multiplied by to count nanoseconds.
const FRACTION_SCALE: [u32; 10] = {
    let mut scale = [1; 10];
    let mut n = 9;
    while n > 0 {
        scale[n - 1] = scale[n] * 10;
        n -= 1;
    }
    scale
};

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, or `None` for chrono to read.
fn by_position(b: &[u8]) -> Option<DateTime<FixedOffset>> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = two(b, 0)? * 100 + two(b, 2)?;
    let (month, day) = (two(b, 5)?, two(b, 8)?);
    let (hour, minute, second) = (two(b, 11)?, two(b, 14)?, two(b, 17)?);
    let mut at = 19;
    let mut nano = 0;
    if b[at] == b'.' {
        at += 1;
        let first = at;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
        let count = at - first;
        if count == 0 || count > 9 {
            return None;
        }
        for &digit in &b[first..at] {
            nano = nano * 10 + u32::from(digit - b'0');
        }
        nano *= FRACTION_SCALE[count];
    }
    let offset = match &b[at..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (two(b, at + 1)?, two(b, at + 4)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            // At most 23:59, so it fits.
            let seconds = (hours * 3600 + minutes * 60) as i32;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    // A leap second (`:60`) is chrono's to read.
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let local = date.and_time(NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?);
    let offset = FixedOffset::east_opt(offset)?;
    let utc = local.checked_sub_signed(TimeDelta::seconds(i64::from(offset.local_minus_utc())))?;
    Some(DateTime::from_naive_utc_and_offset(utc, offset))
}

/// The two ASCII digits at `at` as a number, or `None` if either is not a digit.
#[inline]
fn two(b: &[u8], at: usize) -> Option<u32> {
    let (tens, ones) = (
        b.get(at)?.wrapping_sub(b'0'),
        b.get(at + 1)?.wrapping_sub(b'0'),
    );
    (tens < 10 && ones < 10).then(|| u32::from(tens) * 10 + u32::from(ones))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    #[test]
    fn reads_what_google_writes() {
        for text in [
            "2031-03-03T10:00:00+01:00",
            "2026-12-06T14:42:47.906Z",
            "2024-02-29T23:59:59.123456789-09:30",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(by_position(text.as_bytes()).is_some(), "{text}");
            assert_eq!(parse(text), DateTime::parse_from_rfc3339(text), "{text}");
        }
        // Other shapes are chrono's to read, or refuse.
        for text in [
            "2031-03-03t10:00:00z",
            "2031-03-03 10:00:00+01:00",
            "2016-12-31T23:59:60Z",
            "2031-02-30T10:00:00Z",
            "2031-03-03T10:00:00.Z",
            "2031-03-03T10:00:00",
        ] {
            assert!(by_position(text.as_bytes()).is_none(), "{text}");
            assert_eq!(parse(text), DateTime::parse_from_rfc3339(text), "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// On timestamps of every part (valid, out of range, malformed) both readers give the
        /// same answer.
        #[test]
        fn agrees_with_chrono(
            year in proptest::prop_oneof![0u32..3000, 9990u32..10_000],
            month in 0u32..14,
            day in 0u32..33,
            hour in 0u32..26,
            minute in 0u32..61,
            second in 0u32..62,
            fraction in proptest::option::of("[0-9]{0,11}"),
            offset in proptest::prop_oneof![
                proptest::strategy::Just("Z".to_owned()),
                proptest::strategy::Just("z".to_owned()),
                (proptest::bool::ANY, 0u32..26, 0u32..61)
                    .prop_map(|(east, h, m)| format!("{}{h:02}:{m:02}", if east { '+' } else { '-' })),
                "[+-][0-9]{1,3}:?[0-9]{0,3}",
            ],
            separator in proptest::sample::select(vec!['T', 't', ' ', 'X']),
            noise in proptest::option::of((0usize..30, proptest::char::any())),
        ) {
            let mut text = format!("{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}");
            if let Some(digits) = fraction {
                text.push('.');
                text.push_str(&digits);
            }
            text.push_str(&offset);
            if let Some((at, c)) = noise {
                let at = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
                text.insert(at, c);
            }
            let ours = parse(&text).ok();
            let chrono = DateTime::parse_from_rfc3339(&text).ok();
            proptest::prop_assert_eq!(ours, chrono, "{:?}", text);
        }
    }
}
