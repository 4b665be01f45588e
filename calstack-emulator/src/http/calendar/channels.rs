//! Watch channels: opening one (every `watch` handler ends here) and `channels.stop`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::respond::{Result, json_body, json_ok, no_content};
use crate::state::Shared;
use crate::state::model::channel::{Channel, Watched};

/// The routes of this resource.
pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/channels/stop", post(stop_channel))
}

/// How long a `watch` answer waits for its channel's `sync` notification to be delivered.
const SYNC_DELIVERY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens a channel watching `watched` for the caller, as a `watch` request body asks, and
/// sends its `sync` notification before answering (waiting at most [`SYNC_DELIVERY_WAIT`]):
/// Google gives no order between the two, and a receiver must cope with the notification
/// coming first, so the emulator makes that the usual case.
pub(super) async fn open_channel(
    s: &Shared,
    caller: &Caller,
    body: &Value,
    resource_uri: String,
    watched: Watched,
) -> Result<Response> {
    let (id, address) = channel_target(body)?;
    let resource_id = uuid::Uuid::new_v4().simple().to_string();
    let token = body.get("token").and_then(Value::as_str).map(str::to_owned);
    let (expiration, sync) = {
        let mut state = s.lock();
        if state.channels.contains_key(id) {
            return Err(ApiError::duplicate());
        }
        let default_expiry = (state.now() + chrono::TimeDelta::days(7)).timestamp_millis();
        let expiration =
            asked_expiration(body).map_or(default_expiry, |asked| asked.min(default_expiry));
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
        (expiration, state.notification(id, "sync"))
    };
    if let Some(note) = sync {
        let delivery = tokio::spawn(crate::state::channels::deliver(s.webhooks.clone(), note));
        // Past the wait the delivery goes on in the background.
        let _ = tokio::time::timeout(SYNC_DELIVERY_WAIT, delivery).await;
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

/// The channel id (at most 64 characters) and web hook address of a `watch` request.
fn channel_target(body: &Value) -> Result<(&str, &str)> {
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
    Ok((id, address))
}

/// The expiry (milliseconds since the epoch) a `watch` request asks for, as text or number.
fn asked_expiration(body: &Value) -> Option<i64> {
    body.get("expiration").and_then(|e| {
        e.as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .or_else(|| e.as_i64())
    })
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
