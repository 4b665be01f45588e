use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::Harness;

async fn admin(
    h: &Harness,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let url = h.emu.admin_url().join(path).expect("url");
    let resp = h
        .http
        .request(method, url)
        .json(&body)
        .send()
        .await
        .expect("admin call");
    (resp.status(), resp.json().await.expect("json"))
}

#[tokio::test]
async fn admin_api_mints_tokens_seeds_and_counts_over_http() {
    let h = Harness::new().await;
    let (status, token) = admin(
        &h,
        reqwest::Method::POST,
        "accounts/dana@example.com/token",
        json!({"scopes": ["calendar"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let access = token["access_token"].as_str().expect("token").to_owned();
    assert!(access.starts_with("ya29."));

    let (status, seeded) = admin(
        &h,
        reqwest::Method::POST,
        "accounts/dana@example.com/calendars/primary/seed",
        json!({"count": 1200}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seeded["inserted"], 1200);

    let reply = h
        .call_as(
            Some(&access),
            reqwest::Method::GET,
            "calendars/primary/events?maxResults=2500",
            None,
        )
        .await;
    assert_eq!(reply.body["items"].as_array().expect("items").len(), 1200);

    let (_, counters) = admin(&h, reqwest::Method::GET, "counters", json!({})).await;
    assert_eq!(counters["events.list"], 1);

    let (status, _) = admin(
        &h,
        reqwest::Method::POST,
        "faults/script",
        json!({"endpoint": "events.get", "fault": {"kind": "service_unavailable"}, "times": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let reply = h
        .call_as(
            Some(&access),
            reqwest::Method::GET,
            "calendars/primary/events/whatever",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);

    let (status, _) = admin(&h, reqwest::Method::POST, "reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let reply = h
        .call_as(
            Some(&access),
            reqwest::Method::GET,
            "calendars/primary/events",
            None,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "reset forgets tokens too"
    );
}

#[test]
fn binary_prints_its_address_first() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_calstack-emulator"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    child.kill().expect("kill");
    let _ = child.wait();
    let url = line
        .trim()
        .strip_prefix("calstack-emulator listening on http://127.0.0.1:")
        .expect("expected prefix");
    assert!(url.parse::<u16>().is_ok_and(|p| p > 0), "port in {line:?}");
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let emu = calstack_emulator::Emulator::builder()
        .start()
        .await
        .expect("starts");
    let url = emu.base_url();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    assert!(client.get(url.clone()).send().await.is_ok());
    emu.shutdown().await;
    assert!(
        client.get(url).send().await.is_err(),
        "nothing listens after shutdown"
    );

    let emu = calstack_emulator::Emulator::builder()
        .start()
        .await
        .expect("starts");
    let url = emu.base_url();
    drop(emu);
    tokio::task::yield_now().await;
    assert!(
        client.get(url).send().await.is_err(),
        "nothing listens after drop"
    );
}

#[tokio::test]
async fn debug_output_hides_tokens() {
    let h = Harness::new().await;
    let shown = format!("{:?}", h.emu);
    assert!(!shown.contains(&h.token));
}

#[tokio::test]
async fn in_process_helpers_create_calendars_and_events() {
    let h = Harness::new().await;
    let work = h
        .emu
        .create_calendar(crate::common::USER, "Work")
        .expect("calendar");
    let event = h
        .emu
        .insert_event(
            crate::common::USER,
            &work,
            json!({"summary": "Weekly", "start": {"dateTime": "2024-01-01T09:00:00Z", "timeZone": "UTC"},
                   "end": {"dateTime": "2024-01-01T10:00:00Z", "timeZone": "UTC"},
                   "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"]}),
        )
        .expect("event");
    let id = event["id"].as_str().expect("id");
    let reply = h
        .get(&format!("calendars/{work}/events/{id}/instances"))
        .await;
    assert_eq!(reply.body["items"].as_array().expect("items").len(), 3);
    let bad = h.emu.insert_event(
        crate::common::USER,
        "primary",
        json!({"summary": "no times"}),
    );
    assert!(matches!(
        bad,
        Err(calstack_emulator::EmulatorError::Invalid { field: "event", .. })
    ));
}

#[tokio::test]
async fn binding_a_busy_port_is_a_bind_error() {
    let first = calstack_emulator::Emulator::builder()
        .start()
        .await
        .expect("starts");
    let taken = first.local_addr().port();
    let second = calstack_emulator::Emulator::builder()
        .port(taken)
        .start()
        .await;
    assert!(matches!(
        second,
        Err(calstack_emulator::EmulatorError::Bind { .. })
    ));
}

#[cfg(unix)]
#[test]
fn binary_exits_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_calstack-emulator"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "SIGTERM is a clean shutdown, got {exit:?}");
}

#[tokio::test]
async fn admin_faults_consent_and_quota_accept_documented_json() {
    let h = Harness::new().await;
    let (status, _) = admin(
        &h,
        reqwest::Method::PUT,
        "faults",
        json!({"seed": 1, "rules": [{"endpoint": "colors.*", "fault": {"kind": "internal_error"}, "probability": 1.0}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        h.get("colors").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        admin(&h, reqwest::Method::DELETE, "faults", json!({}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(h.get("colors").await.status, StatusCode::OK);

    let (status, _) = admin(
        &h,
        reqwest::Method::PUT,
        "consent",
        json!({"mode": "grant_only", "scopes": ["https://www.googleapis.com/auth/calendar.readonly"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        admin(&h, reqwest::Method::PUT, "consent", json!({"mode": "deny"}))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = admin(
        &h,
        reqwest::Method::PUT,
        "consent",
        json!({"mode": "sometimes"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    assert_eq!(
        admin(
            &h,
            reqwest::Method::PUT,
            "quota",
            json!({"requests_per_minute": 1})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(h.get("colors").await.status, StatusCode::OK);
    assert_eq!(h.get("colors").await.reason(), "userRateLimitExceeded");
    assert_eq!(
        admin(
            &h,
            reqwest::Method::POST,
            "clock/advance",
            json!({"seconds": 60})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(h.get("colors").await.status, StatusCode::OK);
}

#[tokio::test]
async fn minted_tokens_accept_short_scope_names() {
    let h = Harness::new().await;
    let (_, token) = admin(
        &h,
        reqwest::Method::POST,
        "accounts/erin@example.com/token",
        json!({"scopes": ["calendar.readonly"]}),
    )
    .await;
    assert_eq!(
        token["scope"],
        "https://www.googleapis.com/auth/calendar.readonly"
    );
    let access = token["access_token"].as_str().expect("token");
    let reply = h
        .call_as(
            Some(access),
            reqwest::Method::POST,
            "calendars",
            Some(json!({"summary": "x"})),
        )
        .await;
    assert_eq!(reply.reason(), "insufficientPermissions");
}

#[tokio::test]
async fn absurd_admin_values_are_rejected_or_clamped_not_fatal() {
    let h = Harness::new().await;
    let (status, _) = admin(
        &h,
        reqwest::Method::POST,
        "accounts/user@example.com/calendars/primary/seed",
        json!({"count": 5_000_000, "spacing_minutes": i64::MAX}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = admin(
        &h,
        reqwest::Method::POST,
        "clock/advance",
        json!({"seconds": i64::MAX}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, token) = admin(
        &h,
        reqwest::Method::POST,
        "accounts/user@example.com/token",
        json!({"lifetime_secs": i64::MAX}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let access = token["access_token"].as_str().expect("token");
    let reply = h
        .call_as(Some(access), reqwest::Method::GET, "colors", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "the emulator keeps serving");
}

#[tokio::test]
async fn drop_after_apply_is_accepted_by_the_admin_api_and_a_retried_delete_meets_410() {
    let h = Harness::new().await;
    let event = h
        .insert("Doomed", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")
        .await;
    let id = event["id"].as_str().expect("id").to_owned();
    let (status, _) = admin(
        &h,
        reqwest::Method::POST,
        "faults/script",
        json!({"endpoint": "events.delete", "fault": {"kind": "drop_after_apply"}, "times": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("calendars/primary/events/{id}");
    let lost = h
        .http
        .delete(h.url(&path))
        .bearer_auth(&h.token)
        .send()
        .await;
    assert!(lost.is_err(), "the answer never arrives");
    let again = h.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(
        (again.status, again.reason()),
        (StatusCode::GONE, "deleted"),
        "the first delete was applied"
    );
}
