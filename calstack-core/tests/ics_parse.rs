//! Reading iCalendar files: what each real-world shape becomes, and the errors a person can
//! act on (line, component, property, what was expected).

use calstack_core::calendar::{
    Event, EventDateTime, EventStatus, ReminderMethod, ResponseStatus, Transparency, Visibility,
};
use calstack_core::ics::{IcsError, ParseOptions, ParsedIcs, parse, same_content, write};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

fn options() -> ParseOptions {
    ParseOptions::default()
}

fn parse_ok(text: &str) -> ParsedIcs {
    match parse(text, &options()) {
        Ok(p) => p,
        Err(e) => panic!("valid ics refused: {e}"),
    }
}

fn parse_err(text: &str) -> IcsError {
    match parse(text, &options()) {
        Ok(p) => panic!("invalid ics accepted: {p:?}"),
        Err(e) => e,
    }
}

fn at(s: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

fn start_of(e: &Event) -> &EventDateTime {
    e.start.as_ref().expect("start")
}

fn end_of(e: &Event) -> &EventDateTime {
    e.end.as_ref().expect("end")
}

fn calendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

const SAMPLE: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:standup-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Standup\\, daily\r
DTSTART;TZID=Europe/Zurich:20260302T090000\r
DTEND;TZID=Europe/Zurich:20260302T091500\r
RRULE:FREQ=WEEKLY;BYDAY=MO,WE\r
EXDATE;TZID=Europe/Zurich:20260309T090000\r
ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Holiday\r
DTSTART;VALUE=DATE:20260704\r
DTEND;VALUE=DATE:20260705\r
TRANSP:TRANSPARENT\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Call\r
DTSTART:20260310T150000Z\r
DURATION:PT45M\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn timed_all_day_recurring_and_attendees_map_to_calendar_fields() {
    let parsed = parse_ok(SAMPLE);
    assert_eq!(parsed.events.len(), 3);
    let standup = &parsed.events[0];
    assert_eq!(standup.ical_uid.as_deref(), Some("standup-1@example.com"));
    assert_eq!(standup.summary.as_deref(), Some("Standup, daily"));
    assert_eq!(
        start_of(standup).time_zone.as_deref(),
        Some("Europe/Zurich")
    );
    assert_eq!(start_of(standup).date_time, at("2026-03-02T09:00:00+01:00"));
    assert_eq!(
        standup.recurrence.as_deref(),
        Some(
            &[
                "RRULE:FREQ=WEEKLY;BYDAY=MO,WE".to_owned(),
                "EXDATE;TZID=Europe/Zurich:20260309T090000".to_owned()
            ][..]
        )
    );
    let bob = &standup.attendees.as_ref().expect("attendees")[0];
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
    assert_eq!(bob.response_status, Some(ResponseStatus::Accepted));
    let holiday = &parsed.events[1];
    assert_eq!(start_of(holiday).date, NaiveDate::from_ymd_opt(2026, 7, 4));
    assert_eq!(holiday.transparency, Some(Transparency::Transparent));
    assert_eq!(
        end_of(&parsed.events[2]).date_time,
        at("2026-03-10T15:45:00Z")
    );
}

#[test]
fn export_then_parse_gives_the_same_events() {
    let first = parse_ok(SAMPLE).events;
    let text = write(&first, "Work", Utc::now());
    assert!(text.contains("X-WR-CALNAME:Work"), "{text}");
    assert!(
        text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Zurich"),
        "{text}"
    );
    let second = parse_ok(&text).events;
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert!(same_content(a, b), "{a:?}\n!=\n{b:?}");
        assert_eq!(a.ical_uid, b.ical_uid);
    }
}

#[test]
fn a_time_in_the_second_pass_of_a_repeated_hour_keeps_its_instant_and_zone() {
    // Sydney's clocks went back at 03:00 on 2 April 2017: 02:00-03:00 happened twice. An
    // event ending at the second 02:00 (+10:00) must not come back an hour early.
    let sydney: Tz = "Australia/Sydney".parse().unwrap_or(Tz::UTC);
    let start = at("2017-04-01T21:00:00+11:00").unwrap_or_default();
    let end = at("2017-04-02T02:00:00+10:00").unwrap_or_default();
    let event = Event {
        ical_uid: Some("late@example.com".into()),
        summary: Some("Late show".into()),
        start: Some(EventDateTime::zoned(start.with_timezone(&sydney))),
        end: Some(EventDateTime::zoned(end.with_timezone(&sydney))),
        ..Event::default()
    };
    let text = write(std::slice::from_ref(&event), "Shows", Utc::now());
    assert!(
        text.contains("DTEND;X-CALSTACK-TZID=Australia/Sydney:20170401T160000Z"),
        "{text}"
    );
    assert!(
        text.contains("DTSTART;TZID=Australia/Sydney:20170401T210000"),
        "{text}"
    );
    let back = parse_ok(&text).events;
    assert_eq!(back.len(), 1);
    assert_eq!(end_of(&back[0]).date_time, Some(end));
    assert_eq!(
        end_of(&back[0]).time_zone.as_deref(),
        Some("Australia/Sydney")
    );
    assert!(
        same_content(&event, &back[0]),
        "{event:?}\n!=\n{:?}",
        back[0]
    );
}

#[test]
fn same_content_notices_a_changed_title_or_time() {
    let events = parse_ok(SAMPLE).events;
    let mut changed = events[2].clone();
    changed.summary = Some("Call (moved)".into());
    assert!(!same_content(&events[2], &changed));
    let mut moved = events[2].clone();
    moved.start = Some(EventDateTime::timed(
        at("2026-03-10T15:15:00Z").expect("valid"),
        None,
    ));
    assert!(!same_content(&events[2], &moved));
    assert!(same_content(&events[2], &events[2].clone()));
}

#[test]
fn garbage_is_not_an_icalendar_file() {
    assert_eq!(parse_err("hello, world"), IcsError::NotICalendar);
    assert_eq!(
        parse_err("").to_string(),
        "not an iCalendar file: no BEGIN:VCALENDAR line"
    );
}

#[test]
fn a_missing_dtstart_names_line_event_and_property() {
    let text = calendar("BEGIN:VEVENT\r\nUID:x@y\r\nSUMMARY:No start\r\nEND:VEVENT\r\n");
    assert_eq!(
        parse_err(&text).to_string(),
        "line 4: event x@y: invalid DTSTART: missing (expected a DATE or DATE-TIME)"
    );
}

#[test]
fn end_before_start_and_unknown_zones_are_refused_with_the_line() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T150000Z\r\nDTEND:20260310T140000Z\r\nEND:VEVENT\r\n",
    );
    let e = parse_err(&text);
    assert!(
        e.to_string().starts_with("line 7: event x: invalid DTEND"),
        "{e}"
    );
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:y\r\nDTSTART;TZID=Mars Standard Time:20260310T150000\r\nEND:VEVENT\r\n",
    );
    let e = parse_err(&text);
    assert!(e.to_string().contains("IANA"), "{e}");
    assert_eq!(e.line(), Some(6));
}

#[test]
fn the_same_uid_twice_keeps_the_higher_sequence_or_is_refused() {
    let one = "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T150000Z\r\nEND:VEVENT\r\n";
    let e = parse_err(&calendar(&format!("{one}{one}")));
    assert!(e.to_string().contains("appears twice"), "{e}");
    let newer = "BEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:2\r\nSUMMARY:Newer\r\nDTSTART:20260310T150000Z\r\nEND:VEVENT\r\n";
    let parsed = parse_ok(&calendar(&format!("{one}{newer}")));
    assert_eq!(parsed.events.len(), 1);
    assert_eq!(parsed.events[0].summary.as_deref(), Some("Newer"));
}

#[test]
fn floating_times_use_the_calendar_zone_even_when_recurring() {
    let text = "BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America/New_York\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260701T090000\r\nDTEND:20260701T100000\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:20260702T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let events = parse_ok(text).events;
    assert_eq!(
        start_of(&events[0]).date_time,
        at("2026-07-01T09:00:00-04:00")
    );
    assert_eq!(
        start_of(&events[0]).time_zone.as_deref(),
        Some("America/New_York")
    );
    assert_eq!(
        events[0].recurrence.as_deref().expect("recurrence")[1],
        "EXDATE;TZID=America/New_York:20260702T090000"
    );
    let other = ParseOptions {
        default_zone: Tz::Europe__Paris,
        ..options()
    };
    let plain = calendar("BEGIN:VEVENT\r\nUID:g\r\nDTSTART:20260701T090000\r\nEND:VEVENT\r\n");
    let events = parse(&plain, &other).expect("valid").events;
    assert_eq!(
        start_of(&events[0]).date_time,
        at("2026-07-01T09:00:00+02:00")
    );
}

#[test]
fn missing_ends_follow_rfc_5545() {
    let text = calendar(concat!(
        "BEGIN:VEVENT\r\nUID:timed\r\nDTSTART:20260310T150000Z\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:day\r\nDTSTART;VALUE=DATE:20260310\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:same\r\nDTSTART;VALUE=DATE:20260310\r\nDTEND;VALUE=DATE:20260310\r\nEND:VEVENT\r\n",
    ));
    let events = parse_ok(&text).events;
    assert_eq!(end_of(&events[0]).date_time, at("2026-03-10T15:00:00Z"));
    let next_day = NaiveDate::from_ymd_opt(2026, 3, 11);
    assert_eq!(end_of(&events[1]).date, next_day);
    assert_eq!(end_of(&events[2]).date, next_day);
}

#[test]
fn a_huge_duration_is_an_error_not_a_panic() {
    for d in [
        "P9999999999999999W",
        "P15250284452785W",
        "PT99999999999999999999S",
        "P106751991167301D",
    ] {
        let text = calendar(&format!(
            "BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20260310T150000Z\r\nDURATION:{d}\r\nEND:VEVENT\r\n"
        ));
        let e = parse_err(&text);
        assert!(e.to_string().contains("invalid DURATION"), "{d}: {e}");
    }
}

#[test]
fn a_missing_uid_is_derived_from_the_content_and_stable() {
    let text = calendar(
        "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Dentist\r\nDTSTART:20260310T150000Z\r\nEND:VEVENT\r\n",
    );
    let first = parse_ok(&text);
    let uid = first.events[0].ical_uid.clone().expect("uid");
    assert!(uid.ends_with("@calstack.derived"), "{uid}");
    let restamped = text.replace("DTSTAMP:20260101T000000Z", "DTSTAMP:20270101T000000Z");
    assert_eq!(
        parse_ok(&restamped).events[0].ical_uid.as_deref(),
        Some(uid.as_str())
    );
    let other = text.replace("Dentist", "Doctor");
    assert_ne!(
        parse_ok(&other).events[0].ical_uid.as_deref(),
        Some(uid.as_str())
    );
    assert!(
        first.notes.iter().any(|n| n.contains("has no UID")),
        "{:?}",
        first.notes
    );
}

#[test]
fn bom_lf_lone_cr_and_several_calendars_are_read() {
    let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260310T150000Z\nEND:VEVENT\nEND:VCALENDAR\n";
    let text = format!(
        "\u{feff}{body}{}",
        body.replace("UID:a", "UID:b").replace('\n', "\r")
    );
    let events = parse_ok(&text).events;
    let uids: Vec<_> = events
        .iter()
        .filter_map(|e| e.ical_uid.as_deref())
        .collect();
    assert_eq!(uids, ["a", "b"]);
}

#[test]
fn vtimezone_with_a_non_iana_tzid_is_matched_to_an_iana_zone() {
    let text = calendar(concat!(
        "BEGIN:VTIMEZONE\r\nTZID:Western/Central Europe\r\n",
        "BEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n",
        "BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n",
        "END:VTIMEZONE\r\n",
        "BEGIN:VEVENT\r\nUID:o\r\nDTSTART;TZID=Western/Central Europe:20260710T100000\r\nDTEND;TZID=Western/Central Europe:20260710T110000\r\nEND:VEVENT\r\n",
    ));
    let parsed = parse_ok(&text);
    let start = start_of(&parsed.events[0]);
    assert_eq!(start.date_time, at("2026-07-10T10:00:00+02:00"));
    assert_eq!(start.time_zone.as_deref(), Some("Europe/Berlin"));
    assert!(
        parsed
            .notes
            .iter()
            .any(|n| n.contains("Western/Central Europe") && n.contains("Europe/Berlin")),
        "{:?}",
        parsed.notes
    );
}

#[test]
fn a_vtimezone_that_matches_no_iana_zone_becomes_a_fixed_offset() {
    let text = calendar(concat!(
        "BEGIN:VTIMEZONE\r\nTZID:Odd Zone\r\n",
        "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nRRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n",
        "BEGIN:DAYLIGHT\r\nDTSTART:19700201T000000\r\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0300\r\nEND:DAYLIGHT\r\n",
        "END:VTIMEZONE\r\n",
        "BEGIN:VEVENT\r\nUID:z\r\nDTSTART;TZID=Odd Zone:20260110T100000\r\nEND:VEVENT\r\n",
    ));
    let parsed = parse_ok(&text);
    let start = start_of(&parsed.events[0]);
    assert_eq!(start.date_time, at("2026-01-10T10:00:00+01:00"));
    assert_eq!(start.time_zone.as_deref(), Some("Etc/GMT-1"));
    assert!(
        parsed.notes.iter().any(|n| n.contains("fixed offset")),
        "{:?}",
        parsed.notes
    );
}

#[test]
fn recurrence_id_overrides_become_exceptions_moved_and_cancelled() {
    let text = calendar(concat!(
        "BEGIN:VEVENT\r\nUID:s\r\nDTSTART;TZID=Europe/Berlin:20260302T090000\r\nDTEND;TZID=Europe/Berlin:20260302T093000\r\nRRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Series\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260303T090000\r\nDTSTART;TZID=Europe/Berlin:20260303T140000\r\nDTEND;TZID=Europe/Berlin:20260303T143000\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260304T090000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n",
    ));
    let parsed = parse_ok(&text);
    assert_eq!(parsed.events.len(), 1);
    assert_eq!(parsed.exceptions.len(), 2);
    let moved = &parsed.exceptions[0];
    assert_eq!(moved.summary.as_deref(), Some("Moved"));
    assert_eq!(
        moved.original_start_time.as_ref().and_then(|o| o.date_time),
        at("2026-03-03T09:00:00+01:00")
    );
    assert_eq!(start_of(moved).date_time, at("2026-03-03T14:00:00+01:00"));
    let cancelled = &parsed.exceptions[1];
    assert_eq!(cancelled.status, Some(EventStatus::Cancelled));
    assert_eq!(
        calstack_core::ics::instance_id(
            "abc",
            cancelled.original_start_time.as_ref().expect("original")
        ),
        Some("abc_20260304T080000Z".to_owned())
    );
}

#[test]
fn period_rdates_become_plain_rdates() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:p\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nRDATE;VALUE=PERIOD:20260310T090000Z/20260310T120000Z,20260311T090000Z/PT2H\r\nEND:VEVENT\r\n",
    );
    let parsed = parse_ok(&text);
    assert_eq!(
        parsed.events[0].recurrence.as_deref(),
        Some(&["RDATE:20260310T090000Z,20260311T090000Z".to_owned()][..])
    );
    assert_eq!(
        start_of(&parsed.events[0]).time_zone.as_deref(),
        Some("UTC")
    );
    assert!(parsed.notes.iter().any(|n| n.contains("PERIOD")));
}

#[test]
fn alarms_categories_links_class_and_people_are_kept() {
    let text = calendar(concat!(
        "BEGIN:VEVENT\r\nUID:rich\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\n",
        "CATEGORIES:Work,Travel\\, abroad\r\nURL:https://example.com/booking/42\r\nCLASS:PRIVATE\r\n",
        "ATTACH;FMTTYPE=application/pdf:https://example.com/agenda.pdf\r\n",
        "ORGANIZER;CN=Ann:mailto:ann@example.com\r\n",
        "ATTENDEE;CN=\"Room 1\";CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room1@example.com\r\n",
        "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=DECLINED:MAILTO:bob@example.com\r\n",
        "ATTENDEE:urn:uuid:123\r\n",
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
        "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER;RELATED=START:-P1D\r\nEND:VALARM\r\n",
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;VALUE=DATE-TIME:20260301T090000Z\r\nEND:VALARM\r\n",
        "END:VEVENT\r\n",
    ));
    let parsed = parse_ok(&text);
    let e = &parsed.events[0];
    let private = e
        .extended_properties
        .as_ref()
        .and_then(|p| p.private.as_ref())
        .expect("private");
    assert_eq!(
        private.get("categories").map(String::as_str),
        Some("Work,Travel\\, abroad")
    );
    assert_eq!(
        e.source.as_ref().and_then(|s| s.url.as_deref()),
        Some("https://example.com/booking/42")
    );
    assert_eq!(e.visibility, Some(Visibility::Private));
    let attachments = e.attachments.as_ref().expect("attachments");
    assert_eq!(
        attachments[0].file_url.as_deref(),
        Some("https://example.com/agenda.pdf")
    );
    assert_eq!(attachments[0].mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        e.organizer.as_ref().and_then(|o| o.email.as_deref()),
        Some("ann@example.com")
    );
    let people = e.attendees.as_ref().expect("attendees");
    assert_eq!(people.len(), 2);
    assert_eq!(people[0].resource, Some(true));
    assert_eq!(people[0].display_name.as_deref(), Some("Room 1"));
    assert_eq!(people[1].optional, Some(true));
    assert_eq!(people[1].response_status, Some(ResponseStatus::Declined));
    let overrides = e
        .reminders
        .as_ref()
        .and_then(|r| r.overrides.as_ref())
        .expect("reminders");
    let got: Vec<_> = overrides
        .iter()
        .map(|o| (o.method.clone(), o.minutes))
        .collect();
    assert_eq!(
        got,
        [
            (Some(ReminderMethod::Popup), Some(15)),
            (Some(ReminderMethod::Email), Some(1440))
        ]
    );
    assert_eq!(parsed.notes.len(), 2, "{:?}", parsed.notes);
    let again = parse_ok(&write(&parsed.events, "x", Utc::now()));
    assert!(
        same_content(e, &again.events[0]),
        "{e:?}\n{:?}",
        again.events[0]
    );
}

#[test]
fn skip_invalid_keeps_the_good_events_and_lists_the_bad_ones() {
    let text = calendar(concat!(
        "BEGIN:VEVENT\r\nUID:good\r\nDTSTART:20260302T090000Z\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART:2026-03-02\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nSTATUS:MAYBE\r\nDTSTART:20260302T090000Z\r\nEND:VEVENT\r\n",
    ));
    assert!(parse(&text, &options()).is_err());
    let parsed = parse(
        &text,
        &ParseOptions {
            skip_invalid: true,
            ..options()
        },
    )
    .expect("lenient");
    assert_eq!(parsed.events.len(), 1);
    let refused: Vec<_> = parsed
        .refused
        .iter()
        .map(|r| (r.event.clone(), r.to_string()))
        .collect();
    assert_eq!(refused[0].0, "bad");
    assert!(
        refused[0].1.contains("line 10: event bad: invalid DTSTART"),
        "{refused:?}"
    );
    assert_eq!(refused[1].0, "#3");
    assert!(refused[1].1.contains("invalid STATUS"), "{refused:?}");
}

#[test]
fn broken_structure_names_the_line_and_what_was_expected() {
    let e = parse_err("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260302T090000Z\r\n");
    assert!(e.to_string().contains("END:VEVENT"), "{e}");
    let e = parse_err(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nthis line is broken\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    assert_eq!(e.line(), Some(3));
}

#[test]
fn a_hostile_vtimezone_rule_is_read_without_walking_millennia() {
    let months = vec!["1,2,3,4,5,6,7,8,9,10,11,12"; 2000].join(",");
    let text = calendar(&format!(
        "BEGIN:VTIMEZONE\r\nTZID:Hostile\r\nBEGIN:STANDARD\r\nDTSTART:00010101T000000\r\nRRULE:FREQ=YEARLY;BYMONTH={months};BYDAY=SU,MO,TU,WE,TH,FR,SA\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:h\r\nDTSTART;TZID=Hostile:99980101T000000\r\nEND:VEVENT\r\n"
    ));
    let parsed = parse_ok(&text);
    assert_eq!(parsed.events.len(), 1);
    let exported = write(&parsed.events, "x", Utc::now());
    assert!(exported.contains("BEGIN:VTIMEZONE"), "{exported}");
}
