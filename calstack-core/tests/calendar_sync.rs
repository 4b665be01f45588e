//! Pagination (following nextPageToken past empty pages) and incremental sync (tombstones,
//! nextSyncToken, 410 → SyncTokenExpired, forbidden companions of syncToken), and list windows
//! that end before they start refused before sending.

#![allow(clippy::unwrap_used)]

mod calendar_support;

use calendar_support::{
    answer, assert_invalid_field, client, event_json, exact_query, google_error, json, on, server,
    vector,
};
use calstack_core::Error;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use wiremock::matchers::{query_param, query_param_is_missing};

async fn mount_three_pages(server: &wiremock::MockServer) {
    answer(server, 1, "GET calendars/primary/events")
        .and(query_param_is_missing("pageToken"))
        .and(query_param_is_missing("syncToken"))
        .with(json(
            200,
            json!({"kind": "calendar#events", "nextPageToken": "p2",
                   "items": [event_json("a1", "one"), event_json("a2", "two")]}),
        ))
        .await;
    answer(server, 1, "GET calendars/primary/events")
        .and(query_param("pageToken", "p2"))
        .with(json(
            200,
            json!({"kind": "calendar#events", "nextPageToken": "p3", "items": []}),
        ))
        .await;
    answer(server, 1, "GET calendars/primary/events")
        .and(query_param("pageToken", "p3"))
        .with(json(
            200,
            json!({"kind": "calendar#events", "nextSyncToken": "sync-1",
                   "items": [event_json("a3", "three")]}),
        ))
        .await;
}

#[tokio::test]
async fn stream_follows_next_page_token_past_an_empty_page() {
    let server = server().await;
    mount_three_pages(&server).await;
    let (client, _) = client(&server);
    let ids: Vec<String> = client
        .events()
        .list("primary")
        .stream()
        .map_ok(|e| e.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a1", "a2", "a3"]);
}

#[tokio::test]
async fn pages_yields_every_page_including_the_empty_one() {
    let server = server().await;
    mount_three_pages(&server).await;
    let (client, _) = client(&server);
    let pages: Vec<_> = client
        .events()
        .list("primary")
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [2, 0, 1]);
    assert_eq!(pages[2].next_sync_token.as_deref(), Some("sync-1"));
    assert_eq!(pages[0].next_page_token.as_deref(), Some("p2"));
}

#[tokio::test]
async fn collect_all_keeps_the_other_query_parameters_on_every_page() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events")
        .and(exact_query(&[
            ("singleEvents", "true"),
            ("maxResults", "2"),
        ]))
        .with(json(
            200,
            json!({"nextPageToken": "n", "items": [event_json("x1", "x")]}),
        ))
        .await;
    answer(&server, 1, "GET calendars/primary/events")
        .and(exact_query(&[
            ("singleEvents", "true"),
            ("maxResults", "2"),
            ("pageToken", "n"),
        ]))
        .with(json(200, json!({"items": [event_json("x2", "x")]})))
        .await;
    let (client, _) = client(&server);
    let all = client
        .events()
        .list("primary")
        .single_events(true)
        .max_results(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let server = server().await;
    on("GET calendars/primary/events")
        .and(query_param_is_missing("pageToken"))
        .respond_with(json(
            200,
            json!({"nextPageToken": "gone", "items": [event_json("x1", "x")]}),
        ))
        .mount(&server)
        .await;
    answer(&server, 1, "GET calendars/primary/events")
        .and(query_param("pageToken", "gone"))
        .with(google_error(400, "invalid", "Invalid pageToken"))
        .await;
    let (client, _) = client(&server);
    let results: Vec<_> = client.events().list("primary").stream().collect().await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().status(), Some(400));
}

#[tokio::test]
async fn full_sync_then_incremental_sync_returns_tombstones_and_new_token() {
    let server = server().await;
    mount_three_pages(&server).await;
    answer(&server, 1, "GET calendars/primary/events")
        .and(exact_query(&[("syncToken", "sync-1")]))
        .with(json(200, vector("sync_page_with_cancelled")))
        .await;
    let (client, _) = client(&server);
    let full = client.events().sync("primary", None).await.unwrap();
    assert_eq!(full.items.len(), 3);
    assert_eq!(full.next_sync_token, "sync-1");
    let delta = client
        .events()
        .sync("primary", Some(&full.next_sync_token))
        .await
        .unwrap();
    assert_eq!(delta.items.len(), 2);
    assert!(delta.items.iter().all(|e| e.is_cancelled()));
    assert_eq!(
        delta.items[1].recurring_event_id.as_deref(),
        Some("r5u0b2d4f6h8j0l2n4p6")
    );
    assert_eq!(
        delta.next_sync_token,
        "CKCbrvbwk4YDEKCbrvbwk4YDGAUgwK6fsgI="
    );
}

#[tokio::test]
async fn expired_sync_token_gives_sync_token_expired_without_retrying() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events")
        .and(query_param("syncToken", "old"))
        .with(json(410, vector("error_410_fullSyncRequired")))
        .await;
    let (client, clock) = client(&server);
    let err = client
        .events()
        .sync("primary", Some("old"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SyncTokenExpired), "{err:?}");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn parameters_google_forbids_with_sync_token_are_refused_before_sending() {
    let server = server().await;
    let (client, _) = client(&server);
    let t = chrono::Utc::now();
    let cases: Vec<(&str, calstack_core::calendar::api::ListEvents)> = vec![
        (
            "timeMin",
            client.events().list("primary").sync_token("s").time_min(t),
        ),
        (
            "timeMax",
            client.events().list("primary").sync_token("s").time_max(t),
        ),
        (
            "updatedMin",
            client
                .events()
                .list("primary")
                .sync_token("s")
                .updated_min(t),
        ),
        ("q", client.events().list("primary").sync_token("s").q("x")),
        (
            "iCalUID",
            client
                .events()
                .list("primary")
                .sync_token("s")
                .ical_uid("u"),
        ),
        (
            "orderBy",
            client
                .events()
                .list("primary")
                .sync_token("s")
                .order_by(calstack_core::calendar::OrderBy::Updated),
        ),
        (
            "privateExtendedProperty",
            client
                .events()
                .list("primary")
                .sync_token("s")
                .private_extended_property("a", "b"),
        ),
        (
            "sharedExtendedProperty",
            client
                .events()
                .list("primary")
                .sync_token("s")
                .shared_extended_property("a", "b"),
        ),
    ];
    for (name, list) in cases {
        let err = list.clone().send().await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field, .. } if field == name),
            "{name}: {err}"
        );
        let first = list.stream().next().await.unwrap();
        assert!(matches!(first, Err(Error::Validation { .. })), "{name}");
    }
    let err = client
        .calendar_list()
        .list()
        .sync_token("s")
        .min_access_role(calstack_core::calendar::AccessRole::Reader)
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "minAccessRole");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_list_window_ending_before_it_starts_is_refused_naming_time_max_before_sending() {
    let server = server().await;
    let (client, _) = client(&server);
    let start = chrono::Utc::now();
    let windows = [(start, start), (start, start - chrono::Duration::hours(1))];
    for (min, max) in windows {
        let list = client.events().list("primary").time_min(min).time_max(max);
        assert_invalid_field(&list.check().unwrap_err(), "timeMax");
        assert_invalid_field(&list.clone().send().await.unwrap_err(), "timeMax");
        let first = list.clone().pages().next().await.unwrap().unwrap_err();
        assert_invalid_field(&first, "timeMax");
        let first = list.stream().next().await.unwrap().unwrap_err();
        assert_invalid_field(&first, "timeMax");

        let instances = client
            .events()
            .instances("primary", "e1")
            .time_min(min)
            .time_max(max);
        assert_invalid_field(&instances.check().unwrap_err(), "timeMax");
        assert_invalid_field(&instances.clone().send().await.unwrap_err(), "timeMax");
        let all = instances.collect_all().await.unwrap_err();
        assert_invalid_field(&all, "timeMax");
    }
    let one_second = client
        .events()
        .list("primary")
        .time_min(start)
        .time_max(start + chrono::Duration::seconds(1));
    assert!(one_second.check().is_ok());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn calendar_list_sync_returns_deleted_entries_and_token() {
    let server = server().await;
    answer(&server, 1, "GET users/me/calendarList")
        .and(exact_query(&[("syncToken", "cl-1")]))
        .with(json(
            200,
            json!({"kind": "calendar#calendarList", "nextPageToken": "cp2",
                   "items": [{"id": "gone@group.calendar.google.com", "deleted": true}]}),
        ))
        .await;
    answer(&server, 1, "GET users/me/calendarList")
        .and(exact_query(&[("syncToken", "cl-1"), ("pageToken", "cp2")]))
        .with(json(
            200,
            json!({"kind": "calendar#calendarList", "nextSyncToken": "cl-2",
                   "items": [{"id": "new@group.calendar.google.com", "summary": "New"}]}),
        ))
        .await;
    let (client, _) = client(&server);
    let delta = client.calendar_list().sync(Some("cl-1")).await.unwrap();
    assert_eq!(delta.items.len(), 2);
    assert_eq!(delta.items[0].deleted, Some(true));
    assert_eq!(delta.next_sync_token, "cl-2");
}

#[tokio::test]
async fn sync_without_a_final_token_is_a_decode_error() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events")
        .with(json(200, json!({"items": []})))
        .await;
    let (client, _) = client(&server);
    let err = client.events().sync("primary", None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "nextSyncToken"),
        "{err}"
    );
}
