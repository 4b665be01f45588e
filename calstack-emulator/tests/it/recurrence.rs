use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Harness;

async fn standup(h: &Harness) -> Value {
    let reply = h
        .post(
            "calendars/primary/events",
            json!({
                "id": "r5u0b2d4f6h8j0l2n4p6",
                "summary": "Team standup",
                "start": {"dateTime": "2024-04-01T09:00:00-04:00", "timeZone": "America/New_York"},
                "end": {"dateTime": "2024-04-01T09:15:00-04:00", "timeZone": "America/New_York"},
                "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20240630T035959Z",
                               "EXDATE;TZID=America/New_York:20240506T090000"]
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|i| i["id"].as_str()).collect()
}

#[tokio::test]
async fn single_events_expands_rrule_with_exdate_and_google_instance_ids() {
    let h = Harness::new().await;
    standup(&h).await;
    let (items, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true&orderBy=startTime&timeMin=2024-05-05T00:00:00Z&timeMax=2024-05-14T00:00:00Z")
        .await;
    assert_eq!(
        ids(&items),
        [
            "r5u0b2d4f6h8j0l2n4p6_20240508T130000Z",
            "r5u0b2d4f6h8j0l2n4p6_20240513T130000Z"
        ]
    );
    assert_eq!(items[0]["recurringEventId"], "r5u0b2d4f6h8j0l2n4p6");
    assert_eq!(items[0]["start"]["dateTime"], "2024-05-08T09:00:00-04:00");
    assert_eq!(
        items[0]["originalStartTime"]["dateTime"],
        "2024-05-08T09:00:00-04:00"
    );
    assert!(items[0].get("recurrence").is_none());

    let (masters, _, _) = h.list_all("calendars/primary/events").await;
    assert_eq!(
        ids(&masters),
        ["r5u0b2d4f6h8j0l2n4p6"],
        "without singleEvents the master is listed"
    );
}

#[tokio::test]
async fn order_by_start_time_requires_single_events() {
    let h = Harness::new().await;
    let reply = h.get("calendars/primary/events?orderBy=startTime").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn order_by_start_time_sorts_across_series_and_singles() {
    let h = Harness::new().await;
    standup(&h).await;
    h.insert("Between", "2024-04-02T12:00:00Z", "2024-04-02T13:00:00Z")
        .await;
    let (items, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true&orderBy=startTime&maxResults=1&timeMax=2024-04-04T00:00:00Z")
        .await;
    let names: Vec<&str> = items
        .iter()
        .filter_map(|i| i["id"].as_str().or(i["summary"].as_str()))
        .collect();
    assert_eq!(names.len(), 3);
    assert_eq!(items[1]["summary"], "Between");
}

#[tokio::test]
async fn instances_exceptions_and_cancelled_instances() {
    let h = Harness::new().await;
    standup(&h).await;
    let all = h
        .get("calendars/primary/events/r5u0b2d4f6h8j0l2n4p6/instances?maxResults=2500")
        .await;
    assert_eq!(all.body["items"].as_array().expect("items").len(), 25);

    let moved = h
        .call(
            Method::PATCH,
            "calendars/primary/events/r5u0b2d4f6h8j0l2n4p6_20240513T130000Z",
            Some(json!({"summary": "Team standup (moved)",
                        "start": {"dateTime": "2024-05-13T10:00:00-04:00", "timeZone": "America/New_York"},
                        "end": {"dateTime": "2024-05-13T10:15:00-04:00", "timeZone": "America/New_York"}})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["recurringEventId"], "r5u0b2d4f6h8j0l2n4p6");
    assert_eq!(
        moved.body["originalStartTime"]["dateTime"],
        "2024-05-13T09:00:00-04:00"
    );

    let deleted = h
        .call(
            Method::DELETE,
            "calendars/primary/events/r5u0b2d4f6h8j0l2n4p6_20240515T130000Z",
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let (items, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true&timeMin=2024-05-12T00:00:00Z&timeMax=2024-05-17T00:00:00Z")
        .await;
    assert_eq!(
        items.len(),
        1,
        "the cancelled instance is hidden: {items:?}"
    );
    assert_eq!(items[0]["summary"], "Team standup (moved)");

    let instance = h
        .get("calendars/primary/events/r5u0b2d4f6h8j0l2n4p6_20240520T130000Z")
        .await;
    assert_eq!(instance.status, StatusCode::OK);
    let not_an_instance = h
        .get("calendars/primary/events/r5u0b2d4f6h8j0l2n4p6_20240521T130000Z")
        .await;
    assert_eq!(not_an_instance.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn recurring_event_needs_a_time_zone_and_valid_rule() {
    let h = Harness::new().await;
    let no_zone = h
        .post(
            "calendars/primary/events",
            json!({"start": {"dateTime": "2024-04-01T09:00:00Z"}, "end": {"dateTime": "2024-04-01T10:00:00Z"},
                   "recurrence": ["RRULE:FREQ=DAILY"]}),
        )
        .await;
    assert_eq!(no_zone.status, StatusCode::BAD_REQUEST);
    let bad_rule = h
        .post(
            "calendars/primary/events",
            json!({"start": {"dateTime": "2024-04-01T09:00:00Z", "timeZone": "UTC"},
                   "end": {"dateTime": "2024-04-01T10:00:00Z", "timeZone": "UTC"},
                   "recurrence": ["RRULE:FREQ=SOMETIMES"]}),
        )
        .await;
    assert_eq!(bad_rule.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn all_day_series_with_rdate_uses_date_instance_ids() {
    let h = Harness::new().await;
    let reply = h
        .post(
            "calendars/primary/events",
            json!({"id": "vacation01", "summary": "Day off", "start": {"date": "2024-07-01"}, "end": {"date": "2024-07-02"},
                   "recurrence": ["RRULE:FREQ=MONTHLY;COUNT=2", "RDATE;VALUE=DATE:20240715"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (items, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true&orderBy=startTime")
        .await;
    assert_eq!(
        ids(&items),
        [
            "vacation01_20240701",
            "vacation01_20240715",
            "vacation01_20240801"
        ]
    );
    assert_eq!(items[1]["start"], json!({"date": "2024-07-15"}));
}

#[tokio::test]
async fn deleting_the_master_removes_the_series() {
    let h = Harness::new().await;
    standup(&h).await;
    assert_eq!(
        h.call(
            Method::DELETE,
            "calendars/primary/events/r5u0b2d4f6h8j0l2n4p6",
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let (items, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true")
        .await;
    assert!(items.is_empty());
}

#[tokio::test]
async fn all_day_series_instances_keep_their_dates_in_a_zone_east_of_utc() {
    let h = Harness::new().await;
    let cal = h
        .post(
            "calendars",
            json!({"summary": "Zurich team", "timeZone": "Europe/Zurich"}),
        )
        .await;
    let cal_id = cal.body["id"].as_str().expect("calendar id").to_owned();
    let reply = h
        .post(
            &format!("calendars/{cal_id}/events"),
            json!({
                "id": "focus12345",
                "summary": "Focus day",
                "start": {"date": "2026-03-20"},
                "end": {"date": "2026-03-21"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"]
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (items, _, _) = h
        .list_all(&format!(
            "calendars/{cal_id}/events?singleEvents=true&timeMin=2026-03-01T00:00:00Z&timeMax=2026-05-01T00:00:00Z"
        ))
        .await;
    let days: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap_or(""),
                i["start"]["date"].as_str().unwrap_or(""),
                i["end"]["date"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The series crosses the DST change of 29 March: every instance still lasts one day.
    assert_eq!(
        days,
        [
            ("focus12345_20260320", "2026-03-20", "2026-03-21"),
            ("focus12345_20260327", "2026-03-27", "2026-03-28"),
            ("focus12345_20260403", "2026-04-03", "2026-04-04"),
        ]
    );
    assert_eq!(items[1]["originalStartTime"]["date"], "2026-03-27");
}

#[tokio::test]
async fn an_instance_moved_into_the_window_is_listed_by_its_new_time() {
    let h = Harness::new().await;
    standup(&h).await;
    // Move the 6 May instance to 13 May 15:00 New York time.
    let moved = h
        .call(
            Method::PATCH,
            "calendars/primary/events/r5u0b2d4f6h8j0l2n4p6_20240508T130000Z",
            Some(json!({
                "start": {"dateTime": "2024-05-13T15:00:00-04:00", "timeZone": "America/New_York"},
                "end": {"dateTime": "2024-05-13T15:15:00-04:00", "timeZone": "America/New_York"}
            })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let (items, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true&timeMin=2024-05-13T00:00:00Z&timeMax=2024-05-14T00:00:00Z")
        .await;
    assert_eq!(
        ids(&items),
        [
            "r5u0b2d4f6h8j0l2n4p6_20240508T130000Z",
            "r5u0b2d4f6h8j0l2n4p6_20240513T130000Z"
        ],
        "the moved instance is listed where it now is"
    );
    let (busy, _, _) = h
        .list_all("calendars/primary/events?singleEvents=true&timeMin=2024-05-08T00:00:00Z&timeMax=2024-05-09T00:00:00Z")
        .await;
    assert!(busy.is_empty(), "and no longer where it was: {busy:?}");
}
