//! Fast listing: pages are decoded in one pass off the async threads (same events, same order,
//! same list-level fields as a plain decode, errors naming the item), and the next page is
//! requested while the current one is still being decoded or used; or undecoded pages for the
//! caller to decode on its own thread.

#![allow(clippy::unwrap_used)]

mod calendar_support;

use std::time::Duration;

use calendar_support::{answer, client, event_json, json, server};
use calstack_core::Error;
use calstack_core::calendar::Events;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::MockServer;
use wiremock::matchers::{query_param, query_param_is_missing};

/// A page of `count` events named `{prefix}{n}`, with the given token field.
fn big_page(prefix: &str, count: usize, token: (&str, &str)) -> Value {
    let items: Vec<Value> = (0..count)
        .map(|n| {
            let mut event = event_json(&format!("{prefix}{n:04}"), &format!("Event {prefix}{n}"));
            event["attendees"] = json!([{"email": format!("guest{n}@example.com")}]);
            event["workingLocationProperties"] = json!({"type": "homeOffice"});
            event
        })
        .collect();
    let mut page = json!({
        "kind": "calendar#events",
        "summary": "Team",
        "timeZone": "Europe/Zurich",
        "accessRole": "owner",
        "nextPageSomethingNew": "kept",
        "items": items,
    });
    page[token.0] = json!(token.1);
    page
}

async fn mount_page(server: &MockServer, token: Option<&str>, body: Value) {
    let answer = answer(server, 1, "GET calendars/primary/events");
    let answer = match token {
        Some(token) => answer.and(query_param("pageToken", token)),
        None => answer.and(query_param_is_missing("pageToken")),
    };
    answer.with(json(200, body)).await;
}

#[tokio::test]
async fn large_pages_decode_to_the_same_events_in_the_same_order() {
    let server = server().await;
    let first = big_page("a", 700, ("nextPageToken", "p2"));
    let second = big_page("b", 513, ("nextSyncToken", "sync-9"));
    mount_page(&server, None, first.clone()).await;
    mount_page(&server, Some("p2"), second.clone()).await;
    let (client, _) = client(&server);

    let pages: Vec<Events> = client
        .events()
        .list("primary")
        .pages()
        .try_collect()
        .await
        .unwrap();

    // What a plain, single-threaded decode of the same bodies gives.
    let expected: Vec<Events> = vec![
        serde_json::from_value(first).unwrap(),
        serde_json::from_value(second).unwrap(),
    ];
    assert_eq!(pages, expected);
    assert_eq!(pages[0].items.len(), 700);
    assert_eq!(pages[0].items[699].id.as_deref(), Some("a0699"));
    assert_eq!(pages[1].next_sync_token.as_deref(), Some("sync-9"));
    assert_eq!(pages[0].summary.as_deref(), Some("Team"));
    assert_eq!(pages[0].extra["nextPageSomethingNew"], json!("kept"));
    assert_eq!(
        pages[1].items[512].extra["workingLocationProperties"],
        json!({"type": "homeOffice"})
    );
}

#[tokio::test]
async fn a_bad_item_in_a_large_page_names_its_index_and_field() {
    let server = server().await;
    let mut page = big_page("a", 600, ("nextSyncToken", "s"));
    page["items"][457]["start"]["dateTime"] = json!("next tuesday");
    mount_page(&server, None, page).await;
    let (client, _) = client(&server);

    let err = client
        .events()
        .list("primary")
        .collect_all()
        .await
        .unwrap_err();
    match err {
        Error::Decode { path, message } => {
            assert_eq!(path, "items[457].start.dateTime");
            assert!(!message.is_empty());
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_item_in_a_small_page_names_its_index_and_field() {
    let server = server().await;
    let mut page = big_page("a", 3, ("nextSyncToken", "s"));
    page["items"][2]["attendees"] = json!("everyone");
    mount_page(&server, None, page).await;
    let (client, _) = client(&server);

    let err = client
        .events()
        .list("primary")
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "items[2].attendees"),
        "{err:?}"
    );
}

/// Waits (up to a generous deadline) until `server` has seen `count` requests.
async fn until_requests(server: &MockServer, count: usize) -> usize {
    for _ in 0..500 {
        let seen = server.received_requests().await.unwrap_or_default().len();
        if seen >= count {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn the_next_page_is_requested_while_the_caller_holds_the_current_one() {
    let server = server().await;
    mount_page(&server, None, big_page("a", 2, ("nextPageToken", "p2"))).await;
    mount_page(
        &server,
        Some("p2"),
        big_page("b", 2, ("nextPageToken", "p3")),
    )
    .await;
    // Never reached: the caller stops after the first page, and only one page is prefetched.
    answer(&server, 0, "GET calendars/primary/events")
        .and(query_param("pageToken", "p3"))
        .with(json(200, big_page("c", 1, ("nextSyncToken", "s"))))
        .await;
    let (client, _) = client(&server);

    let mut pages = Box::pin(client.events().list("primary").pages());
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items[0].id.as_deref(), Some("a0000"));
    // The stream is not polled again, yet page two is on its way.
    assert_eq!(until_requests(&server, 2).await, 2);
    drop(pages);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn pages_as_decodes_each_item_as_the_callers_own_type() {
    #[derive(serde::Deserialize)]
    struct Slim {
        id: String,
        summary: Option<String>,
    }
    let server = server().await;
    mount_page(&server, None, big_page("a", 300, ("nextPageToken", "p2"))).await;
    mount_page(
        &server,
        Some("p2"),
        big_page("b", 2, ("nextSyncToken", "s")),
    )
    .await;
    let (client, _) = client(&server);

    let pages: Vec<calstack_core::calendar::Page<Slim>> = client
        .events()
        .list("primary")
        .pages_as::<Slim>()
        .try_collect()
        .await
        .unwrap();

    let items: Vec<&Slim> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(items.len(), 302);
    assert_eq!(items[301].id, "b0001");
    assert_eq!(items[0].summary.as_deref(), Some("Event a0"));
    assert_eq!(pages[1].next_sync_token.as_deref(), Some("s"));
}

#[tokio::test]
async fn pages_as_refuses_sync_token_companions_like_pages() {
    let server = server().await;
    let (client, _) = client(&server);
    let mut pages = Box::pin(
        client
            .events()
            .list("primary")
            .sync_token("s1")
            .time_min(chrono::Utc::now())
            .pages_as::<Box<calstack_core::Event>>(),
    );
    let err = pages.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn page_bodies_are_decoded_by_the_caller_and_decoding_sends_the_next_request() {
    let server = server().await;
    mount_page(&server, None, big_page("a", 3, ("nextPageToken", "p2"))).await;
    mount_page(
        &server,
        Some("p2"),
        big_page("b", 2, ("nextSyncToken", "s")),
    )
    .await;
    let (client, _) = client(&server);

    let mut bodies = Box::pin(
        client
            .events()
            .list("primary")
            .page_bodies_as::<Box<calstack_core::Event>>(),
    );
    let first = bodies.next().await.unwrap().unwrap();
    // Nothing asks for page two until page one's token has been read.
    tokio::task::yield_now().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let first = first.decode().unwrap();
    assert_eq!(first.items.len(), 3);
    assert_eq!(first.items[0].id.as_deref(), Some("a0000"));
    // Decoding read the token: page two is on its way before the stream is polled again.
    assert_eq!(until_requests(&server, 2).await, 2);
    let second = bodies.next().await.unwrap().unwrap().decode().unwrap();
    assert_eq!(second.items[1].id.as_deref(), Some("b0001"));
    assert_eq!(second.next_sync_token.as_deref(), Some("s"));
    assert!(bodies.next().await.is_none());
}

#[tokio::test]
async fn a_page_body_dropped_undecoded_ends_the_listing_with_an_error() {
    let server = server().await;
    mount_page(&server, None, big_page("a", 1, ("nextPageToken", "p2"))).await;
    let (client, _) = client(&server);

    let mut bodies = Box::pin(
        client
            .events()
            .list("primary")
            .page_bodies_as::<calstack_core::Event>(),
    );
    drop(bodies.next().await.unwrap().unwrap());
    let err = bodies.next().await.unwrap().unwrap_err();
    assert!(matches!(&err, Error::Decode { .. }), "{err:?}");
    assert!(bodies.next().await.is_none());
}
