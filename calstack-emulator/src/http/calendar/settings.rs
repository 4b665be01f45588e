//! `settings.*` handlers: list, get and watch.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};

use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::channels::open_channel;
use crate::http::calendar::respond::{Result, json_body, json_ok, json_unless_not_modified};
use crate::params::Params;
use crate::state::Shared;
use crate::state::model::channel::Watched;

/// The routes of this resource.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/users/me/settings", get(list_settings))
        .route("/users/me/settings/watch", post(watch_settings))
        .route("/users/me/settings/{setting}", get(get_setting))
}

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
    open_channel(&s, &caller, &body, resource_uri, Watched::Settings).await
}
