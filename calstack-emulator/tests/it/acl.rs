use calstack_emulator::SCOPE_CALENDAR;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Harness, USER};

const BOB: &str = "bob@example.com";

fn rule(role: &str, email: &str) -> Value {
    json!({"role": role, "scope": {"type": "user", "value": email}})
}

/// An event body for 2024-05-14 09:00–10:00 UTC.
fn new_event(summary: &str) -> Value {
    json!({"summary": summary, "start": {"dateTime": "2024-05-14T09:00:00Z"}, "end": {"dateTime": "2024-05-14T10:00:00Z"}})
}

/// A harness plus a token for Bob, who exists in the emulator.
async fn with_bob() -> (Harness, String) {
    let h = Harness::new().await;
    let bob = h.emu.access_token(BOB, &[SCOPE_CALENDAR]);
    (h, bob)
}

/// A call by `token` under `calendars/{USER}/`.
async fn on_users_calendar(
    h: &Harness,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> crate::common::Reply {
    h.call_as(
        Some(token),
        method,
        &format!("calendars/{USER}/{path}"),
        body,
    )
    .await
}

fn ids(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect()
}

#[tokio::test]
async fn every_calendar_starts_with_its_owner_rule() {
    let h = Harness::new().await;
    let list = h.get("calendars/primary/acl").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["kind"], "calendar#acl");
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "calendar#aclRule");
    assert_eq!(items[0]["id"], format!("user:{USER}"));
    assert_eq!(items[0]["role"], "owner");
    assert_eq!(items[0]["scope"], json!({"type": "user", "value": USER}));
    assert!(items[0]["etag"].is_string());
    assert!(list.body["nextSyncToken"].is_string());

    let one = h.get(&format!("calendars/primary/acl/user:{USER}")).await;
    assert_eq!(one.body["role"], "owner");
    assert_eq!(
        one.headers["etag"],
        one.body["etag"].as_str().expect("etag")
    );
}

#[tokio::test]
async fn granting_reader_shares_the_calendar_and_deleting_revokes_it() {
    let (h, bob) = with_bob().await;
    h.insert("Standup", "2024-05-13T09:00:00Z", "2024-05-13T09:15:00Z")
        .await;
    let granted = h.post("calendars/primary/acl", rule("reader", BOB)).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert_eq!(granted.body["id"], format!("user:{BOB}"));
    assert_eq!(granted.body["role"], "reader");

    let list = h
        .call_as(Some(&bob), Method::GET, "users/me/calendarList", None)
        .await;
    let shared = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["id"] == USER)
        .expect("the shared calendar is on Bob's list");
    assert_eq!(shared["accessRole"], "reader");
    let sync = list.body["nextSyncToken"]
        .as_str()
        .expect("sync")
        .to_owned();

    let events = on_users_calendar(&h, &bob, Method::GET, "events", None).await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.body);
    assert_eq!(events.body["accessRole"], "reader");
    assert_eq!(events.body["items"][0]["summary"], "Standup");
    let write = on_users_calendar(&h, &bob, Method::POST, "events", Some(new_event("x"))).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    assert_eq!(write.reason(), "requiredAccessLevel");

    let deleted = h
        .call(
            Method::DELETE,
            &format!("calendars/primary/acl/user:{BOB}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = on_users_calendar(&h, &bob, Method::GET, "events", None).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    assert_eq!(after.reason(), "notFound");
    let list = h
        .call_as(Some(&bob), Method::GET, "users/me/calendarList", None)
        .await;
    assert!(!ids(&list.body).contains(&USER));
    let delta = h
        .call_as(
            Some(&bob),
            Method::GET,
            &format!("users/me/calendarList?syncToken={sync}"),
            None,
        )
        .await;
    assert_eq!(delta.body["items"][0]["id"], USER);
    assert_eq!(delta.body["items"][0]["deleted"], true);
}

#[tokio::test]
async fn writer_can_add_events_and_patching_the_role_changes_access() {
    let (h, bob) = with_bob().await;
    h.post("calendars/primary/acl", rule("writer", BOB)).await;
    let event = new_event("From Bob");
    let write = on_users_calendar(&h, &bob, Method::POST, "events", Some(event.clone())).await;
    assert_eq!(write.status, StatusCode::OK, "{}", write.body);
    let (items, _, _) = h.list_all("calendars/primary/events").await;
    assert_eq!(items[0]["summary"], "From Bob");

    let patched = h
        .call(
            Method::PATCH,
            &format!("calendars/primary/acl/user:{BOB}"),
            Some(json!({"role": "reader"})),
        )
        .await;
    assert_eq!(patched.body["role"], "reader");
    let entry = h
        .call_as(
            Some(&bob),
            Method::GET,
            &format!("users/me/calendarList/{USER}"),
            None,
        )
        .await;
    assert_eq!(entry.body["accessRole"], "reader");
    let refused = on_users_calendar(&h, &bob, Method::POST, "events", Some(event)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn free_busy_reader_gets_free_busy_but_not_events() {
    let (h, bob) = with_bob().await;
    h.insert("Private", "2024-05-13T09:00:00Z", "2024-05-13T10:00:00Z")
        .await;
    h.post("calendars/primary/acl", rule("freeBusyReader", BOB))
        .await;
    let events = on_users_calendar(&h, &bob, Method::GET, "events", None).await;
    assert_eq!(events.status, StatusCode::FORBIDDEN);
    let one = on_users_calendar(&h, &bob, Method::GET, "acl", None).await;
    assert_eq!(one.status, StatusCode::FORBIDDEN);
    let busy = h
        .call_as(
            Some(&bob),
            Method::POST,
            "freeBusy",
            Some(json!({"timeMin": "2024-05-13T00:00:00Z", "timeMax": "2024-05-14T00:00:00Z", "items": [{"id": USER}]})),
        )
        .await;
    assert_eq!(
        busy.body["calendars"][USER]["busy"],
        json!([{"start": "2024-05-13T09:00:00Z", "end": "2024-05-13T10:00:00Z"}])
    );
}

#[tokio::test]
async fn only_owners_may_read_or_change_the_acl() {
    let (h, bob) = with_bob().await;
    // No access at all: the calendar does not exist for Bob.
    let hidden = on_users_calendar(&h, &bob, Method::GET, "acl", None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    h.post("calendars/primary/acl", rule("writer", BOB)).await;
    let list = on_users_calendar(&h, &bob, Method::GET, "acl", None).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    assert_eq!(list.reason(), "forbidden");
    assert_eq!(list.body["error"]["code"], 403);
    let grant = on_users_calendar(
        &h,
        &bob,
        Method::POST,
        "acl",
        Some(rule("owner", "carol@example.com")),
    )
    .await;
    assert_eq!(grant.status, StatusCode::FORBIDDEN);
    let remove_owner =
        on_users_calendar(&h, &bob, Method::DELETE, &format!("acl/user:{USER}"), None).await;
    assert_eq!(remove_owner.status, StatusCode::FORBIDDEN);

    // An owner may manage the ACL, but not lower their own access.
    h.call(
        Method::PUT,
        &format!("calendars/primary/acl/user:{BOB}"),
        Some(rule("owner", BOB)),
    )
    .await;
    let listed = on_users_calendar(&h, &bob, Method::GET, "acl", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let own = on_users_calendar(
        &h,
        &bob,
        Method::PATCH,
        &format!("acl/user:{BOB}"),
        Some(json!({"role": "reader"})),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(own.reason(), "cannotChangeOwnAcl");
}

#[tokio::test]
async fn bad_rules_are_rejected_naming_the_field() {
    let h = Harness::new().await;
    let cases = [
        (json!({"role": "reader"}), "required", "scope"),
        (
            json!({"role": "reader", "scope": {"value": "a@example.com"}}),
            "required",
            "scope.type",
        ),
        (
            json!({"role": "reader", "scope": {"type": "user"}}),
            "required",
            "scope.value",
        ),
        (
            json!({"role": "reader", "scope": {"type": "planet", "value": "x"}}),
            "invalid",
            "scope.type",
        ),
        (
            json!({"role": "admin", "scope": {"type": "user", "value": "a@example.com"}}),
            "invalid",
            "role",
        ),
        (
            json!({"scope": {"type": "user", "value": "a@example.com"}}),
            "required",
            "role",
        ),
        (
            json!({"role": "reader", "scope": {"type": "user", "value": "not-an-email"}}),
            "invalid",
            "scope.value",
        ),
    ];
    for (body, reason, field) in cases {
        let reply = h.post("calendars/primary/acl", body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.reason(), reason, "{body}");
        let message = reply.body["error"]["message"].as_str().expect("message");
        assert!(message.contains(field), "{message} should name {field}");
    }
    let missing = h.get("calendars/primary/acl/user:nobody@example.com").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let no_calendar = h.get("calendars/nope@group.calendar.google.com/acl").await;
    assert_eq!(no_calendar.status, StatusCode::NOT_FOUND);
    let rescope = h
        .call(
            Method::PUT,
            &format!("calendars/primary/acl/user:{USER}"),
            Some(rule("owner", "other@example.com")),
        )
        .await;
    assert_eq!(rescope.reason(), "invalid");
}

#[tokio::test]
async fn default_rule_is_public_and_domain_rule_covers_the_domain() {
    let (h, bob) = with_bob().await;
    let public = h
        .post(
            "calendars/primary/acl",
            json!({"role": "reader", "scope": {"type": "default"}}),
        )
        .await;
    assert_eq!(public.body["id"], "default");
    assert!(public.body["scope"].get("value").is_none());
    let read = on_users_calendar(&h, &bob, Method::GET, "events", None).await;
    assert_eq!(read.status, StatusCode::OK);

    let domain = h
        .post(
            "calendars/primary/acl",
            json!({"role": "writer", "scope": {"type": "domain", "value": "example.com"}}),
        )
        .await;
    assert_eq!(domain.body["id"], "domain:example.com");
    let write = on_users_calendar(&h, &bob, Method::POST, "events", Some(new_event("x"))).await;
    assert_eq!(write.status, StatusCode::OK, "{}", write.body);
}

#[tokio::test]
async fn acl_lists_page_and_sync_with_deleted_rules_as_none() {
    let h = Harness::new().await;
    for i in 0..4 {
        let r = h
            .post(
                "calendars/primary/acl",
                rule("reader", &format!("u{i}@example.com")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let first = h.get("calendars/primary/acl?maxResults=2").await;
    assert_eq!(first.body["items"].as_array().expect("items").len(), 2);
    assert!(first.body.get("nextSyncToken").is_none());
    let (items, sync, pages) = h.list_all("calendars/primary/acl?maxResults=2").await;
    assert_eq!(items.len(), 5);
    assert_eq!(pages, 3);
    let sync = sync.expect("sync token on the last page");

    let unchanged = h
        .get(&format!("calendars/primary/acl?syncToken={sync}"))
        .await;
    assert_eq!(unchanged.body["items"], json!([]));

    h.call(
        Method::DELETE,
        "calendars/primary/acl/user:u1@example.com",
        None,
    )
    .await;
    let gone = h.get("calendars/primary/acl/user:u1@example.com").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let plain = h.get("calendars/primary/acl").await;
    assert!(!ids(&plain.body).contains(&"user:u1@example.com"));
    let with_deleted = h.get("calendars/primary/acl?showDeleted=true").await;
    assert!(ids(&with_deleted.body).contains(&"user:u1@example.com"));

    let delta = h
        .get(&format!("calendars/primary/acl?syncToken={sync}"))
        .await;
    assert_eq!(
        delta.body["items"],
        json!([{
            "kind": "calendar#aclRule",
            "etag": delta.body["items"][0]["etag"],
            "id": "user:u1@example.com",
            "scope": {"type": "user", "value": "u1@example.com"},
            "role": "none",
        }])
    );
    let bad = h.get("calendars/primary/acl?syncToken=garbage").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    h.emu.expire_sync_tokens(Some(USER));
    let expired = h
        .get(&format!("calendars/primary/acl?syncToken={sync}"))
        .await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert_eq!(expired.reason(), "fullSyncRequired");
}

#[tokio::test]
async fn acl_etags_change_on_write_and_if_match_guards_updates() {
    let h = Harness::new().await;
    let created = h
        .post("calendars/primary/acl", rule("reader", "dana@example.com"))
        .await;
    let etag = created.body["etag"].as_str().expect("etag").to_owned();
    let updated = h
        .call(
            Method::PATCH,
            "calendars/primary/acl/user:dana@example.com",
            Some(json!({"role": "writer"})),
        )
        .await;
    assert_ne!(updated.body["etag"], etag.as_str());
    let stale = h
        .http
        .patch(h.url("calendars/primary/acl/user:dana@example.com"))
        .bearer_auth(&h.token)
        .header("If-Match", &etag)
        .json(&json!({"role": "owner"}))
        .send()
        .await
        .expect("request");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
}
