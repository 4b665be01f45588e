use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use calstack_emulator::{Consent, Emulator, SCOPE_CALENDAR, SCOPE_CALENDAR_READONLY};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::Harness;

const REDIRECT: &str = "http://127.0.0.1:8080/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-long-enough";

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

/// Runs the authorization endpoint; returns the redirect's query pairs.
async fn authorize(h: &Harness, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let challenge = challenge();
    let mut query = vec![
        ("client_id", "client-1.apps.googleusercontent.com"),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", SCOPE_CALENDAR),
        ("state", "csrf-123"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("access_type", "offline"),
    ];
    for (k, v) in extra {
        query.retain(|(key, _)| key != k);
        query.push((k, v));
    }
    let resp = h
        .http
        .get(h.emu.auth_url())
        .query(&query)
        .send()
        .await
        .expect("auth request");
    assert_eq!(
        resp.status(),
        StatusCode::FOUND,
        "auth should redirect: {}",
        resp.text().await.unwrap_or_default()
    );
    let location = resp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        location.starts_with(REDIRECT),
        "redirects to the client: {location}"
    );
    url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn token(h: &Harness, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = h
        .http
        .post(h.emu.token_url())
        .form(form)
        .send()
        .await
        .expect("token request");
    (resp.status(), resp.json().await.expect("JSON"))
}

async fn exchange(h: &Harness, code: &str) -> (StatusCode, Value) {
    token(
        h,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", "client-1.apps.googleusercontent.com"),
            ("client_secret", "secret-1"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn refresh(h: &Harness, refresh_token: &str) -> (StatusCode, Value) {
    token(
        h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "client-1.apps.googleusercontent.com"),
            ("client_secret", "secret-1"),
        ],
    )
    .await
}

#[tokio::test]
async fn pkce_code_flow_issues_google_shaped_tokens() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    assert_eq!(param(&pairs, "state"), Some("csrf-123"));
    assert_eq!(param(&pairs, "scope"), Some(SCOPE_CALENDAR));
    let (status, body) = exchange(&h, param(&pairs, "code").expect("code")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["access_token"]
            .as_str()
            .expect("access")
            .starts_with("ya29.")
    );
    assert!(
        body["refresh_token"]
            .as_str()
            .expect("refresh")
            .starts_with("1//")
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["scope"], SCOPE_CALENDAR);

    // The token works against the Calendar API as the default account.
    let access = body["access_token"].as_str().expect("access");
    let reply = h
        .call_as(
            Some(access),
            reqwest::Method::GET,
            "calendars/primary",
            None,
        )
        .await;
    assert_eq!(reply.body["id"], "user@example.com");
}

#[tokio::test]
async fn authorization_code_is_single_use() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let code = param(&pairs, "code").expect("code");
    assert_eq!(exchange(&h, code).await.0, StatusCode::OK);
    let (status, body) = exchange(&h, code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn wrong_pkce_verifier_is_invalid_grant() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let (status, body) = token(
        &h,
        &[
            ("grant_type", "authorization_code"),
            ("code", param(&pairs, "code").expect("code")),
            ("client_id", "client-1.apps.googleusercontent.com"),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "some-other-verifier-that-does-not-hash-to-the-challenge",
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn token_request_redirect_uri_must_equal_the_authorizations() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let (status, body) = token(
        &h,
        &[
            ("grant_type", "authorization_code"),
            ("code", param(&pairs, "code").expect("code")),
            ("client_id", "client-1.apps.googleusercontent.com"),
            ("redirect_uri", "http://127.0.0.1:9999/elsewhere"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "redirect_uri_mismatch");
}

#[tokio::test]
async fn refresh_response_omits_refresh_token_and_counts_one_token_call() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let (_, first) = exchange(&h, param(&pairs, "code").expect("code")).await;
    h.emu.reset_counters();
    let (status, body) = refresh(&h, first["refresh_token"].as_str().expect("refresh")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "Google omits refresh_token on refresh"
    );
    assert_ne!(body["access_token"], first["access_token"]);
    assert_eq!(h.emu.counter("oauth.token"), 1);
}

#[tokio::test]
async fn revoking_kills_refresh_and_access_tokens() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    let access = tokens["access_token"].as_str().expect("access");
    let resp = h
        .http
        .post(h.emu.revoke_url())
        .form(&[("token", access)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, body) = refresh(&h, tokens["refresh_token"].as_str().expect("refresh")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let reply = h
        .call_as(
            Some(access),
            reqwest::Method::GET,
            "calendars/primary",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.reason(), "authError");
    let again = h
        .http
        .post(h.emu.revoke_url())
        .form(&[("token", "ya29.unknown")])
        .send()
        .await
        .expect("revoke");
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn expired_refresh_token_is_invalid_grant() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh");
    h.emu
        .expire_refresh_token(refresh_token)
        .expect("known grant");
    let (status, body) = refresh(&h, refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn testing_mode_grant_dies_after_seven_days() {
    let h = Harness::with(
        Emulator::builder().refresh_token_lifetime(Some(Duration::from_secs(7 * 24 * 3600))),
    )
    .await;
    let pairs = authorize(&h, &[]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh");
    assert_eq!(refresh(&h, refresh_token).await.0, StatusCode::OK);
    h.emu.advance_clock(Duration::from_secs(7 * 24 * 3600 + 1));
    let (status, body) = refresh(&h, refresh_token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn access_token_expires_after_configured_lifetime() {
    let h = Harness::with(Emulator::builder().access_token_lifetime(Duration::from_secs(60))).await;
    let pairs = authorize(&h, &[]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    assert_eq!(tokens["expires_in"], 60);
    let access = tokens["access_token"].as_str().expect("access");
    h.emu.advance_clock(Duration::from_secs(61));
    let reply = h
        .call_as(Some(access), reqwest::Method::GET, "colors", None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn strict_mode_rejects_unregistered_clients() {
    let h = Harness::with(Emulator::builder().strict_clients(true)).await;
    let resp = h
        .http
        .get(h.emu.auth_url())
        .query(&[
            ("client_id", "stranger"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", SCOPE_CALENDAR),
        ])
        .send()
        .await
        .expect("auth");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_client"
    );
    let (status, body) = token(
        &h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "1//x"),
            ("client_id", "stranger"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    h.emu.register_client(
        "client-1.apps.googleusercontent.com",
        Some("secret-1"),
        &[REDIRECT],
    );
    let pairs = authorize(&h, &[]).await;
    assert_eq!(
        exchange(&h, param(&pairs, "code").expect("code")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn client_secret_is_bound_at_first_use() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    let (status, body) = token(
        &h,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("refresh"),
            ),
            ("client_id", "client-1.apps.googleusercontent.com"),
            ("client_secret", "not-the-secret"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied() {
    let h = Harness::new().await;
    h.emu.set_consent(Consent::Deny);
    let pairs = authorize(&h, &[]).await;
    assert_eq!(param(&pairs, "error"), Some("access_denied"));
    assert_eq!(param(&pairs, "state"), Some("csrf-123"));
    assert_eq!(param(&pairs, "code"), None);
}

#[tokio::test]
async fn partial_consent_grants_fewer_scopes() {
    let h = Harness::new().await;
    h.emu
        .set_consent(Consent::GrantOnly(vec![SCOPE_CALENDAR_READONLY.to_owned()]));
    let scopes = format!("{SCOPE_CALENDAR} {SCOPE_CALENDAR_READONLY}");
    let pairs = authorize(&h, &[("scope", scopes.as_str())]).await;
    assert_eq!(param(&pairs, "scope"), Some(SCOPE_CALENDAR_READONLY));
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    assert_eq!(tokens["scope"], SCOPE_CALENDAR_READONLY);
    let access = tokens["access_token"].as_str().expect("access");
    let reply = h
        .call_as(
            Some(access),
            reqwest::Method::POST,
            "calendars/primary/events",
            Some(
                serde_json::json!({"start": {"date": "2024-01-01"}, "end": {"date": "2024-01-02"}}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.reason(), "insufficientPermissions");
}

#[tokio::test]
async fn login_hint_picks_and_creates_the_account() {
    let h = Harness::new().await;
    let pairs = authorize(&h, &[("login_hint", "carol@client.example")]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    let access = tokens["access_token"].as_str().expect("access");
    let reply = h
        .call_as(
            Some(access),
            reqwest::Method::GET,
            "users/me/calendarList",
            None,
        )
        .await;
    let items = reply.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], "carol@client.example");
    assert_eq!(items[0]["primary"], true);
}

#[tokio::test]
async fn authorization_request_is_validated() {
    let h = Harness::new().await;
    let bad = |q: Vec<(&'static str, &'static str)>| {
        let h = &h;
        async move {
            let resp = h
                .http
                .get(h.emu.auth_url())
                .query(&q)
                .send()
                .await
                .expect("auth");
            (
                resp.status(),
                resp.json::<Value>().await.expect("json")["error"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        }
    };
    let base = vec![
        ("client_id", "c"),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE_CALENDAR),
    ];
    let mut token_type = base.clone();
    token_type.push(("response_type", "token"));
    assert_eq!(
        bad(token_type).await,
        (
            StatusCode::BAD_REQUEST,
            "unsupported_response_type".to_owned()
        )
    );
    let mut no_scope = vec![
        ("client_id", "c"),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
    ];
    assert_eq!(bad(no_scope.clone()).await.1, "invalid_request");
    no_scope.push(("scope", "https://evil.example/scope"));
    assert_eq!(bad(no_scope).await.1, "invalid_scope");
    let mut weak = base.clone();
    weak.extend([
        ("response_type", "code"),
        ("code_challenge", "short"),
        ("code_challenge_method", "S256"),
    ]);
    assert_eq!(bad(weak).await.1, "invalid_request");
}

#[tokio::test]
async fn configured_default_account_consents_without_login_hint() {
    let h = Harness::with(Emulator::builder().default_account("owner@agency.example")).await;
    let pairs = authorize(&h, &[]).await;
    let (_, tokens) = exchange(&h, param(&pairs, "code").expect("code")).await;
    let access = tokens["access_token"].as_str().expect("access");
    let reply = h
        .call_as(
            Some(access),
            reqwest::Method::GET,
            "calendars/primary",
            None,
        )
        .await;
    assert_eq!(reply.body["id"], "owner@agency.example");
}
