use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn incremental_sync_returns_changes_and_tombstones() {
    let h = Harness::new().await;
    let keep = h
        .insert("keep", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    let gone = h
        .insert("gone", "2024-01-02T10:00:00Z", "2024-01-02T11:00:00Z")
        .await;
    let (items, sync, _) = h.list_all("calendars/primary/events?maxResults=1").await;
    assert_eq!(items.len(), 2);
    let sync = sync.expect("sync token");

    let unchanged = h
        .get(&format!("calendars/primary/events?syncToken={sync}"))
        .await;
    assert_eq!(unchanged.body["items"], json!([]));
    assert!(unchanged.body["nextSyncToken"].is_string());

    let gone_id = gone["id"].as_str().expect("id");
    h.call(
        Method::DELETE,
        &format!("calendars/primary/events/{gone_id}"),
        None,
    )
    .await;
    let keep_id = keep["id"].as_str().expect("id");
    h.call(
        Method::PATCH,
        &format!("calendars/primary/events/{keep_id}"),
        Some(json!({"summary": "kept"})),
    )
    .await;
    let added = h
        .insert("new", "2024-01-03T10:00:00Z", "2024-01-03T11:00:00Z")
        .await;

    let (changes, next, _) = h
        .list_all(&format!(
            "calendars/primary/events?syncToken={sync}&maxResults=1"
        ))
        .await;
    assert_eq!(changes.len(), 3);
    let tombstone = changes
        .iter()
        .find(|c| c["id"] == gone["id"])
        .expect("tombstone");
    assert_eq!(tombstone["status"], "cancelled");
    assert!(
        tombstone.get("summary").is_none(),
        "tombstones carry only ids"
    );
    assert!(changes.iter().any(|c| c["id"] == added["id"]));
    assert!(changes.iter().any(|c| c["summary"] == "kept"));
    let next = next.expect("next sync token");
    let (none, _, _) = h
        .list_all(&format!("calendars/primary/events?syncToken={next}"))
        .await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn changes_made_while_paging_reach_the_next_sync() {
    let h = Harness::new().await;
    h.insert("a", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    h.insert("b", "2024-01-02T10:00:00Z", "2024-01-02T11:00:00Z")
        .await;
    let first = h.get("calendars/primary/events?maxResults=1").await;
    let page = first.body["nextPageToken"]
        .as_str()
        .expect("more")
        .to_owned();
    let late = h
        .insert("late", "2024-01-03T10:00:00Z", "2024-01-03T11:00:00Z")
        .await;
    let mut next = Some(page);
    let mut sync = None;
    while let Some(page) = next.take() {
        let reply = h
            .get(&format!(
                "calendars/primary/events?maxResults=1&pageToken={page}"
            ))
            .await;
        next = reply.body["nextPageToken"].as_str().map(str::to_owned);
        sync = reply.body["nextSyncToken"].as_str().map(str::to_owned);
    }
    let (changes, _, _) = h
        .list_all(&format!(
            "calendars/primary/events?syncToken={}",
            sync.expect("sync")
        ))
        .await;
    assert!(
        changes.iter().any(|c| c["id"] == late["id"]),
        "an insert during the full sync is not lost"
    );
}

#[tokio::test]
async fn sync_token_rejects_restricting_parameters() {
    let h = Harness::new().await;
    let (_, sync, _) = h.list_all("calendars/primary/events").await;
    let sync = sync.expect("sync");
    for extra in [
        "timeMin=2024-01-01T00:00:00Z",
        "q=x",
        "orderBy=updated",
        "iCalUID=x",
        "updatedMin=2024-01-01T00:00:00Z",
    ] {
        let reply = h
            .get(&format!(
                "calendars/primary/events?syncToken={sync}&{extra}"
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{extra} must be rejected with syncToken"
        );
    }
}

#[tokio::test]
async fn expired_sync_token_gives_410_full_sync_required() {
    let h = Harness::new().await;
    let (_, sync, _) = h.list_all("calendars/primary/events").await;
    h.emu.expire_sync_tokens(None);
    let reply = h
        .get(&format!(
            "calendars/primary/events?syncToken={}",
            sync.expect("sync")
        ))
        .await;
    assert_eq!(reply.status, StatusCode::GONE);
    assert_eq!(reply.reason(), "fullSyncRequired");
    assert_eq!(reply.body["error"]["errors"][0]["location"], "syncToken");
    let (_, fresh, _) = h.list_all("calendars/primary/events").await;
    let reply = h
        .get(&format!(
            "calendars/primary/events?syncToken={}",
            fresh.expect("sync")
        ))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "a new full sync yields a working token"
    );
}

#[tokio::test]
async fn short_pages_still_reach_every_item() {
    let h = Harness::new().await;
    for n in 0..7 {
        h.insert(
            &format!("e{n}"),
            "2024-01-01T10:00:00Z",
            "2024-01-01T11:00:00Z",
        )
        .await;
    }
    h.emu.set_page_cap(Some(2));
    let (items, sync, pages) = h.list_all("calendars/primary/events?maxResults=250").await;
    assert_eq!((items.len(), pages), (7, 4));
    assert!(sync.is_some());
}
