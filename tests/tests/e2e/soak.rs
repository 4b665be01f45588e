//! Fault soak: many tasks insert, patch and delete through the whole stack (facade, SQLite
//! store, token pipeline, Calendar client) while the emulator injects faults into more than a
//! fifth of all event calls — 503, 500, 429 with `Retry-After`, connections dropped before and
//! after the write is applied. The caller sees no error, no event is lost or duplicated, and
//! every patch is applied. Prints its figures (`cargo test -p calstack-e2e soak -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use calstack_core::{CalendarClient, Event, RetryPolicy};
use calstack_e2e::Harness;
use calstack_emulator::{Fault, FaultProfile, RandomFault};

use crate::event_at;

const TASKS: usize = 8;
const ROUNDS: usize = 30;
/// Chance of each fault per event call; five rules give 1 - 0.94^5 ≈ 27% faulted calls.
const EACH: f64 = 0.06;

fn profile() -> FaultProfile {
    let faults = [
        Fault::ServiceUnavailable,
        Fault::InternalError,
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
        Fault::DropConnection,
        Fault::DropAfterApply,
    ];
    FaultProfile {
        seed: 15,
        rules: faults
            .into_iter()
            .map(|fault| RandomFault {
                endpoint: "events.*".into(),
                fault,
                probability: EACH,
            })
            .collect(),
    }
}

/// What one task expects to find afterwards: live event ids and their summaries.
type Expected = BTreeMap<String, String>;

/// One task's rounds: insert, patch (every other one with If-Match), delete every third.
async fn work(calendar: CalendarClient, task: usize) -> Result<(Expected, usize), String> {
    let mut live = Expected::new();
    let mut patches = 0;
    for round in 0..ROUNDS {
        let name = format!("soak t{task} r{round}");
        let hour = u32::try_from(round % 20).unwrap_or(0);
        let created = calendar
            .events()
            .insert("primary", event_at(&name, hour))
            .send()
            .await
            .map_err(|e| format!("insert {name}: {e}"))?;
        let id = created.id.clone().ok_or("an inserted event has an id")?;
        let patched_name = format!("{name} patched");
        let mut patch = calendar.events().patch(
            "primary",
            &id,
            Event {
                summary: Some(patched_name.clone()),
                ..Event::default()
            },
        );
        if round % 2 == 0
            && let Some(etag) = &created.etag
        {
            patch = patch.if_match(etag.clone());
        }
        let patched = patch
            .send()
            .await
            .map_err(|e| format!("patch {name}: {e}"))?;
        if patched.summary.as_deref() != Some(patched_name.as_str()) {
            return Err(format!("patch {name} answered {:?}", patched.summary));
        }
        patches += 1;
        if round % 3 == 0 {
            calendar
                .events()
                .delete("primary", &id)
                .send()
                .await
                .map_err(|e| format!("delete {name}: {e}"))?;
        } else {
            live.insert(id, patched_name);
        }
    }
    Ok((live, patches))
}

/// What the calendar holds against what the tasks expect.
struct Tally {
    found: BTreeMap<String, String>,
    lost: usize,
    duplicated: usize,
    unpatched: usize,
    resurrected: usize,
}

fn tally(expected: &Expected, listed: &[Event]) -> Tally {
    let soak: Vec<_> = listed
        .iter()
        .filter(|e| e.summary.as_deref().is_some_and(|s| s.starts_with("soak ")))
        .collect();
    let mut found = BTreeMap::new();
    let mut duplicated = 0;
    for event in &soak {
        let id = event.id.clone().unwrap_or_default();
        if found
            .insert(id, event.summary.clone().unwrap_or_default())
            .is_some()
        {
            duplicated += 1;
        }
    }
    let names: BTreeSet<_> = soak.iter().filter_map(|e| e.summary.clone()).collect();
    duplicated += soak.len() - names.len();
    let lost = expected
        .keys()
        .filter(|id| !found.contains_key(*id))
        .count();
    let unpatched = expected
        .iter()
        .filter(|(id, name)| found.get(*id).is_some_and(|got| got != *name))
        .count();
    let resurrected = found
        .keys()
        .filter(|id| !expected.contains_key(*id))
        .count();
    Tally {
        found,
        lost,
        duplicated,
        unpatched,
        resurrected,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_survive_a_fifth_of_calls_failing_without_loss_or_duplicates() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Soak Ltd", "soak@faults.test")
        .await;
    // Patient enough that a call failing 10 times in a row (0.27^10 ≈ 2e-6) is not a concern;
    // backoff sleeps run on the manual clock, so the soak takes no wall time to wait.
    let calstack = harness
        .another_process_with(|b| {
            b.retry(RetryPolicy {
                max_attempts: 10,
                base_delay: Duration::from_millis(50),
                max_delay: Duration::from_secs(2),
            })
        })
        .await;
    let calendar = calstack.calendar(client.id).await.expect("calendar");
    let emulator = harness.emulator();
    emulator.set_fault_profile(profile());

    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| tokio::spawn(work(calendar.clone(), task)))
        .collect();
    let mut expected = Expected::new();
    let mut patches = 0;
    let mut caller_errors = Vec::new();
    for joined in futures::future::join_all(tasks).await {
        match joined.expect("the task did not panic") {
            Ok((live, patched)) => {
                expected.extend(live);
                patches += patched;
            }
            Err(e) => caller_errors.push(e),
        }
    }
    let elapsed = started.elapsed();
    emulator.clear_faults();
    let metrics = calendar.metrics();

    let listed = calendar
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("list without faults");
    let Tally {
        found,
        lost,
        duplicated,
        unpatched,
        resurrected,
    } = tally(&expected, &listed);
    let injected: u64 = [
        "backendError",
        "rateLimitExceeded",
        "transport",
        "http_500",
        "http_503",
    ]
    .iter()
    .filter_map(|reason| metrics.errors.get(*reason))
    .sum();
    let operations = TASKS * ROUNDS * 2 + TASKS * ROUNDS.div_ceil(3);
    let fault_rate = injected as f64 / metrics.requests as f64;
    println!(
        "fault soak: {TASKS} tasks, {operations} writes ({patches} patches) in {elapsed:?}; \
         {} HTTP attempts, {injected} injected faults ({:.1}%), {} retries, errors by reason {:?}; \
         caller-visible errors {}, lost {lost}, duplicated {duplicated}, unpatched {unpatched}, \
         deleted-but-present {resurrected}; retry budget left {}/{}",
        metrics.requests,
        fault_rate * 100.0,
        metrics.retries,
        metrics.errors,
        caller_errors.len(),
        calstack.retry_budget().available(),
        calstack.retry_budget().capacity(),
    );
    assert!(
        caller_errors.is_empty(),
        "caller saw errors: {caller_errors:#?}"
    );
    assert_eq!(patches, TASKS * ROUNDS, "every patch was applied");
    assert_eq!(
        (lost, duplicated, unpatched, resurrected),
        (0, 0, 0, 0),
        "no event lost, duplicated, left unpatched or brought back"
    );
    assert_eq!(found.len(), expected.len());
    let met_own_write: u64 = ["duplicate", "deleted", "conditionNotMet"]
        .iter()
        .filter_map(|reason| metrics.errors.get(*reason))
        .sum();
    assert!(
        met_own_write > 0,
        "some retries met the write their dropped first attempt had applied"
    );
    assert!(
        fault_rate >= 0.2,
        "at least a fifth of the attempts met a fault: {fault_rate:.3}"
    );
}
