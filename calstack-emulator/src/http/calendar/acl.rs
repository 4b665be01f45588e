//! `acl.*` handlers: list, get, insert, update/patch, delete and watch.

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
}

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
    open_channel(&s, &caller, &body, resource_uri, Watched::Acl(cal_id)).await
}
