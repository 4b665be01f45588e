//! Property tests of the CLI's date parser (bounded for CI): whatever is typed, it never
//! panics, and a refusal names the flag it was given for; well-formed input means what it says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calstack_cli::dates::{Moment, parse_moment, parse_zone};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

fn zones() -> impl Strategy<Value = Tz> {
    prop_oneof![
        Just(Tz::UTC),
        Just(chrono_tz::Europe::Zurich),
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Pacific::Chatham),
        Just(chrono_tz::Asia::Kolkata),
    ]
}

fn now() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_000_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

/// Text near the accepted forms (where parsers break), and anything at all.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}( |T)?[0-9]{0,2}(:[0-9]{0,3}){0,2}(am|pm|Z|\\+[0-9:]{1,6})?",
        "(today|tomorrow|yesterday|now)( [0-9]{1,2}(:[0-9]{1,2})?(am|pm)?)?",
        "[ \\t]*[0-9]{0,4}(am|pm|:|T| )*[^a-z]{0,3}",
        "2026-03-(08|29) 0?[0-3]:[0-5][0-9]",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_and_refusals_name_the_field(
        input in typed(),
        zone in zones(),
        now in now(),
        field in prop_oneof![Just("start"), Just("--from"), Just("end")],
    ) {
        if let Err(e) = parse_moment(field, &input, zone, now) {
            prop_assert_eq!(&e.field, field);
            prop_assert!(e.to_string().starts_with(&format!("invalid {field}: ")), "{}", e);
        }
    }

    #[test]
    fn rfc3339_instants_parse_to_the_same_instant(secs in 0i64..4_000_000_000, hours in -12i32..=14, zone in zones()) {
        let offset = chrono::FixedOffset::east_opt(hours * 3600).unwrap();
        let at = DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&offset);
        let parsed = parse_moment("start", &at.to_rfc3339(), zone, Utc::now()).unwrap();
        prop_assert_eq!(parsed, Moment::Instant(at));
    }

    #[test]
    fn plain_dates_are_whole_days(y in 1900i32..2200, m in 1u32..=12, d in 1u32..=28, zone in zones()) {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let parsed = parse_moment("start", &date.format("%Y-%m-%d").to_string(), zone, Utc::now()).unwrap();
        prop_assert_eq!(parsed, Moment::Date(date));
    }

    #[test]
    fn zone_names_parse_or_are_refused_by_field(name in any::<String>()) {
        if let Err(e) = parse_zone("--tz", &name) {
            prop_assert_eq!(e.field, "--tz");
        }
    }
}
