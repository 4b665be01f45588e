//! The mirror against the emulator: first and incremental syncs, `410` resync, write-through,
//! typed errors that keep rows, and parking a credential that needs consent again.

use calstack_core::store::{CalendarKey, MirrorSelection, TokenUpdate};
use calstack_core::sync::{SyncOptions, SyncReport};
use calstack_core::{ClientId, Clock, Error};
use calstack_e2e::{Harness, assert_mirror_matches_google};
use chrono::{TimeZone, Utc};
use serde_json::json;

use crate::event_at;

const ACCOUNT: &str = "mira@mirror.test";

/// A harness with one authorized client whose primary calendar holds two events and whose
/// secondary calendar holds a weekly series with a moved and a cancelled instance.
async fn seeded() -> (Harness, ClientId, String) {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Mirror Ltd", ACCOUNT).await;
    let emu = harness.emulator();
    for (n, summary) in ["Private dentist visit", "Board"].iter().enumerate() {
        let at = Utc
            .with_ymd_and_hms(2030, 1, 2, 9 + n as u32, 0, 0)
            .single()
            .expect("date");
        emu.insert_event(
            ACCOUNT,
            "primary",
            json!({
                "summary": summary,
                "start": {"dateTime": at.to_rfc3339()},
                "end": {"dateTime": (at + chrono::TimeDelta::hours(1)).to_rfc3339()},
            }),
        )
        .expect("seeded");
    }
    let team = emu.create_calendar(ACCOUNT, "Team").expect("calendar");
    let series = emu
        .insert_event(
            ACCOUNT,
            &team,
            json!({
                "summary": "Weekly sync",
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=8"],
                "start": {"dateTime": "2030-03-04T10:00:00+01:00", "timeZone": "Europe/Zurich"},
                "end": {"dateTime": "2030-03-04T10:30:00+01:00", "timeZone": "Europe/Zurich"},
            }),
        )
        .expect("series");
    let google = harness.google_side(ACCOUNT);
    let id = series["id"].as_str().expect("series id").to_owned();
    let instances = google
        .events()
        .instances(&team, &id)
        .collect_all()
        .await
        .expect("instances");
    let moved = instances[1].id.clone().expect("instance id");
    let change = calstack_core::Event {
        summary: Some("Weekly sync (moved)".into()),
        ..Default::default()
    };
    google
        .events()
        .patch(&team, &moved, change)
        .send()
        .await
        .expect("moved instance");
    let cancelled = instances[2].id.clone().expect("instance id");
    google
        .events()
        .delete(&team, &cancelled)
        .send()
        .await
        .expect("cancelled instance");
    (harness, client.id, team)
}

fn keys(report: &SyncReport) -> Vec<&str> {
    report
        .synced
        .iter()
        .map(|(k, _)| k.calendar_id.as_str())
        .collect()
}

#[tokio::test]
async fn first_sync_mirrors_every_calendar_with_sealed_bodies() {
    let (harness, client, team) = seeded().await;
    let report = harness.calstack().sync_client(client).await.expect("sync");
    assert!(report.is_success(), "{report:?}");
    let mut synced = keys(&report);
    synced.sort_unstable();
    let mut expected = vec![ACCOUNT, team.as_str()];
    expected.sort_unstable();
    assert_eq!(synced, expected);
    assert!(
        report.synced.iter().all(|(_, s)| s.full),
        "first syncs are full"
    );
    let google = harness.google_side(ACCOUNT);
    for calendar in [ACCOUNT, team.as_str()] {
        assert_mirror_matches_google(
            harness.calstack(),
            &google,
            &CalendarKey::new(client, calendar),
        )
        .await;
    }
    let status = harness
        .calstack()
        .mirror()
        .status(&MirrorSelection::clients([client]))
        .await;
    let counts: std::collections::BTreeMap<String, u64> = status
        .expect("status")
        .into_iter()
        .map(|s| (s.calendar.meta.key.calendar_id, s.events))
        .collect();
    assert_eq!(counts[ACCOUNT], 2, "primary: two events");
    assert_eq!(
        counts[&team], 3,
        "team: the master, a moved and a cancelled instance"
    );

    let bytes = std::fs::read(harness.database_path()).expect("database file");
    let wal = std::fs::read(harness.database_path().with_extension("db-wal")).unwrap_or_default();
    let text = String::from_utf8_lossy(&[bytes, wal].concat()).into_owned();
    assert!(
        !text.contains("Private dentist visit"),
        "event contents are sealed at rest"
    );
}

#[tokio::test]
async fn incremental_sync_applies_changes_and_a_410_resyncs_atomically() {
    let (harness, client, team) = seeded().await;
    let calstack = harness.calstack();
    calstack.sync_client(client).await.expect("first sync");
    let google = harness.google_side(ACCOUNT);
    let added = google
        .events()
        .insert(&team, event_at("Added at Google", 14))
        .send()
        .await;
    let added = added.expect("insert").id.expect("id");
    let listed = google
        .events()
        .list(ACCOUNT)
        .collect_all()
        .await
        .expect("list");
    let doomed = listed[0].id.clone().expect("id");
    google
        .events()
        .delete(ACCOUNT, &doomed)
        .send()
        .await
        .expect("delete");

    let done = calstack
        .sync_calendar(client, &team)
        .await
        .expect("incremental");
    assert!(!done.full && done.upserted == 1, "{done:?}");
    let done = calstack
        .sync_calendar(client, ACCOUNT)
        .await
        .expect("incremental");
    assert_eq!((done.full, done.deleted), (false, 1));
    for calendar in [ACCOUNT, team.as_str()] {
        assert_mirror_matches_google(calstack, &google, &CalendarKey::new(client, calendar)).await;
    }

    harness.emulator().expire_sync_tokens(Some(&team));
    google
        .events()
        .delete(&team, &added)
        .send()
        .await
        .expect("delete");
    let done = calstack.sync_calendar(client, &team).await.expect("resync");
    assert!(done.full, "an expired token runs a full resync");
    assert_mirror_matches_google(calstack, &google, &CalendarKey::new(client, &team)).await;
}

#[tokio::test]
async fn writes_through_calstack_are_mirrored_without_a_sync() {
    let (harness, client, team) = seeded().await;
    let calstack = harness.calstack();
    calstack.sync_client(client).await.expect("first sync");
    let lists_before = harness.emulator().counter("events.list");
    let events = calstack.calendar(client).await.expect("calendar").events();
    let created = events
        .insert("primary", event_at("Written here", 15))
        .send()
        .await;
    let id = created.expect("insert").id.expect("id");
    let change = calstack_core::Event {
        location: Some("Room 4".into()),
        ..Default::default()
    };
    events
        .patch("primary", &id, change)
        .send()
        .await
        .expect("patch");
    let moved = events
        .move_to("primary", &id, &team)
        .send()
        .await
        .expect("move");
    assert_eq!(
        harness.emulator().counter("events.list"),
        lists_before,
        "no sync ran"
    );
    let google = harness.google_side(ACCOUNT);
    for calendar in [ACCOUNT, team.as_str()] {
        assert_mirror_matches_google(calstack, &google, &CalendarKey::new(client, calendar)).await;
    }
    events
        .delete(&team, moved.id.as_deref().expect("id"))
        .send()
        .await
        .expect("delete");
    assert_mirror_matches_google(calstack, &google, &CalendarKey::new(client, &team)).await;
}

#[tokio::test]
async fn events_between_returns_overlapping_events_and_series_that_may_overlap() {
    let (harness, client, _team) = seeded().await;
    harness.calstack().sync_client(client).await.expect("sync");
    let from = Utc
        .with_ymd_and_hms(2030, 1, 2, 9, 30, 0)
        .single()
        .expect("date");
    let to = Utc
        .with_ymd_and_hms(2030, 4, 1, 0, 0, 0)
        .single()
        .expect("date");
    let found = harness
        .calstack()
        .mirror()
        .events_between(&MirrorSelection::clients([client]), from, to)
        .await
        .expect("read");
    let summaries: Vec<&str> = found
        .iter()
        .filter(|e| !e.event.is_cancelled())
        .filter_map(|e| e.event.summary.as_deref())
        .collect();
    assert!(
        summaries.contains(&"Private dentist visit"),
        "overlaps the start: {summaries:?}"
    );
    assert!(
        summaries.contains(&"Weekly sync"),
        "the master: {summaries:?}"
    );
    assert!(
        summaries.contains(&"Weekly sync (moved)"),
        "the exception: {summaries:?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.is_recurring_master && e.series_end.is_some())
    );
    let before = Utc
        .with_ymd_and_hms(2029, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let none = harness
        .calstack()
        .mirror()
        .events_between(
            &MirrorSelection::clients([client]),
            before,
            before + chrono::TimeDelta::days(1),
        )
        .await
        .expect("read");
    assert!(none.is_empty(), "{none:?}");
}

#[tokio::test]
async fn a_corrupted_sync_token_is_a_typed_error_and_keeps_every_row() {
    let (harness, client, team) = seeded().await;
    let calstack = harness.calstack();
    calstack.sync_client(client).await.expect("first sync");
    let key = CalendarKey::new(client, &team);
    let store = calstack.store();
    let now = harness.clock().now();
    assert!(
        store
            .lease_calendar(&key, "test", now, now)
            .await
            .expect("lease")
    );
    let finish = calstack_core::store::SyncFinish {
        synced_at: None,
        token: TokenUpdate::Set("not-a-real-token".into()),
        next_sync_due: now,
        failures: 0,
        last_error: None,
    };
    store
        .finish_sync(&key, "test", &finish)
        .await
        .expect("corrupt the token");
    let before = store.count_events(&key).await.expect("count");

    let err = calstack
        .sync_calendar(client, &team)
        .await
        .expect_err("refused token");
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "syncToken"),
        "{err:?}"
    );
    assert_eq!(
        store.count_events(&key).await.expect("count"),
        before,
        "no row lost"
    );
    let repaired = calstack
        .sync_calendar(client, &team)
        .await
        .expect("next sync");
    assert!(repaired.full, "the next sync is a full resync");
    assert_mirror_matches_google(calstack, &harness.google_side(ACCOUNT), &key).await;
}

#[tokio::test]
async fn unknown_clients_and_calendars_are_not_found() {
    let harness = Harness::start().await;
    let err = harness
        .calstack()
        .sync_client(ClientId::new())
        .await
        .expect_err("unknown");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let (client, _) = harness
        .authorized_client("Known", "known@mirror.test")
        .await;
    let err = harness
        .calstack()
        .sync_calendar(client.id, "nope@group.calendar.google.com")
        .await;
    assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");
}

#[tokio::test]
async fn an_expired_credential_parks_its_calendars_until_consent_is_given_again() {
    let (harness, client, team) = seeded().await;
    let calstack = harness.calstack();
    calstack.sync_client(client).await.expect("first sync");
    let key = CalendarKey::new(client, &team);
    let rows = calstack.store().count_events(&key).await.expect("count");
    harness.emulator().revoke_account_grants(ACCOUNT);
    harness.emulator().expire_access_tokens();
    harness
        .clock()
        .advance(std::time::Duration::from_secs(3600));

    let err = calstack
        .sync_calendar(client, &team)
        .await
        .expect_err("grant revoked");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );
    let parked = calstack
        .mirror()
        .status(&MirrorSelection::clients([client]))
        .await
        .expect("status");
    assert!(
        parked.iter().all(|s| s.calendar.parked_reason.is_some()),
        "{parked:?}"
    );
    assert_eq!(
        calstack.store().count_events(&key).await.expect("count"),
        rows,
        "rows kept"
    );
    let syncer = calstack.syncer(SyncOptions::default());
    assert!(
        syncer.run_round().await.expect("round").synced.is_empty(),
        "parked: not claimed"
    );

    let credential = calstack.credential_for(client).await.err();
    assert!(credential.is_some(), "no valid credential");
    let credentials = calstack
        .oauth()
        .list_credentials(Some(client))
        .await
        .expect("list");
    harness.consent(credentials[0].id).await;
    assert_eq!(syncer.unpark().await.expect("unpark"), 2);
    let round = syncer.run_round().await.expect("round");
    assert_eq!(round.synced.len(), 2, "{round:?}");
}

/// A sync writes each page's rows in the order a stacked view's window read visits them
/// (single events by end, then recurring masters), whatever order Google lists them in: a
/// calendar's rows in a window then lie next to each other in SQLite's table.
#[tokio::test]
async fn a_sync_writes_a_calendars_rows_in_the_order_window_reads_visit_them() {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Order Ltd", ACCOUNT).await;
    let emu = harness.emulator();
    let base = Utc
        .with_ymd_and_hms(2030, 1, 7, 8, 0, 0)
        .single()
        .expect("date");
    // Inserted latest first, with a series in the middle.
    for hours in [30_i64, 5, 17, 1, 9] {
        let at = base + chrono::TimeDelta::hours(hours);
        emu.insert_event(
            ACCOUNT,
            "primary",
            json!({
                "summary": format!("at +{hours} h"),
                "start": {"dateTime": at.to_rfc3339()},
                "end": {"dateTime": (at + chrono::TimeDelta::minutes(30)).to_rfc3339()},
            }),
        )
        .expect("seeded");
        if hours == 17 {
            emu.insert_event(
                ACCOUNT,
                "primary",
                json!({
                    "summary": "Daily",
                    "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
                    "start": {"dateTime": base.to_rfc3339(), "timeZone": "UTC"},
                    "end": {
                        "dateTime": (base + chrono::TimeDelta::minutes(15)).to_rfc3339(),
                        "timeZone": "UTC",
                    },
                }),
            )
            .expect("series");
        }
    }
    let report = harness
        .calstack()
        .sync_client(client.id)
        .await
        .expect("sync");
    assert!(report.is_success(), "{report:?}");

    let url = format!("sqlite://{}?mode=ro", harness.database_path().display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("read the file");
    let rows: Vec<(bool, Option<String>)> = sqlx::query_as(
        "SELECT is_master, end_utc FROM mirror_events WHERE calendar_id = ? ORDER BY rowid",
    )
    .bind(ACCOUNT)
    .fetch_all(&pool)
    .await
    .expect("rows");
    let masters: Vec<bool> = rows.iter().map(|(master, _)| *master).collect();
    assert_eq!(
        masters,
        [false, false, false, false, false, true],
        "singles first, the series last"
    );
    let ends: Vec<&str> = rows.iter().filter_map(|(_, end)| end.as_deref()).collect();
    assert_eq!(ends.len(), 6, "every row has an end");
    assert!(
        ends[..5].is_sorted(),
        "single events in the order of their ends: {ends:?}"
    );
}
