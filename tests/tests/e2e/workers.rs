//! Workers sharing the job on one PostgreSQL database: three "processes" (each its own
//! facade and connection pool) sync 100 clients; every calendar is synced exactly once per
//! round, and when one worker dies mid-round the others take its calendars over once its
//! leases end.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use calstack_core::store::{CalendarKey, MirrorSelection};
use calstack_core::sync::{SyncOptions, SyncReport, Syncer};
use calstack_core::{Calstack, Store};
use calstack_e2e::Harness;
use calstack_emulator::{Emulator, Fault, ScriptedFault};

use crate::scenario::support;

const CLIENTS: usize = 100;

/// Another process on the same database: its own pool and facade.
async fn process(harness: &Harness, url: &str) -> Calstack {
    let store = calstack_store::PgStore::connect(url)
        .await
        .expect("connect");
    Calstack::builder()
        .store(Arc::new(store))
        .keyring(harness.keyring().clone())
        .endpoints(harness.calstack().endpoints().clone())
        .clock(Arc::new(harness.clock().clone()))
        .build()
        .expect("facade")
}

fn synced_keys(reports: &[SyncReport]) -> Vec<CalendarKey> {
    reports
        .iter()
        .flat_map(|r| r.synced.iter().map(|(k, _)| k.clone()))
        .collect()
}

async fn rounds(syncers: &[Syncer]) -> Vec<SyncReport> {
    let all = futures::future::join_all(syncers.iter().map(Syncer::run_round)).await;
    all.into_iter().map(|r| r.expect("round")).collect()
}

#[tokio::test]
async fn three_workers_sync_each_calendar_once_per_round_and_take_over_a_dead_one() {
    support::with_postgres("three_workers_share_the_job", |db| async move {
        let store = calstack_store::PgStore::connect(&db.url)
            .await
            .expect("connect");
        let store: Arc<dyn Store> = Arc::new(store);
        let harness = Harness::with_store(Emulator::builder(), Some(store)).await;
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
        let options = SyncOptions::default().with_workers(4);
        let mut syncers = Vec::new();
        for _ in 0..3 {
            syncers.push(process(&harness, &db.url).await.syncer(options.clone()));
        }
        let discovered = futures::future::join_all(syncers.iter().map(Syncer::discover)).await;
        assert!(
            discovered
                .iter()
                .all(|d| d.as_ref().is_ok_and(SyncReport::is_success))
        );
        assert_eq!(
            harness.emulator().counter("calendarList.list"),
            CLIENTS as u64,
            "one each"
        );

        let first = rounds(&syncers).await;
        let keys = synced_keys(&first);
        let unique: BTreeSet<&CalendarKey> = keys.iter().collect();
        assert_eq!(
            keys.len(),
            2 * CLIENTS,
            "every calendar synced in the round"
        );
        assert_eq!(unique.len(), keys.len(), "and none twice");
        assert!(
            first.iter().all(|r| !r.synced.is_empty()),
            "all three did a share"
        );

        // Round two: one worker dies mid-round, holding leases.
        harness.clock().advance(options.poll_interval);
        harness.emulator().script_fault(ScriptedFault::new(
            "events.list",
            Fault::Latency { millis: 40 },
            10_000,
        ));
        let doomed = syncers[0].clone();
        let dying = tokio::spawn(async move { doomed.run_round().await });
        tokio::time::sleep(Duration::from_millis(400)).await;
        dying.abort();
        let survivors = rounds(&syncers[1..]).await;
        let calendars = harness
            .calstack()
            .mirror()
            .calendars(&MirrorSelection::all())
            .await
            .expect("calendars");
        let held: BTreeSet<CalendarKey> = calendars
            .iter()
            .filter(|c| {
                c.lease_holder
                    .as_deref()
                    .is_some_and(|h| h.starts_with(syncers[0].id()))
            })
            .map(|c| c.meta.key.clone())
            .collect();
        assert!(!held.is_empty(), "the dead worker held calendars mid-sync");
        assert!(
            synced_keys(&survivors).iter().all(|k| !held.contains(k)),
            "leases respected"
        );

        harness
            .clock()
            .advance(options.lease + Duration::from_secs(1));
        let takeover = rounds(&syncers[1..]).await;
        let taken: BTreeSet<CalendarKey> = synced_keys(&takeover).into_iter().collect();
        assert_eq!(
            taken, held,
            "the others finish exactly the dead worker's calendars"
        );
        harness.emulator().clear_faults();
    })
    .await;
}
