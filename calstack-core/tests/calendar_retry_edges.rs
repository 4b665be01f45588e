//! The retry edge cases of docs/calendar.md ("Retries that meet their own earlier attempt",
//! "Long Retry-After", "Quota", "Retry budget"), each against wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod calendar_support;

use std::sync::Arc;
use std::time::Duration;

use calendar_support::*;
use calstack_core::calendar::model::SendUpdates;
use calstack_core::{
    CalendarClient, Error, Event, EventDateTime, RetryBudget, RetryPolicy, StaticToken,
};
use serde_json::json;
use wiremock::ResponseTemplate;

const EVENT: &str = "calendars/primary/events/ev1";

fn moved_event() -> Event {
    let start = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
    Event::new(
        "Planning",
        EventDateTime::timed(start, None),
        EventDateTime::timed(start + chrono::TimeDelta::hours(1), None),
    )
}

fn summary(text: &str) -> Event {
    Event {
        summary: Some(text.to_owned()),
        ..Event::default()
    }
}

fn deleted() -> ResponseTemplate {
    google_error(410, "deleted", "Resource has been deleted")
}

fn condition_not_met() -> ResponseTemplate {
    google_error(412, "conditionNotMet", "Precondition Failed")
}

#[tokio::test]
async fn a_retried_delete_that_finds_the_event_gone_succeeds() {
    for gone in [deleted(), google_error(404, "notFound", "Not Found")] {
        let server = server().await;
        answer_first(&server, 1, &format!("DELETE {EVENT}"))
            .with(backend_error())
            .await;
        answer(&server, 1, &format!("DELETE {EVENT}"))
            .with(gone)
            .await;
        let (client, _) = client(&server);
        client
            .events()
            .delete("primary", "ev1")
            .send()
            .await
            .expect("the first attempt deleted it");
    }
}

#[tokio::test]
async fn a_first_attempt_delete_of_a_missing_event_is_not_found() {
    let server = server().await;
    answer(&server, 1, &format!("DELETE {EVENT}"))
        .with(google_error(404, "notFound", "Not Found"))
        .await;
    let (client, _) = client(&server);
    let err = client.events().delete("primary", "ev1").send().await;
    assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");
}

#[tokio::test]
async fn an_if_match_update_whose_first_attempt_applied_returns_the_stored_event() {
    let server = server().await;
    answer_first(&server, 1, &format!("PUT {EVENT}"))
        .with(backend_error())
        .await;
    answer(&server, 1, &format!("PUT {EVENT}"))
        .with(condition_not_met())
        .await;
    let mut stored = event_json("ev1", "Planning");
    stored["etag"] = json!("\"etag-after-first-attempt\"");
    stored["start"] = json!({"dateTime": "2024-05-01T10:00:00+02:00"});
    stored["end"] = json!({"dateTime": "2024-05-01T11:00:00+02:00"});
    answer(&server, 1, &format!("GET {EVENT}"))
        .and(NoBody)
        .with(json(200, stored))
        .await;
    let (client, _) = client(&server);
    let event = client
        .events()
        .update("primary", "ev1", moved_event())
        .if_match("\"etag-before\"")
        .send()
        .await
        .expect("the first attempt applied");
    assert_eq!(event.etag.as_deref(), Some("\"etag-after-first-attempt\""));
}

#[tokio::test]
async fn an_if_match_patch_retried_into_someone_elses_change_is_precondition_failed() {
    let server = server().await;
    answer_first(&server, 1, &format!("PATCH {EVENT}"))
        .with(ResponseTemplate::new(500))
        .await;
    answer(&server, 1, &format!("PATCH {EVENT}"))
        .with(condition_not_met())
        .await;
    answer(&server, 1, &format!("GET {EVENT}"))
        .with(json(200, event_json("ev1", "Renamed by someone else")))
        .await;
    let (client, _) = client(&server);
    let err = client
        .events()
        .patch("primary", "ev1", summary("Mine"))
        .if_match("\"etag-before\"")
        .send()
        .await;
    assert!(matches!(err, Err(Error::PreconditionFailed)), "{err:?}");
}

#[tokio::test]
async fn a_first_attempt_412_is_reported_without_reading_the_event() {
    let server = server().await;
    answer(&server, 1, &format!("PATCH {EVENT}"))
        .with(condition_not_met())
        .await;
    let (client, _) = client(&server);
    let err = client
        .events()
        .patch("primary", "ev1", summary("Mine"))
        .if_match("\"stale\"")
        .send()
        .await;
    assert!(matches!(err, Err(Error::PreconditionFailed)), "{err:?}");
}

#[tokio::test]
async fn a_patch_that_emails_attendees_is_not_repeated_once_it_reached_google() {
    let server = server().await;
    answer(&server, 1, &format!("PATCH {EVENT}"))
        .with(backend_error())
        .await;
    let (client, clock) = client(&server);
    let err = client
        .events()
        .patch("primary", "ev1", summary("Moved"))
        .send_updates(SendUpdates::All)
        .send()
        .await
        .expect_err("a repeat could email every guest twice");
    assert_eq!(err.status(), Some(503));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn quiet_or_if_match_patches_are_retried() {
    let server = server().await;
    answer_first(&server, 2, &format!("PATCH {EVENT}"))
        .with(backend_error())
        .await;
    answer(&server, 2, &format!("PATCH {EVENT}"))
        .with(json(200, event_json("ev1", "Moved")))
        .await;
    let (client, _) = client(&server);
    client
        .events()
        .patch("primary", "ev1", summary("Moved"))
        .send_updates(SendUpdates::None)
        .send()
        .await
        .expect("no notification: safe to repeat");
    client
        .events()
        .patch("primary", "ev1", summary("Moved"))
        .send_updates(SendUpdates::All)
        .if_match("\"etag-1\"")
        .send()
        .await
        .expect("If-Match: a repeat after success meets 412, never a second change");
}

fn client_with_budget(
    server: &wiremock::MockServer,
    budget: Arc<RetryBudget>,
    longest_wait: Option<Duration>,
) -> (CalendarClient, calstack_core::ManualClock) {
    let clock = calstack_core::ManualClock::new(start_time());
    let mut builder = CalendarClient::builder(Arc::new(StaticToken::new(TOKEN)))
        .base_url(base_url(server))
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::with_max_attempts(5))
        .retry_budget(budget);
    if let Some(longest) = longest_wait {
        builder = builder.max_retry_after(longest);
    }
    (builder.build().unwrap(), clock)
}

#[tokio::test]
async fn a_long_retry_after_is_waited_when_the_caller_allows_it() {
    let server = server().await;
    answer_first(&server, 1, "GET colors")
        .with(rate_limited("slow down", "90"))
        .await;
    answer(&server, 1, "GET colors")
        .with(json(200, json!({"kind": "calendar#colors"})))
        .await;
    let budget = Arc::new(RetryBudget::default());
    let (client, clock) = client_with_budget(&server, budget, Some(Duration::from_secs(120)));
    client.colors().get().send().await.expect("waited, then ok");
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(90)]);
}

#[tokio::test]
async fn quota_exceeded_is_typed_and_sent_once() {
    for reason in ["quotaExceeded", "dailyLimitExceeded"] {
        let server = server().await;
        answer(&server, 1, "GET colors")
            .with(google_error(403, reason, "Calendar usage limits exceeded."))
            .await;
        let (client, clock) = client(&server);
        let err = client.colors().get().send().await.unwrap_err();
        match &err {
            Error::QuotaExceeded { reason: got, .. } => assert_eq!(got, reason),
            other => panic!("expected QuotaExceeded, got {other:?}"),
        }
        assert!(!err.is_retryable());
        assert!(clock.sleeps().is_empty());
    }
}

#[tokio::test]
async fn with_every_request_failing_retries_stay_within_the_budget() {
    let server = server().await;
    // 10 tokens at 5 per retry: two retries in all, however many requests fail.
    let budget = Arc::new(RetryBudget::new(10, 5, 10));
    answer(&server, 20 + 2, "GET colors")
        .with(backend_error())
        .await;
    let (client, _) = client_with_budget(&server, budget.clone(), None);
    for _ in 0..20 {
        let err = client.colors().get().send().await.unwrap_err();
        assert_eq!(err.status(), Some(503));
    }
    assert_eq!(budget.available(), 0);
    assert_eq!(
        client.metrics().requests,
        22,
        "20 first attempts + 2 retries"
    );
}
