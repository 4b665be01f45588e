//! Property tests of recurrence validation (bounded for CI): RRULE / EXRULE / RDATE / EXDATE
//! lines, well-formed or not, never panic, and a refusal names the field it was given for —
//! also when they arrive inside an event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calstack_core::validate::event::{validate_event, validate_recurrence_line};
use calstack_core::{Error, Event, EventDateTime, When};
use proptest::prelude::*;

fn rule_part() -> impl Strategy<Value = String> {
    prop_oneof![
        "FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY|FORTNIGHTLY)",
        "INTERVAL=-?[0-9]{1,6}",
        "COUNT=-?[0-9]{1,6}",
        "UNTIL=[0-9]{8}(T[0-9]{6}Z?)?",
        "BYDAY=(-?[0-9]{0,2}(MO|TU|WE|TH|FR|SA|SU|XX),?){1,3}",
        "BYMONTHDAY=-?[0-9]{1,3}",
        "BYMONTH=[0-9]{1,2}",
        "BYSETPOS=-?[0-9]{1,4}",
        "BYHOUR=[0-9]{1,3}",
        "WKST=(MO|SU|ZZ)",
        "DTSTART=[0-9]{8}",
        "[A-Z]{1,6}=[A-Z0-9,]{0,6}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    let rule = (
        prop_oneof![Just("RRULE"), Just("EXRULE"), Just("rrule")],
        prop::collection::vec(rule_part(), 0..5),
    )
        .prop_map(|(name, parts)| format!("{name}:{}", parts.join(";")));
    let dates = (
        prop_oneof![Just("RDATE"), Just("EXDATE")],
        prop::option::of(prop_oneof![
            Just(";TZID=Europe/Zurich".to_owned()),
            Just(";TZID=Not/AZone".to_owned()),
            Just(";VALUE=DATE".to_owned()),
            Just(";VALUE=PERIOD".to_owned()),
            Just(";BROKEN".to_owned()),
        ]),
        prop::collection::vec("[0-9]{4,8}(T[0-9]{2,6}Z?)?(/[0-9A-Z]{0,16})?", 0..3),
    )
        .prop_map(|(name, param, values)| {
            format!("{name}{}:{}", param.unwrap_or_default(), values.join(","))
        });
    prop_oneof![rule, dates, any::<String>(), "[A-Z;=:,/0-9]{0,40}"]
}

fn start() -> impl Strategy<Value = Option<When>> {
    prop_oneof![
        Just(None),
        Just(Some(
            EventDateTime::zoned(
                chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::Zurich, 2024, 5, 6, 9, 0, 0)
                    .unwrap()
            )
            .when()
            .unwrap()
        )),
        Just(Some(
            EventDateTime::all_day(chrono::NaiveDate::from_ymd_opt(2024, 5, 6).unwrap())
                .when()
                .unwrap()
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn recurrence_lines_never_panic_and_refusals_name_the_field(line in line(), start in start()) {
        match validate_recurrence_line("recurrence[2]", &line, start) {
            Ok(()) => {}
            Err(Error::Validation { field, reason }) => {
                prop_assert_eq!(field, "recurrence[2]");
                prop_assert!(!reason.is_empty());
            }
            Err(other) => prop_assert!(false, "not a validation error: {:?}", other),
        }
    }

    #[test]
    fn an_event_with_bad_recurrence_is_refused_naming_the_line(lines in prop::collection::vec(line(), 1..4)) {
        let start = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::Zurich, 2024, 5, 6, 9, 0, 0).unwrap();
        let mut event = Event::new(
            "Standup",
            EventDateTime::zoned(start),
            EventDateTime::zoned(start + chrono::TimeDelta::minutes(15)),
        );
        for line in &lines {
            event = event.with_recurrence(line.clone());
        }
        match validate_event(&event) {
            Ok(()) => {}
            Err(Error::Validation { field, .. }) => {
                prop_assert!(field.starts_with("recurrence["), "{}", field);
            }
            Err(other) => prop_assert!(false, "not a validation error: {:?}", other),
        }
    }
}
