use calstack_emulator::{Emulator, Fault, ScriptedFault};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn scripted_faults_fail_exactly_the_next_n_matching_calls() {
    let h = Harness::new().await;
    h.emu.script_fault(ScriptedFault::new(
        "events.insert",
        Fault::ServiceUnavailable,
        2,
    ));
    let body = json!({"start": {"date": "2024-01-01"}, "end": {"date": "2024-01-02"}});
    assert_eq!(
        h.get("calendars/primary/events").await.status,
        StatusCode::OK,
        "other endpoints are untouched"
    );
    for _ in 0..2 {
        let reply = h.post("calendars/primary/events", body.clone()).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.reason(), "backendError");
    }
    assert_eq!(
        h.post("calendars/primary/events", body).await.status,
        StatusCode::OK
    );
    assert_eq!(h.emu.counter("events.insert"), 3);
    assert_eq!(h.emu.counter("events.list"), 1);
}

#[tokio::test]
async fn too_many_requests_carries_retry_after() {
    let h = Harness::new().await;
    h.emu.script_fault(ScriptedFault::new(
        "*",
        Fault::TooManyRequests {
            retry_after_secs: Some(7),
        },
        1,
    ));
    let reply = h.get("colors").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers["retry-after"], "7");
    assert_eq!(reply.reason(), "rateLimitExceeded");
    h.emu.script_fault(ScriptedFault::new(
        "colors.get",
        Fault::RateLimitExceeded,
        1,
    ));
    let reply = h.get("colors").await;
    assert_eq!(
        (reply.status, reply.reason()),
        (StatusCode::FORBIDDEN, "rateLimitExceeded")
    );
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error() {
    let h = Harness::new().await;
    h.emu
        .script_fault(ScriptedFault::new("events.list", Fault::DropConnection, 1));
    let result = h
        .http
        .get(h.url("calendars/primary/events"))
        .bearer_auth(&h.token)
        .send()
        .await;
    assert!(
        result.is_err(),
        "the client sees the connection close without a response"
    );
    assert_eq!(
        h.get("calendars/primary/events").await.status,
        StatusCode::OK,
        "the next call works"
    );
}

#[tokio::test]
async fn drop_after_apply_applies_the_write_then_drops_the_answer() {
    let h = Harness::new().await;
    h.emu
        .script_fault(ScriptedFault::new("events.*", Fault::DropAfterApply, 1));
    let body = json!({"id": "dropped0001", "summary": "Applied",
        "start": {"date": "2024-01-01"}, "end": {"date": "2024-01-02"}});
    let lost = h
        .http
        .post(h.url("calendars/primary/events"))
        .bearer_auth(&h.token)
        .json(&body)
        .send()
        .await;
    assert!(lost.is_err(), "the client never hears the answer");
    assert_eq!(
        h.get("calendars/primary/events/dropped0001").await.status,
        StatusCode::OK,
        "but the event was created"
    );
    let again = h.post("calendars/primary/events", body).await;
    assert_eq!(
        (again.status, again.reason()),
        (StatusCode::CONFLICT, "duplicate"),
        "so a retried insert meets 409"
    );
}

#[tokio::test]
async fn token_endpoint_faults_use_oauth_error_shape() {
    let h = Harness::new().await;
    h.emu
        .script_fault(ScriptedFault::new("oauth.token", Fault::InternalError, 1));
    let resp = h
        .http
        .post(h.emu.token_url())
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn per_account_quota_answers_user_rate_limit_exceeded() {
    let h = Harness::with(Emulator::builder().user_rate_limit_per_minute(Some(3))).await;
    for _ in 0..3 {
        assert_eq!(h.get("colors").await.status, StatusCode::OK);
    }
    let reply = h.get("colors").await;
    assert_eq!(
        (reply.status, reply.reason()),
        (StatusCode::FORBIDDEN, "userRateLimitExceeded")
    );
    let other = h
        .emu
        .access_token("other@example.com", &[calstack_emulator::SCOPE_CALENDAR]);
    let reply = h
        .call_as(Some(&other), reqwest::Method::GET, "colors", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "quota is per account");
    h.emu.advance_clock(std::time::Duration::from_secs(61));
    assert_eq!(
        h.get("colors").await.status,
        StatusCode::OK,
        "the window slides"
    );
}

#[tokio::test]
async fn latency_fault_delays_but_answers() {
    let h = Harness::new().await;
    h.emu.script_fault(ScriptedFault::new(
        "colors.get",
        Fault::Latency { millis: 20 },
        1,
    ));
    assert_eq!(h.get("colors").await.status, StatusCode::OK);
}
