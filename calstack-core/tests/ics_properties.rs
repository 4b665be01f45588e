//! Property tests (bounded) of the iCalendar parser and writer: any input gives events or a
//! typed error, never a panic; writing then reading is the identity on the events calstack
//! can express; generated calendars survive the line-ending and folding variants real files
//! use.

use calstack_core::calendar::{
    Event, EventAttendee, EventDateTime, EventReminder, ReminderMethod, Reminders, ResponseStatus,
    Transparency, Visibility,
};
use calstack_core::ics::{ParseOptions, parse, same_content, write};
use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Lines that look like iCalendar, in any order, some broken.
fn icsish_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("BEGIN:VCALENDAR".to_owned()),
        Just("END:VCALENDAR".to_owned()),
        Just("BEGIN:VEVENT".to_owned()),
        Just("END:VEVENT".to_owned()),
        Just("BEGIN:VTIMEZONE".to_owned()),
        Just("END:VTIMEZONE".to_owned()),
        Just("BEGIN:VALARM".to_owned()),
        Just("END:VALARM".to_owned()),
        Just("BEGIN:STANDARD".to_owned()),
        Just("END:STANDARD".to_owned()),
        "(UID|SUMMARY|LOCATION|CATEGORIES|URL|ATTACH|CLASS|STATUS|TRANSP|SEQUENCE):[ -~]{0,20}",
        "(DTSTART|DTEND|RECURRENCE-ID|EXDATE|RDATE)(;TZID=[A-Za-z/_]{1,20}|;VALUE=(DATE|PERIOD))?:[0-9TZ/P,]{0,24}",
        "(DURATION|TRIGGER):[-+]?P[0-9WDTHMS]{0,24}",
        "(TZOFFSETFROM|TZOFFSETTO):[-+][0-9]{4}",
        "TZID:[ -~]{0,20}",
        "RRULE:FREQ=(YEARLY|WEEKLY|DAILY);(BYDAY=-?[0-9]?(SU|MO);)?(BYMONTH=[0-9]{1,2};)?(COUNT=[0-9]{1,3})?",
        "ATTENDEE(;PARTSTAT=[A-Z-]{0,12})?(;CN=\"[ -~]{0,8}\")?:[ -~]{0,20}",
        " [ -~]{0,20}",
        "[ -~]{0,30}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    // Printable text including the characters TEXT escapes: \ ; , and newlines.
    "[a-zA-Z0-9 äöü€;,\\\\\n:\"]{1,40}".prop_filter("not blank", |s| !s.trim().is_empty())
}

fn when() -> impl Strategy<Value = (EventDateTime, EventDateTime)> {
    let day = (2000i32..2035, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default());
    prop_oneof![
        (day.clone(), 1u64..5).prop_map(|(d, n)| (
            EventDateTime::all_day(d),
            EventDateTime::all_day(d + chrono::Days::new(n))
        )),
        (day, 0u32..24, 0u32..4, 0usize..ZONES.len(), 0i64..600).prop_map(|(d, h, q, z, len)| {
            let tz: chrono_tz::Tz = ZONES[z].parse().unwrap_or(chrono_tz::Tz::UTC);
            let local = d.and_hms_opt(h, q * 15, 0).unwrap_or_default();
            let at = tz
                .from_local_datetime(&local)
                .earliest()
                .unwrap_or_else(|| Utc.from_utc_datetime(&local).with_timezone(&tz));
            let start = EventDateTime::zoned(at);
            let end = EventDateTime::zoned(at + TimeDelta::minutes(len));
            (start, end)
        }),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    (
        "[a-z0-9.@-]{1,30}",
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        when(),
        proptest::option::of(1u32..30),
        proptest::collection::vec(("[a-z]{1,8}@example\\.(com|org)", 0usize..4), 0..3),
        any::<bool>(),
        proptest::option::of(0usize..3),
        proptest::collection::vec((any::<bool>(), 0i32..40_320), 0..3),
    )
        .prop_map(
            |(
                uid,
                summary,
                description,
                location,
                (start, end),
                count,
                people,
                free,
                class,
                alarms,
            )| {
                let statuses = [
                    ResponseStatus::Accepted,
                    ResponseStatus::Declined,
                    ResponseStatus::Tentative,
                    ResponseStatus::NeedsAction,
                ];
                let mut attendees: Vec<EventAttendee> = Vec::new();
                for (email, s) in people {
                    if attendees
                        .iter()
                        .all(|a| a.email.as_deref() != Some(email.as_str()))
                    {
                        let mut a = EventAttendee::new(email);
                        a.response_status = Some(statuses[s].clone());
                        attendees.push(a);
                    }
                }
                let mut overrides: Vec<EventReminder> = Vec::new();
                for (email, minutes) in alarms {
                    let r = EventReminder {
                        method: Some(if email {
                            ReminderMethod::Email
                        } else {
                            ReminderMethod::Popup
                        }),
                        minutes: Some(minutes),
                        ..EventReminder::default()
                    };
                    if !overrides.contains(&r) {
                        overrides.push(r);
                    }
                }
                let timed = start.date_time.is_some();
                Event {
                    ical_uid: Some(uid),
                    summary: Some(summary),
                    description,
                    location,
                    start: Some(start),
                    end: Some(end),
                    recurrence: count
                        .filter(|_| timed)
                        .map(|n| vec![format!("RRULE:FREQ=DAILY;COUNT={n}")]),
                    attendees: (!attendees.is_empty()).then_some(attendees),
                    transparency: free.then_some(Transparency::Transparent),
                    visibility: class.map(|c| {
                        [
                            Visibility::Public,
                            Visibility::Private,
                            Visibility::Confidential,
                        ][c]
                            .clone()
                    }),
                    reminders: (!overrides.is_empty()).then(|| Reminders {
                        use_default: Some(false),
                        overrides: Some(overrides),
                        ..Reminders::default()
                    }),
                    ..Event::default()
                }
            },
        )
}

fn calendar() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec(event(), 1..6).prop_map(|mut events| {
        let mut seen = std::collections::HashSet::new();
        events.retain(|e| seen.insert(e.ical_uid.clone()));
        events
    })
}

fn assert_same(written: &[Event], read: &[Event]) -> Result<(), TestCaseError> {
    prop_assert_eq!(written.len(), read.len());
    for (a, b) in written.iter().zip(read) {
        prop_assert_eq!(&a.ical_uid, &b.ical_uid);
        prop_assert!(same_content(a, b), "{:?}\n!=\n{:?}", a, b);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_give_events_or_a_typed_error_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text, &ParseOptions::default());
        let _ = parse(&format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{text}"), &ParseOptions { skip_invalid: true, ..ParseOptions::default() });
    }

    #[test]
    fn icalendar_shaped_noise_never_panics(lines in proptest::collection::vec(icsish_line(), 0..40), lf in any::<bool>()) {
        let text = lines.join(if lf { "\n" } else { "\r\n" });
        for skip_invalid in [false, true] {
            if let Ok(parsed) = parse(&text, &ParseOptions { skip_invalid, ..ParseOptions::default() }) {
                // Whatever was accepted can be written and read again.
                let all: Vec<Event> = parsed.events.into_iter().chain(parsed.exceptions).collect();
                let _ = parse(&write(&all, "fuzz", Utc::now()), &ParseOptions::default());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn write_then_parse_is_the_identity(events in calendar()) {
        let text = write(&events, "props", Utc::now());
        let parsed = parse(&text, &ParseOptions::default()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        assert_same(&events, &parsed.events)?;
        prop_assert!(text.lines().all(|l| l.len() <= 76), "lines are folded at 75 octets");
    }

    #[test]
    fn generated_calendars_survive_bom_lf_lone_cr_and_splitting(events in calendar(), variant in 0usize..4) {
        let text = write(&events, "props", Utc::now());
        let text = match variant {
            0 => format!("\u{feff}{text}"),
            1 => text.replace("\r\n", "\n"),
            2 => text.replace("\r\n", "\r"),
            _ => {
                // The same events split over two VCALENDARs.
                let half = events.len() / 2;
                format!("{}{}", write(&events[..half], "a", Utc::now()), write(&events[half..], "b", Utc::now()))
            }
        };
        let parsed = parse(&text, &ParseOptions::default()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        assert_same(&events, &parsed.events)?;
    }
}
