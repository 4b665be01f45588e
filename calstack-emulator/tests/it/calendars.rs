use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Harness, USER};

#[tokio::test]
async fn primary_calendar_is_the_account_email() {
    let h = Harness::new().await;
    let list = h.get("users/me/calendarList").await;
    assert_eq!(list.body["kind"], "calendar#calendarList");
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], USER);
    assert_eq!(items[0]["primary"], true);
    assert_eq!(items[0]["accessRole"], "owner");
    assert!(list.body["nextSyncToken"].is_string());
    let cal = h.get("calendars/primary").await;
    assert_eq!(cal.body["id"], USER);
    assert_eq!(cal.body["kind"], "calendar#calendar");
}

#[tokio::test]
async fn secondary_calendar_lifecycle() {
    let h = Harness::new().await;
    let created = h
        .post(
            "calendars",
            json!({"summary": "Clients", "timeZone": "America/New_York"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let missing_summary = h
        .post("calendars", json!({"description": "no title"}))
        .await;
    assert_eq!(missing_summary.reason(), "required");

    let patched = h
        .call(
            Method::PATCH,
            &format!("calendars/{id}"),
            Some(json!({"description": "All clients"})),
        )
        .await;
    assert_eq!(patched.body["summary"], "Clients");
    assert_eq!(patched.body["description"], "All clients");
    let updated = h
        .call(
            Method::PUT,
            &format!("calendars/{id}"),
            Some(json!({"summary": "Customers"})),
        )
        .await;
    assert_eq!(updated.body["summary"], "Customers");
    assert!(updated.body.get("description").is_none());
    assert_eq!(updated.body["timeZone"], "America/New_York");

    let entry = h.get(&format!("users/me/calendarList/{id}")).await;
    assert_eq!(entry.body["summary"], "Customers");
    let entry = h
        .call(
            Method::PATCH,
            &format!("users/me/calendarList/{id}"),
            Some(json!({"summaryOverride": "Mine", "colorId": "7"})),
        )
        .await;
    assert_eq!(entry.body["summaryOverride"], "Mine");
    assert_eq!(entry.body["colorId"], "7");

    let primary_delete = h.call(Method::DELETE, "calendars/primary", None).await;
    assert_eq!(primary_delete.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.call(Method::DELETE, &format!("calendars/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get(&format!("calendars/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = h.get("users/me/calendarList").await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn calendar_list_sync_reports_removed_entries() {
    let h = Harness::new().await;
    let id = h.post("calendars", json!({"summary": "Temp"})).await.body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let full = h.get("users/me/calendarList").await;
    let sync = full.body["nextSyncToken"]
        .as_str()
        .expect("sync")
        .to_owned();
    assert_eq!(
        h.call(Method::DELETE, &format!("users/me/calendarList/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let delta = h
        .get(&format!("users/me/calendarList?syncToken={sync}"))
        .await;
    let items = delta.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["deleted"], true);
}

#[tokio::test]
async fn clear_removes_every_event_of_the_primary_calendar() {
    let h = Harness::new().await;
    h.insert("a", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    h.insert("b", "2024-01-02T10:00:00Z", "2024-01-02T11:00:00Z")
        .await;
    assert_eq!(
        h.call(Method::POST, "calendars/primary/clear", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let (items, _, _) = h.list_all("calendars/primary/events").await;
    assert!(items.is_empty());
}

#[tokio::test]
async fn other_accounts_calendars_are_not_found() {
    let h = Harness::new().await;
    let bob = h
        .emu
        .access_token("bob@example.com", &[calstack_emulator::SCOPE_CALENDAR]);
    let reply = h
        .call_as(
            Some(&bob),
            Method::GET,
            "calendars/user@example.com/events",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

/// Like Google, list pages carry their tokens before `items`, so a client can request the next
/// page before it has decoded this one.
#[tokio::test]
async fn list_pages_write_the_page_token_before_the_items() {
    let h = Harness::new().await;
    for name in ["One", "Two"] {
        h.post("calendars", json!({"summary": name})).await;
    }
    let rule = json!({"role": "reader", "scope": {"type": "user", "value": "bob@example.com"}});
    assert_eq!(
        h.post("calendars/primary/acl", rule).await.status,
        StatusCode::OK
    );
    for path in [
        "users/me/calendarList?maxResults=1",
        "calendars/primary/acl?maxResults=1",
        "users/me/settings?maxResults=1",
    ] {
        let text = h
            .http
            .get(h.url(path))
            .bearer_auth(&h.token)
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body");
        let token = text
            .find("\"nextPageToken\"")
            .unwrap_or_else(|| panic!("{path}: {text}"));
        let items = text
            .find("\"items\"")
            .unwrap_or_else(|| panic!("{path}: {text}"));
        assert!(token < items, "{path}: token after items in {text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(parsed["items"].as_array().map(Vec::len), Some(1), "{path}");
    }
}
