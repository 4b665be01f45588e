//! Every request builder sends exactly the method, path, query and body Google expects.

#![allow(clippy::unwrap_used)]

mod calendar_support;

use calendar_support::{
    NoBody, answer, assert_invalid_field, client, event_json, exact_query, json, server,
};
use calstack_core::calendar::{
    AccessRole, Channel, EventType, FreeBusyRequest, OrderBy, SendUpdates,
};
use calstack_core::{Calendar, CalendarListEntry, Error, Event, EventDateTime};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, header};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn meeting() -> Event {
    let start = chrono_tz::Europe::Zurich
        .with_ymd_and_hms(2024, 5, 1, 10, 0, 0)
        .single()
        .unwrap();
    Event::new(
        "Planning",
        EventDateTime::zoned(start),
        EventDateTime::zoned(start + chrono::TimeDelta::hours(1)),
    )
}

#[tokio::test]
async fn events_list_sends_every_query_parameter_and_repeats_repeatable_ones() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events")
        .and(exact_query(&[
            ("timeMin", "2024-05-01T00:00:00Z"),
            ("timeMax", "2024-06-01T00:00:00Z"),
            ("singleEvents", "true"),
            ("orderBy", "startTime"),
            ("maxResults", "2500"),
            ("q", "standup & review"),
            ("showDeleted", "false"),
            ("showHiddenInvitations", "true"),
            ("timeZone", "Europe/Zurich"),
            ("maxAttendees", "3"),
            ("iCalUID", "x@google.com"),
            ("updatedMin", "2024-04-01T00:00:00Z"),
            ("alwaysIncludeEmail", "true"),
            ("eventTypes", "default"),
            ("eventTypes", "focusTime"),
            ("privateExtendedProperty", "appRef=42"),
            ("privateExtendedProperty", "client=acme"),
            ("sharedExtendedProperty", "room=4B"),
            ("pageToken", "p1"),
        ]))
        .and(NoBody)
        .with(json(200, json!({"kind": "calendar#events", "items": []})))
        .await;
    let (client, _) = client(&server);
    let page = client
        .events()
        .list("primary")
        .time_min(utc("2024-05-01T00:00:00Z"))
        .time_max(DateTime::parse_from_rfc3339("2024-06-01T02:00:00+02:00").unwrap())
        .single_events(true)
        .order_by(OrderBy::StartTime)
        .max_results(2500)
        .q("standup & review")
        .show_deleted(false)
        .show_hidden_invitations(true)
        .time_zone("Europe/Zurich")
        .max_attendees(3)
        .ical_uid("x@google.com")
        .updated_min(utc("2024-04-01T00:00:00Z"))
        .always_include_email(true)
        .event_types(EventType::Default)
        .event_types(EventType::FocusTime)
        .private_extended_property("appRef", "42")
        .private_extended_property("client", "acme")
        .shared_extended_property("room", "4B")
        .page_token("p1")
        .send()
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn path_segments_are_percent_encoded() {
    let server = server().await;
    answer(
        &server,
        1,
        "GET calendars/en.usa%23holiday@group.v.calendar.google.com/events/a%2Fb%20c",
    )
    .with(json(200, event_json("abc", "Holiday")))
    .await;
    let (client, _) = client(&server);
    let event = client
        .events()
        .get("en.usa#holiday@group.v.calendar.google.com", "a/b c")
        .send()
        .await
        .unwrap();
    assert_eq!(event.summary.as_deref(), Some("Holiday"));
}

#[tokio::test]
async fn events_get_sends_its_parameters() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events/ev1")
        .and(exact_query(&[("maxAttendees", "5"), ("timeZone", "UTC")]))
        .with(json(200, event_json("ev1", "x")))
        .await;
    let (client, _) = client(&server);
    client
        .events()
        .get("primary", "ev1")
        .max_attendees(5)
        .time_zone("UTC")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn events_insert_sends_the_event_with_a_generated_base32hex_id() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/events")
        .and(exact_query(&[
            ("sendUpdates", "all"),
            ("conferenceDataVersion", "1"),
            ("supportsAttachments", "true"),
            ("maxAttendees", "10"),
            ("sendNotifications", "true"),
        ]))
        .and(header("content-type", "application/json"))
        .with(|req: &wiremock::Request| {
            let mut body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            body["etag"] = json!("\"1\"");
            ResponseTemplate::new(200).set_body_json(body)
        })
        .await;
    let (client, _) = client(&server);
    let created = client
        .events()
        .insert("primary", meeting().with_attendee("bob@example.com"))
        .send_updates(SendUpdates::All)
        .conference_data_version(1)
        .supports_attachments(true)
        .max_attendees(10)
        .send_notifications(true)
        .send()
        .await
        .unwrap();
    let id = created.id.unwrap();
    assert!(
        id.len() >= 5 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='v')),
        "{id}"
    );
    let requests = server.received_requests().await.unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        sent,
        json!({
            "id": id,
            "summary": "Planning",
            "start": {"dateTime": "2024-05-01T10:00:00+02:00", "timeZone": "Europe/Zurich"},
            "end": {"dateTime": "2024-05-01T11:00:00+02:00", "timeZone": "Europe/Zurich"},
            "attendees": [{"email": "bob@example.com"}]
        })
    );
}

#[tokio::test]
async fn events_insert_keeps_a_caller_chosen_id() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/events")
        .and(wiremock::matchers::body_partial_json(
            json!({"id": "myid12345"}),
        ))
        .with(json(200, event_json("myid12345", "Planning")))
        .await;
    let (client, _) = client(&server);
    let event = client
        .events()
        .insert("primary", meeting().with_id("myid12345"))
        .send()
        .await
        .unwrap();
    assert_eq!(event.id.as_deref(), Some("myid12345"));
}

#[tokio::test]
async fn invalid_event_is_refused_before_anything_is_sent() {
    let server = server().await;
    let (client, _) = client(&server);
    let mut event = meeting().with_attendee("not an email");
    let err = client
        .events()
        .insert("primary", event.clone())
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "attendees[0].email");
    event.attendees = None;
    std::mem::swap(&mut event.start, &mut event.end);
    let err = client
        .events()
        .update("primary", "e1", event.clone())
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "end");
    let err = client
        .events()
        .import("primary", meeting())
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "iCalUID");
    let err = client
        .events()
        .patch("primary", "e1", event)
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "end");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn events_update_patch_and_delete_send_if_match_and_parameters() {
    let server = server().await;
    answer(&server, 1, "PUT calendars/primary/events/ev1")
        .and(exact_query(&[("sendUpdates", "externalOnly")]))
        .and(header("if-match", "\"etag-1\""))
        .and(body_json(serde_json::to_value(meeting()).unwrap()))
        .with(json(200, event_json("ev1", "Planning")))
        .await;
    answer(&server, 1, "PATCH calendars/primary/events/ev1")
        .and(exact_query(&[
            ("sendUpdates", "none"),
            ("alwaysIncludeEmail", "false"),
        ]))
        .and(header("if-match", "\"etag-2\""))
        .and(body_json(json!({"summary": "Renamed", "location": null})))
        .with(json(200, event_json("ev1", "Renamed")))
        .await;
    answer(&server, 1, "DELETE calendars/primary/events/ev1")
        .and(exact_query(&[("sendUpdates", "all")]))
        .and(header("if-match", "\"etag-3\""))
        .and(NoBody)
        .with(ResponseTemplate::new(204))
        .await;
    let (client, _) = client(&server);
    let events = client.events();
    events
        .update("primary", "ev1", meeting())
        .send_updates(SendUpdates::ExternalOnly)
        .if_match("\"etag-1\"")
        .send()
        .await
        .unwrap();
    let patched = events
        .patch(
            "primary",
            "ev1",
            Event {
                summary: Some("Renamed".into()),
                ..Event::default()
            },
        )
        .send_updates(SendUpdates::None)
        .always_include_email(false)
        .clear("location")
        .if_match("\"etag-2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(patched.summary.as_deref(), Some("Renamed"));
    events
        .delete("primary", "ev1")
        .send_updates(SendUpdates::All)
        .if_match("\"etag-3\"")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn events_move_quick_add_import_and_instances_send_googles_shapes() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/events/ev1/move")
        .and(exact_query(&[
            ("destination", "team@group.calendar.google.com"),
            ("sendUpdates", "none"),
        ]))
        .and(NoBody)
        .with(json(200, event_json("ev1", "Moved")))
        .await;
    answer(&server, 1, "POST calendars/primary/events/quickAdd")
        .and(exact_query(&[
            ("text", "Lunch with Ana tomorrow 12:30"),
            ("sendNotifications", "false"),
        ]))
        .and(NoBody)
        .with(json(200, event_json("qa1", "Lunch with Ana")))
        .await;
    let mut imported = meeting();
    imported.ical_uid = Some("uid-1@example.com".into());
    answer(&server, 1, "POST calendars/primary/events/import")
        .and(exact_query(&[
            ("conferenceDataVersion", "0"),
            ("supportsAttachments", "false"),
        ]))
        .and(body_json(serde_json::to_value(&imported).unwrap()))
        .with(json(200, event_json("imp1", "Planning")))
        .await;
    answer(&server, 1, "GET calendars/primary/events/rec1/instances")
        .and(exact_query(&[
            ("timeMin", "2024-05-01T00:00:00Z"),
            ("timeMax", "2024-05-08T00:00:00Z"),
            ("originalStart", "2024-05-01T10:00:00+02:00"),
            ("showDeleted", "true"),
            ("maxResults", "10"),
            ("timeZone", "UTC"),
            ("maxAttendees", "1"),
        ]))
        .with(json(
            200,
            json!({"items": [event_json("rec1_20240501T080000Z", "x")]}),
        ))
        .await;
    let (client, _) = client(&server);
    let events = client.events();
    events
        .move_to("primary", "ev1", "team@group.calendar.google.com")
        .send_updates(SendUpdates::None)
        .send()
        .await
        .unwrap();
    events
        .quick_add("primary", "Lunch with Ana tomorrow 12:30")
        .send_notifications(false)
        .send()
        .await
        .unwrap();
    events
        .import("primary", imported)
        .conference_data_version(0)
        .supports_attachments(false)
        .send()
        .await
        .unwrap();
    let instances = events
        .instances("primary", "rec1")
        .time_min(utc("2024-05-01T00:00:00Z"))
        .time_max(utc("2024-05-08T00:00:00Z"))
        .original_start("2024-05-01T10:00:00+02:00")
        .show_deleted(true)
        .max_results(10)
        .time_zone("UTC")
        .max_attendees(1)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(instances.len(), 1);
}

#[tokio::test]
async fn events_watch_and_channels_stop_send_the_channel() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/events/watch")
        .and(exact_query(&[("singleEvents", "true")]))
        .and(body_json(json!({"id": "chan-1", "type": "web_hook", "address": "https://example.com/hook"}))).with(json(
            200,
            json!({"kind": "api#channel", "id": "chan-1", "resourceId": "res-9", "expiration": "1716192000000"}),
        )).await;
    answer(&server, 1, "POST channels/stop")
        .and(body_json(json!({"id": "chan-1", "resourceId": "res-9"})))
        .with(ResponseTemplate::new(204))
        .await;
    let (client, _) = client(&server);
    let channel = client
        .events()
        .watch(
            "primary",
            Channel::web_hook("chan-1", "https://example.com/hook"),
        )
        .single_events(true)
        .send()
        .await
        .unwrap();
    assert_eq!(channel.expiration, Some(1_716_192_000_000));
    client.channels().stop(&channel).send().await.unwrap();
}

#[tokio::test]
async fn calendar_list_builders_send_googles_shapes() {
    let server = server().await;
    let entry = json!({"kind": "calendar#calendarListEntry", "id": "team@group.calendar.google.com", "summaryOverride": "Team"});
    answer(&server, 1, "GET users/me/calendarList")
        .and(exact_query(&[
            ("maxResults", "50"),
            ("minAccessRole", "writer"),
            ("showDeleted", "true"),
            ("showHidden", "true"),
        ]))
        .with(json(
            200,
            json!({"kind": "calendar#calendarList", "items": [entry.clone()]}),
        ))
        .await;
    answer(
        &server,
        1,
        "GET users/me/calendarList/team@group.calendar.google.com",
    )
    .with(json(200, entry.clone()))
    .await;
    answer(&server, 1, "POST users/me/calendarList")
        .and(exact_query(&[("colorRgbFormat", "true")]))
        .and(body_json(
            json!({"id": "team@group.calendar.google.com", "backgroundColor": "#112233"}),
        ))
        .with(json(200, entry.clone()))
        .await;
    answer(
        &server,
        1,
        "PUT users/me/calendarList/team@group.calendar.google.com",
    )
    .and(body_json(
        json!({"id": "team@group.calendar.google.com", "selected": true}),
    ))
    .with(json(200, entry.clone()))
    .await;
    answer(
        &server,
        1,
        "PATCH users/me/calendarList/team@group.calendar.google.com",
    )
    .and(exact_query(&[("colorRgbFormat", "false")]))
    .and(body_json(json!({"summaryOverride": "Team"})))
    .with(json(200, entry.clone()))
    .await;
    answer(
        &server,
        1,
        "DELETE users/me/calendarList/team@group.calendar.google.com",
    )
    .with(ResponseTemplate::new(204))
    .await;
    let (client, _) = client(&server);
    let list = client.calendar_list();
    let id = "team@group.calendar.google.com";
    let page = list
        .list()
        .max_results(50)
        .min_access_role(AccessRole::Writer)
        .show_deleted(true)
        .show_hidden(true)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items[0].summary_override.as_deref(), Some("Team"));
    list.get(id).send().await.unwrap();
    let mut new_entry = CalendarListEntry::new(id);
    new_entry.background_color = Some("#112233".into());
    list.insert(new_entry)
        .color_rgb_format(true)
        .send()
        .await
        .unwrap();
    let mut selected = CalendarListEntry::new(id);
    selected.selected = Some(true);
    list.update(id, selected).send().await.unwrap();
    let changes = CalendarListEntry {
        summary_override: Some("Team".into()),
        ..CalendarListEntry::default()
    };
    list.patch(id, changes)
        .color_rgb_format(false)
        .send()
        .await
        .unwrap();
    list.delete(id).send().await.unwrap();
}

#[tokio::test]
async fn calendars_builders_send_googles_shapes() {
    let server = server().await;
    let cal = json!({"kind": "calendar#calendar", "id": "c1@group.calendar.google.com", "summary": "Bookings", "timeZone": "Europe/Zurich"});
    answer(&server, 1, "GET calendars/c1@group.calendar.google.com")
        .with(json(200, cal.clone()))
        .await;
    answer(&server, 1, "POST calendars")
        .and(body_json(
            json!({"summary": "Bookings", "timeZone": "Europe/Zurich"}),
        ))
        .with(json(200, cal.clone()))
        .await;
    answer(&server, 1, "PUT calendars/c1@group.calendar.google.com")
        .and(body_json(json!({"summary": "Bookings 2"})))
        .with(json(200, cal.clone()))
        .await;
    answer(&server, 1, "PATCH calendars/c1@group.calendar.google.com")
        .and(body_json(json!({"description": "All bookings"})))
        .with(json(200, cal.clone()))
        .await;
    answer(&server, 1, "DELETE calendars/c1@group.calendar.google.com")
        .with(ResponseTemplate::new(204))
        .await;
    answer(&server, 1, "POST calendars/primary/clear")
        .and(NoBody)
        .with(ResponseTemplate::new(204))
        .await;
    let (client, _) = client(&server);
    let calendars = client.calendars();
    let id = "c1@group.calendar.google.com";
    let got = calendars.get(id).send().await.unwrap();
    assert_eq!(got.time_zone.as_deref(), Some("Europe/Zurich"));
    let mut new = Calendar::new("Bookings");
    new.time_zone = Some("Europe/Zurich".into());
    calendars.insert(new).send().await.unwrap();
    calendars
        .update(id, Calendar::new("Bookings 2"))
        .send()
        .await
        .unwrap();
    let changes = Calendar {
        description: Some("All bookings".into()),
        ..Calendar::default()
    };
    calendars.patch(id, changes).send().await.unwrap();
    calendars.delete(id).send().await.unwrap();
    calendars.clear("primary").send().await.unwrap();
    let mut bad = Calendar::new("x");
    bad.time_zone = Some("Europe/Atlantis".into());
    let err = calendars.insert(bad).send().await.unwrap_err();
    assert_invalid_field(&err, "timeZone");
}

#[tokio::test]
async fn freebusy_and_colors_send_googles_shapes() {
    let server = server().await;
    answer(&server, 1, "POST freeBusy")
        .and(body_json(json!({
            "timeMin": "2024-05-01T00:00:00.000Z",
            "timeMax": "2024-05-02T00:00:00.000Z",
            "items": [{"id": "primary"}, {"id": "bob@example.com"}]
        }))).with(json(
            200,
            json!({
                "kind": "calendar#freeBusy",
                "timeMin": "2024-05-01T00:00:00.000Z",
                "timeMax": "2024-05-02T00:00:00.000Z",
                "calendars": {
                    "primary": {"busy": [{"start": "2024-05-01T08:00:00Z", "end": "2024-05-01T09:00:00Z"}]},
                    "bob@example.com": {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                }
            }),
        )).await;
    answer(&server, 1, "GET colors")
        .with(json(
            200,
            json!({"kind": "calendar#colors", "updated": "2012-02-14T00:00:00.000Z",
                   "calendar": {"1": {"background": "#ac725e", "foreground": "#1d1d1d"}},
                   "event": {"1": {"background": "#a4bdfc", "foreground": "#1d1d1d"}}}),
        ))
        .await;
    let (client, _) = client(&server);
    let answer = client
        .freebusy()
        .query(FreeBusyRequest::new(
            utc("2024-05-01T00:00:00Z"),
            utc("2024-05-02T00:00:00Z"),
            ["primary", "bob@example.com"],
        ))
        .send()
        .await
        .unwrap();
    let calendars = answer.calendars.unwrap();
    assert_eq!(calendars["primary"].busy.as_ref().unwrap().len(), 1);
    assert_eq!(
        calendars["bob@example.com"].errors.as_ref().unwrap()[0]
            .reason
            .as_deref(),
        Some("notFound")
    );
    let colors = client.colors().get().send().await.unwrap();
    assert_eq!(
        colors.event.unwrap()["1"].background.as_deref(),
        Some("#a4bdfc")
    );
}

#[tokio::test]
async fn decode_error_names_the_field_path() {
    let server = server().await;
    let mut items: Vec<serde_json::Value> =
        (0..4).map(|i| event_json(&format!("e{i}"), "x")).collect();
    items[3]["start"]["dateTime"] = json!("next tuesday");
    answer(&server, 1, "GET calendars/primary/events")
        .with(json(
            200,
            json!({"kind": "calendar#events", "items": items}),
        ))
        .await;
    let (client, _) = client(&server);
    let err = client.events().list("primary").send().await.unwrap_err();
    match &err {
        Error::Decode { path, message } => {
            assert_eq!(path, "items[3].start.dateTime");
            assert!(message.contains("next tuesday"), "{message}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}
