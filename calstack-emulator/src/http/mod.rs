//! The HTTP surface: routing, bearer authentication and scope checks, fault injection and
//! request counting, and small response helpers shared by every endpoint.

mod admin;
mod batch;
mod calendar;
mod fields;
mod oauth;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::api_error::ApiError;
use crate::faults::Fault;
use crate::state::Shared;

/// Lets a handler close its own connection without answering (the "dropped connection" fault).
#[derive(Debug, Clone)]
pub(crate) struct ConnKill(pub(crate) Arc<Notify>);

/// The full router: OAuth, Calendar v3 and the admin API.
pub(crate) fn router(shared: Shared) -> Router {
    let api: Router = Router::new()
        .merge(oauth::routes())
        .nest(
            "/calendar/v3",
            calendar::routes().route_layer(middleware::from_fn(fields::partial_response)),
        )
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            faults_and_counters,
        ))
        .with_state(shared.clone());
    let batch: Router = Router::new()
        .route("/batch/calendar/v3", axum::routing::post(batch::handle))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            faults_and_counters,
        ))
        .layer(axum::Extension(batch::Target(api.clone())))
        .with_state(shared.clone());
    let admin: Router = Router::new()
        .nest("/__emulator", admin::routes())
        .route("/", axum::routing::get(index))
        .with_state(shared);
    api.merge(batch).merge(admin).fallback(not_found)
}

async fn index() -> Response {
    axum::Json(json!({
        "service": "calstack-emulator",
        "calendar_api": "/calendar/v3/",
        "auth": "/o/oauth2/v2/auth",
        "token": "/token",
        "revoke": "/revoke",
        "batch": "/batch/calendar/v3",
        "admin": "/__emulator/",
    }))
    .into_response()
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

/// The Google method id (or `oauth.*` name) of a routed request, used for counters and faults.
fn endpoint_name(method: &Method, path: &str) -> Option<&'static str> {
    let path = path.strip_prefix("/calendar/v3").unwrap_or(path);
    let m = method.as_str();
    Some(match (m, path) {
        ("GET", "/o/oauth2/v2/auth" | "/o/oauth2/auth") => "oauth.authorize",
        ("POST", "/token") => "oauth.token",
        ("POST", "/batch/calendar/v3") => "batch",
        (_, "/revoke") => "oauth.revoke",
        ("GET", "/users/me/calendarList") => "calendarList.list",
        ("POST", "/users/me/calendarList") => "calendarList.insert",
        ("POST", "/users/me/calendarList/watch") => "calendarList.watch",
        ("GET", "/users/me/calendarList/{calendarId}") => "calendarList.get",
        ("PUT", "/users/me/calendarList/{calendarId}") => "calendarList.update",
        ("PATCH", "/users/me/calendarList/{calendarId}") => "calendarList.patch",
        ("DELETE", "/users/me/calendarList/{calendarId}") => "calendarList.delete",
        ("POST", "/calendars") => "calendars.insert",
        ("GET", "/calendars/{calendarId}") => "calendars.get",
        ("PUT", "/calendars/{calendarId}") => "calendars.update",
        ("PATCH", "/calendars/{calendarId}") => "calendars.patch",
        ("DELETE", "/calendars/{calendarId}") => "calendars.delete",
        ("POST", "/calendars/{calendarId}/clear") => "calendars.clear",
        ("GET", "/calendars/{calendarId}/acl") => "acl.list",
        ("POST", "/calendars/{calendarId}/acl") => "acl.insert",
        ("POST", "/calendars/{calendarId}/acl/watch") => "acl.watch",
        ("GET", "/calendars/{calendarId}/acl/{ruleId}") => "acl.get",
        ("PUT", "/calendars/{calendarId}/acl/{ruleId}") => "acl.update",
        ("PATCH", "/calendars/{calendarId}/acl/{ruleId}") => "acl.patch",
        ("DELETE", "/calendars/{calendarId}/acl/{ruleId}") => "acl.delete",
        ("GET", "/users/me/settings") => "settings.list",
        ("POST", "/users/me/settings/watch") => "settings.watch",
        ("GET", "/users/me/settings/{setting}") => "settings.get",
        ("GET", "/calendars/{calendarId}/events") => "events.list",
        ("POST", "/calendars/{calendarId}/events") => "events.insert",
        ("POST", "/calendars/{calendarId}/events/quickAdd") => "events.quickAdd",
        ("POST", "/calendars/{calendarId}/events/import") => "events.import",
        ("POST", "/calendars/{calendarId}/events/watch") => "events.watch",
        ("GET", "/calendars/{calendarId}/events/{eventId}") => "events.get",
        ("PUT", "/calendars/{calendarId}/events/{eventId}") => "events.update",
        ("PATCH", "/calendars/{calendarId}/events/{eventId}") => "events.patch",
        ("DELETE", "/calendars/{calendarId}/events/{eventId}") => "events.delete",
        ("POST", "/calendars/{calendarId}/events/{eventId}/move") => "events.move",
        ("GET", "/calendars/{calendarId}/events/{eventId}/instances") => "events.instances",
        ("POST", "/freeBusy") => "freebusy.query",
        ("GET", "/colors") => "colors.get",
        ("POST", "/channels/stop") => "channels.stop",
        _ => return None,
    })
}

/// Counts every request by endpoint, then applies a scripted or random fault if one is due.
async fn faults_and_counters(
    State(shared): State<Shared>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let Some(name) = matched
        .as_ref()
        .and_then(|m| endpoint_name(request.method(), m.as_str()))
    else {
        return next.run(request).await;
    };
    let fault = {
        let mut state = shared.lock();
        state.count(name);
        state.faults.next_fault(name)
    };
    let response = match fault {
        None => next.run(request).await,
        Some(Fault::Latency { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            next.run(request).await
        }
        Some(Fault::DropConnection) => match request.extensions().get::<ConnKill>() {
            Some(kill) => {
                kill.0.notify_one();
                std::future::pending::<Response>().await
            }
            None => ApiError::unavailable().into_response(),
        },
        Some(Fault::DropAfterApply) => {
            let kill = request.extensions().get::<ConnKill>().cloned();
            // Applied: the state changed (and watchers hear of it) before the answer is lost.
            let _applied = next.run(request).await;
            if !name.starts_with("oauth.") {
                shared.flush_notifications();
            }
            match kill {
                Some(kill) => {
                    kill.0.notify_one();
                    std::future::pending::<Response>().await
                }
                None => ApiError::unavailable().into_response(),
            }
        }
        Some(fault) => fault_response(name, &fault),
    };
    if !name.starts_with("oauth.") {
        shared.flush_notifications();
    }
    response
}

fn fault_response(endpoint: &str, fault: &Fault) -> Response {
    let api = match fault {
        Fault::TooManyRequests { retry_after_secs } => {
            ApiError::too_many_requests(*retry_after_secs)
        }
        Fault::RateLimitExceeded => ApiError::rate_limit_403(),
        Fault::UserRateLimitExceeded => ApiError::user_rate_limit(),
        Fault::QuotaExceeded => ApiError::quota_exceeded(),
        Fault::InternalError => ApiError::backend_error(),
        _ => ApiError::unavailable(),
    };
    if !endpoint.starts_with("oauth.") {
        return api.into_response();
    }
    let error = match api.code {
        429 | 403 => "rate_limit_exceeded",
        500 => "internal_failure",
        _ => "temporarily_unavailable",
    };
    let status = StatusCode::from_u16(api.code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": api.message})),
    )
        .into_response();
    if let Some(secs) = api.retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/";

/// Scope sets per kind of call (short names, after the `https://www.googleapis.com/auth/` prefix).
pub(crate) mod scopes {
    pub(crate) const LIST_READ: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.calendarlist",
        "calendar.calendarlist.readonly",
    ];
    pub(crate) const LIST_WRITE: &[&str] = &["calendar", "calendar.calendarlist"];
    pub(crate) const CALENDARS_READ: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.calendars",
        "calendar.calendars.readonly",
        "calendar.app.created",
    ];
    pub(crate) const CALENDARS_WRITE: &[&str] =
        &["calendar", "calendar.calendars", "calendar.app.created"];
    pub(crate) const EVENTS_READ: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.events",
        "calendar.events.readonly",
        "calendar.events.owned",
        "calendar.events.owned.readonly",
        "calendar.app.created",
    ];
    pub(crate) const EVENTS_WRITE: &[&str] = &[
        "calendar",
        "calendar.events",
        "calendar.events.owned",
        "calendar.app.created",
    ];
    pub(crate) const FREEBUSY: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.freebusy",
        "calendar.events.freebusy",
        "calendar.events",
        "calendar.events.readonly",
    ];
    pub(crate) const COLORS: &[&str] = &["calendar", "calendar.readonly"];
    pub(crate) const ACL_READ: &[&str] = &["calendar", "calendar.acls", "calendar.acls.readonly"];
    pub(crate) const ACL_WRITE: &[&str] = &["calendar", "calendar.acls"];
    pub(crate) const SETTINGS: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.settings.readonly",
    ];
    pub(crate) const CHANNELS: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.events",
        "calendar.events.readonly",
        "calendar.settings.readonly",
    ];
}

/// The authenticated account behind a Calendar API request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) account: String,
    scopes: Vec<String>,
}

impl Caller {
    /// 403 `insufficientPermissions` unless the token holds one of `allowed`.
    pub(crate) fn require(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let ok = self.scopes.iter().any(|s| {
            s.strip_prefix(SCOPE_PREFIX)
                .is_some_and(|short| allowed.contains(&short))
        });
        if ok {
            Ok(())
        } else {
            Err(ApiError::insufficient_permissions())
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = match header {
            Some(h) if h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer ") => {
                h[7..].trim().to_owned()
            }
            Some(_) => return Err(ApiError::invalid_credentials()),
            None => return Err(ApiError::login_required()),
        };
        let mut state = shared.lock();
        let (account, scopes) = state.check_bearer(&token)?;
        if !state.take_quota(&account) {
            return Err(ApiError::user_rate_limit());
        }
        Ok(Self { account, scopes })
    }
}

/// Parses a JSON request body; an empty body is an empty object.
pub(crate) fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|_| ApiError::parse_error())
}

/// A JSON response from an already-serialized body.
pub(crate) fn raw_json(status: StatusCode, body: String, etag: Option<&str>) -> Response {
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
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A header's value as text.
pub(crate) fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
