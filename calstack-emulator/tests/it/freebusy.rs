//! `freeBusy.query`: which events block time (not cancelled, transparent or declined by the
//! calendar's owner), merged and clipped to the window, and unknown calendars reported.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Harness, USER};

#[tokio::test]
async fn freebusy_merges_busy_time_and_skips_transparent_events() {
    let h = Harness::new().await;
    h.insert("A", "2024-05-01T09:00:00Z", "2024-05-01T10:00:00Z")
        .await;
    h.insert("B", "2024-05-01T09:30:00Z", "2024-05-01T11:00:00Z")
        .await;
    h.post(
        "calendars/primary/events",
        json!({"summary": "free", "transparency": "transparent",
               "start": {"dateTime": "2024-05-01T13:00:00Z"}, "end": {"dateTime": "2024-05-01T14:00:00Z"}}),
    )
    .await;
    let reply = h
        .post(
            "freeBusy",
            json!({"timeMin": "2024-05-01T00:00:00Z", "timeMax": "2024-05-02T00:00:00Z",
                   "items": [{"id": "primary"}, {"id": "nobody@nowhere.example"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["kind"], "calendar#freeBusy");
    assert_eq!(
        reply.body["calendars"]["primary"]["busy"],
        json!([{"start": "2024-05-01T09:00:00Z", "end": "2024-05-01T11:00:00Z"}])
    );
    assert_eq!(
        reply.body["calendars"]["nobody@nowhere.example"]["errors"][0]["reason"],
        "notFound"
    );
}

/// The busy intervals `freeBusy` reports for the primary calendar on 1 May 2024.
async fn primary_busy(h: &Harness) -> Value {
    let reply = h
        .post(
            "freeBusy",
            json!({"timeMin": "2024-05-01T00:00:00Z", "timeMax": "2024-05-02T00:00:00Z",
                   "items": [{"id": "primary"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["calendars"]["primary"]["busy"].clone()
}

/// Inserts an event on the primary calendar from 1 May 2024 `start` to `end` (UTC hours)
/// with `attendees`; returns the stored event.
async fn insert_with(h: &Harness, start: u32, end: u32, attendees: Value) -> Value {
    let reply = h
        .post(
            "calendars/primary/events",
            json!({"summary": "meeting", "attendees": attendees,
                   "start": {"dateTime": format!("2024-05-01T{start:02}:00:00Z")},
                   "end": {"dateTime": format!("2024-05-01T{end:02}:00:00Z")}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn freebusy_skips_events_the_owner_declined_but_not_others_declines() {
    let h = Harness::new().await;
    let other = "guest@elsewhere.example";
    let owner_declined = insert_with(
        &h,
        9,
        10,
        json!([{"email": USER, "responseStatus": "declined"},
               {"email": other, "responseStatus": "accepted"}]),
    )
    .await;
    insert_with(
        &h,
        11,
        12,
        json!([{"email": USER.to_uppercase(), "responseStatus": "declined"}]),
    )
    .await;
    insert_with(
        &h,
        13,
        14,
        json!([{"email": USER, "responseStatus": "accepted"},
               {"email": other, "responseStatus": "declined"}]),
    )
    .await;
    let guest_marked_self = insert_with(
        &h,
        15,
        16,
        json!([{"email": other, "self": true, "responseStatus": "declined"}]),
    )
    .await;
    assert_eq!(
        primary_busy(&h).await,
        json!([{"start": "2024-05-01T13:00:00Z", "end": "2024-05-01T14:00:00Z"},
               {"start": "2024-05-01T15:00:00Z", "end": "2024-05-01T16:00:00Z"}]),
        "the owner's declines (any case) are free; a guest's are not, even marked self"
    );
    let attendees = &owner_declined["attendees"];
    assert_eq!(
        attendees[0]["self"], true,
        "the calendar's attendee is marked self"
    );
    assert!(
        attendees[1].get("self").is_none(),
        "a guest is not self: {attendees}"
    );
    let guest = &guest_marked_self["attendees"][0];
    assert!(
        guest.get("self").is_none(),
        "self is read-only, a client's is dropped: {guest}"
    );
}

#[tokio::test]
async fn freebusy_follows_the_owners_answer_as_it_changes() {
    let h = Harness::new().await;
    let event = insert_with(
        &h,
        9,
        10,
        json!([{"email": USER, "responseStatus": "needsAction"}]),
    )
    .await;
    let busy = json!([{"start": "2024-05-01T09:00:00Z", "end": "2024-05-01T10:00:00Z"}]);
    assert_eq!(primary_busy(&h).await, busy, "not yet answered: busy");
    let id = event["id"].as_str().expect("an id");
    let answer = |status: &str| json!({"attendees": [{"email": USER, "responseStatus": status}]});
    let path = format!("calendars/primary/events/{id}");
    let patched = h
        .call(reqwest::Method::PATCH, &path, Some(answer("declined")))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(primary_busy(&h).await, json!([]), "declined: free");
    h.call(reqwest::Method::PATCH, &path, Some(answer("accepted")))
        .await;
    assert_eq!(primary_busy(&h).await, busy, "accepted again: busy");
}

#[tokio::test]
async fn freebusy_skips_cancelled_events_and_series_the_owner_declined() {
    let h = Harness::new().await;
    let gone = h
        .insert("gone", "2024-05-01T09:00:00Z", "2024-05-01T10:00:00Z")
        .await;
    let id = gone["id"].as_str().expect("an id");
    let deleted = h
        .call(
            reqwest::Method::DELETE,
            &format!("calendars/primary/events/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let series = |summary: &str, hour: u32, status: &str| {
        json!({"summary": summary, "recurrence": ["RRULE:FREQ=HOURLY;COUNT=2"],
               "attendees": [{"email": USER, "responseStatus": status}],
               "start": {"dateTime": format!("2024-05-01T{hour:02}:00:00Z"), "timeZone": "UTC"},
               "end": {"dateTime": format!("2024-05-01T{hour:02}:30:00Z"), "timeZone": "UTC"}})
    };
    for body in [
        series("declined series", 11, "declined"),
        series("kept series", 14, "accepted"),
    ] {
        let reply = h.post("calendars/primary/events", body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert_eq!(
        primary_busy(&h).await,
        json!([{"start": "2024-05-01T14:00:00Z", "end": "2024-05-01T14:30:00Z"},
               {"start": "2024-05-01T15:00:00Z", "end": "2024-05-01T15:30:00Z"}])
    );
}
