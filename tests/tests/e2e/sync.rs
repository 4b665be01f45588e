//! Incremental sync against the emulator: tombstones, and expired sync tokens.

use calstack_core::Error;
use calstack_e2e::Harness;

use crate::event_at;

#[tokio::test]
async fn full_then_incremental_sync_sees_changes_and_a_tombstone() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Sync Ltd", "erin@sync.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let events = calendar.events();
    let doomed = events
        .insert("primary", event_at("Doomed", 8))
        .send()
        .await
        .expect("insert");
    let kept = events
        .insert("primary", event_at("Kept", 10))
        .send()
        .await
        .expect("insert");

    let full = events.sync("primary", None).await.expect("full sync");
    let full_ids: Vec<_> = full.items.iter().filter_map(|e| e.id.clone()).collect();
    assert!(full_ids.contains(doomed.id.as_ref().expect("id")));
    assert!(full_ids.contains(kept.id.as_ref().expect("id")));

    let doomed_id = doomed.id.clone().expect("id");
    events
        .delete("primary", &doomed_id)
        .send()
        .await
        .expect("delete");
    let added = events
        .insert("primary", event_at("Added", 12))
        .send()
        .await
        .expect("insert");

    let delta = events
        .sync("primary", Some(&full.next_sync_token))
        .await
        .expect("incremental sync");
    let tombstone = delta
        .items
        .iter()
        .find(|e| e.id.as_deref() == Some(doomed_id.as_str()))
        .expect("the deleted event comes back as a tombstone");
    assert!(tombstone.is_cancelled());
    assert!(
        delta
            .items
            .iter()
            .any(|e| e.id == added.id && !e.is_cancelled()),
        "the new event is in the delta"
    );
    assert!(
        delta.items.iter().all(|e| e.id != kept.id),
        "an unchanged event is not"
    );

    let quiet = events
        .sync("primary", Some(&delta.next_sync_token))
        .await
        .expect("sync again");
    assert!(
        quiet.items.is_empty(),
        "nothing changed since: {:?}",
        quiet.items
    );
}

#[tokio::test]
async fn expired_sync_token_gives_sync_token_expired_and_a_full_sync_recovers() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Expiry Ltd", "fay@expiry.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let events = calendar.events();
    events
        .insert("primary", event_at("Standup", 9))
        .send()
        .await
        .expect("insert");
    let full = events.sync("primary", None).await.expect("full sync");

    harness.emulator().expire_sync_tokens(None);
    let err = events
        .sync("primary", Some(&full.next_sync_token))
        .await
        .expect_err("the token expired");
    assert!(matches!(err, Error::SyncTokenExpired), "{err:?}");
    assert!(!err.is_retryable(), "retrying the same token cannot help");

    let again = events.sync("primary", None).await.expect("full sync again");
    assert_eq!(again.items.len(), 1);
}

#[tokio::test]
async fn calendar_list_sync_sees_a_new_calendar_and_then_its_removal() {
    use calstack_core::Calendar;

    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Lists Ltd", "yara@lists.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let full = calendar
        .calendar_list()
        .sync(None)
        .await
        .expect("full sync");
    assert!(full.items.iter().any(|c| c.primary == Some(true)));

    let team = calendar
        .calendars()
        .insert(Calendar::new("Team rota"))
        .send()
        .await
        .expect("create a secondary calendar");
    let team_id = team.id.clone().expect("an id");
    let added = calendar
        .calendar_list()
        .sync(Some(&full.next_sync_token))
        .await
        .expect("incremental sync");
    let entry = added
        .items
        .iter()
        .find(|c| c.id.as_deref() == Some(team_id.as_str()))
        .expect("the new calendar is in the delta");
    assert_ne!(entry.deleted, Some(true));

    calendar
        .calendars()
        .delete(&team_id)
        .send()
        .await
        .expect("delete the calendar");
    let removed = calendar
        .calendar_list()
        .sync(Some(&added.next_sync_token))
        .await
        .expect("incremental sync");
    let tombstone = removed
        .items
        .iter()
        .find(|c| c.id.as_deref() == Some(team_id.as_str()))
        .expect("the removal is in the delta");
    assert_eq!(tombstone.deleted, Some(true));
}
