//! `calendarList.*` handlers: list, get, insert, update/patch, delete and watch.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};

use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::channels::open_channel;
use crate::http::calendar::respond::{
    Result, if_match, json_body, json_ok, json_unless_not_modified, no_content, object,
};
use crate::params::Params;
use crate::state::Shared;
use crate::state::model::channel::Watched;

/// The routes of this resource.
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
}

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
    open_channel(&s, &caller, &body, resource_uri, Watched::CalendarList).await
}
