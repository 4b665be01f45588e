//! Faults injected by the emulator: retried where safe, never duplicating an event.

use calstack_e2e::Harness;
use calstack_emulator::{Fault, ScriptedFault};

use crate::event_at;

#[tokio::test]
async fn insert_hit_by_two_503s_is_retried_and_creates_exactly_one_event() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Flaky Ltd", "gus@flaky.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let emulator = harness.emulator();
    emulator.script_fault(ScriptedFault::new(
        "events.insert",
        Fault::ServiceUnavailable,
        2,
    ));
    emulator.reset_counters();

    let created = calendar
        .events()
        .insert("primary", event_at("Survives 503s", 9))
        .send()
        .await
        .expect("the insert succeeds after retries");

    assert_eq!(
        emulator.counter("events.insert"),
        3,
        "two 503s, then success"
    );
    let listed = calendar
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("list");
    let copies: Vec<_> = listed
        .iter()
        .filter(|e| e.summary.as_deref() == Some("Survives 503s"))
        .collect();
    assert_eq!(copies.len(), 1, "exactly one event was created");
    assert_eq!(copies[0].id, created.id);
    assert!(
        calendar.metrics().retries >= 2,
        "the client counted its retries"
    );
}

#[tokio::test]
async fn insert_whose_connection_drops_is_retried_and_creates_exactly_one_event() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Dropped Ltd", "hal@dropped.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    harness.emulator().script_fault(ScriptedFault::new(
        "events.insert",
        Fault::DropConnection,
        1,
    ));

    let created = calendar
        .events()
        .insert("primary", event_at("Survives a reset", 9))
        .send()
        .await
        .expect("the insert succeeds after a retry");

    let listed = calendar
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("list");
    let copies: Vec<_> = listed
        .iter()
        .filter(|e| e.summary.as_deref() == Some("Survives a reset"))
        .collect();
    assert_eq!(copies.len(), 1, "exactly one event was created");
    assert_eq!(copies[0].id, created.id);
}

#[tokio::test]
async fn rate_limited_request_waits_exactly_as_long_as_retry_after_says() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Throttled Ltd", "quinn@429.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    harness.emulator().script_fault(ScriptedFault::new(
        "events.list",
        Fault::TooManyRequests {
            retry_after_secs: Some(7),
        },
        1,
    ));

    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("the list succeeds after waiting");

    assert_eq!(
        harness.clock().sleeps(),
        vec![std::time::Duration::from_secs(7)],
        "one wait, of exactly the Retry-After (on the injected clock)"
    );
    assert_eq!(harness.emulator().counter("events.list"), 2);
}

#[tokio::test]
async fn not_found_and_permanent_errors_are_not_retried() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Missing Ltd", "rae@404.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    harness.emulator().reset_counters();
    let err = calendar
        .events()
        .get("primary", "doesnotexist0123456789")
        .send()
        .await
        .expect_err("no such event");
    assert!(
        matches!(err, calstack_core::Error::NotFound { .. }),
        "{err:?}"
    );
    assert_eq!(harness.emulator().counter("events.get"), 1, "asked once");
    harness
        .emulator()
        .script_fault(ScriptedFault::new("events.list", Fault::QuotaExceeded, 1));
    let err = calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect_err("the daily quota is spent");
    assert_eq!(err.status(), Some(403));
    assert!(!err.is_retryable());
    assert_eq!(harness.emulator().counter("events.list"), 1, "asked once");
}
