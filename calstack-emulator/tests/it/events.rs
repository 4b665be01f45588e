use calstack_emulator::{SCOPE_CALENDAR_READONLY, SCOPE_EVENTS, SeedOptions};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Harness, Reply, USER};

#[tokio::test]
async fn calendar_api_requires_a_bearer_token() {
    let h = Harness::new().await;
    let reply = h
        .call_as(None, Method::GET, "calendars/primary/events", None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.reason(), "required");
    assert_eq!(reply.body["error"]["code"], 401);
    let reply = h
        .call_as(
            Some("ya29.forged"),
            Method::GET,
            "calendars/primary/events",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.reason(), "authError");
}

#[tokio::test]
async fn readonly_token_cannot_write() {
    let h = Harness::new().await;
    let readonly = h.emu.access_token(USER, &[SCOPE_CALENDAR_READONLY]);
    let body =
        json!({"summary": "x", "start": {"date": "2024-01-01"}, "end": {"date": "2024-01-02"}});
    let reply = h
        .call_as(
            Some(&readonly),
            Method::POST,
            "calendars/primary/events",
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.reason(), "insufficientPermissions");
    let reply = h
        .call_as(
            Some(&readonly),
            Method::GET,
            "calendars/primary/events",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // calendar.events can write events but not calendars.
    let events_only = h.emu.access_token(USER, &[SCOPE_EVENTS]);
    let reply = h
        .call_as(
            Some(&events_only),
            Method::POST,
            "calendars",
            Some(json!({"summary": "New"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn event_insert_get_patch_update_delete_round_trip() {
    let h = Harness::new().await;
    let created = h
        .insert(
            "Design review",
            "2024-03-12T10:00:00+01:00",
            "2024-03-12T11:00:00+01:00",
        )
        .await;
    assert_eq!(created["kind"], "calendar#event");
    assert_eq!(created["status"], "confirmed");
    assert_eq!(created["organizer"]["email"], USER);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["iCalUID"], format!("{id}@google.com"));

    let got = h.get(&format!("calendars/primary/events/{id}")).await;
    assert_eq!(got.body, created);

    let patched = h
        .call(
            Method::PATCH,
            &format!("calendars/primary/events/{id}"),
            Some(json!({"location": "Room 4B"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.body["location"], "Room 4B");
    assert_eq!(
        patched.body["summary"], "Design review",
        "patch keeps other fields"
    );
    assert_ne!(patched.body["etag"], created["etag"]);

    let mut full = patched.body.clone();
    full["summary"] = json!("Design review v2");
    full.as_object_mut().expect("object").remove("location");
    let updated = h
        .call(
            Method::PUT,
            &format!("calendars/primary/events/{id}"),
            Some(full),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["summary"], "Design review v2");
    assert!(
        updated.body.get("location").is_none(),
        "update replaces the whole resource"
    );
    assert_eq!(updated.body["created"], created["created"]);

    let deleted = h
        .call(
            Method::DELETE,
            &format!("calendars/primary/events/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = h
        .call(
            Method::DELETE,
            &format!("calendars/primary/events/{id}"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(again.reason(), "deleted");
    let got = h.get(&format!("calendars/primary/events/{id}")).await;
    assert_eq!(
        got.body["status"], "cancelled",
        "get still returns deleted events"
    );
    let (items, _, _) = h.list_all("calendars/primary/events").await;
    assert!(
        items.is_empty(),
        "deleted events are hidden from plain lists"
    );
}

#[tokio::test]
async fn client_chosen_ids_are_validated_and_unique() {
    let h = Harness::new().await;
    let body = |id: &str| json!({"id": id, "start": {"date": "2024-01-01"}, "end": {"date": "2024-01-02"}});
    let bad = h
        .post("calendars/primary/events", body("Not-Base32!"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.reason(), "invalid");
    let short = h.post("calendars/primary/events", body("abcd")).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let ok = h.post("calendars/primary/events", body("abc123vv")).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["id"], "abc123vv");
    let dup = h.post("calendars/primary/events", body("abc123vv")).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.reason(), "duplicate");
}

#[tokio::test]
async fn missing_end_and_reversed_times_are_rejected() {
    let h = Harness::new().await;
    let missing = h
        .post(
            "calendars/primary/events",
            json!({"start": {"dateTime": "2024-01-01T10:00:00Z"}}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.reason(), "required");
    let reversed = h
        .post(
            "calendars/primary/events",
            json!({"start": {"dateTime": "2024-01-01T10:00:00Z"}, "end": {"dateTime": "2024-01-01T09:00:00Z"}}),
        )
        .await;
    assert_eq!(reversed.reason(), "timeRangeEmpty");
    let not_json = h
        .http
        .post(h.url("calendars/primary/events"))
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("request");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn etags_drive_if_match_and_if_none_match() {
    let h = Harness::new().await;
    let created = h
        .insert("E", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    let id = created["id"].as_str().expect("id");
    let etag = created["etag"].as_str().expect("etag");
    let path = h.url(&format!("calendars/primary/events/{id}"));

    let cached = h
        .http
        .get(&path)
        .bearer_auth(&h.token)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let ok = h
        .http
        .patch(&path)
        .bearer_auth(&h.token)
        .header("If-Match", etag)
        .json(&json!({"summary": "F"}))
        .send()
        .await;
    assert_eq!(ok.expect("patch").status(), StatusCode::OK);
    let stale = h
        .http
        .patch(&path)
        .bearer_auth(&h.token)
        .header("If-Match", etag)
        .json(&json!({"summary": "G"}))
        .send()
        .await;
    let stale = stale.expect("patch");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let body: serde_json::Value = stale.json().await.expect("json");
    assert_eq!(body["error"]["errors"][0]["reason"], "conditionNotMet");

    let fresh = h
        .http
        .get(&path)
        .bearer_auth(&h.token)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(fresh.status(), StatusCode::OK, "a changed event is re-sent");
}

#[tokio::test]
async fn time_window_and_text_filters() {
    let h = Harness::new().await;
    h.insert(
        "Morning standup",
        "2024-05-01T09:00:00Z",
        "2024-05-01T09:15:00Z",
    )
    .await;
    h.insert(
        "Lunch with Ana",
        "2024-05-01T12:00:00Z",
        "2024-05-01T13:00:00Z",
    )
    .await;
    h.insert(
        "Evening run",
        "2024-05-02T18:00:00Z",
        "2024-05-02T19:00:00Z",
    )
    .await;
    // Overlap: end > timeMin and start < timeMax.
    let (items, _, _) = h
        .list_all(
            "calendars/primary/events?timeMin=2024-05-01T09:10:00Z&timeMax=2024-05-01T12:00:00Z",
        )
        .await;
    let names: Vec<&str> = items.iter().filter_map(|i| i["summary"].as_str()).collect();
    assert_eq!(names, ["Morning standup"]);
    let (items, _, _) = h.list_all("calendars/primary/events?q=ana").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["summary"], "Lunch with Ana");
    let empty = h
        .get("calendars/primary/events?timeMin=2024-05-02T00:00:00Z&timeMax=2024-05-01T00:00:00Z")
        .await;
    assert_eq!(empty.reason(), "timeRangeEmpty");
}

#[tokio::test]
async fn pages_default_to_250_and_cap_at_2500() {
    let h = Harness::new().await;
    h.emu
        .seed_events(USER, "primary", &SeedOptions::new(3000))
        .expect("seed");
    let first = h.get("calendars/primary/events").await;
    assert_eq!(first.body["items"].as_array().expect("items").len(), 250);
    assert!(first.body["nextPageToken"].is_string());
    assert!(first.body.get("nextSyncToken").is_none());
    let big = h.get("calendars/primary/events?maxResults=5000").await;
    assert_eq!(big.body["items"].as_array().expect("items").len(), 2500);
    let zero = h.get("calendars/primary/events?maxResults=0").await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
    let (items, sync, pages) = h.list_all("calendars/primary/events?maxResults=1000").await;
    assert_eq!((items.len(), pages), (3000, 3));
    assert!(sync.is_some(), "the last page carries nextSyncToken");
    let mut ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3000, "no item is served twice");
}

#[tokio::test]
async fn garbage_page_token_is_rejected() {
    let h = Harness::new().await;
    let reply = h.get("calendars/primary/events?pageToken=garbage").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

/// `events.move` of `id` from the primary calendar to `destination`.
async fn move_from_primary(h: &Harness, id: &str, destination: &str) -> Reply {
    h.call(
        Method::POST,
        &format!("calendars/primary/events/{id}/move?destination={destination}"),
        None,
    )
    .await
}

#[tokio::test]
async fn a_moved_event_marks_the_destination_calendars_attendee_as_self() {
    let h = Harness::new().await;
    let cal = h.post("calendars", json!({"summary": "Work"})).await;
    let work = cal.body["id"].as_str().expect("id").to_owned();
    let ev = h
        .post(
            "calendars/primary/events",
            json!({"summary": "Review",
                   "start": {"dateTime": "2024-01-01T10:00:00Z"},
                   "end": {"dateTime": "2024-01-01T11:00:00Z"},
                   "attendees": [{"email": USER, "responseStatus": "accepted"},
                                 {"email": work, "responseStatus": "declined"}]}),
        )
        .await;
    assert_eq!(ev.status, StatusCode::OK, "{}", ev.body);
    assert_eq!(ev.body["attendees"][0]["self"], true, "{}", ev.body);
    let id = ev.body["id"].as_str().expect("id");
    let moved = move_from_primary(&h, id, &work).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let attendees = &moved.body["attendees"];
    assert!(attendees[0].get("self").is_none(), "{attendees}");
    assert_eq!(attendees[1]["self"], true, "{attendees}");
    let stored = h.get(&format!("calendars/{work}/events/{id}")).await;
    assert_eq!(stored.body["attendees"], *attendees);
}

#[tokio::test]
async fn move_quick_add_and_import() {
    let h = Harness::new().await;
    let cal = h
        .post(
            "calendars",
            json!({"summary": "Work", "timeZone": "Europe/Zurich"}),
        )
        .await;
    assert_eq!(cal.status, StatusCode::OK);
    let work = cal.body["id"].as_str().expect("id").to_owned();
    assert!(work.ends_with("@group.calendar.google.com"));

    let ev = h
        .insert("Movable", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    let id = ev["id"].as_str().expect("id");
    let moved = move_from_primary(&h, id, &work).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["id"], id);
    assert_eq!(moved.body["organizer"]["email"], work.as_str());
    assert_eq!(
        h.get(&format!("calendars/{work}/events/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.get(&format!("calendars/primary/events/{id}")).await.body["status"],
        "cancelled"
    );

    let quick = h
        .call(
            Method::POST,
            "calendars/primary/events/quickAdd?text=Dentist%202024-06-03%2010am",
            None,
        )
        .await;
    assert_eq!(quick.status, StatusCode::OK);
    assert_eq!(quick.body["summary"], "Dentist");
    assert_eq!(quick.body["start"]["dateTime"], "2024-06-03T10:00:00Z");

    let import = |summary: &str| {
        json!({"iCalUID": "meeting-42@example.org", "summary": summary,
               "start": {"dateTime": "2024-02-01T10:00:00Z"}, "end": {"dateTime": "2024-02-01T11:00:00Z"}})
    };
    let first = h
        .post("calendars/primary/events/import", import("v1"))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let second = h
        .post("calendars/primary/events/import", import("v2"))
        .await;
    assert_eq!(
        second.body["id"], first.body["id"],
        "import upserts by iCalUID"
    );
    assert_eq!(second.body["summary"], "v2");
    let (items, _, _) = h
        .list_all("calendars/primary/events?iCalUID=meeting-42@example.org")
        .await;
    assert_eq!(items.len(), 1);
}

#[tokio::test]
async fn colors_watch_and_channel_stop() {
    let h = Harness::new().await;
    let colors = h.get("colors").await;
    assert_eq!(colors.body["kind"], "calendar#colors");
    assert_eq!(
        colors.body["event"]
            .as_object()
            .expect("event colors")
            .len(),
        11
    );
    let channel = h
        .post(
            "calendars/primary/events/watch",
            json!({"id": "chan-1", "type": "web_hook", "address": "https://example.org/hook"}),
        )
        .await;
    assert_eq!(channel.status, StatusCode::OK);
    assert_eq!(channel.body["kind"], "api#channel");
    let resource_id = channel.body["resourceId"].as_str().expect("resourceId");
    let stop = h
        .post(
            "channels/stop",
            json!({"id": "chan-1", "resourceId": resource_id}),
        )
        .await;
    assert_eq!(stop.status, StatusCode::NO_CONTENT);
    let again = h
        .post(
            "channels/stop",
            json!({"id": "chan-1", "resourceId": resource_id}),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn errors_use_googles_envelope() {
    let h = Harness::new().await;
    let reply = h.get("calendars/primary/events/doesnotexist").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let error = &reply.body["error"];
    assert_eq!(error["code"], 404);
    assert_eq!(error["errors"][0]["domain"], "global");
    assert_eq!(error["errors"][0]["reason"], "notFound");
    assert!(error["message"].is_string());
}

#[tokio::test]
async fn watch_channels_receive_sync_then_exists_notifications() {
    use axum::http::HeaderMap;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<HeaderMap>();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(headers);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let h = Harness::new().await;
    let channel = h
        .post(
            "calendars/primary/events/watch",
            json!({"id": "chan-7", "type": "web_hook", "address": hook, "token": "target=crm"}),
        )
        .await;
    assert_eq!(channel.status, StatusCode::OK, "{}", channel.body);
    let first = next_notification(&mut rx).await;
    assert_eq!(first["x-goog-resource-state"], "sync");
    assert_eq!(first["x-goog-channel-id"], "chan-7");
    assert_eq!(first["x-goog-channel-token"], "target=crm");
    assert_eq!(first["x-goog-message-number"], "1");
    h.insert("ping", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    let second = next_notification(&mut rx).await;
    assert_eq!(second["x-goog-resource-state"], "exists");
    assert_eq!(second["x-goog-message-number"], "2");
    assert_eq!(
        second["x-goog-resource-id"],
        channel.body["resourceId"].as_str().expect("resourceId")
    );
}

async fn next_notification(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<axum::http::HeaderMap>,
) -> axum::http::HeaderMap {
    tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
        .await
        .expect("a notification arrives")
        .expect("receiver open")
}

#[tokio::test]
async fn fields_parameter_trims_the_response() {
    let h = Harness::new().await;
    h.insert("Trim me", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    let reply = h
        .get("calendars/primary/events?fields=items(id,summary),nextSyncToken")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let keys: Vec<&String> = reply.body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["items", "nextSyncToken"]);
    let item = reply.body["items"][0].as_object().expect("item");
    assert_eq!(item.keys().collect::<Vec<_>>(), ["id", "summary"]);
    assert_eq!(
        h.get("calendars/primary/events?fields=items(").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn batch_runs_each_part_and_answers_in_order() {
    let h = Harness::new().await;
    let body = "--xyz\r\nContent-Type: application/http\r\nContent-ID: <req+1>\r\n\r\n\
        POST /calendar/v3/calendars/primary/events HTTP/1.1\r\nContent-Type: application/json\r\n\r\n\
        {\"id\":\"batch0001\",\"summary\":\"one\",\"start\":{\"date\":\"2024-01-01\"},\"end\":{\"date\":\"2024-01-02\"}}\r\n\
        --xyz\r\nContent-Type: application/http\r\nContent-ID: <req+2>\r\n\r\n\
        GET /calendar/v3/calendars/primary/events/missing0 HTTP/1.1\r\n\r\n\r\n\
        --xyz\r\nContent-Type: application/http\r\nContent-ID: <req+3>\r\n\r\n\
        GET /calendar/v3/calendars/primary/events/batch0001 HTTP/1.1\r\n\r\n\r\n--xyz--\r\n";
    let resp = h
        .http
        .post(h.emu.base_url().join("batch/calendar/v3").expect("url"))
        .bearer_auth(&h.token)
        .header("content-type", "multipart/mixed; boundary=xyz")
        .body(body)
        .send()
        .await
        .expect("batch");
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("boundary")
        .to_owned();
    let text = resp.text().await.expect("body");
    let parts: Vec<&str> = text
        .split(&format!("--{boundary}"))
        .filter(|p| p.contains("HTTP/1.1"))
        .collect();
    assert_eq!(parts.len(), 3);
    assert!(
        parts[0].contains("Content-ID: <response-req+1>") && parts[0].contains("HTTP/1.1 200 OK")
    );
    assert!(parts[1].contains("HTTP/1.1 404 Not Found") && parts[1].contains("notFound"));
    assert!(parts[2].contains("HTTP/1.1 200 OK") && parts[2].contains("\"summary\":\"one\""));
    assert_eq!(
        h.emu.counter("events.insert"),
        1,
        "inner calls are counted like direct ones"
    );
    assert_eq!(h.emu.counter("batch"), 1);
}
