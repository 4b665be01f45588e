//! Transport behaviour a user notices: what is retried and how long it waits, 401 healing,
//! ETag preconditions, conditional reads, throttling, counters, and no token in logs.

#![allow(clippy::unwrap_used)]

mod calendar_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use calendar_support::{
    TOKEN, answer, answer_first, backend_error, client, client_retrying, counter, duplicate_id,
    event_json, google_error, invalid_credentials, json, on, rate_limited, reject_old_token_then,
    rotating_client, server, vector,
};
use calstack_core::calendar::Conditional;
use calstack_core::{
    CalendarClient, Error, Event, EventDateTime, ManualClock, RetryPolicy, StaticToken,
};
use serde_json::json;
use wiremock::matchers::{header, method};
use wiremock::{Mock, Request, ResponseTemplate};

fn new_event() -> Event {
    let start = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
    Event::new(
        "Planning",
        EventDateTime::timed(start, None),
        EventDateTime::timed(start + chrono::TimeDelta::hours(1), None),
    )
}

#[tokio::test]
async fn rate_limited_request_waits_retry_after_then_succeeds() {
    let server = server().await;
    answer_first(&server, 1, "GET calendars/primary/events/e1")
        .with(rate_limited("Rate Limit Exceeded", "7"))
        .await;
    answer(&server, 1, "GET calendars/primary/events/e1")
        .with(json(200, event_json("e1", "ok")))
        .await;
    let (client, clock) = client(&server);
    let event = client.events().get("primary", "e1").send().await.unwrap();
    assert_eq!(event.id.as_deref(), Some("e1"));
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
    let metrics = client.metrics();
    assert_eq!(metrics.requests, 2);
    assert_eq!(metrics.retries, 1);
    assert_eq!(metrics.errors.get("rateLimitExceeded"), Some(&1));
}

#[tokio::test]
async fn a_retry_after_longer_than_max_delay_is_returned_to_the_caller() {
    let server = server().await;
    answer(&server, 1, "GET colors")
        .with(rate_limited("slow down", "3600"))
        .await;
    let (client, clock) = client(&server);
    let err = client.colors().get().send().await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert!(
        clock.sleeps().is_empty(),
        "the client did not block for an hour"
    );
}

#[tokio::test]
async fn retry_after_as_http_date_is_measured_against_the_clock() {
    let server = server().await;
    // The manual clock starts at 2024-05-01T08:00:00Z.
    on("GET colors")
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "Wed, 01 May 2024 08:00:30 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    answer(&server, 1, "GET colors")
        .with(json(200, json!({"kind": "calendar#colors"})))
        .await;
    let (client, clock) = client(&server);
    client.colors().get().send().await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
}

#[tokio::test]
async fn forbidden_rate_limit_is_retried_with_jittered_backoff() {
    let server = server().await;
    answer_first(&server, 2, "GET calendars/primary")
        .with(json(403, vector("error_403_rateLimitExceeded")))
        .await;
    answer(&server, 1, "GET calendars/primary")
        .with(json(200, json!({"id": "primary"})))
        .await;
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
    };
    let (client, clock) = client_retrying(&server, policy);
    client.calendars().get("primary").send().await.unwrap();
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] <= Duration::from_millis(200), "{sleeps:?}");
    assert!(sleeps[1] <= Duration::from_millis(400), "{sleeps:?}");
}

#[tokio::test]
async fn spent_retry_budget_on_429_gives_rate_limited_with_reason_and_wait() {
    let server = server().await;
    answer(&server, 3, "GET colors")
        .with(rate_limited("slow down", "2"))
        .await;
    let (client, clock) = client_retrying(&server, RetryPolicy::with_max_attempts(3));
    let err = client.colors().get().send().await.unwrap_err();
    match err {
        Error::RateLimited {
            retry_after,
            reason,
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(2)));
            assert_eq!(reason, "rateLimitExceeded");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2); 2]);
}

#[tokio::test]
async fn server_errors_are_retried_up_to_max_attempts_with_capped_backoff() {
    let server = server().await;
    answer(&server, 4, "GET colors").with(backend_error()).await;
    let policy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(2),
    };
    let (client, clock) = client_retrying(&server, policy);
    let err = client.colors().get().send().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    assert!(
        sleeps.iter().all(|d| *d <= Duration::from_secs(2)),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events/missing")
        .with(google_error(404, "notFound", "Not Found"))
        .await;
    answer(&server, 1, "GET calendars/primary/events")
        .with(google_error(
            400,
            "timeRangeEmpty",
            "The specified time range is empty.",
        ))
        .await;
    answer(&server, 1, "GET colors")
        .with(google_error(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        ))
        .await;
    let (client, clock) = client(&server);
    let err = client
        .events()
        .get("primary", "missing")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = client.events().list("primary").send().await.unwrap_err();
    match err {
        Error::Api(api) => {
            assert_eq!(api.status, 400);
            assert_eq!(api.reason.as_deref(), Some("timeRangeEmpty"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    let err = client.colors().get().send().await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn retried_insert_that_meets_duplicate_returns_the_stored_event() {
    let server = server().await;
    answer_first(&server, 1, "POST calendars/primary/events")
        .with(backend_error())
        .await;
    answer(&server, 1, "POST calendars/primary/events")
        .with(duplicate_id())
        .await;
    Mock::given(method("GET"))
        .and(path_regex_events_get())
        .respond_with(|req: &Request| {
            let id = req.url.path().rsplit('/').next().unwrap().to_owned();
            ResponseTemplate::new(200).set_body_json(event_json(&id, "Planning"))
        })
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let event = client
        .events()
        .insert("primary", new_event())
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let posted_ids: Vec<String> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(posted_ids.len(), 2);
    assert_eq!(
        posted_ids[0], posted_ids[1],
        "the retry reuses the generated id"
    );
    assert_eq!(event.id.as_deref(), Some(posted_ids[0].as_str()));
}

fn path_regex_events_get() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(r"^/calendar/v3/calendars/primary/events/[0-9a-v]{5,}$")
}

#[tokio::test]
async fn insert_retried_after_503_creates_one_event() {
    let server = server().await;
    let posts = counter();
    let seen = posts.clone();
    answer(&server, 2, "POST calendars/primary/events")
        .with(move |req: &Request| {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(503)
            } else {
                ResponseTemplate::new(200).set_body_raw(req.body.clone(), "application/json")
            }
        })
        .await;
    let (client, _) = client(&server);
    let event = client
        .events()
        .insert("primary", new_event())
        .send()
        .await
        .unwrap();
    assert_eq!(posts.load(Ordering::SeqCst), 2);
    assert!(event.id.is_some());
}

#[tokio::test]
async fn a_first_attempt_duplicate_is_a_real_conflict() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/events")
        .with(duplicate_id())
        .await;
    let (client, _) = client(&server);
    let err = client
        .events()
        .insert("primary", new_event().with_id("taken12345"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn non_idempotent_posts_are_not_retried_after_reaching_the_server() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/events/quickAdd")
        .with(ResponseTemplate::new(503))
        .await;
    answer(&server, 1, "POST calendars")
        .with(ResponseTemplate::new(500))
        .await;
    let (client, clock) = client(&server);
    let err = client
        .events()
        .quick_add("primary", "Lunch")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    let err = client
        .calendars()
        .insert(calstack_core::Calendar::new("New"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn connection_errors_are_retried_even_for_non_idempotent_posts() {
    // Bind a port, then free it, so nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let clock = ManualClock::new(chrono::Utc::now());
    let client = CalendarClient::builder(Arc::new(StaticToken::new(TOKEN)))
        .base_url(
            format!("http://127.0.0.1:{port}/calendar/v3/")
                .parse()
                .unwrap(),
        )
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::with_max_attempts(3))
        .build()
        .unwrap();
    let err = client
        .events()
        .quick_add("primary", "Lunch")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(clock.sleeps().len(), 2);
    assert_eq!(client.metrics().errors.get("transport"), Some(&3));
}

#[tokio::test]
async fn unauthorized_request_is_retried_once_with_a_refreshed_token() {
    let server = server().await;
    reject_old_token_then(
        &server,
        "GET colors",
        json(200, json!({"kind": "calendar#colors"})),
    )
    .await;
    let (client, clock, tokens) = rotating_client(&server);
    client.colors().get().send().await.unwrap();
    assert_eq!(tokens.refresh_count(), 1);
    assert!(clock.sleeps().is_empty(), "a 401 re-send does not back off");
    assert_eq!(client.metrics().unauthorized_refreshes, 1);
}

#[tokio::test]
async fn a_second_401_is_returned_and_refresh_happens_only_once() {
    let server = server().await;
    answer(&server, 2, "GET colors")
        .with(invalid_credentials())
        .await;
    let (client, _, tokens) = rotating_client(&server);
    let err = client.colors().get().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(tokens.refresh_count(), 1);
}

#[tokio::test]
async fn a_401_with_no_better_token_is_returned_at_once() {
    let server = server().await;
    answer(&server, 1, "GET colors")
        .with(invalid_credentials())
        .await;
    let (client, _) = client(&server);
    let err = client.colors().get().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn stale_etag_gives_precondition_failed() {
    let server = server().await;
    answer(&server, 1, "PUT calendars/primary/events/e1")
        .and(header("if-match", "\"stale\""))
        .with(google_error(412, "conditionNotMet", "Precondition Failed"))
        .await;
    let (client, _) = client(&server);
    let err = client
        .events()
        .update("primary", "e1", new_event())
        .if_match("\"stale\"")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed), "{err:?}");
}

#[tokio::test]
async fn conditional_get_reports_not_modified_or_the_new_event() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/events/e1")
        .and(header("if-none-match", "\"etag-e1\""))
        .with(ResponseTemplate::new(304))
        .await;
    answer(&server, 1, "GET calendars/primary/events/e1")
        .and(header("if-none-match", "\"older\""))
        .with(json(200, event_json("e1", "changed")))
        .await;
    let (client, _) = client(&server);
    let same = client
        .events()
        .get("primary", "e1")
        .if_none_match("\"etag-e1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(same, Conditional::NotModified);
    let changed = client
        .events()
        .get("primary", "e1")
        .if_none_match("\"older\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.modified().unwrap().summary.as_deref(),
        Some("changed")
    );
}

#[tokio::test]
async fn throttle_limits_the_request_rate() {
    let server = server().await;
    answer(&server, 5, "GET colors")
        .with(json(200, json!({"kind": "calendar#colors"})))
        .await;
    let clock = ManualClock::new(calendar_support::start_time());
    let client = CalendarClient::builder(Arc::new(StaticToken::new(TOKEN)))
        .base_url(calendar_support::base_url(&server))
        .clock(Arc::new(clock.clone()))
        .requests_per_second(2)
        .build()
        .unwrap();
    for _ in 0..5 {
        client.colors().get().send().await.unwrap();
    }
    let metrics = client.metrics();
    assert_eq!(metrics.throttled_waits, 4);
    assert_eq!(metrics.requests, 5);
    let waited: Duration = clock.sleeps().iter().sum();
    assert!(
        waited >= Duration::from_millis(1990) && waited <= Duration::from_millis(2010),
        "5 requests at 2/s span 2 s of clock time, waited {waited:?}"
    );
}

#[tokio::test]
async fn unthrottled_client_never_waits() {
    let server = server().await;
    answer(&server, 3, "GET colors")
        .with(json(200, json!({})))
        .await;
    let (client, clock) = client(&server);
    for _ in 0..3 {
        client.colors().get().send().await.unwrap();
    }
    assert_eq!(client.metrics().throttled_waits, 0);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
#[tracing_test::traced_test]
async fn the_access_token_never_appears_in_logs_or_debug_output() {
    let server = server().await;
    on("GET colors")
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(backend_error())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    answer(&server, 1, "GET colors")
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .with(json(200, json!({})))
        .await;
    let (client, _) = client(&server);
    client.colors().get().send().await.unwrap();
    assert!(
        logs_contain("calendar_request"),
        "request spans are captured"
    );
    assert!(
        logs_contain("attempt=2"),
        "the retry is logged with its attempt"
    );
    assert!(!logs_contain(TOKEN));
    assert!(!logs_contain("ya29"));
    assert!(!logs_contain("Bearer"));
    let debug = format!("{client:?}");
    assert!(!debug.contains(TOKEN) && !debug.contains("ya29"), "{debug}");
}

#[tokio::test]
async fn a_duplicate_after_a_401_resend_is_a_real_conflict() {
    let server = server().await;
    reject_old_token_then(&server, "POST calendars/primary/events", duplicate_id()).await;
    let (client, _, _) = rotating_client(&server);
    let err = client
        .events()
        .insert("primary", new_event().with_id("taken12345"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "a 401 never stored anything");
}

#[tokio::test]
async fn client_and_request_futures_can_move_across_tasks() {
    fn assert_shareable<T: Send + Sync + Clone + std::fmt::Debug + 'static>(_: &T) {}
    let server = server().await;
    answer(&server, 1, "GET colors")
        .with(json(200, json!({})))
        .await;
    let (client, _) = client(&server);
    assert_shareable(&client);
    let list = client.events().list("primary");
    let stream_is_send: &dyn Send = &list.clone().stream();
    let _ = stream_is_send;
    tokio::spawn(client.colors().get().send())
        .await
        .unwrap()
        .unwrap();
}
