//! Workers sharing the job on one PostgreSQL database, as real OS processes: three
//! `calstack-e2e-sync-worker` processes (each its own runtime, pool and facade) sync 100
//! clients (200 calendars); every calendar is synced exactly once per round, and when one
//! worker is killed (SIGKILL) mid-round holding leases, the others take its calendars over
//! once its leases end.
//!
//! The kill is deterministic: the emulator holds the first four `events.list` requests of
//! round two, which are the doomed worker's (it runs alone until it is killed), and the test
//! waits until its four leases are in the store before killing it.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use calstack_core::Store;
use calstack_core::store::{CalendarKey, MirrorSelection, MirroredCalendar};
use calstack_e2e::Harness;
use calstack_emulator::{Emulator, Fault, ScriptedFault};
use chrono::Utc;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::scenario::support;

const CLIENTS: usize = 100;
/// Calendars each process syncs at once.
const WORKERS: usize = 4;
/// How long a claim lasts: the takeover waits for the dead worker's leases to end, and the
/// survivors' round (about a second here) must end before they do.
const LEASE: Duration = Duration::from_secs(8);
/// The longest wait for any one answer of a worker.
const ANSWER: Duration = Duration::from_secs(30);

/// One worker process and its stdio.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// The prefix of its leases' holder names.
    id: String,
}

impl Worker {
    async fn spawn(harness: &Harness, database_url: &str) -> Self {
        let emulator = harness.emulator();
        let mut child = Command::new(env!("CARGO_BIN_EXE_calstack-e2e-sync-worker"))
            .args(["--workers", &WORKERS.to_string()])
            .args(["--lease-ms", &LEASE.as_millis().to_string()])
            .env("CALSTACK_DATABASE_URL", database_url)
            .env(
                "CALSTACK_ENCRYPTION_KEY",
                harness.encryption_key().to_base64_secret(),
            )
            .env("CALSTACK_GOOGLE_AUTH_URL", emulator.auth_url().as_str())
            .env("CALSTACK_GOOGLE_TOKEN_URL", emulator.token_url().as_str())
            .env("CALSTACK_GOOGLE_REVOKE_URL", emulator.revoke_url().as_str())
            .env(
                "CALSTACK_GOOGLE_API_BASE",
                emulator.calendar_api_base().as_str(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the worker binary starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let mut worker = Self {
            child,
            stdin,
            lines,
            id: String::new(),
        };
        let ready = worker.line().await;
        worker.id = ready
            .strip_prefix("ready\t")
            .unwrap_or_else(|| panic!("a worker's first line is `ready <id>`, got {ready:?}"))
            .to_owned();
        worker
    }

    async fn send(&mut self, command: &str) {
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await
            .expect("the worker reads its stdin");
        self.stdin.flush().await.expect("flushed");
    }

    async fn line(&mut self) -> String {
        tokio::time::timeout(ANSWER, self.lines.next_line())
            .await
            .expect("the worker answers in time")
            .expect("the worker's stdout reads")
            .expect("the worker is still running")
    }

    /// Reads a round's answer: the calendars synced, in order, until `done`.
    async fn round_result(&mut self) -> Vec<CalendarKey> {
        let mut synced = Vec::new();
        loop {
            let line = self.line().await;
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["synced", client, calendar] => synced.push(key(client, calendar)),
                ["done", count, "0"] => {
                    assert_eq!(*count, synced.len().to_string(), "`done` counts the lines");
                    return synced;
                }
                _ => panic!("worker {}: unexpected line {line:?}", self.id),
            }
        }
    }

    /// Closes stdin and waits for a clean exit.
    async fn quit(self) {
        let Self {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let status = tokio::time::timeout(ANSWER, child.wait())
            .await
            .expect("the worker exits when its stdin ends")
            .expect("waited");
        assert!(status.success(), "the worker exits cleanly: {status}");
    }
}

fn key(client: &str, calendar: &str) -> CalendarKey {
    let id = client.parse().expect("a client id");
    CalendarKey::new(calstack_core::ClientId(id), calendar)
}

/// Runs one round on every worker at once; returns what each synced.
async fn round(workers: &mut [Worker]) -> Vec<Vec<CalendarKey>> {
    for worker in workers.iter_mut() {
        worker.send("round").await;
    }
    let mut out = Vec::new();
    for worker in workers.iter_mut() {
        out.push(worker.round_result().await);
    }
    out
}

/// Asserts the keys are `every` calendar, each exactly once.
fn exactly_once(synced: &[CalendarKey], every: &BTreeSet<CalendarKey>, round: &str) {
    let mut counts: BTreeMap<&CalendarKey, usize> = BTreeMap::new();
    for key in synced {
        *counts.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{round}: synced more than once: {twice:?}"
    );
    let seen: BTreeSet<CalendarKey> = counts.into_keys().cloned().collect();
    assert_eq!(&seen, every, "{round}: every calendar is synced");
}

async fn calendars(store: &Arc<dyn Store>) -> Vec<MirroredCalendar> {
    store
        .list_calendars(&MirrorSelection::all())
        .await
        .expect("the mirror lists its calendars")
}

/// The calendars leased to `worker`'s tasks.
fn held_by(calendars: &[MirroredCalendar], worker: &str) -> Vec<MirroredCalendar> {
    let prefix = format!("{worker}/");
    calendars
        .iter()
        .filter(|c| {
            c.lease_holder
                .as_deref()
                .is_some_and(|h| h.starts_with(&prefix))
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_sync_each_calendar_once_per_round_and_take_over_a_killed_one() {
    support::with_postgres("three_worker_processes_share_the_job", |db| async move {
        let store: Arc<dyn Store> = Arc::new(
            calstack_store::PgStore::connect(&db.url)
                .await
                .expect("connect"),
        );
        let harness = Harness::with_store(Emulator::builder(), Some(store.clone())).await;
        for n in 0..CLIENTS {
            let account = format!("worker{n}@workers.test");
            harness
                .authorized_client(&format!("Client {n:03}"), &account)
                .await;
            harness
                .emulator()
                .create_calendar(&account, "Second")
                .expect("calendar");
        }
        let mut workers = Vec::new();
        for _ in 0..3 {
            workers.push(Worker::spawn(&harness, &db.url).await);
        }

        // Discovery: each new client is listed by one process.
        for worker in &mut workers {
            worker.send("discover").await;
        }
        for worker in &mut workers {
            assert_eq!(worker.line().await, "discovered\t0");
        }
        assert_eq!(
            harness.emulator().counter("calendarList.list"),
            CLIENTS as u64,
            "each client's calendar list is listed once across the three processes"
        );
        let every: BTreeSet<CalendarKey> = calendars(&store)
            .await
            .into_iter()
            .map(|c| c.meta.key)
            .collect();
        assert_eq!(every.len(), 2 * CLIENTS, "two calendars per client");

        // Round one: a little latency so the three overlap.
        harness.emulator().script_fault(ScriptedFault::new(
            "events.list",
            Fault::Latency { millis: 10 },
            u32::try_from(2 * CLIENTS).expect("small"),
        ));
        let first = round(&mut workers).await;
        exactly_once(&first.concat(), &every, "round one");
        assert!(
            first.iter().all(|synced| !synced.is_empty()),
            "each process did a share: {:?}",
            first.iter().map(Vec::len).collect::<Vec<_>>()
        );
        harness.emulator().clear_faults();

        // Round two: everything is due again; the doomed worker starts alone, and Google
        // holds its first four requests, so it dies holding four leases.
        for key in &every {
            assert!(store.mark_due(key, Utc::now()).await.expect("mark due"));
        }
        let lists_before = harness.emulator().counter("events.list");
        harness.emulator().script_fault(ScriptedFault::new(
            "events.list",
            Fault::Latency { millis: 60_000 },
            u32::try_from(WORKERS).expect("small"),
        ));
        let mut doomed = workers.remove(0);
        doomed.send("round").await;
        let waited = tokio::time::timeout(ANSWER, async {
            loop {
                let in_flight = harness.emulator().counter("events.list") - lists_before;
                let held = held_by(&calendars(&store).await, &doomed.id).len();
                if in_flight == WORKERS as u64 && held == WORKERS {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(
            waited.is_ok(),
            "the doomed worker claimed {WORKERS} calendars"
        );
        doomed.child.kill().await.expect("SIGKILL");
        let held = held_by(&calendars(&store).await, &doomed.id);
        assert_eq!(held.len(), WORKERS, "it died holding its leases");
        let mut said = Vec::new();
        while let Ok(Some(line)) = doomed.lines.next_line().await {
            said.push(line);
        }
        assert!(said.is_empty(), "it finished nothing: {said:?}");
        let held_keys: BTreeSet<CalendarKey> = held.iter().map(|c| c.meta.key.clone()).collect();

        let second = round(&mut workers).await.concat();
        assert!(
            second.iter().all(|k| !held_keys.contains(k)),
            "the survivors leave the dead worker's calendars while its leases last (or their \
             round outlasted LEASE on a very slow machine)"
        );

        // Once its leases end, the survivors finish exactly its calendars.
        let leases_end = held
            .iter()
            .filter_map(|c| c.lease_until)
            .max()
            .expect("leases have an end");
        let wait = (leases_end - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait + Duration::from_millis(100)).await;
        let takeover = round(&mut workers).await.concat();
        assert_eq!(
            takeover.iter().cloned().collect::<BTreeSet<_>>(),
            held_keys,
            "the others finish exactly the dead worker's calendars"
        );
        let whole: Vec<CalendarKey> = second.into_iter().chain(takeover).collect();
        exactly_once(&whole, &every, "round two");
        let after = calendars(&store).await;
        for calendar in after.iter().filter(|c| held_keys.contains(&c.meta.key)) {
            let dead = held
                .iter()
                .find(|h| h.meta.key == calendar.meta.key)
                .and_then(|h| h.lease_until);
            assert!(
                calendar.last_synced >= dead,
                "{} synced after the dead lease ended",
                calendar.meta.key
            );
        }
        for worker in workers {
            worker.quit().await;
        }
        harness.emulator().clear_faults();
    })
    .await;
}
