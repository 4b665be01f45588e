//! Google OAuth endpoints at Google's paths: `/o/oauth2/v2/auth` (auto-consent, 302 back to the
//! client), `/token` (form-encoded grants) and `/revoke`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::state::Shared;
use crate::state::oauth::error::OAuthError;
use crate::state::oauth::forms::{AuthorizeOutcome, AuthorizeParams, TokenForm};

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/o/oauth2/v2/auth", get(authorize))
        .route("/o/oauth2/auth", get(authorize))
        .route("/token", axum::routing::post(token))
        .route("/revoke", axum::routing::post(revoke).get(revoke))
}

fn oauth_error(e: &OAuthError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, axum::Json(e.body())).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn authorize(State(s): State<Shared>, Query(params): Query<AuthorizeParams>) -> Response {
    let outcome = s.lock().authorize(params);
    match outcome {
        AuthorizeOutcome::Redirect(url) => match HeaderValue::from_str(url.as_str()) {
            Ok(location) => {
                let mut response = StatusCode::FOUND.into_response();
                response.headers_mut().insert(header::LOCATION, location);
                response
            }
            Err(_) => oauth_error(&OAuthError::invalid_request(
                "Invalid parameter value for redirect_uri",
            )),
        },
        AuthorizeOutcome::ErrorPage(e) => oauth_error(&e),
    }
}

/// Client credentials sent with HTTP Basic authentication, as `oauth2` clients may do.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

async fn token(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(mut form) = serde_urlencoded_form(&body) else {
        return oauth_error(&OAuthError::invalid_request("Invalid request body"));
    };
    if let Some((id, secret)) = basic_credentials(&headers) {
        form.client_id.get_or_insert(id);
        form.client_secret.get_or_insert(secret);
    }
    let result = s.lock().token(form);
    match result {
        Ok(body) => {
            let mut response = axum::Json(body).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => oauth_error(&e),
    }
}

fn serde_urlencoded_form(body: &[u8]) -> Result<TokenForm, ()> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let value: serde_json::Map<String, serde_json::Value> = pairs
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    serde_json::from_value(serde_json::Value::Object(value)).map_err(|_| ())
}

async fn revoke(State(s): State<Shared>, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let from = |bytes: &[u8]| {
        url::form_urlencoded::parse(bytes)
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    };
    let token = from(&body).or_else(|| q.as_deref().and_then(|q| from(q.as_bytes())));
    let Some(token) = token else {
        return oauth_error(&OAuthError::invalid_request(
            "Missing required parameter: token",
        ));
    };
    let result = s.lock().revoke(&token);
    match result {
        Ok(()) => (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response(),
        Err(e) => oauth_error(&e),
    }
}
