//! The HTTP surface: routing, fault injection and request counting. The endpoints live in a
//! file or folder per API: `calendar/` (with its bearer authentication and scope checks),
//! `oauth`, `admin`, `batch`, and `fields` for partial responses.

mod admin;
mod batch;
mod calendar;
mod fields;
mod oauth;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;
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
