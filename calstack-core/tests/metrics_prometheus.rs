//! Metrics through the `metrics` facade, rendered by the Prometheus exporter: every call is
//! counted with its operation and outcome, retries and errors by reason, refreshes and cache
//! hits; the credential label only when asked for; and the `/metrics` server serves it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod calendar_support;

use std::sync::Arc;

use calendar_support::*;
use calstack_core::metrics::prometheus::{self, PrometheusHandle};
use calstack_core::{CalendarClient, StaticToken};
use serde_json::json;

/// Runs `work` with a fresh Prometheus recorder scoped to this thread; returns the rendering.
async fn recorded<F: std::future::Future<Output = ()>>(work: F) -> (String, PrometheusHandle) {
    let recorder = prometheus::recorder();
    let handle = recorder.handle();
    {
        let _scope = metrics::set_default_local_recorder(&recorder);
        work.await;
    }
    (handle.render(), handle)
}

fn labelled_client(server: &wiremock::MockServer, label: Option<&str>) -> CalendarClient {
    let mut builder = CalendarClient::builder(Arc::new(StaticToken::new(TOKEN)))
        .base_url(base_url(server))
        .clock(Arc::new(calstack_core::ManualClock::new(start_time())));
    if let Some(label) = label {
        builder = builder.metrics_credential_label(label);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn calls_retries_errors_and_latency_are_recorded_per_operation() {
    let server = server().await;
    answer_first(&server, 1, "GET colors")
        .with(backend_error())
        .await;
    answer(&server, 1, "GET colors")
        .with(json(200, json!({"kind": "calendar#colors"})))
        .await;
    answer(&server, 1, "DELETE calendars/primary/events/ev1")
        .with(google_error(
            403,
            "quotaExceeded",
            "Calendar usage limits exceeded.",
        ))
        .await;
    let client = labelled_client(&server, None);
    let (text, _) = recorded(async {
        client.colors().get().send().await.unwrap();
        let _ = client.events().delete("primary", "ev1").send().await;
    })
    .await;
    for line in [
        r#"calstack_attempts_total{operation="colors.get"} 2"#,
        r#"calstack_retries_total{operation="colors.get"} 1"#,
        r#"calstack_errors_total{operation="colors.get",reason="backendError"} 1"#,
        r#"calstack_requests_total{operation="colors.get",outcome="ok"} 1"#,
        r#"calstack_request_duration_seconds_bucket{operation="colors.get",outcome="ok",le="2"} 1"#,
        r#"calstack_request_duration_seconds_count{operation="colors.get",outcome="ok"} 1"#,
        r#"calstack_errors_total{operation="events.delete",reason="quotaExceeded"} 1"#,
        r#"calstack_requests_total{operation="events.delete",outcome="error"} 1"#,
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    assert!(
        !text.contains("credential="),
        "no credential label unless asked"
    );
    assert!(!text.contains(TOKEN), "no token in metrics");
}

#[tokio::test]
async fn the_credential_label_is_added_only_when_the_caller_opts_in() {
    let server = server().await;
    answer(&server, 1, "GET colors")
        .with(json(200, json!({"kind": "calendar#colors"})))
        .await;
    let client = labelled_client(&server, Some("cred-7"));
    let (text, _) = recorded(async {
        client.colors().get().send().await.unwrap();
    })
    .await;
    assert!(
        text.contains(
            r#"calstack_requests_total{operation="colors.get",credential="cred-7",outcome="ok"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn the_metrics_server_serves_the_text_format_and_nothing_else() {
    let server = server().await;
    answer(&server, 1, "GET colors")
        .with(json(200, json!({"kind": "calendar#colors"})))
        .await;
    let client = labelled_client(&server, None);
    let (_, handle) = recorded(async {
        client.colors().get().send().await.unwrap();
    })
    .await;
    let running = prometheus::serve("127.0.0.1:0".parse().unwrap(), handle)
        .await
        .expect("listens");
    let base = format!("http://{}", running.local_addr());
    let http = reqwest::Client::new();
    let scraped = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    let body = scraped.text().await.unwrap();
    assert!(
        body.contains(r#"calstack_requests_total{operation="colors.get",outcome="ok"} 1"#),
        "{body}"
    );
    let other = http.get(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(other.status(), 404);
    running.shutdown();
}
