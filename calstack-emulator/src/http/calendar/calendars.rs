//! `calendars.*` handlers: get, insert, update/patch, delete and clear.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};

use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::respond::{
    Result, if_match, json_ok, json_unless_not_modified, no_content, object,
};
use crate::state::Shared;

/// The routes of this resource.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
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
}

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
