//! Event CRUD with etags, and pagination, through the facade's Calendar client.

use std::collections::HashSet;

use calstack_core::{Error, Event};
use calstack_e2e::Harness;
use calstack_emulator::SeedOptions;
use futures::TryStreamExt;

use crate::event_at;

#[tokio::test]
async fn create_get_update_patch_delete_round_trip_with_etags() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Crud Ltd", "carol@crud.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let events = calendar.events();

    let created = events
        .insert("primary", event_at("Planning", 9).with_location("Room 1"))
        .send()
        .await
        .expect("insert");
    let id = created.id.clone().expect("an id");
    let fetched = events.get("primary", &id).send().await.expect("get");
    assert_eq!(fetched.summary.as_deref(), Some("Planning"));
    assert_eq!(fetched.location.as_deref(), Some("Room 1"));
    assert_eq!(fetched.etag, created.etag);

    let stale_etag = fetched.etag.clone().expect("an etag");
    let mut changed = fetched.clone();
    changed.description = Some("Agenda: budget".into());
    let updated = events
        .update("primary", &id, changed)
        .if_match(stale_etag.clone())
        .send()
        .await
        .expect("update with the current etag");
    assert_eq!(updated.description.as_deref(), Some("Agenda: budget"));
    assert_eq!(
        updated.location.as_deref(),
        Some("Room 1"),
        "update keeps other fields"
    );
    assert_ne!(
        updated.etag.as_deref(),
        Some(stale_etag.as_str()),
        "a new etag"
    );

    let patched = events
        .patch(
            "primary",
            &id,
            Event {
                summary: Some("Planning (moved)".into()),
                ..Event::default()
            },
        )
        .if_match(updated.etag.clone().expect("an etag"))
        .send()
        .await
        .expect("patch with the current etag");
    assert_eq!(patched.summary.as_deref(), Some("Planning (moved)"));
    assert_eq!(
        patched.description.as_deref(),
        Some("Agenda: budget"),
        "patch keeps the rest"
    );

    // Someone else's change happened since `stale_etag` was read.
    let stale = events
        .patch(
            "primary",
            &id,
            Event {
                summary: Some("Lost update".into()),
                ..Event::default()
            },
        )
        .if_match(stale_etag.clone())
        .send()
        .await
        .expect_err("a stale etag is refused");
    assert!(matches!(stale, Error::PreconditionFailed), "{stale:?}");
    let stale_delete = events
        .delete("primary", &id)
        .if_match(stale_etag)
        .send()
        .await
        .expect_err("a stale etag cannot delete");
    assert!(
        matches!(stale_delete, Error::PreconditionFailed),
        "{stale_delete:?}"
    );
    let still = events.get("primary", &id).send().await.expect("get");
    assert_eq!(
        still.summary.as_deref(),
        Some("Planning (moved)"),
        "nothing was lost"
    );

    events.delete("primary", &id).send().await.expect("delete");
    let gone = events.get("primary", &id).send().await;
    match gone {
        Err(Error::NotFound { .. }) => {}
        Ok(event) => assert!(event.is_cancelled(), "a deleted event reads as cancelled"),
        Err(other) => panic!("expected NotFound or a cancelled event, got {other:?}"),
    }
    let listed = events.list("primary").collect_all().await.expect("list");
    assert!(
        listed.iter().all(|e| e.id.as_deref() != Some(id.as_str())),
        "a deleted event is not listed"
    );
}

#[tokio::test]
async fn paging_through_600_seeded_events_with_small_pages_sees_each_once() {
    let harness = Harness::start().await;
    let account = "dave@pages.test";
    let (client, _) = harness.authorized_client("Pages Ltd", account).await;
    let seeded = harness
        .emulator()
        .seed_events(account, "primary", &SeedOptions::new(600))
        .expect("seed 600 events");
    assert_eq!(seeded, 600);
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");

    let pages: Vec<_> = calendar
        .events()
        .list("primary")
        .max_results(70)
        .pages()
        .try_collect()
        .await
        .expect("every page");
    assert!(
        pages.len() >= 9,
        "600 events at most 70 a page: {} pages",
        pages.len()
    );
    assert!(pages.iter().all(|p| p.items.len() <= 70));

    let ids: Vec<String> = calendar
        .events()
        .list("primary")
        .max_results(70)
        .stream()
        .map_ok(|e| e.id.expect("an id"))
        .try_collect()
        .await
        .expect("stream every event");
    assert_eq!(ids.len(), 600, "every event once");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        600,
        "no duplicates"
    );
}
