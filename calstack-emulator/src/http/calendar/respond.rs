//! How the Calendar handlers answer: JSON with `items` last and the etag header, stored
//! resources as they are, `304 Not Modified` for a matching `If-None-Match`, and the request
//! pieces every write reads (`If-Match`, a JSON object body).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::state::model::etag::etag_matches;
use crate::state::model::event::Resource;

/// What every Calendar handler returns.
pub(super) type Result<T> = std::result::Result<T, ApiError>;

/// `200` with the value as JSON (list items last) and its etag.
pub(super) fn json_ok(value: &Value) -> Response {
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

/// `200` with a stored resource's JSON and etag.
pub(super) fn resource(r: Resource) -> Response {
    raw_json(StatusCode::OK, r.json, Some(&r.etag))
}

/// Whether the request's `If-None-Match` matches `etag`.
pub(super) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    header_str(headers, header::IF_NONE_MATCH).is_some_and(|h| etag_matches(h, etag))
}

/// `304 Not Modified` when `If-None-Match` matches the value's `etag`, else the value.
pub(super) fn json_unless_not_modified(headers: &HeaderMap, value: &Value) -> Response {
    if value["etag"]
        .as_str()
        .is_some_and(|e| not_modified(headers, e))
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    json_ok(value)
}

/// The request's `If-Match` header, if any.
pub(super) fn if_match(headers: &HeaderMap) -> Option<String> {
    header_str(headers, header::IF_MATCH).map(str::to_owned)
}

/// The request body as a JSON object, or Google's parse error.
pub(super) fn object(body: &Bytes) -> Result<serde_json::Map<String, Value>> {
    match json_body(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::parse_error()),
    }
}

/// Parses a JSON request body; an empty body is an empty object.
pub(super) fn json_body(body: &Bytes) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|_| ApiError::parse_error())
}

/// A JSON response from an already-serialized body.
pub(super) fn raw_json(status: StatusCode, body: String, etag: Option<&str>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// 204 No Content.
pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A header's value as text.
pub(super) fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
