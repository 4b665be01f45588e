use calstack_emulator::SCOPE_EVENTS;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::{Harness, USER};

fn value_of<'a>(list: &'a Value, id: &str) -> Option<&'a str> {
    list["items"].as_array()?.iter().find(|s| s["id"] == id)?["value"].as_str()
}

#[tokio::test]
async fn settings_have_googles_defaults() {
    let h = Harness::new().await;
    let list = h.get("users/me/settings").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["kind"], "calendar#settings");
    for (id, value) in [
        ("timezone", "UTC"),
        ("locale", "en"),
        ("weekStart", "0"),
        ("format24HourTime", "false"),
        ("dateFieldOrder", "MDY"),
        ("hideWeekends", "false"),
        ("defaultEventLength", "60"),
        ("autoAddHangouts", "false"),
        ("showDeclinedEvents", "true"),
    ] {
        assert_eq!(value_of(&list.body, id), Some(value), "{id}");
    }
    assert_eq!(list.body["items"][0]["kind"], "calendar#setting");
    assert!(list.body["nextSyncToken"].is_string());

    let one = h.get("users/me/settings/weekStart").await;
    assert_eq!(one.body["id"], "weekStart");
    assert_eq!(one.body["value"], "0");
    assert!(one.body["etag"].is_string());
    let unknown = h.get("users/me/settings/favouriteColour").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.reason(), "notFound");
}

#[tokio::test]
async fn timezone_follows_the_account_and_syncs_incrementally() {
    let h = Harness::new().await;
    let (all, sync, pages) = h.list_all("users/me/settings?maxResults=5").await;
    assert_eq!(all.len(), 12);
    assert_eq!(pages, 3);
    let sync = sync.expect("sync token");
    let unchanged = h.get(&format!("users/me/settings?syncToken={sync}")).await;
    assert_eq!(unchanged.body["items"], serde_json::json!([]));

    h.emu.set_time_zone(USER, "Europe/Zurich").expect("zone");
    let delta = h.get(&format!("users/me/settings?syncToken={sync}")).await;
    let items = delta.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], "timezone");
    assert_eq!(items[0]["value"], "Europe/Zurich");
    let one = h.get("users/me/settings/timezone").await;
    assert_eq!(one.body["value"], "Europe/Zurich");
}

#[tokio::test]
async fn settings_need_a_calendar_or_settings_scope() {
    let h = Harness::new().await;
    let events_only = h.emu.access_token(USER, &[SCOPE_EVENTS]);
    let refused = h
        .call_as(Some(&events_only), Method::GET, "users/me/settings", None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), "insufficientPermissions");
    let settings_only = h.emu.access_token(
        USER,
        &["https://www.googleapis.com/auth/calendar.settings.readonly"],
    );
    let allowed = h
        .call_as(
            Some(&settings_only),
            Method::GET,
            "users/me/settings/locale",
            None,
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
}
