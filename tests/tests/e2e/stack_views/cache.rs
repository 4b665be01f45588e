//! The opened-events cache of a facade never answers a calendar that changed since it was
//! filled, whoever changed it: another process sharing the database writing an event through,
//! syncing a change made in Google, or deleting an event. Each warm answer equals what a new
//! facade reads cold.

use calstack_core::stack::{Agenda, StackQuery};
use calstack_core::{Event, EventDateTime};
use calstack_e2e::Harness;

use super::scenario::{self, utc};

fn titles(agenda: &Agenda) -> Vec<(String, String)> {
    agenda
        .entries
        .iter()
        .map(|e| (e.event_id.clone(), e.summary.clone()))
        .collect()
}

fn has(agenda: &Agenda, title: &str) -> bool {
    agenda.entries.iter().any(|e| e.summary == title)
}

/// The agenda a new facade (another process sharing the database) reads, nothing cached.
async fn cold_agenda(harness: &Harness, query: &StackQuery) -> Agenda {
    harness
        .another_process(harness.keyring().clone())
        .await
        .agenda(query)
        .await
        .expect("agenda")
}

fn meeting(title: &str, start: &str, end: &str) -> Event {
    Event::new(
        title,
        EventDateTime::utc(utc(start)),
        EventDateTime::utc(utc(end)),
    )
}

#[tokio::test]
async fn warm_agenda_sees_what_another_process_wrote_synced_or_deleted() {
    let harness = Harness::start().await;
    scenario::build(&harness).await;
    let cs = harness.calstack();
    let query = StackQuery::new(utc("2026-03-30T00:00:00Z"), utc("2026-03-31T00:00:00Z"))
        .clients(Some(["Bolt"]));
    let first = cs.agenda(&query).await.expect("agenda");
    assert!(has(&first, "Review"), "read (and kept) once");
    assert_eq!(
        titles(&cs.agenda(&query).await.expect("agenda")),
        titles(&first)
    );

    let other = harness.another_process(harness.keyring().clone()).await;
    let bolt = other.clients().find("Bolt").await.expect("client");
    let api = other.calendar(bolt.id).await.expect("calendar client");
    let added = api
        .events()
        .insert(
            "primary",
            meeting(
                "Written elsewhere",
                "2026-03-30T15:00:00Z",
                "2026-03-30T16:00:00Z",
            ),
        )
        .send()
        .await
        .expect("inserted and written through");
    let after_write = cs.agenda(&query).await.expect("agenda");
    assert!(
        has(&after_write, "Written elsewhere"),
        "{:?}",
        titles(&after_write)
    );

    harness
        .google_side("bolt@bolt.test")
        .events()
        .insert(
            "primary",
            meeting(
                "Synced elsewhere",
                "2026-03-30T18:00:00Z",
                "2026-03-30T19:00:00Z",
            ),
        )
        .send()
        .await
        .expect("inserted in Google");
    assert!(!has(
        &cs.agenda(&query).await.expect("agenda"),
        "Synced elsewhere"
    ));
    other.sync_client(bolt.id).await.expect("synced");
    assert!(has(
        &cs.agenda(&query).await.expect("agenda"),
        "Synced elsewhere"
    ));

    let id = added.id.expect("an id");
    api.events()
        .delete("primary", &id)
        .send()
        .await
        .expect("deleted and written through");
    let warm = cs.agenda(&query).await.expect("agenda");
    assert!(!has(&warm, "Written elsewhere"));
    assert!(has(&warm, "Synced elsewhere") && has(&warm, "Review"));

    let cold = cold_agenda(&harness, &query).await;
    assert_eq!(titles(&warm), titles(&cold), "warm equals cold");
}

#[tokio::test]
async fn a_window_after_another_answers_as_a_new_facade_reads_it() {
    let harness = Harness::start().await;
    scenario::build(&harness).await;
    let cs = harness.calstack();
    let bolt = cs.clients().find("Bolt").await.expect("client");
    let api = cs.calendar(bolt.id).await.expect("calendar client");
    // Timed meetings just outside the first window, inside the day around it the store reads
    // for all-day events: the first read leaves them sealed.
    for (title, start, end) in [
        (
            "Evening before",
            "2026-03-29T21:00:00Z",
            "2026-03-29T22:00:00Z",
        ),
        (
            "Morning after",
            "2026-03-31T07:00:00Z",
            "2026-03-31T08:00:00Z",
        ),
        (
            "Across the end",
            "2026-03-30T23:30:00Z",
            "2026-03-31T00:30:00Z",
        ),
    ] {
        api.events()
            .insert("primary", meeting(title, start, end))
            .send()
            .await
            .expect("inserted and written through");
    }
    let day = StackQuery::new(utc("2026-03-30T00:00:00Z"), utc("2026-03-31T00:00:00Z"));
    let first = cs.agenda(&day).await.expect("agenda");
    assert!(has(&first, "Across the end"));
    assert!(!has(&first, "Evening before") && !has(&first, "Morning after"));
    for (from, to) in [
        ("2026-03-30T06:00:00Z", "2026-03-30T18:00:00Z"),
        ("2026-03-30T12:00:00Z", "2026-03-31T12:00:00Z"),
        ("2026-03-29T12:00:00Z", "2026-03-30T12:00:00Z"),
        ("2026-03-29T00:00:00Z", "2026-04-01T00:00:00Z"),
    ] {
        let query = StackQuery::new(utc(from), utc(to));
        let warm = cs.agenda(&query).await.expect("agenda");
        let cold = cold_agenda(&harness, &query).await;
        assert_eq!(titles(&warm), titles(&cold), "{from}..{to}");
    }
    let wide = StackQuery::new(utc("2026-03-29T00:00:00Z"), utc("2026-04-01T00:00:00Z"));
    let wide = cs.agenda(&wide).await.expect("agenda");
    assert!(has(&wide, "Evening before") && has(&wide, "Morning after"));
}
