//! The `freeBusy.query` handler.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::respond::{Result, json_body, json_ok};
use crate::state::Shared;

/// The routes of this resource.
pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/freeBusy", post(freebusy))
}

async fn freebusy(State(s): State<Shared>, caller: Caller, body: Bytes) -> Result<Response> {
    caller.require(scopes::FREEBUSY)?;
    let body = json_body(&body)?;
    let value = s.lock().freebusy(&caller.account, &body)?;
    Ok(json_ok(&value))
}
