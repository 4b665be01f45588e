//! The stacked views answered from the mirror equal the same views read live, entry for
//! entry, on SQLite and PostgreSQL: recurring series with an EXDATE, moved, cancelled and
//! edited instances, all-day series and events, declined and transparent events, three
//! zones and the March 2026 DST changes. And `max_staleness` syncs what is too old first.

use std::sync::Arc;
use std::time::Duration;

use calstack_core::calendar::model::{EventAttendee, ResponseStatus, Transparency};
use calstack_core::stack::{AgendaEntry, SlotQuery, StackQuery};
use calstack_core::store::MirrorSelection;
use calstack_core::{Calstack, Event, EventDateTime, Store};
use calstack_e2e::Harness;
use calstack_emulator::Emulator;
use chrono::{DateTime, TimeDelta, Utc};

use super::scenario::{self, Member, utc};
use crate::scenario::support;

/// What an agenda entry shows a user, its conflicts named by event rather than by index.
type Shape = (String, String, String, String, String, bool, Vec<String>);

fn shapes(entries: &[AgendaEntry]) -> Vec<Shape> {
    entries
        .iter()
        .map(|e| {
            let mut conflicts: Vec<String> = e
                .conflicts_with
                .iter()
                .map(|&i| entries[i as usize].event_id.clone())
                .collect();
            conflicts.sort();
            (
                e.client.to_string(),
                e.calendar_id.to_string(),
                e.event_id.clone(),
                e.summary.clone(),
                format!("{}..{} {:?}", e.start, e.end, e.all_day),
                e.busy,
                conflicts,
            )
        })
        .collect()
}

/// Bolt also declines a meeting that overlaps the review, and keeps a transparent hold over
/// it: neither is busy, neither conflicts.
async fn declined_and_transparent(bolt: &Member) {
    let at = |h: &str| EventDateTime::utc(utc(h));
    let mut declined = Event::new(
        "Declined sync",
        at("2026-03-30T12:45:00Z"),
        at("2026-03-30T13:15:00Z"),
    );
    declined.attendees = Some(vec![EventAttendee {
        email: Some("bolt@bolt.test".into()),
        is_self: Some(true),
        response_status: Some(ResponseStatus::Declined),
        ..EventAttendee::default()
    }]);
    let mut hold = Event::new(
        "Hold (free)",
        at("2026-03-30T12:00:00Z"),
        at("2026-03-30T14:00:00Z"),
    );
    hold.transparency = Some(Transparency::Transparent);
    for event in [declined, hold] {
        bolt.api
            .events()
            .insert("primary", event)
            .send()
            .await
            .expect("inserted");
    }
}

fn windows() -> [(DateTime<Utc>, DateTime<Utc>); 3] {
    [
        (utc("2026-03-16T00:00:00Z"), utc("2026-04-13T00:00:00Z")),
        (utc("2026-03-25T08:30:00Z"), utc("2026-03-31T00:00:00Z")),
        (utc("2026-03-30T12:30:00Z"), utc("2026-03-30T12:31:00Z")),
    ]
}

async fn mirror_equals_live(harness: &Harness) {
    let members = scenario::build(harness).await;
    declined_and_transparent(&members[1]).await;
    let cs = harness.calstack();
    let mut compared = 0;
    for (from, to) in windows() {
        for zone in ["Europe/Zurich", "America/New_York", "Asia/Tokyo"] {
            let query = StackQuery::new(from, to).time_zone(Some(zone));
            let live = cs.agenda(&query.clone().live(true)).await.expect("live");
            // The first read from the mirror syncs everything first (nothing is mirrored).
            let mirror = cs.agenda(&query).await.expect("mirror");
            assert!(live.problems.is_empty() && mirror.problems.is_empty());
            assert_eq!(
                shapes(&mirror.entries),
                shapes(&live.entries),
                "{from}..{to} in {zone}"
            );
            assert_eq!(mirror.conflicts, live.conflicts);
            whole_singles_equal_googles(&mirror.entries, &live.entries);
            compared += live.entries.len();
            same_queries(cs, &query).await;
        }
    }
    assert!(compared > 100, "the windows hold entries ({compared})");
    // A new facade (nothing opened yet) answers the mirror's single events unopened: their
    // titles and times only, the rest decoded when first read.
    let fresh = Calstack::builder()
        .store(cs.store().clone())
        .keyring(harness.keyring().clone())
        .endpoints(cs.endpoints().clone())
        .clock(cs.clock().clone())
        .build()
        .expect("a facade");
    let (from, to) = windows()[0];
    let query = StackQuery::new(from, to);
    let cold = fresh.agenda(&query).await.expect("mirror");
    let live = cs.agenda(&query.clone().live(true)).await.expect("live");
    let unopened = cold
        .entries
        .iter()
        .filter(|e| e.event.head().recurring_event_id.is_none())
        .inspect(|e| assert!(!e.event.is_whole(), "{} was opened whole", e.event_id))
        .count();
    assert!(unopened > 0);
    whole_singles_equal_googles(&cold.entries, &live.entries);
    let full = StackQuery::new(windows()[0].0, windows()[0].1);
    let titles: Vec<String> = cs
        .agenda(&full)
        .await
        .expect("mirror")
        .entries
        .into_iter()
        .map(|e| e.summary)
        .collect();
    for title in [
        "Declined sync",
        "Hold (free)",
        "Focus day",
        "Gym (with coach)",
    ] {
        assert!(titles.iter().any(|t| t == title), "{title} is listed");
    }
}

/// The mirror's single events open, on first use, into exactly the event Google lists.
fn whole_singles_equal_googles(mirror: &[AgendaEntry], live: &[AgendaEntry]) {
    let singles: Vec<(&AgendaEntry, &AgendaEntry)> = mirror
        .iter()
        .zip(live)
        .filter(|(m, _)| m.event.head().recurring_event_id.is_none())
        .collect();
    assert!(!singles.is_empty());
    for (m, l) in singles {
        assert_eq!(*m.event, *l.event, "{}", m.event_id);
        assert!(m.event.is_whole());
    }
}

/// conflicts, free/busy and slots from the mirror equal the same read live.
async fn same_queries(cs: &Calstack, query: &StackQuery) {
    let live = query.clone().live(true);
    let pairs = |c: calstack_core::stack::Conflicts| -> Vec<(String, String, String)> {
        c.conflicts
            .into_iter()
            .map(|c| {
                (
                    c.first.event_id,
                    c.second.event_id,
                    c.overlap_start.to_rfc3339(),
                )
            })
            .collect()
    };
    assert_eq!(
        pairs(cs.conflicts(query).await.expect("mirror")),
        pairs(cs.conflicts(&live).await.expect("live"))
    );
    let busy = |f: calstack_core::stack::FreeBusy| {
        f.clients
            .into_iter()
            .map(|c| (c.client, c.busy))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        busy(cs.free_busy(query).await.expect("mirror")),
        busy(cs.free_busy(&live).await.expect("live"))
    );
    if query.to() - query.from() >= TimeDelta::hours(1) {
        let slots = |q: &StackQuery| {
            SlotQuery::new(q.clone(), TimeDelta::minutes(45))
                .buffer(Some(TimeDelta::minutes(10)))
                .step(Some(TimeDelta::minutes(30)))
        };
        assert_eq!(
            cs.find_slots(&slots(query)).await.expect("mirror"),
            cs.find_slots(&slots(&live)).await.expect("live")
        );
    }
}

#[tokio::test]
async fn mirror_agenda_equals_live_agenda_entry_for_entry_on_sqlite() {
    mirror_equals_live(&Harness::start().await).await;
}

#[tokio::test]
async fn mirror_agenda_equals_live_agenda_entry_for_entry_on_postgres() {
    support::with_postgres("mirror_agenda_equals_live_on_postgres", |db| async move {
        let store = calstack_store::PgStore::connect(&db.url)
            .await
            .expect("connect");
        let store: Arc<dyn Store> = Arc::new(store);
        mirror_equals_live(&Harness::with_store(Emulator::builder(), Some(store)).await).await;
    })
    .await;
}

#[tokio::test]
async fn max_staleness_syncs_calendars_synced_too_long_ago_before_reading() {
    let harness = Harness::start().await;
    let members = scenario::build(&harness).await;
    let cs = harness.calstack();
    let (from, to) = (utc("2026-03-30T00:00:00Z"), utc("2026-03-31T00:00:00Z"));
    let query = StackQuery::new(from, to).clients(Some(["Bolt"]));
    let lists = || harness.emulator().counter("calendarList.list");
    // Nothing mirrored yet: the selection is synced first, then answered.
    assert!(
        cs.mirror()
            .calendars(&MirrorSelection::all())
            .await
            .expect("list")
            .is_empty()
    );
    let first = cs.agenda(&query).await.expect("agenda");
    assert!(first.entries.iter().any(|e| e.summary == "Review"));
    assert_eq!(lists(), 1, "only Bolt's calendar list was synced");
    let mirrored = cs
        .mirror()
        .calendars(&MirrorSelection::all())
        .await
        .expect("list");
    assert!(
        mirrored
            .iter()
            .all(|c| c.meta.key.client_id == members[1].client.id)
    );

    // A change made in Google (not through calstack, which would write it through), then
    // ten minutes pass.
    harness
        .google_side("bolt@bolt.test")
        .events()
        .insert(
            "primary",
            Event::new(
                "Late addition",
                EventDateTime::utc(utc("2026-03-30T17:00:00Z")),
                EventDateTime::utc(utc("2026-03-30T18:00:00Z")),
            ),
        )
        .send()
        .await
        .expect("inserted in Google");
    harness.clock().advance(Duration::from_secs(600));
    let has =
        |a: &calstack_core::stack::Agenda| a.entries.iter().any(|e| e.summary == "Late addition");
    let events_lists = || harness.emulator().counter("events.list");
    let before = events_lists();
    let cached = cs.agenda(&query).await.expect("agenda");
    assert!(
        !has(&cached),
        "without max_staleness the mirror answers as it is"
    );
    let fresh_enough = query.clone().max_staleness(Some(Duration::from_secs(900)));
    assert!(!has(&cs.agenda(&fresh_enough).await.expect("agenda")));
    assert_eq!(
        events_lists(),
        before,
        "nothing was synced: ten minutes < fifteen"
    );
    let five = query.clone().max_staleness(Some(Duration::from_secs(300)));
    assert!(
        has(&cs.agenda(&five).await.expect("agenda")),
        "synced first"
    );
    assert!(events_lists() > before);
}

#[tokio::test]
async fn concurrent_first_reads_wait_for_each_others_sync_and_agree() {
    let harness = Harness::start().await;
    scenario::build(&harness).await;
    let cs = harness.calstack();
    let (from, to) = windows()[0];
    let query = StackQuery::new(from, to);
    let live = cs.agenda(&query.clone().live(true)).await.expect("live");
    let reads = futures::future::join_all((0..4).map(|_| cs.agenda(&query))).await;
    for read in reads {
        let agenda = read.expect("agenda");
        assert!(agenda.problems.is_empty(), "{:?}", agenda.problems);
        assert_eq!(shapes(&agenda.entries), shapes(&live.entries));
    }
}

/// A read of more than 512 calendars goes to the store in several parts at once (by client);
/// the agenda it gives, cold on a new facade, equals the live one entry for entry.
#[tokio::test]
async fn a_read_of_many_calendars_in_parts_equals_the_live_agenda() {
    let harness = Harness::start().await;
    let emulator = harness.emulator();
    for (n, name) in ["Many A", "Many B", "Many C"].into_iter().enumerate() {
        let account = format!("many{n}@example.com");
        harness.authorized_client(name, &account).await;
        for i in 0..180 {
            let calendar = emulator
                .create_calendar(&account, &format!("Desk {i}"))
                .expect("calendar");
            if i % 3 == 0 {
                let hour = 8 + (i + n) % 9;
                let event = serde_json::json!({
                    "summary": format!("{name} desk {i}"),
                    "start": {"dateTime": format!("2026-05-05T{hour:02}:00:00Z")},
                    "end": {"dateTime": format!("2026-05-05T{hour:02}:45:00Z")},
                });
                emulator
                    .insert_event(&account, &calendar, event)
                    .expect("event");
            }
        }
    }
    let cs = harness.calstack();
    let report = cs
        .syncer(calstack_core::sync::SyncOptions::default().with_workers(8))
        .sync_clients(None)
        .await
        .expect("sync");
    assert_eq!(report.synced.len(), 3 * 181, "{:?}", report.failed);
    let query = StackQuery::new(utc("2026-05-04T00:00:00Z"), utc("2026-05-11T00:00:00Z"));
    let cold = harness.another_process(harness.keyring().clone()).await;
    let mirrored = cold.agenda(&query).await.expect("mirror agenda");
    let live = cs.agenda(&query.clone().live(true)).await.expect("live");
    assert!(mirrored.problems.is_empty() && live.problems.is_empty());
    assert_eq!(
        mirrored.entries.len(),
        3 * 60,
        "one event on every third calendar"
    );
    assert_eq!(shapes(&mirrored.entries), shapes(&live.entries));
    assert!(mirrored.conflicts > 0, "desks at the same hour collide");
}
