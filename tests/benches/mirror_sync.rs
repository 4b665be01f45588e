//! Benchmarks of the mirror against the emulator (SQLite file store, release build):
//!
//! 1. initial sync of `CLIENTS` clients × 2 calendars × `EVENTS` events with 20 ms added to
//!    every Google call: wall time, requests made, peak memory growth of the process;
//! 2. a steady round where 1% of the calendars changed, side by side: polling (every calendar
//!    due, one incremental call each) vs push (only the notified calendars are synced);
//! 3. applying a 2,500-event page to the mirror on SQLite (convert, seal, write), median of 9.
//!
//! `cargo bench -p calstack-e2e --bench mirror_sync`; `CALSTACK_BENCH_MIRROR_CLIENTS` and
//! `CALSTACK_BENCH_MIRROR_EVENTS` change the size (defaults 200 and 500).

#[path = "common/mod.rs"]
mod common;

use common::env_size;

use std::time::Instant;

use calstack_core::store::{CalendarKey, MirrorSelection};
use calstack_core::sync::{PushOptions, ResourceState, SyncOptions};
use calstack_core::{Event, EventDateTime};
use calstack_e2e::{Harness, WebhookSink};
use calstack_emulator::{Emulator, Fault, FaultProfile, RandomFault, SeedOptions};
use chrono::{TimeDelta, TimeZone, Utc};

/// Peak resident memory of this process so far, in KiB (`VmHWM`).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the peak to the current resident size (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn total_requests(harness: &Harness) -> u64 {
    harness.emulator().counters().values().sum()
}

fn main() {
    common::run(run());
}

async fn run() {
    let clients = env_size("CALSTACK_BENCH_MIRROR_CLIENTS", 200);
    let events = env_size("CALSTACK_BENCH_MIRROR_EVENTS", 500);
    let harness = Harness::start().await;
    let mut accounts = Vec::new();
    for n in 0..clients {
        let account = format!("bench{n}@mirror.bench");
        harness
            .authorized_client(&format!("Bench {n:04}"), &account)
            .await;
        let second = harness
            .emulator()
            .create_calendar(&account, "Second")
            .expect("calendar");
        for calendar in [account.as_str(), second.as_str()] {
            harness
                .emulator()
                .seed_events(&account, calendar, &SeedOptions::new(events))
                .expect("seeded");
        }
        accounts.push((account, second));
    }
    println!(
        "mirror benchmark: {clients} clients x 2 calendars x {events} events (SQLite file, release)"
    );
    initial_sync(&harness, clients, events).await;
    steady_rounds(&harness, &accounts).await;
    apply_page().await;
}

async fn initial_sync(harness: &Harness, clients: usize, events: usize) {
    harness.emulator().set_fault_profile(FaultProfile {
        seed: 1,
        rules: vec![RandomFault {
            endpoint: "*".into(),
            fault: Fault::Latency { millis: 20 },
            probability: 1.0,
        }],
    });
    harness.emulator().reset_counters();
    let before = peak_kib();
    reset_peak();
    let started = Instant::now();
    let syncer = harness
        .calstack()
        .syncer(SyncOptions::default().with_workers(16));
    let discovered = syncer.discover().await.expect("discover");
    let round = syncer.run_round().await.expect("round");
    let wall = started.elapsed();
    assert!(
        discovered.is_success() && round.failed.is_empty(),
        "{round:?}"
    );
    let mirrored: u64 = round.synced.iter().map(|(_, s)| s.upserted).sum();
    assert_eq!(
        mirrored,
        (clients * 2 * events) as u64,
        "every event mirrored"
    );
    let counters = harness.emulator().counters();
    println!(
        "initial sync, 20 ms per call, 16 workers: {:.2} s wall, {} events ({:.0}/s), {} requests \
         ({} calendarList.list, {} events.list), peak RSS +{} MiB (process peak before: {} MiB; \
         includes the in-process emulator)",
        wall.as_secs_f64(),
        mirrored,
        mirrored as f64 / wall.as_secs_f64(),
        counters.values().sum::<u64>(),
        counters.get("calendarList.list").copied().unwrap_or(0),
        counters.get("events.list").copied().unwrap_or(0),
        peak_kib().saturating_sub(before) / 1024,
        before / 1024,
    );
    harness.emulator().clear_faults();
}

async fn change_one_percent(harness: &Harness, accounts: &[(String, String)], round: u32) {
    let changed = (accounts.len() * 2).div_ceil(100);
    for (account, second) in accounts.iter().take(changed) {
        let at = Utc
            .with_ymd_and_hms(2031, 1, 1, 9, 0, 0)
            .single()
            .expect("date")
            + TimeDelta::days(i64::from(round));
        let event = Event::new(
            "Changed at Google",
            EventDateTime::utc(at),
            EventDateTime::utc(at + TimeDelta::hours(1)),
        );
        harness
            .google_side(account)
            .events()
            .insert(second, event)
            .send()
            .await
            .expect("change");
    }
}

async fn steady_rounds(harness: &Harness, accounts: &[(String, String)]) {
    let calendars = accounts.len() * 2;
    // Polling: every calendar is due after the poll interval.
    change_one_percent(harness, accounts, 1).await;
    let polling = harness
        .calstack()
        .syncer(SyncOptions::default().with_workers(16));
    harness.clock().advance(polling.options().poll_interval);
    harness.emulator().reset_counters();
    let started = Instant::now();
    let round = polling.run_round().await.expect("round");
    let polled = (
        started.elapsed(),
        total_requests(harness),
        round.synced.len(),
    );

    // Push: watch everything once, then only notified calendars are due.
    let mut sink = WebhookSink::start().await;
    let options = SyncOptions::default()
        .with_workers(16)
        .with_push(PushOptions::new(sink.url().clone()));
    let pushing = harness.calstack().syncer(options);
    harness.clock().advance(pushing.options().poll_interval);
    pushing.run_round().await.expect("watch round");
    for _ in 0..calendars {
        let headers = sink.next().await;
        let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
        harness
            .calstack()
            .handle_notification(pairs)
            .await
            .expect("sync message");
    }
    change_one_percent(harness, accounts, 2).await;
    let mut notified = 0;
    while notified < calendars.div_ceil(100) {
        let headers = sink.next().await;
        let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
        let note = harness
            .calstack()
            .handle_notification(pairs)
            .await
            .expect("note");
        notified += usize::from(note.state == ResourceState::Exists);
    }
    harness.emulator().reset_counters();
    let started = Instant::now();
    let round = pushing.run_round().await.expect("round");
    let pushed = (
        started.elapsed(),
        total_requests(harness),
        round.synced.len(),
    );
    println!(
        "steady round, 1% of {calendars} calendars changed: polling {} requests, {} calendars, \
         {:.3} s | push {} requests, {} calendars, {:.3} s | requests ratio {:.0}x",
        polled.1,
        polled.2,
        polled.0.as_secs_f64(),
        pushed.1,
        pushed.2,
        pushed.0.as_secs_f64(),
        polled.1 as f64 / pushed.1.max(1) as f64,
    );
}

async fn apply_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = calstack_store::SqliteStore::open(dir.path().join("bench.db"))
        .await
        .expect("store");
    let harness = Harness::with_store(Emulator::builder(), Some(std::sync::Arc::new(store))).await;
    let (client, _) = harness.authorized_client("Page", "page@mirror.bench").await;
    harness
        .calstack()
        .sync_client(client.id)
        .await
        .expect("sync");
    let key = CalendarKey::new(client.id, "page@mirror.bench");
    let start = Utc
        .with_ymd_and_hms(2030, 1, 1, 8, 0, 0)
        .single()
        .expect("date");
    let page: Vec<Event> = (0..2500)
        .map(|n| {
            let at = start + TimeDelta::minutes(30 * n);
            let mut e = Event::new(
                format!("Meeting {n} with a realistic title"),
                EventDateTime::utc(at),
                EventDateTime::utc(at + TimeDelta::minutes(25)),
            )
            .with_description("Agenda: review, plan, decide. Dial-in in the invitation.")
            .with_location("Room 4, Main street 12")
            .with_attendee("ana@example.com")
            .with_attendee("ben@example.com")
            .with_id(format!("ev{n:08}abc"));
            e.etag = Some(format!("\"{n}\""));
            e.updated = Some(at);
            e.ical_uid = Some(format!("ev{n:08}abc@google.com"));
            e
        })
        .collect();
    let mirror = harness.calstack().mirror();
    let mut times = Vec::new();
    for _ in 0..9 {
        let started = Instant::now();
        mirror.apply_events(&key, &page).await.expect("apply");
        times.push(started.elapsed());
    }
    times.sort();
    let rows = harness
        .calstack()
        .mirror()
        .status(&MirrorSelection::clients([client.id]))
        .await
        .expect("status");
    assert_eq!(rows[0].events, 2500);
    println!(
        "apply one 2,500-event page to the SQLite mirror (convert, seal, write; replaces the \
         same ids): median {:.1} ms, best {:.1} ms (target < 50 ms)",
        times[4].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}
