//! The admin API under `/__emulator/`: reset, accounts and tokens, bulk seeding, OAuth clients
//! and consent, grant revocation and expiry, sync-token expiry, faults, quotas, the clock and
//! request counters. It mirrors the in-process methods of `RunningEmulator`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::faults::{FaultProfile, ScriptedFault};
use crate::state::Shared;
use crate::state::events::seed::Seed;
use crate::state::model::oauth::Consent;
use crate::time::{parse_rfc3339, parse_tz};

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(describe))
        .route("/reset", post(reset))
        .route("/accounts", get(list_accounts).post(create_account))
        .route("/accounts/{email}/token", post(mint_token))
        .route("/accounts/{email}/calendars/{calendarId}/seed", post(seed))
        .route("/clients", post(register_client))
        .route("/consent", put(set_consent))
        .route("/grants/revoke", post(revoke_grant))
        .route("/grants/expire", post(expire_grant))
        .route("/access-tokens/expire", post(expire_access_tokens))
        .route("/sync-tokens/expire", post(expire_sync_tokens))
        .route("/faults", put(set_faults).delete(clear_faults))
        .route("/faults/script", post(script_fault))
        .route("/faults/page-cap", put(set_page_cap))
        .route("/quota", put(set_quota))
        .route("/clock/advance", post(advance_clock))
        .route("/notifications", get(notifications))
        .route("/counters", get(counters))
        .route("/counters", delete(reset_counters))
}

fn bad(field: &str, reason: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(
            json!({"error": "invalid_argument", "field": field, "message": reason.to_string()}),
        ),
    )
        .into_response()
}

/// A rejected admin request body.
struct BadBody(String);

impl IntoResponse for BadBody {
    fn into_response(self) -> Response {
        bad("body", self.0)
    }
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, BadBody> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|e| BadBody(e.to_string()))
}

/// An admin request body decoded as JSON (a blank body reads as `{}`); one that does not
/// decode is answered with [`BadBody`] before the handler runs.
struct Body<T>(T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse(&bytes).map(Body).map_err(IntoResponse::into_response)
    }
}

fn ok(value: Value) -> Response {
    axum::Json(value).into_response()
}

async fn describe() -> Response {
    ok(json!({
        "endpoints": [
            "POST /__emulator/reset",
            "GET|POST /__emulator/accounts",
            "POST /__emulator/accounts/{email}/token",
            "POST /__emulator/accounts/{email}/calendars/{calendarId}/seed",
            "POST /__emulator/clients",
            "PUT /__emulator/consent",
            "POST /__emulator/grants/revoke",
            "POST /__emulator/grants/expire",
            "POST /__emulator/access-tokens/expire",
            "POST /__emulator/sync-tokens/expire",
            "PUT|DELETE /__emulator/faults",
            "POST /__emulator/faults/script",
            "PUT /__emulator/faults/page-cap",
            "PUT /__emulator/quota",
            "POST /__emulator/clock/advance",
            "GET|DELETE /__emulator/counters",
            "GET /__emulator/notifications",
        ]
    }))
}

async fn reset(State(s): State<Shared>) -> Response {
    s.lock().reset();
    ok(json!({"reset": true}))
}

async fn list_accounts(State(s): State<Shared>) -> Response {
    let state = s.lock();
    let accounts: Vec<Value> = state
        .accounts
        .iter()
        .map(|(email, a)| json!({"email": email, "timeZone": a.time_zone, "calendars": a.list.keys().collect::<Vec<_>>()}))
        .collect();
    ok(json!({ "accounts": accounts }))
}

#[derive(Deserialize)]
struct NewAccount {
    email: String,
    #[serde(default, rename = "timeZone")]
    time_zone: Option<String>,
}

async fn create_account(State(s): State<Shared>, Body(req): Body<NewAccount>) -> Response {
    if !req.email.contains('@') {
        return bad("email", "must be an email address");
    }
    let mut state = s.lock();
    state.ensure_account(&req.email);
    if let Some(name) = req.time_zone {
        match parse_tz(&name) {
            Some(tz) => state.set_account_time_zone(&req.email, tz),
            None => return bad("timeZone", format!("unknown time zone {name}")),
        }
    }
    (
        StatusCode::CREATED,
        axum::Json(json!({"email": req.email, "primaryCalendar": req.email})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct MintToken {
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    lifetime_secs: Option<i64>,
}

async fn mint_token(
    State(s): State<Shared>,
    Path(email): Path<String>,
    Body(req): Body<MintToken>,
) -> Response {
    let scopes = if req.scopes.is_empty() {
        vec![crate::consts::SCOPE_CALENDAR.to_owned()]
    } else {
        req.scopes
            .iter()
            .map(|s| crate::state::oauth::values::full_scope(s))
            .collect()
    };
    let (token, lifetime) = s.lock().mint_access_token(
        &email,
        &scopes,
        req.lifetime_secs.map(crate::time::clamped_secs),
    );
    ok(json!({
        "access_token": token,
        "expires_in": lifetime.num_seconds(),
        "scope": scopes.join(" "),
        "token_type": "Bearer",
    }))
}

#[derive(Deserialize)]
struct SeedRequest {
    count: usize,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    spacing_minutes: Option<i64>,
    #[serde(default)]
    duration_minutes: Option<i64>,
    #[serde(default)]
    summary_prefix: Option<String>,
}

async fn seed(
    State(s): State<Shared>,
    Path((email, calendar_id)): Path<(String, String)>,
    Body(req): Body<SeedRequest>,
) -> Response {
    let start = match req.start.as_deref().map(parse_rfc3339) {
        Some(None) => return bad("start", "must be an RFC 3339 timestamp"),
        Some(Some(t)) => t,
        None => crate::consts::DEFAULT_SEED_START
            .parse()
            .unwrap_or_default(),
    };
    let seed = Seed {
        count: req.count,
        start,
        spacing: crate::time::clamped_secs(req.spacing_minutes.unwrap_or(60).saturating_mul(60)),
        duration: crate::time::clamped_secs(req.duration_minutes.unwrap_or(30).saturating_mul(60)),
        summary_prefix: req
            .summary_prefix
            .unwrap_or_else(|| "Seeded event".to_owned()),
    };
    let mut state = s.lock();
    state.ensure_account(&email);
    match state.seed_events(&email, &calendar_id, &seed) {
        Ok(n) => ok(json!({"inserted": n})),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct RegisterClient {
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
}

async fn register_client(State(s): State<Shared>, Body(req): Body<RegisterClient>) -> Response {
    s.lock()
        .register_client(&req.client_id, req.client_secret, req.redirect_uris);
    (
        StatusCode::CREATED,
        axum::Json(json!({"client_id": req.client_id})),
    )
        .into_response()
}

async fn set_consent(State(s): State<Shared>, Body(consent): Body<Consent>) -> Response {
    s.lock().oauth.consent = consent;
    ok(json!({"ok": true}))
}

#[derive(Deserialize)]
struct GrantSelector {
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
}

async fn revoke_grant(State(s): State<Shared>, Body(req): Body<GrantSelector>) -> Response {
    let mut state = s.lock();
    let revoked = match (&req.refresh_token, &req.account) {
        (Some(token), _) => usize::from(state.admin_revoke_grant(token)),
        (None, Some(account)) => state.admin_revoke_account(account, req.client_id.as_deref()),
        (None, None) => return bad("refresh_token", "give refresh_token or account"),
    };
    ok(json!({ "revoked": revoked }))
}

async fn expire_grant(State(s): State<Shared>, Body(req): Body<GrantSelector>) -> Response {
    let Some(token) = req.refresh_token else {
        return bad("refresh_token", "required");
    };
    if s.lock().admin_expire_refresh_token(&token) {
        ok(json!({"expired": 1}))
    } else {
        bad("refresh_token", "no grant holds this refresh token")
    }
}

async fn expire_access_tokens(State(s): State<Shared>) -> Response {
    s.lock().admin_expire_access_tokens();
    ok(json!({"ok": true}))
}

#[derive(Deserialize)]
struct ExpireSync {
    #[serde(default)]
    calendar_id: Option<String>,
}

async fn expire_sync_tokens(State(s): State<Shared>, Body(req): Body<ExpireSync>) -> Response {
    let n = s.lock().expire_sync_tokens(req.calendar_id.as_deref());
    ok(json!({ "expired_calendars": n }))
}

async fn set_faults(State(s): State<Shared>, Body(profile): Body<FaultProfile>) -> Response {
    s.lock().faults.set_profile(profile);
    ok(json!({"ok": true}))
}

async fn clear_faults(State(s): State<Shared>) -> Response {
    s.lock().faults.clear();
    ok(json!({"ok": true}))
}

async fn script_fault(State(s): State<Shared>, Body(entry): Body<ScriptedFault>) -> Response {
    s.lock().faults.push_script(entry);
    ok(json!({"ok": true}))
}

#[derive(Deserialize)]
struct PageCap {
    max_items: Option<usize>,
}

async fn set_page_cap(State(s): State<Shared>, Body(req): Body<PageCap>) -> Response {
    s.lock().faults.page_cap = req.max_items;
    ok(json!({"ok": true}))
}

#[derive(Deserialize)]
struct Quota {
    requests_per_minute: Option<u32>,
}

async fn set_quota(State(s): State<Shared>, Body(req): Body<Quota>) -> Response {
    s.lock().config.user_rate_limit_per_minute = req.requests_per_minute;
    ok(json!({"ok": true}))
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(State(s): State<Shared>, Body(req): Body<Advance>) -> Response {
    if req.seconds < 0 {
        return bad("seconds", "the clock only moves forward");
    }
    s.lock()
        .clock
        .advance(crate::time::clamped_secs(req.seconds));
    ok(json!({"ok": true}))
}

async fn notifications(State(s): State<Shared>) -> Response {
    ok(json!({ "notifications": s.lock().notifications }))
}

async fn counters(State(s): State<Shared>) -> Response {
    ok(json!(s.lock().counters))
}

async fn reset_counters(State(s): State<Shared>) -> Response {
    s.lock().counters.clear();
    ok(json!({"ok": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn quota_body(text: &'static str) -> Result<Option<u32>, Response> {
        let req = Request::new(axum::body::Body::from(text));
        Body::<Quota>::from_request(req, &())
            .await
            .map(|Body(q)| q.requests_per_minute)
    }

    #[tokio::test]
    async fn malformed_admin_body_is_a_400_naming_the_body() {
        let resp = quota_body("{not json")
            .await
            .expect_err("malformed JSON is rejected");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .expect("body reads");
        let value: Value = serde_json::from_slice(&bytes).expect("JSON error body");
        assert_eq!(value["error"], "invalid_argument");
        assert_eq!(value["field"], "body");
    }

    #[tokio::test]
    async fn blank_admin_body_reads_as_an_empty_object() {
        assert_eq!(quota_body("  \n").await.expect("blank is {}"), None);
        assert_eq!(
            quota_body(r#"{"requests_per_minute": 5}"#)
                .await
                .expect("decodes"),
            Some(5)
        );
    }
}
