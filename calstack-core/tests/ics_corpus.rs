//! The corpus under `tests/fixtures/ics/`: calendars in the shapes Outlook/Exchange, Apple,
//! Google, Thunderbird/Lightning, Evolution, booking tools, school and holiday feeds write them,
//! plus broken ones. Each file's outcome is asserted: what it imports as, or why it is refused.

use std::path::PathBuf;

use calstack_core::calendar::{Event, EventStatus, ReminderMethod, ResponseStatus, Visibility};
use calstack_core::ics::{IcsError, ParseOptions, ParsedIcs, parse, same_content, write};
use chrono::{DateTime, NaiveDate, Utc};

fn read(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ics")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}

fn parse_file(name: &str) -> ParsedIcs {
    parse(&read(name), &ParseOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn refusal(name: &str) -> IcsError {
    match parse(&read(name), &ParseOptions::default()) {
        Ok(p) => panic!("{name} was accepted: {p:?}"),
        Err(e) => e,
    }
}

fn by_uid<'a>(events: &'a [Event], uid_start: &str) -> &'a Event {
    events
        .iter()
        .find(|e| {
            e.ical_uid
                .as_deref()
                .is_some_and(|u| u.starts_with(uid_start))
        })
        .unwrap_or_else(|| panic!("no event {uid_start}"))
}

fn start(e: &Event) -> (Option<DateTime<chrono::FixedOffset>>, Option<&str>) {
    let s = e.start.as_ref().expect("start");
    (s.date_time, s.time_zone.as_deref())
}

fn at(s: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// Every importable file writes back to text that parses to the same events.
fn round_trips(parsed: &ParsedIcs) {
    let text = write(
        &parsed
            .events
            .iter()
            .chain(&parsed.exceptions)
            .cloned()
            .collect::<Vec<_>>(),
        "corpus",
        Utc::now(),
    );
    let again = parse(&text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again.events.len(), parsed.events.len());
    for (a, b) in parsed.events.iter().zip(&again.events) {
        assert!(same_content(a, b), "{a:?}\n!=\n{b:?}");
    }
}

#[test]
fn outlook_exchange_invitation_with_windows_zone_and_a_moved_occurrence() {
    let parsed = parse_file("outlook-exchange.ics");
    assert_eq!((parsed.events.len(), parsed.exceptions.len()), (2, 1));
    let planning = &parsed.events[0];
    assert_eq!(planning.summary.as_deref(), Some("Quartalsplanung Q3"));
    assert_eq!(
        start(planning),
        (at("2026-06-15T10:00:00+02:00"), Some("Europe/Berlin"))
    );
    assert!(
        planning
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with("Agenda:\n1. Budget"))
    );
    let people = planning.attendees.as_ref().expect("attendees");
    assert_eq!(people.len(), 2);
    assert_eq!(people[1].optional, Some(true));
    assert_eq!(
        people[1].display_name.as_deref(),
        Some("Besprechungsraum 4.12")
    );
    assert_eq!(
        planning
            .reminders
            .as_ref()
            .and_then(|r| r.overrides.as_ref())
            .map(Vec::len),
        Some(1)
    );
    let series = &parsed.events[1];
    assert_eq!(
        series.recurrence.as_deref().expect("rule")[1],
        "EXDATE;TZID=Europe/Berlin:20260706T100000"
    );
    let moved = &parsed.exceptions[0];
    assert_eq!(
        start(moved),
        (at("2026-06-16T14:00:00+02:00"), Some("Europe/Berlin"))
    );
    assert_eq!(moved.ical_uid, series.ical_uid);
    round_trips(&parsed);
}

#[test]
fn outlook_display_name_zone_is_matched_through_its_vtimezone() {
    let parsed = parse_file("exchange-display-name-zone.ics");
    let physio = &parsed.events[0];
    assert_eq!(start(physio).0, at("2026-05-02T16:30:00+02:00"));
    let zone = start(physio).1.expect("a zone");
    assert!(
        [
            "Europe/Berlin",
            "Europe/Amsterdam",
            "Europe/Rome",
            "Europe/Vienna"
        ]
        .contains(&zone),
        "{zone}"
    );
    assert_eq!(physio.visibility, Some(Visibility::Private));
    assert!(
        parsed.notes.iter().any(|n| n.contains("VTIMEZONE matches")),
        "{:?}",
        parsed.notes
    );
    round_trips(&parsed);
}

#[test]
fn apple_calendar_export_keeps_url_alarms_and_exdates() {
    let parsed = parse_file("apple-calendar.ics");
    assert_eq!(parsed.events.len(), 3);
    let dinner = by_uid(&parsed.events, "6B1F0C42");
    assert_eq!(
        start(dinner),
        (at("2026-09-18T19:00:00-04:00"), Some("America/New_York"))
    );
    assert_eq!(
        dinner.location.as_deref(),
        Some("Blue Hill\n75 Washington Pl, New York, NY 10011, United States")
    );
    assert_eq!(
        dinner.source.as_ref().and_then(|s| s.url.as_deref()),
        Some("https://www.bluehillfarm.example/reservations")
    );
    let reminders = dinner
        .reminders
        .as_ref()
        .and_then(|r| r.overrides.as_ref())
        .expect("alarms");
    assert_eq!(
        reminders.len(),
        1,
        "Apple's 'none' alarm (1976) is left out"
    );
    assert_eq!(reminders[0].minutes, Some(60));
    let gym = by_uid(&parsed.events, "A7D3E1F9");
    assert_eq!(
        gym.recurrence.as_deref().expect("rule")[1],
        "EXDATE;TZID=America/New_York:20260910T070000,20260914T070000"
    );
    let thanksgiving = by_uid(&parsed.events, "1C9E7B2A");
    assert_eq!(
        thanksgiving.start.as_ref().and_then(|s| s.date),
        NaiveDate::from_ymd_opt(2026, 11, 26)
    );
    round_trips(&parsed);
}

#[test]
fn google_export_with_reminders_attendees_and_an_exception() {
    let parsed = parse_file("google-export.ics");
    assert_eq!((parsed.events.len(), parsed.exceptions.len()), (3, 1));
    let review = by_uid(&parsed.events, "5q1b8m3c");
    assert_eq!(start(review), (at("2026-10-05T08:30:00Z"), None));
    assert_eq!(review.location, None, "an empty LOCATION is no location");
    let people = review.attendees.as_ref().expect("attendees");
    assert_eq!(people[1].response_status, Some(ResponseStatus::Tentative));
    assert_eq!(people[1].display_name.as_deref(), Some("Rui Silva"));
    let methods: Vec<_> = review
        .reminders
        .as_ref()
        .and_then(|r| r.overrides.as_ref())
        .expect("alarms")
        .iter()
        .map(|r| (r.method.clone(), r.minutes))
        .collect();
    assert_eq!(
        methods,
        [
            (Some(ReminderMethod::Email), Some(30)),
            (Some(ReminderMethod::Popup), Some(10))
        ]
    );
    let exception = &parsed.exceptions[0];
    assert_eq!(
        exception.summary.as_deref(),
        Some("Choir (concert rehearsal)")
    );
    assert_eq!(
        exception
            .original_start_time
            .as_ref()
            .and_then(|o| o.date_time),
        at("2026-10-22T18:00:00+01:00")
    );
    round_trips(&parsed);
}

#[test]
fn thunderbird_mozilla_zone_names_categories_and_a_cancelled_occurrence() {
    let parsed = parse_file("thunderbird-lightning.ics");
    let dentist = by_uid(&parsed.events, "d2a7c3b0");
    assert_eq!(
        start(dentist),
        (at("2026-04-10T08:30:00+02:00"), Some("Europe/Berlin"))
    );
    let categories = dentist
        .extended_properties
        .as_ref()
        .and_then(|p| p.private.as_ref())
        .and_then(|p| p.get("categories"))
        .map(String::as_str);
    assert_eq!(categories, Some("Persönlich,Gesundheit"));
    assert_eq!(
        dentist
            .reminders
            .as_ref()
            .and_then(|r| r.overrides.as_ref())
            .map(|o| o[0].minutes),
        Some(Some(1440))
    );
    assert_eq!(parsed.exceptions.len(), 1);
    assert_eq!(parsed.exceptions[0].status, Some(EventStatus::Cancelled));
    round_trips(&parsed);
}

#[test]
fn evolution_freeassociation_zones_lf_lines_and_same_day_all_day_end() {
    let parsed = parse_file("evolution.ics");
    let club = &parsed.events[0];
    assert_eq!(
        start(club),
        (at("2026-03-30T09:30:00+01:00"), Some("Europe/London"))
    );
    let easter = &parsed.events[1];
    assert_eq!(
        easter.end.as_ref().and_then(|e| e.date),
        NaiveDate::from_ymd_opt(2026, 4, 7)
    );
    round_trips(&parsed);
}

#[test]
fn booking_tool_invitation_with_duration_url_and_attachment() {
    let parsed = parse_file("booking-tool.ics");
    let call = &parsed.events[0];
    assert_eq!(
        call.end.as_ref().and_then(|e| e.date_time),
        at("2026-05-19T13:45:00Z")
    );
    assert_eq!(call.attachments.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        call.attachments
            .as_ref()
            .and_then(|a| a[0].title.as_deref()),
        Some("questionnaire.pdf")
    );
    assert!(call.description.as_deref().is_some_and(|d| {
        d.contains("Reschedule: https://scheduler.example/reschedulings/8f3a2c1d")
    }));
    round_trips(&parsed);
}

#[test]
fn school_timetable_floating_times_exdates_and_period_rdates() {
    let parsed = parse_file("school-timetable.ics");
    assert_eq!(parsed.events.len(), 4);
    let maths = by_uid(&parsed.events, "oak-maths");
    assert_eq!(
        start(maths),
        (at("2026-09-07T09:15:00+01:00"), Some("Europe/London"))
    );
    assert_eq!(
        maths.recurrence.as_deref().expect("rule")[1],
        "EXDATE;TZID=Europe/London:20261026T091500,20261028T091500,20261030T091500"
    );
    let swim = by_uid(&parsed.events, "oak-swim");
    assert_eq!(
        swim.recurrence.as_deref(),
        Some(&["RDATE;TZID=Europe/London:20260924T133000,20261008T133000".to_owned()][..])
    );
    let trip = by_uid(&parsed.events, "oak-trip");
    assert_eq!(
        trip.end.as_ref().and_then(|e| e.date),
        NaiveDate::from_ymd_opt(2026, 11, 14)
    );
    let evening = by_uid(&parsed.events, "oak-parents");
    assert_eq!(
        evening.end, evening.start,
        "no DTEND: it ends when it starts"
    );
    round_trips(&parsed);
}

#[test]
fn holiday_feed_with_bom_two_calendars_and_no_uids() {
    let parsed = parse_file("holiday-feed.ics");
    assert_eq!(parsed.events.len(), 4);
    let derived = parsed
        .events
        .iter()
        .filter(|e| {
            e.ical_uid
                .as_deref()
                .is_some_and(|u| u.ends_with("@calstack.derived"))
        })
        .count();
    assert_eq!(derived, 3);
    let again = parse_file("holiday-feed.ics");
    assert_eq!(parsed.events, again.events, "derived UIDs are stable");
    round_trips(&parsed);
}

#[test]
fn mixed_file_is_refused_whole_or_imported_in_part_with_reasons() {
    let e = refusal("mixed-good-and-bad.ics");
    assert!(
        e.to_string()
            .starts_with("line 12: event bad-date@example.com: invalid DTSTART"),
        "{e}"
    );
    let parsed = parse(
        &read("mixed-good-and-bad.ics"),
        &ParseOptions {
            skip_invalid: true,
            ..ParseOptions::default()
        },
    )
    .expect("lenient");
    assert_eq!(parsed.events.len(), 2);
    let reasons: Vec<String> = parsed.refused.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 2);
    assert!(
        reasons[1].contains("line 24: event bad-overflow@example.com: invalid DURATION"),
        "{reasons:?}"
    );
}

#[test]
fn broken_files_are_refused_with_line_and_reason() {
    let cases = [
        (
            "broken-truncated.ics",
            "END:VEVENT (BEGIN:VEVENT on line 4 is never closed",
        ),
        (
            "broken-missing-dtstart.ics",
            "line 4: event no-start@example.com: invalid DTSTART: missing",
        ),
        (
            "broken-duration-overflow.ics",
            "line 7: event forever@example.com: invalid DURATION",
        ),
        (
            "broken-undefined-zone.ics",
            "line 6: event mars@example.com: invalid DTSTART: TZID \"Olympus Mons Time\"",
        ),
        ("broken-mismatched-end.ics", "line 7: expected END:VEVENT"),
        ("broken-html-page.ics", "not an iCalendar file"),
    ];
    for (file, expected) in cases {
        let e = refusal(file);
        assert!(e.to_string().contains(expected), "{file}: {e}");
    }
}
