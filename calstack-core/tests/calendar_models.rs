//! Models: every test vector round-trips byte-for-value, unknown fields survive, decode errors
//! name the field path, and the all-day/timed accessor keeps offset and zone.

#![allow(clippy::unwrap_used)]

mod calendar_support;

use calendar_support::{all_vectors, vector};
use calstack_core::calendar::{
    AccessRole, Channel, EventStatus, EventType, Events, ResponseStatus, When,
};
use calstack_core::{CalendarListEntry, Event, EventDateTime};
use chrono::{DateTime, NaiveDate, TimeZone};
use serde_json::{Value, json};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(input: &Value) -> Value {
    let typed: T = serde_json::from_value(input.clone()).expect("decodes");
    serde_json::to_value(&typed).expect("encodes")
}

#[test]
fn every_event_test_vector_round_trips_unchanged() {
    let mut events = 0;
    let mut pages = 0;
    for (name, input) in all_vectors() {
        match input["kind"].as_str() {
            Some("calendar#event") => {
                assert_eq!(round_trip::<Event>(&input), input, "vector {name}");
                events += 1;
            }
            Some("calendar#events") => {
                assert_eq!(round_trip::<Events>(&input), input, "vector {name}");
                pages += 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        (events, pages),
        (4, 3),
        "all event and page vectors were checked"
    );
}

#[test]
fn typed_fields_of_a_timed_event_are_exposed() {
    let event: Event = serde_json::from_value(vector("timed_event_with_tz")).unwrap();
    assert_eq!(event.status, Some(EventStatus::Confirmed));
    assert_eq!(event.event_type, Some(EventType::Default));
    assert_eq!(
        event.ical_uid.as_deref(),
        Some("7p3kq1s9v0m2a4c6e8g0i2k4m6@google.com")
    );
    let attendees = event.attendees.as_ref().unwrap();
    assert_eq!(
        attendees[1].response_status,
        Some(ResponseStatus::NeedsAction)
    );
    assert_eq!(attendees[0].is_self, Some(true));
    match event.start.as_ref().unwrap().when().unwrap() {
        When::Timed { at, time_zone } => {
            assert_eq!(at.to_rfc3339(), "2024-03-12T10:00:00+01:00");
            assert_eq!(time_zone, Some(chrono_tz::Europe::Zurich));
        }
        other => panic!("expected a timed start, got {other:?}"),
    }
    let private = event.extended_properties.unwrap().private.unwrap();
    assert_eq!(private.get("appRef").map(String::as_str), Some("42"));
}

#[test]
fn all_day_event_is_reported_as_all_day() {
    let event: Event = serde_json::from_value(vector("all_day_event")).unwrap();
    assert_eq!(
        event.start.unwrap().when().unwrap(),
        When::AllDay(NaiveDate::from_ymd_opt(2024, 7, 4).unwrap())
    );
}

#[test]
fn constructors_produce_googles_shape() {
    let day = NaiveDate::from_ymd_opt(2024, 7, 4).unwrap();
    assert_eq!(
        serde_json::to_value(EventDateTime::all_day(day)).unwrap(),
        json!({"date": "2024-07-04"})
    );
    let at = chrono_tz::America::New_York
        .with_ymd_and_hms(2024, 4, 1, 9, 0, 0)
        .single()
        .unwrap();
    assert_eq!(
        serde_json::to_value(EventDateTime::zoned(at)).unwrap(),
        json!({"dateTime": "2024-04-01T09:00:00-04:00", "timeZone": "America/New_York"})
    );
    let fixed = DateTime::parse_from_rfc3339("2024-04-01T09:00:00+02:00").unwrap();
    let event = Event::new(
        "Standup",
        EventDateTime::timed(fixed, None),
        EventDateTime::timed(fixed + chrono::TimeDelta::minutes(15), None),
    );
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({
            "summary": "Standup",
            "start": {"dateTime": "2024-04-01T09:00:00+02:00"},
            "end": {"dateTime": "2024-04-01T09:15:00+02:00"}
        }),
        "no absent field is materialised"
    );
}

#[test]
fn unknown_fields_and_enum_values_survive_a_round_trip() {
    let input = json!({
        "id": "abcde12345",
        "eventType": "someFutureType",
        "workingLocationProperties": {"type": "homeOffice", "homeOffice": {}},
        "start": {"date": "2024-07-04", "futureFlag": true},
        "attendees": [{"email": "a@example.com", "responseStatus": "maybeLater", "x": 1}]
    });
    let event: Event = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(
        event.event_type,
        Some(EventType::Unknown("someFutureType".into()))
    );
    assert!(event.extra.contains_key("workingLocationProperties"));
    assert_eq!(serde_json::to_value(&event).unwrap(), input);
}

#[test]
fn channel_expiration_stays_a_string_on_the_wire() {
    let input = json!({
        "kind": "api#channel",
        "id": "chan-1",
        "resourceId": "res-1",
        "resourceUri": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
        "expiration": "1716192000000",
        "type": "web_hook",
        "address": "https://example.com/hook",
        "params": {"ttl": "3600"}
    });
    let channel: Channel = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(channel.expiration, Some(1_716_192_000_000));
    assert_eq!(serde_json::to_value(&channel).unwrap(), input);
}

#[test]
fn calendar_list_entry_round_trips() {
    let input = json!({
        "kind": "calendar#calendarListEntry",
        "etag": "\"1\"",
        "id": "alice@example.com",
        "summary": "alice@example.com",
        "timeZone": "Europe/Zurich",
        "colorId": "14",
        "backgroundColor": "#9fe1e7",
        "foregroundColor": "#000000",
        "selected": true,
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "notificationSettings": {"notifications": [{"type": "eventCreation", "method": "email"}]},
        "primary": true,
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}
    });
    let entry: CalendarListEntry = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(entry.access_role, Some(AccessRole::Owner));
    assert_eq!(serde_json::to_value(&entry).unwrap(), input);
}

#[test]
fn when_refuses_both_or_neither_date_and_date_time() {
    let both: EventDateTime =
        serde_json::from_value(json!({"date": "2024-07-04", "dateTime": "2024-07-04T10:00:00Z"}))
            .unwrap();
    assert!(matches!(
        both.when(),
        Err(calstack_core::Error::Validation { .. })
    ));
    assert!(EventDateTime::default().when().is_err());
}

#[test]
fn local_date_time_is_resolved_in_its_time_zone() {
    let start: EventDateTime = serde_json::from_value(
        json!({"dateTime": "2024-07-01T09:30:00", "timeZone": "America/New_York"}),
    )
    .unwrap();
    assert_eq!(
        start.date_time.unwrap().to_rfc3339(),
        "2024-07-01T09:30:00-04:00"
    );
    let err = serde_json::from_value::<EventDateTime>(json!({"dateTime": "2024-07-01T09:30:00"}))
        .unwrap_err();
    assert!(err.to_string().contains("no UTC offset"), "{err}");
    let gap = serde_json::from_value::<EventDateTime>(
        json!({"dateTime": "2024-03-10T02:30:00", "timeZone": "America/New_York"}),
    )
    .unwrap_err();
    assert!(gap.to_string().contains("daylight-saving gap"), "{gap}");
}
