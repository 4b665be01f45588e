//! Calendar v3 endpoints under `/calendar/v3`: calendarList, calendars, acl, events, settings,
//! freeBusy, colors and channels. Handlers authenticate, check scopes, lock the state, and render.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Caller, header_str, json_body, no_content, raw_json, scopes};
use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::model::etag::etag_matches;
use crate::state::model::event::Resource;
use crate::state::{Channel, Shared, Watched};

type Result<T> = std::result::Result<T, ApiError>;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/users/me/calendarList",
            get(list_calendar_list).post(insert_calendar_list),
        )
        .route("/users/me/calendarList/watch", post(watch_calendar_list))
        .route(
            "/users/me/calendarList/{calendarId}",
            get(get_calendar_list)
                .put(write_calendar_list::<true>)
                .patch(write_calendar_list::<false>)
                .delete(delete_calendar_list),
        )
        .route("/calendars", post(insert_calendar))
        .route(
            "/calendars/{calendarId}",
            get(get_calendar)
                .put(write_calendar::<true>)
                .patch(write_calendar::<false>)
                .delete(remove_calendar::<false>),
        )
        .route(
            "/calendars/{calendarId}/clear",
            post(remove_calendar::<true>),
        )
        .route(
            "/calendars/{calendarId}/acl",
            get(list_acl).post(insert_acl),
        )
        .route("/calendars/{calendarId}/acl/watch", post(watch_acl))
        .route(
            "/calendars/{calendarId}/acl/{ruleId}",
            get(get_acl)
                .put(write_acl::<true>)
                .patch(write_acl::<false>)
                .delete(delete_acl),
        )
        .route("/users/me/settings", get(list_settings))
        .route("/users/me/settings/watch", post(watch_settings))
        .route("/users/me/settings/{setting}", get(get_setting))
        .route(
            "/calendars/{calendarId}/events",
            get(list_events).post(add_event::<false>),
        )
        .route("/calendars/{calendarId}/events/quickAdd", post(quick_add))
        .route(
            "/calendars/{calendarId}/events/import",
            post(add_event::<true>),
        )
        .route("/calendars/{calendarId}/events/watch", post(watch_events))
        .route(
            "/calendars/{calendarId}/events/{eventId}",
            get(get_event)
                .put(write_event::<true>)
                .patch(write_event::<false>)
                .delete(delete_event),
        )
        .route(
            "/calendars/{calendarId}/events/{eventId}/move",
            post(move_event),
        )
        .route(
            "/calendars/{calendarId}/events/{eventId}/instances",
            get(instances),
        )
        .route("/freeBusy", post(freebusy))
        .route("/colors", get(colors))
        .route("/channels/stop", post(stop_channel))
}

fn json_ok(value: &Value) -> Response {
    raw_json(
        StatusCode::OK,
        items_last(value),
        value.get("etag").and_then(Value::as_str),
    )
}

/// A JSON object as text with `items` written last, as Google writes list pages: the page and
/// sync tokens come first, so a client can ask for the next page before decoding the items.
fn items_last(value: &Value) -> String {
    let Some((map, items)) = value
        .as_object()
        .and_then(|map| map.get("items").map(|items| (map, items)))
    else {
        return value.to_string();
    };
    let mut out = String::from("{");
    for (key, field) in map.iter().filter(|(key, _)| key.as_str() != "items") {
        out.push_str(&Value::from(key.as_str()).to_string());
        out.push(':');
        out.push_str(&field.to_string());
        out.push(',');
    }
    out.push_str("\"items\":");
    out.push_str(&items.to_string());
    out.push('}');
    out
}

fn resource(r: Resource) -> Response {
    raw_json(StatusCode::OK, r.json, Some(&r.etag))
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    header_str(headers, header::IF_NONE_MATCH).is_some_and(|h| etag_matches(h, etag))
}

/// `304 Not Modified` when `If-None-Match` matches the value's `etag`, else the value.
fn json_unless_not_modified(headers: &HeaderMap, value: &Value) -> Response {
    if value["etag"]
        .as_str()
        .is_some_and(|e| not_modified(headers, e))
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    json_ok(value)
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    header_str(headers, header::IF_MATCH).map(str::to_owned)
}

fn object(body: &Bytes) -> Result<serde_json::Map<String, Value>> {
    match json_body(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::parse_error()),
    }
}

// ---- calendarList ----

async fn list_calendar_list(
    State(s): State<Shared>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    caller.require(scopes::LIST_READ)?;
    let params = Params::parse(q.as_deref());
    let value = s.lock().calendar_list_list(&caller.account, &params)?;
    Ok(json_ok(&value))
}

async fn get_calendar_list(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::LIST_READ)?;
    let value = s.lock().calendar_list_get(&caller.account, &calendar_id)?;
    Ok(json_unless_not_modified(&headers, &value))
}

async fn insert_calendar_list(
    State(s): State<Shared>,
    caller: Caller,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::LIST_WRITE)?;
    let rgb = Params::parse(q.as_deref()).bool("colorRgbFormat", false)?;
    let body = object(&body)?;
    let value = s.lock().calendar_list_insert(&caller.account, &body, rgb)?;
    Ok(json_ok(&value))
}

/// `PUT` (`REPLACE`) or `PATCH` of a calendarList entry.
async fn write_calendar_list<const REPLACE: bool>(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::LIST_WRITE)?;
    let rgb = Params::parse(q.as_deref()).bool("colorRgbFormat", false)?;
    let body = object(&body)?;
    let value = s.lock().calendar_list_write(
        &caller.account,
        &calendar_id,
        &body,
        REPLACE,
        rgb,
        if_match(&headers).as_deref(),
    )?;
    Ok(json_ok(&value))
}

async fn delete_calendar_list(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
) -> Result<Response> {
    caller.require(scopes::LIST_WRITE)?;
    s.lock()
        .calendar_list_delete(&caller.account, &calendar_id)?;
    Ok(no_content())
}

async fn watch_calendar_list(
    State(s): State<Shared>,
    caller: Caller,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::LIST_READ)?;
    let body = json_body(&body)?;
    let resource_uri =
        "https://www.googleapis.com/calendar/v3/users/me/calendarList?alt=json".to_owned();
    open_channel(&s, &caller, &body, resource_uri, Watched::CalendarList)
}

// ---- calendars ----

async fn get_calendar(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::CALENDARS_READ)?;
    let value = s.lock().calendar_get(&caller.account, &calendar_id)?;
    Ok(json_unless_not_modified(&headers, &value))
}

async fn insert_calendar(State(s): State<Shared>, caller: Caller, body: Bytes) -> Result<Response> {
    caller.require(scopes::CALENDARS_WRITE)?;
    let body = object(&body)?;
    let value = s.lock().calendar_insert(&caller.account, &body)?;
    Ok(json_ok(&value))
}

/// `PUT` (`REPLACE`) or `PATCH` of a calendar.
async fn write_calendar<const REPLACE: bool>(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::CALENDARS_WRITE)?;
    let body = object(&body)?;
    let value = s.lock().calendar_write(
        &caller.account,
        &calendar_id,
        &body,
        REPLACE,
        if_match(&headers).as_deref(),
    )?;
    Ok(json_ok(&value))
}

/// `DELETE` of a calendar, or (`CLEAR`) the removal of all its events.
async fn remove_calendar<const CLEAR: bool>(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
) -> Result<Response> {
    caller.require(scopes::CALENDARS_WRITE)?;
    let mut state = s.lock();
    if CLEAR {
        state.calendar_clear(&caller.account, &calendar_id)?;
    } else {
        state.calendar_delete(&caller.account, &calendar_id)?;
    }
    drop(state);
    Ok(no_content())
}

// ---- acl ----

async fn list_acl(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    caller.require(scopes::ACL_READ)?;
    let params = Params::parse(q.as_deref());
    let value = s.lock().acl_list(&caller.account, &calendar_id, &params)?;
    Ok(json_ok(&value))
}

async fn get_acl(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, rule_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::ACL_READ)?;
    let value = s.lock().acl_get(&caller.account, &calendar_id, &rule_id)?;
    Ok(json_unless_not_modified(&headers, &value))
}

async fn insert_acl(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::ACL_WRITE)?;
    let body = object(&body)?;
    let value = s.lock().acl_insert(&caller.account, &calendar_id, &body)?;
    Ok(json_ok(&value))
}

/// `PUT` (`REPLACE`) or `PATCH` of an ACL rule.
async fn write_acl<const REPLACE: bool>(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, rule_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::ACL_WRITE)?;
    let body = object(&body)?;
    let value = s.lock().acl_write(
        &caller.account,
        &calendar_id,
        &rule_id,
        &body,
        REPLACE,
        if_match(&headers).as_deref(),
    )?;
    Ok(json_ok(&value))
}

async fn delete_acl(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, rule_id)): Path<(String, String)>,
) -> Result<Response> {
    caller.require(scopes::ACL_WRITE)?;
    s.lock()
        .acl_delete(&caller.account, &calendar_id, &rule_id)?;
    Ok(no_content())
}

async fn watch_acl(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::ACL_READ)?;
    let body = json_body(&body)?;
    let cal_id = {
        let state = s.lock();
        let id = state.resolve(&caller.account, &calendar_id).to_owned();
        state.require_owner(&caller.account, &id)?;
        id
    };
    let resource_uri =
        format!("https://www.googleapis.com/calendar/v3/calendars/{cal_id}/acl?alt=json");
    open_channel(&s, &caller, &body, resource_uri, Watched::Acl(cal_id))
}

// ---- settings ----

async fn list_settings(
    State(s): State<Shared>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    caller.require(scopes::SETTINGS)?;
    let params = Params::parse(q.as_deref());
    let value = s.lock().settings_list(&caller.account, &params)?;
    Ok(json_ok(&value))
}

async fn get_setting(
    State(s): State<Shared>,
    caller: Caller,
    Path(setting): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::SETTINGS)?;
    let value = s.lock().settings_get(&caller.account, &setting)?;
    Ok(json_unless_not_modified(&headers, &value))
}

async fn watch_settings(State(s): State<Shared>, caller: Caller, body: Bytes) -> Result<Response> {
    caller.require(scopes::SETTINGS)?;
    let body = json_body(&body)?;
    let resource_uri =
        "https://www.googleapis.com/calendar/v3/users/me/settings?alt=json".to_owned();
    open_channel(&s, &caller, &body, resource_uri, Watched::Settings)
}

// ---- events ----

async fn list_events(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::EVENTS_READ)?;
    let params = Params::parse(q.as_deref());
    let state = s.lock();
    state.require_reader(
        &caller.account,
        state.resolve(&caller.account, &calendar_id),
    )?;
    if let Some(etag) = state.events_etag(&caller.account, &calendar_id)
        && not_modified(&headers, &etag)
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let body = state.events_list(&caller.account, &calendar_id, &params)?;
    drop(state);
    Ok(raw_json(StatusCode::OK, body, None))
}

async fn get_event(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::EVENTS_READ)?;
    let r = s
        .lock()
        .event_get(&caller.account, &calendar_id, &event_id)?;
    if not_modified(&headers, &r.etag) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok(resource(r))
}

/// `insert` of a new event, or (`IMPORT`) `import` of a private copy of an existing one.
async fn add_event<const IMPORT: bool>(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::EVENTS_WRITE)?;
    let body = json_body(&body)?;
    let mut state = s.lock();
    let r = if IMPORT {
        state.event_import(&caller.account, &calendar_id, body)?
    } else {
        state.event_insert(&caller.account, &calendar_id, body)?
    };
    drop(state);
    Ok(resource(r))
}

/// `PUT` (`REPLACE`) or `PATCH` of an event.
async fn write_event<const REPLACE: bool>(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::EVENTS_WRITE)?;
    let body = json_body(&body)?;
    let r = s.lock().event_write(
        &caller.account,
        &calendar_id,
        &event_id,
        body,
        REPLACE,
        if_match(&headers).as_deref(),
    )?;
    Ok(resource(r))
}

async fn delete_event(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    caller.require(scopes::EVENTS_WRITE)?;
    s.lock().event_delete(
        &caller.account,
        &calendar_id,
        &event_id,
        if_match(&headers).as_deref(),
    )?;
    Ok(no_content())
}

async fn move_event(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    caller.require(scopes::EVENTS_WRITE)?;
    let params = Params::parse(q.as_deref());
    let destination = params
        .get("destination")
        .ok_or_else(|| ApiError::required_param("destination"))?
        .to_owned();
    Ok(resource(s.lock().event_move(
        &caller.account,
        &calendar_id,
        &event_id,
        &destination,
    )?))
}

async fn quick_add(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    caller.require(scopes::EVENTS_WRITE)?;
    let params = Params::parse(q.as_deref());
    let text = params
        .get("text")
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::required_param("text"))?
        .to_owned();
    Ok(resource(s.lock().event_quick_add(
        &caller.account,
        &calendar_id,
        &text,
    )?))
}

async fn instances(
    State(s): State<Shared>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    caller.require(scopes::EVENTS_READ)?;
    let params = Params::parse(q.as_deref());
    let body = s
        .lock()
        .event_instances(&caller.account, &calendar_id, &event_id, &params)?;
    Ok(raw_json(StatusCode::OK, body, None))
}

async fn watch_events(
    State(s): State<Shared>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    caller.require(scopes::EVENTS_READ)?;
    let body = json_body(&body)?;
    let cal_id = {
        let state = s.lock();
        let id = state.resolve(&caller.account, &calendar_id).to_owned();
        state.require_reader(&caller.account, &id)?;
        id
    };
    let resource_uri =
        format!("https://www.googleapis.com/calendar/v3/calendars/{cal_id}/events?alt=json");
    open_channel(&s, &caller, &body, resource_uri, Watched::Events(cal_id))
}

fn open_channel(
    s: &Shared,
    caller: &Caller,
    body: &Value,
    resource_uri: String,
    watched: Watched,
) -> Result<Response> {
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::required("Missing channel id."))?;
    if id.len() > 64 {
        return Err(ApiError::invalid(
            "Channel id must be at most 64 characters.",
        ));
    }
    if body
        .get("type")
        .and_then(Value::as_str)
        .is_none_or(|t| t != "web_hook" && t != "webhook")
    {
        return Err(ApiError::invalid("Channel type must be web_hook."));
    }
    let address = body
        .get("address")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::required("Missing channel address."))?;
    if url::Url::parse(address).is_err() {
        return Err(ApiError::invalid(format!(
            "Invalid channel address: {address}"
        )));
    }
    let mut state = s.lock();
    if state.channels.contains_key(id) {
        return Err(ApiError::duplicate());
    }
    let resource_id = uuid::Uuid::new_v4().simple().to_string();
    let default_expiry = (state.now() + chrono::TimeDelta::days(7)).timestamp_millis();
    let expiration = body
        .get("expiration")
        .and_then(|e| {
            e.as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| e.as_i64())
        })
        .map_or(default_expiry, |asked| asked.min(default_expiry));
    let token = body.get("token").and_then(Value::as_str).map(str::to_owned);
    let mut channel = Channel {
        resource_id: resource_id.clone(),
        resource_uri: resource_uri.clone(),
        account: caller.account.clone(),
        watched,
        address: address.to_owned(),
        token: token.clone(),
        expiration_ms: expiration,
        message_number: 1,
        seen_seq: 0,
    };
    channel.seen_seq = state.watched_seq(&channel);
    state.channels.insert(id.to_owned(), channel);
    let sync = state.notification(id, "sync");
    drop(state);
    if let Some(note) = sync {
        tokio::spawn(crate::state::channels::deliver(s.webhooks.clone(), note));
    }
    let mut out = json!({
        "kind": "api#channel",
        "id": id,
        "resourceId": resource_id,
        "resourceUri": resource_uri,
        "expiration": expiration.to_string(),
    });
    if let Some(token) = token {
        out["token"] = json!(token);
    }
    Ok(json_ok(&out))
}

async fn stop_channel(State(s): State<Shared>, caller: Caller, body: Bytes) -> Result<Response> {
    caller.require(scopes::CHANNELS)?;
    let body = json_body(&body)?;
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::required("Missing channel id."))?;
    let resource_id = body
        .get("resourceId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::required("Missing resourceId."))?;
    let mut state = s.lock();
    match state.channels.get(id) {
        Some(ch) if ch.resource_id == resource_id && ch.account == caller.account => {
            state.channels.remove(id);
            Ok(no_content())
        }
        _ => Err(ApiError::not_found()),
    }
}

// ---- freeBusy, colors ----

async fn freebusy(State(s): State<Shared>, caller: Caller, body: Bytes) -> Result<Response> {
    caller.require(scopes::FREEBUSY)?;
    let body = json_body(&body)?;
    let value = s.lock().freebusy(&caller.account, &body)?;
    Ok(json_ok(&value))
}

const CALENDAR_COLORS: [&str; 24] = [
    "#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46", "#42d692", "#16a765",
    "#7bd148", "#b3dc6c", "#fbe983", "#fad165", "#92e1c0", "#9fe1e7", "#9fc6e7", "#4986e7",
    "#9a9cff", "#b99aff", "#c2c2c2", "#cabdbf", "#cca6ac", "#f691b2", "#cd74e6", "#a47ae2",
];
const EVENT_COLORS: [&str; 11] = [
    "#a4bdfc", "#7ae7bf", "#dbadff", "#ff887c", "#fbd75b", "#ffb878", "#46d6db", "#e1e1e1",
    "#5484ed", "#51b749", "#dc2127",
];

/// A colors palette keyed `"1"`, `"2"`, ... by position, each with the shared foreground.
fn palette(backgrounds: &[&str]) -> serde_json::Map<String, Value> {
    backgrounds
        .iter()
        .enumerate()
        .map(|(i, bg)| {
            (
                (i + 1).to_string(),
                json!({"background": bg, "foreground": "#1d1d1d"}),
            )
        })
        .collect()
}

async fn colors(State(_s): State<Shared>, caller: Caller) -> Result<Response> {
    caller.require(scopes::COLORS)?;
    Ok(json_ok(&json!({
        "kind": "calendar#colors",
        "updated": "2012-02-14T00:00:00.000Z",
        "calendar": palette(&CALENDAR_COLORS),
        "event": palette(&EVENT_COLORS),
    })))
}
