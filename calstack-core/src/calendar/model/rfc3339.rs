//! RFC 3339 timestamps as Google writes them (`2031-03-03T10:00:00+01:00`,
//! `2026-12-06T14:42:47.906Z`), read by position. An opened event holds four of them
//! (`created`, `updated`, `start`, `end`); chrono's general parser spends about 370
//! instructions on each, this reader a few dozen. Anything of another shape (a lower-case
//! `t` or `z`, a space, a leap second, more than nine fraction digits) goes to chrono, which
//! also gives the answer for text this reader would refuse: both agree on every input (a
//! property test holds them to it).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};

/// `text` as chrono's `DateTime::parse_from_rfc3339` reads it.
pub(crate) fn parse(text: &str) -> chrono::ParseResult<DateTime<FixedOffset>> {
    match by_position(text.as_bytes()) {
        Some(at) => Ok(at),
        None => DateTime::parse_from_rfc3339(text),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, or `None` for chrono to read.
fn by_position(b: &[u8]) -> Option<DateTime<FixedOffset>> {
    let (head, rest) = b.split_at_checked(19)?;
    if head[4] != b'-' || head[7] != b'-' || head[10] != b'T' || head[13] != b':' {
        return None;
    }
    if head[16] != b':' {
        return None;
    }
    let year = digits(&head[0..4])?;
    let [month, day, hour, minute, second] = [5, 8, 11, 14, 17].map(|at| digits(&head[at..at + 2]));
    let (mut nano, mut rest) = (0, rest);
    if let [b'.', fraction @ ..] = rest {
        let count = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return None;
        }
        nano = digits(&fraction[..count])? * 10u32.pow(9 - u32::try_from(count).ok()?);
        rest = &fraction[count..];
    }
    let offset = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month?, day?)?;
    // A leap second (`:60`) is chrono's to read.
    let time = NaiveTime::from_hms_nano_opt(hour?, minute?, second.filter(|s| *s < 60)?, nano)?;
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&date.and_time(time))
        .single()
}

/// The number the ASCII digits `b` write, or `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
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
