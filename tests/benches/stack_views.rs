//! Benchmarks of the stacked views answered from the mirror, side by side with the same views
//! read live from the emulator, in one run (release build):
//!
//! 1. the agenda for `CLIENTS` clients × 2 calendars over one week (about 21 entries per
//!    client: a weekday series in the client's zone, single meetings, a transparent
//!    all-day event; four more weeks of meetings mirrored around it) from the mirror, then
//!    live (`events.list` per calendar, 16 at a time) — on SQLite, then on PostgreSQL;
//! 2. `find_slots` for 20 of those clients over four weeks (their working hours set), from
//!    the mirror and live.
//!
//! Every figure is the median of several runs after one warm-up. The data is made in the
//! emulator and synced into the mirror first, so both sides read exactly the same events.
//! Mirror reads are measured twice: *cold*, each run on a new facade over the same store
//! (nothing opened yet: every row is read, unsealed and decoded), and *warm*, repeated on one
//! facade whose opened-events cache holds the unchanged calendars (*cold* rows are unsealed
//! and their single events decoded as far as the views read them; the rest of each event is
//! decoded on first use). Cold agendas are timed
//! three times: with the previous run's answer (and its facade) released before each run starts,
//! as in a process answering one request after another (the figure the target is read
//! against), and with it still held while the next runs, so the new answer's memory comes
//! fresh from the system; either way the dropping is outside the timed part; and, answers
//! released, with every entry's whole event then read (what a caller who serializes each
//! event pays). Cold agendas
//! also report the CPU time this process spent on each (every thread; with SQLite that
//! includes the database's own work), which moves far less with the machine's load than the
//! wall time.
//!
//! The bench allocates with mimalloc, as the `calstack` binary does (a cold read frees and
//! allocates hundreds of thousands of small strings across threads); `--features
//! system-allocator` measures with the system allocator instead.
//!
//! `cargo bench -p calstack-e2e --bench stack_views`; `CALSTACK_BENCH_STACK_CLIENTS` changes
//! the size (default 1000); `CALSTACK_BENCH_STACK_BACKENDS=sqlite` skips PostgreSQL,
//! `=postgres` skips SQLite. `CALSTACK_BENCH_STACK_PROFILE=N` only runs N cold agendas after
//! the seeding (for a profiler: `perf record --delay`, past the line saying they start);
//! built with `--features alloc-stats` it also prints the allocations and bytes allocated per
//! cold agenda, counted on the system allocator: figures that do not move with the machine's
//! load, for comparing changes that a noisy machine's timings cannot tell apart.

#[path = "common/mod.rs"]
mod common;

/// The allocator the `calstack` binary uses; `--features system-allocator` measures the
/// system's instead.
#[cfg(not(any(feature = "system-allocator", feature = "alloc-stats")))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// With `--features alloc-stats`: the system allocator, every allocation counted (for the
/// profile mode's allocations per cold agenda; its timings are not the bench's).
#[cfg(feature = "alloc-stats")]
#[global_allocator]
static ALLOCATOR: &stats_alloc::StatsAlloc<std::alloc::System> = &COUNTED;

#[cfg(feature = "alloc-stats")]
static COUNTED: stats_alloc::StatsAlloc<std::alloc::System> = stats_alloc::StatsAlloc::system();

/// The global allocator this build measures with.
const ALLOCATOR_NAME: &str = if cfg!(feature = "alloc-stats") {
    "the system allocator, counting allocations"
} else if cfg!(feature = "system-allocator") {
    "the system allocator"
} else {
    "mimalloc"
};

/// Allocations and bytes allocated so far (reallocations count as one allocation of the
/// growth), with `--features alloc-stats`.
fn allocated() -> Option<(usize, usize)> {
    #[cfg(feature = "alloc-stats")]
    {
        let stats = COUNTED.stats();
        let grown = usize::try_from(stats.bytes_reallocated.max(0)).unwrap_or(0);
        Some((
            stats.allocations + stats.reallocations,
            stats.bytes_allocated + grown,
        ))
    }
    #[cfg(not(feature = "alloc-stats"))]
    None
}

use common::env_size;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calstack_core::stack::{Agenda, SlotQuery, StackQuery};
use calstack_core::store::MirrorSelection;
use calstack_core::sync::SyncOptions;
use calstack_core::validate::working_hours;
use calstack_core::{Calstack, Store};
use calstack_e2e::Harness;
use calstack_emulator::Emulator;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;

#[allow(dead_code, unreachable_pub)]
#[path = "../../calstack-store/tests/backends/support.rs"]
mod support;

const ZONES: [&str; 8] = [
    "Europe/Zurich",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
];

/// Monday 3 March 2031, midnight UTC: the week the agenda reads.
fn week() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 3, 0, 0, 0)
        .single()
        .expect("a date")
}

fn main() {
    common::run(run());
}

async fn run() {
    let clients = env_size("CALSTACK_BENCH_STACK_CLIENTS", 1000);
    let backends = std::env::var("CALSTACK_BENCH_STACK_BACKENDS").unwrap_or_default();
    println!(
        "stacked views benchmark: {clients} clients x 2 calendars (release, {ALLOCATOR_NAME})"
    );
    if backends != "postgres" {
        measure("SQLite file", clients, None).await;
    }
    if backends != "sqlite" {
        support::with_postgres("stack_views_bench", move |db| async move {
            let store = calstack_store::PgStore::connect(&db.url)
                .await
                .expect("connect");
            measure("PostgreSQL", clients, Some(Arc::new(store))).await;
        })
        .await;
    }
}

/// What a timed run finds in memory when it starts.
#[derive(Clone, Copy, PartialEq)]
enum Previous {
    /// The previous run's answer was dropped before this run began: a process answering one
    /// request after another, whose allocator reuses the memory the last answer freed.
    Released,
    /// The previous run's answer is still held while this one runs (dropped after it): the
    /// new answer's memory comes fresh from the system, page by page.
    Held,
}

/// The median wall time of `runs` runs of `f` after one warm-up; either way the previous
/// answer is dropped outside the timed part.
async fn median<T, F, Fut>(runs: usize, previous: Previous, mut f: F) -> (Duration, T)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let mut last = Some(f().await);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        if previous == Previous::Released {
            drop(last.take());
        }
        let started = Instant::now();
        let out = f().await;
        times.push(started.elapsed());
        last = Some(out);
    }
    times.sort();
    let last = last.expect("the last run's answer");
    (times[times.len() / 2], last)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(backend: &str, clients: usize, store: Option<Arc<dyn Store>>) {
    let harness = Harness::with_store(Emulator::builder(), store).await;
    let started = Instant::now();
    let names = seed(&harness, clients).await;
    let cs = harness.calstack();
    let report = cs
        .syncer(SyncOptions::default().with_workers(16))
        .sync_clients(None)
        .await
        .expect("sync");
    assert!(report.is_success(), "{:?}", report.failed);
    println!(
        "[{backend}] seeded and synced {} calendars in {:.1} s",
        report.synced.len(),
        started.elapsed().as_secs_f64()
    );
    let from = week();
    let query = StackQuery::new(from, from + TimeDelta::days(7)).time_zone(Some("UTC"));
    let profiled = env_size("CALSTACK_BENCH_STACK_PROFILE", 0);
    if profiled > 0 {
        println!("[{backend}] {profiled} cold agendas start now");
        let facades = fresh_facades(&harness, profiled);
        // Each answer and its facade are dropped before the next agenda, as in the timed runs
        // (keeping them all would profile the kernel zeroing fresh pages instead); their
        // freeing shows in the profile as the allocator's own functions.
        let started = Instant::now();
        let cpu_before = common::process_cpu();
        let faults_before = common::process_minor_faults();
        let allocated_before = allocated();
        for facade in facades {
            let agenda = facade.agenda(&query).await.expect("mirror agenda");
            assert!(agenda.problems.is_empty());
            drop((agenda, facade));
        }
        let cpu = match (cpu_before, common::process_cpu()) {
            (Some(before), Some(after)) => format!("{:.0} ms", ms(after - before)),
            _ => "not measured".to_owned(),
        };
        let faults = match (faults_before, common::process_minor_faults()) {
            (Some(before), Some(after)) => {
                format!("{:.0}", (after - before) as f64 / profiled as f64)
            }
            _ => "not measured".to_owned(),
        };
        println!(
            "[{backend}] {profiled} cold agendas in {:.1} s, CPU of this process {cpu}, \
             minor page faults per agenda {faults}",
            started.elapsed().as_secs_f64()
        );
        if let (Some((n0, b0)), Some((n1, b1))) = (allocated_before, allocated()) {
            let per = |total: usize| total as f64 / profiled as f64;
            println!(
                "[{backend}] per cold agenda: {:.0} allocations, {:.1} MB allocated",
                per(n1 - n0),
                per(b1 - b0) / 1e6
            );
        }
        return;
    }
    // Cold agendas, each on a new facade, measured twice: with the previous answer released
    // before each run (the figure the target is read against) and with it still held.
    let (cold, cold_cpu, agenda) =
        cold_agendas(&harness, &query, Previous::Released, Events::AsAnswered).await;
    let (held, held_cpu, _) =
        cold_agendas(&harness, &query, Previous::Held, Events::AsAnswered).await;
    // And what a caller who then reads every entry's whole event pays in all (single events
    // from the mirror decode their fields beyond the agenda's on first use).
    let (whole, whole_cpu, _) =
        cold_agendas(&harness, &query, Previous::Released, Events::AllOpened).await;
    assert!(agenda.problems.is_empty());
    let entries = agenda.entries.len();
    let (warm, warm_agenda) = median(5, Previous::Held, || async {
        cs.agenda(&query).await.expect("mirror agenda")
    })
    .await;
    assert_eq!(
        warm_agenda.entries, agenda.entries,
        "warm reads answer the same"
    );
    let (live, live_agenda) = median(3, Previous::Held, || async {
        cs.agenda(&query.clone().live(true))
            .await
            .expect("live agenda")
    })
    .await;
    assert_eq!(live_agenda.entries.len(), entries, "the same entries");
    let (read, rows) = median(5, Previous::Held, || async {
        cs.mirror()
            .events_between(&MirrorSelection::all(), query.from(), query.to())
            .await
            .expect("mirror read")
            .len()
    })
    .await;
    println!(
        "[{backend}] agenda, {clients} clients x 2 calendars, one week, {entries} entries \
         ({} conflicting pairs): mirror cold {:.1} ms (CPU of this process: {}; with the \
         previous answer still held: {:.1} ms, CPU {}; with every entry's whole event read \
         too: {:.1} ms, CPU {}), warm {:.1} ms, live {:.1} ms: \
         mirror {:.2}x (cold) / {:.2}x (warm) the speed of live; reading and opening the \
         {rows} mirrored rows alone: {:.1} ms",
        agenda.conflicts,
        ms(cold),
        common::cpu_summary(&cold_cpu),
        ms(held),
        common::cpu_summary(&held_cpu),
        ms(whole),
        common::cpu_summary(&whole_cpu),
        ms(warm),
        ms(live),
        live.as_secs_f64() / cold.as_secs_f64(),
        live.as_secs_f64() / warm.as_secs_f64(),
        ms(read)
    );
    slots(backend, &harness, &names[..20.min(names.len())]).await;
}

/// The median of 5 cold agendas (after one warm-up), each on a new facade (dropped with its
/// answer, outside the timed part), the CPU this process spent on each, and the last answer.
/// With [`Events::AllOpened`] the timed part also reads every entry's whole event.
async fn cold_agendas(
    harness: &Harness,
    query: &StackQuery,
    previous: Previous,
    events: Events,
) -> (Duration, Vec<Duration>, Agenda) {
    let mut facades = fresh_facades(harness, 6).into_iter();
    // The CPU this process spends on each cold agenda (all its threads), beside the wall time:
    // it moves far less with the machine's load, so A/B comparisons can read it.
    let cpu = std::sync::Mutex::new(Vec::new());
    let (wall, (_, agenda)) = median(5, previous, || {
        let facade = facades.next().expect("a new facade per run");
        let query = query.clone();
        let cpu = &cpu;
        async move {
            let before = common::process_cpu();
            let agenda = facade.agenda(&query).await.expect("mirror agenda");
            if events == Events::AllOpened {
                let described: usize = agenda
                    .entries
                    .iter()
                    .map(|e| e.event.description.as_ref().map_or(0, String::len))
                    .sum();
                std::hint::black_box(described);
            }
            if let (Some(before), Some(after)) = (before, common::process_cpu()) {
                cpu.lock().expect("not poisoned").push(after - before);
            }
            (facade, agenda)
        }
    })
    .await;
    (wall, cpu.into_inner().expect("not poisoned"), agenda)
}

/// What a timed cold agenda does with its entries' events.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Events {
    /// Nothing: the agenda as answered.
    AsAnswered,
    /// Reads a field of every entry's whole event (opening each single event in full).
    AllOpened,
}

/// `n` new facades over the harness's store (same keyring, endpoints and clock), each with
/// nothing opened yet: the first read of each is cold. Built before any timing.
fn fresh_facades(harness: &Harness, n: usize) -> Vec<Calstack> {
    let cs = harness.calstack();
    (0..n)
        .map(|_| {
            Calstack::builder()
                .store(cs.store().clone())
                .keyring(harness.keyring().clone())
                .endpoints(cs.endpoints().clone())
                .clock(cs.clock().clone())
                .build()
                .expect("a facade")
        })
        .collect()
}

async fn slots(backend: &str, harness: &Harness, names: &[String]) {
    let cs = harness.calstack();
    for (n, name) in names.iter().enumerate() {
        let zone = if n % 2 == 0 {
            "Europe/Zurich"
        } else {
            "Europe/London"
        };
        let hours = working_hours::parse("mon-fri 07:00-20:00", zone).expect("valid hours");
        let client = cs.clients().find(name).await.expect("client");
        cs.clients()
            .set_working_hours(client.id, Some(hours))
            .await
            .expect("stored");
    }
    let from = week();
    let query = StackQuery::new(from, from + TimeDelta::days(28)).clients(Some(names.to_vec()));
    let slot_query = |q: StackQuery| {
        SlotQuery::new(q, TimeDelta::minutes(45))
            .buffer(Some(TimeDelta::minutes(10)))
            .step(Some(TimeDelta::minutes(15)))
    };
    let mut facades = fresh_facades(harness, 10).into_iter();
    let (cold, (_, found)) = median(9, Previous::Held, || {
        let facade = facades.next().expect("a new facade per run");
        let slot_query = slot_query(query.clone());
        async move {
            let found = facade.find_slots(&slot_query).await.expect("mirror slots");
            (facade, found)
        }
    })
    .await;
    let (warm, warm_found) = median(9, Previous::Held, || async {
        cs.find_slots(&slot_query(query.clone()))
            .await
            .expect("mirror slots")
    })
    .await;
    assert_eq!(found, warm_found, "warm reads answer the same");
    let (live, live_found) = median(3, Previous::Held, || async {
        cs.find_slots(&slot_query(query.clone().live(true)))
            .await
            .expect("live slots")
    })
    .await;
    assert_eq!(found, live_found, "the same slots");
    println!(
        "[{backend}] find_slots, {} clients, four weeks, 45 min + 10 min buffer, {} slots: \
         mirror cold {:.1} ms, warm {:.1} ms, live {:.1} ms: mirror {:.2}x (cold) / {:.2}x \
         (warm) the speed of live",
        names.len(),
        found.len(),
        ms(cold),
        ms(warm),
        ms(live),
        live.as_secs_f64() / cold.as_secs_f64(),
        live.as_secs_f64() / warm.as_secs_f64()
    );
}

/// Makes `clients` authorized clients in the emulator, each with a primary and a second
/// calendar full of events; returns their names.
async fn seed(harness: &Harness, clients: usize) -> Vec<String> {
    let mut names = Vec::with_capacity(clients);
    for n in 0..clients {
        let name = format!("Client {n:04}");
        let account = format!("c{n}@stack.bench");
        harness.authorized_client(&name, &account).await;
        let second = harness
            .emulator()
            .create_calendar(&account, "Team")
            .expect("calendar");
        let emulator = harness.emulator();
        let zone = ZONES[n % ZONES.len()];
        for event in primary_events(n, zone) {
            emulator
                .insert_event(&account, &account, event)
                .expect("event");
        }
        for event in team_events(n) {
            emulator
                .insert_event(&account, &second, event)
                .expect("event");
        }
        names.push(name);
    }
    names
}

fn at(t: DateTime<Utc>) -> serde_json::Value {
    json!({"dateTime": t.to_rfc3339()})
}

/// A meeting with what real ones carry: a description, a location, attendees.
fn meeting(n: usize, title: &str, start: DateTime<Utc>, minutes: i64) -> serde_json::Value {
    json!({
        "summary": format!("{title} {n}"),
        "description": "Agenda: review the open items, decide on the next steps, and agree who \
                        follows up with whom before the end of the week.",
        "location": "Room 4.12, Main Building",
        "start": at(start),
        "end": at(start + TimeDelta::minutes(minutes)),
        "attendees": [
            {"email": format!("c{n}@stack.bench"), "self": true, "responseStatus": "accepted"},
            {"email": "guest@example.test", "responseStatus": "needsAction"},
        ],
    })
}

/// A weekday standup series in the client's zone (between 07:00 and 17:00, by client), and
/// five meetings a week for five weeks (the read week in the middle), spread over the days.
fn primary_events(n: usize, zone: &str) -> Vec<serde_json::Value> {
    let first = week() - TimeDelta::days(28);
    let tz: chrono_tz::Tz = zone.parse().expect("zone");
    let local = first.with_timezone(&tz).date_naive();
    let standup = local.and_hms_opt(7, 0, 0).expect("time") + spread(n, 0, 40, 15);
    let text = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut out = vec![json!({
        "summary": format!("Standup {n}"),
        "start": {"dateTime": text(standup), "timeZone": zone},
        "end": {"dateTime": text(standup + TimeDelta::minutes(15)), "timeZone": zone},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"],
    })];
    for w in -2..=2 {
        for k in 0..5 {
            let start = week() + TimeDelta::weeks(w) + spread(n, k, 7 * 48, 30);
            out.push(meeting(n, "Meeting", start, 45));
        }
    }
    out
}

/// Ten meetings a week for five weeks, and an all-day offsite in the read week.
fn team_events(n: usize) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for w in -2..=2 {
        for k in 0..10 {
            let start = week() + TimeDelta::weeks(w) + spread(n, 5 + k, 7 * 48, 30);
            out.push(meeting(n, "Team", start, 60));
        }
    }
    let day = week() + TimeDelta::days((n % 7) as i64);
    out.push(json!({
        "summary": format!("Offsite {n}"),
        "start": {"date": day.format("%Y-%m-%d").to_string()},
        "end": {"date": (day + TimeDelta::days(1)).format("%Y-%m-%d").to_string()},
        "transparency": "transparent",
    }));
    out
}

/// The `k`-th start of client `n`: one of `slots` steps of `minutes`, scattered.
fn spread(n: usize, k: usize, slots: usize, minutes: i64) -> TimeDelta {
    let slot = (n * 7919 + k * 104_729 + (n * k) % 13) % slots;
    TimeDelta::minutes(minutes * slot as i64)
}
