//! `events.*` handlers: list, get, insert, import, update/patch, delete, move, quickAdd,
//! instances and watch.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::api_error::ApiError;
use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::channels::open_channel;
use crate::http::calendar::respond::{
    Result, if_match, json_body, no_content, not_modified, raw_json, resource,
};
use crate::params::Params;
use crate::state::Shared;
use crate::state::model::channel::Watched;

/// The routes of this resource.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
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
}

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
    open_channel(&s, &caller, &body, resource_uri, Watched::Events(cal_id)).await
}
