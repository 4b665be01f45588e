//! The mirror's part of the conformance suite (see [`super::conformance`]): calendar-list
//! state, mirrored calendars, event generations and atomic resync, the time-range read, sync
//! leases, parking and push channels. Each check starts from an empty store and cleans up.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures::TryStreamExt;
use futures::future::join_all;

use super::conformance::{
    add_client, add_credential, assert_conflict, assert_not_found, at, remove_clients,
};
use super::{
    CalendarKey, CalendarListState, CalendarMetadata, ClientId, CredentialId, MirrorEventRow,
    MirrorSelection, MirrorWindowRow, PushChannel, Sealed, Store, SyncFinish, TokenUpdate,
    WindowBounds, WindowRowRef, WindowVisitor,
};

/// Runs every mirror check against `s`, which must be empty.
pub async fn run_all(s: &dyn Store) {
    list_state_is_inserted_once_and_updated(s).await;
    calendars_upsert_keep_sync_state_and_delete_with_events(s).await;
    event_rows_round_trip_and_deletes_take_instances(s).await;
    full_resync_swaps_generations_atomically(s).await;
    concurrent_full_resyncs_of_one_client_all_complete(s).await;
    every_event_change_moves_the_calendar_revision(s).await;
    events_between_selects_by_time_series_and_original_start(s).await;
    a_large_window_read_gives_every_row_once_and_can_be_left_early(s).await;
    due_calendars_are_claimed_once_and_finished_by_the_holder(s).await;
    concurrent_claimers_never_share_a_calendar(s).await;
    parked_credentials_are_not_claimed_until_unparked(s).await;
    push_channels_are_found_by_id(s).await;
    deleting_client_or_credential_removes_the_mirror(s).await;
}

// ---------------------------------------------------------------------------------------
// fixtures

async fn owner(s: &dyn Store, n: u32) -> (ClientId, CredentialId) {
    let client = add_client(s, &format!("Mirror {n}"), &format!("mirror{n}@acme.test")).await;
    let credential = add_credential(s, client.id).await;
    (client.id, credential.id)
}

fn meta(client: ClientId, credential: CredentialId, calendar: &str) -> CalendarMetadata {
    CalendarMetadata {
        key: CalendarKey::new(client, calendar),
        credential_id: credential,
        summary: Some(format!("Calendar {calendar} ünïcode")),
        time_zone: Some("Europe/Zurich".to_owned()),
        access_role: Some("owner".to_owned()),
        color_id: Some("7".to_owned()),
        background_color: Some("#42d692".to_owned()),
        foreground_color: Some("#000000".to_owned()),
        primary: calendar.contains('@'),
        selected: true,
    }
}

async fn add_calendar(
    s: &dyn Store,
    client: ClientId,
    credential: CredentialId,
    calendar: &str,
) -> CalendarKey {
    let m = meta(client, credential, calendar);
    s.upsert_calendar(&m, at(0, 0)).await.expect("add calendar");
    m.key
}

/// A timed event row from `start` to `start + minutes`, in seconds past the fixture epoch.
fn row(key: &CalendarKey, credential: CredentialId, id: &str, start: i64) -> MirrorEventRow {
    MirrorEventRow {
        key: key.clone(),
        credential_id: credential,
        event_id: id.to_owned(),
        ical_uid: Some(format!("{id}@google.com")),
        status: Some("confirmed".to_owned()),
        start_utc: Some(at(start, 250)),
        end_utc: Some(at(start + 1800, 0)),
        start_date: None,
        end_date: None,
        time_zone: Some("Europe/Zurich".to_owned()),
        transparency: Some("opaque".to_owned()),
        response_status: Some("accepted".to_owned()),
        recurring_event_id: None,
        original_start_utc: None,
        updated: Some(at(7, 123_000)),
        etag: Some("\"3181161784712000\"".to_owned()),
        is_recurring_master: false,
        series_end_utc: None,
        body: Sealed::from_stored(format!("v1:k1:sealed-{id}")),
    }
}

fn all_day(key: &CalendarKey, credential: CredentialId, id: &str) -> MirrorEventRow {
    let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default();
    let next = NaiveDate::from_ymd_opt(2026, 1, 3).unwrap_or_default();
    MirrorEventRow {
        start_date: Some(day),
        end_date: Some(next),
        start_utc: Some(day.and_time(chrono::NaiveTime::MIN).and_utc()),
        end_utc: Some(next.and_time(chrono::NaiveTime::MIN).and_utc()),
        time_zone: None,
        transparency: Some("transparent".to_owned()),
        response_status: None,
        ical_uid: None,
        etag: None,
        updated: None,
        ..row(key, credential, id, 0)
    }
}

fn ids(rows: &[MirrorEventRow]) -> Vec<&str> {
    rows.iter().map(|r| r.event_id.as_str()).collect()
}

fn success(due: DateTime<Utc>, token: TokenUpdate) -> SyncFinish {
    SyncFinish {
        synced_at: Some(at(50, 5)),
        token,
        next_sync_due: due,
        failures: 0,
        last_error: None,
    }
}

// ---------------------------------------------------------------------------------------
// checks

/// The calendar-list state is inserted once (a second insert conflicts), then replaced.
pub async fn list_state_is_inserted_once_and_updated(s: &dyn Store) {
    let (client, credential) = owner(s, 1).await;
    let mut state = CalendarListState {
        client_id: client,
        credential_id: credential,
        sync_token: None,
        last_synced: None,
    };
    s.insert_list_state(&state).await.expect("first insert");
    assert_conflict(
        s.insert_list_state(&state).await,
        "second list-state insert",
    );
    state.sync_token = Some("CPDAlvWDx70CEPDAlvWDx70CGAU=".to_owned());
    state.last_synced = Some(at(9, 999_999));
    s.update_list_state(&state).await.expect("update");
    assert_eq!(s.get_list_state(client).await.expect("get"), Some(state));
    let stranger = CalendarListState {
        client_id: ClientId::new(),
        credential_id: credential,
        sync_token: None,
        last_synced: None,
    };
    assert_not_found(s.insert_list_state(&stranger).await, "unknown client");
    assert_not_found(s.update_list_state(&stranger).await, "missing state");
    remove_clients(s).await;
}

/// Upserting changes metadata only; sync state survives; deleting takes the events along.
pub async fn calendars_upsert_keep_sync_state_and_delete_with_events(s: &dyn Store) {
    let (client, credential) = owner(s, 2).await;
    let mut m = meta(client, credential, "team@group.calendar.google.com");
    assert!(s.upsert_calendar(&m, at(5, 0)).await.expect("add"));
    let key = m.key.clone();
    let claimed = s
        .claim_due_calendars("w1", at(5, 0), at(65, 0), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "the new calendar is due at once");
    let done = success(at(3600, 0), TokenUpdate::Set("tok-1".into()));
    assert!(s.finish_sync(&key, "w1", &done).await.expect("finish"));

    m.summary = Some("Renamed".to_owned());
    m.selected = false;
    assert!(!s.upsert_calendar(&m, at(99, 0)).await.expect("update"));
    let stored = s.get_calendar(&key).await.expect("get").expect("exists");
    assert_eq!(stored.meta, m, "metadata replaced");
    assert_eq!(stored.sync_token.as_deref(), Some("tok-1"), "token kept");
    assert_eq!(stored.next_sync_due, at(3600, 0), "due time kept");
    assert_eq!(stored.last_synced, Some(at(50, 5)));

    let other = add_calendar(s, client, credential, "other@group.calendar.google.com").await;
    let selection = MirrorSelection {
        clients: Some(vec![client]),
        calendars: Some(vec![key.calendar_id.clone()]),
    };
    let listed = s.list_calendars(&selection).await.expect("list");
    assert_eq!(listed.len(), 1, "the selection names one calendar");
    assert_eq!(
        s.list_calendars(&MirrorSelection::all())
            .await
            .expect("all")
            .len(),
        2
    );

    s.write_events(&key, 0, &[row(&key, credential, "e1", 0)], &[])
        .await
        .expect("write");
    assert!(s.delete_calendar(&key).await.expect("delete"));
    assert!(!s.delete_calendar(&key).await.expect("delete again"));
    assert_eq!(s.count_events(&key).await.expect("count"), 0);
    assert!(s.get_calendar(&other).await.expect("other").is_some());
    let stranger = meta(ClientId::new(), credential, "x");
    assert_not_found(
        s.upsert_calendar(&stranger, at(0, 0)).await,
        "unknown client",
    );
    remove_clients(s).await;
}

/// Rows read back equal; an upsert replaces by event id; deleting a master deletes its
/// instances.
pub async fn event_rows_round_trip_and_deletes_take_instances(s: &dyn Store) {
    let (client, credential) = owner(s, 3).await;
    let key = add_calendar(s, client, credential, "owner@gmail.test").await;
    let mut master = row(&key, credential, "series1", 100);
    master.is_recurring_master = true;
    master.series_end_utc = Some(at(86_400 * 30, 0));
    let mut exception = row(&key, credential, "series1_20260102T100000Z", 200);
    exception.recurring_event_id = Some("series1".to_owned());
    exception.original_start_utc = Some(at(150, 0));
    let day = all_day(&key, credential, "holiday");
    let single = row(&key, credential, "single", 300);
    let rows = vec![master, exception, day, single.clone()];
    s.write_events(&key, 0, &rows, &[]).await.expect("write");
    assert_eq!(s.list_events(&key).await.expect("list"), {
        let mut sorted = rows.clone();
        sorted.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        sorted
    });

    let mut moved = single.clone();
    moved.start_utc = Some(at(900, 0));
    moved.body = Sealed::from_stored("v1:k1:sealed-single-2");
    s.write_events(&key, 0, &[moved.clone()], &["series1".to_owned()])
        .await
        .expect("upsert and delete");
    let left = s.list_events(&key).await.expect("list");
    assert_eq!(
        ids(&left),
        vec!["holiday", "single"],
        "the series went whole"
    );
    assert_eq!(left[1], moved, "the upsert replaced the row");
    assert_eq!(s.count_events(&key).await.expect("count"), 2);
    let missing = CalendarKey::new(client, "nope");
    assert_not_found(
        s.write_events(&missing, 0, &[], &[]).await,
        "events of an unknown calendar",
    );
    remove_clients(s).await;
}

/// A full resync writes beside the current rows; only completing it swaps them (and stores
/// the token); beginning again drops an unfinished attempt's rows.
pub async fn full_resync_swaps_generations_atomically(s: &dyn Store) {
    let (client, credential) = owner(s, 4).await;
    let key = add_calendar(s, client, credential, "owner@gmail.test").await;
    s.write_events(&key, 0, &[row(&key, credential, "old", 0)], &[])
        .await
        .expect("current rows");
    let next = s.begin_full_sync(&key).await.expect("begin");
    assert_eq!(next, 1);
    s.write_events(&key, next, &[row(&key, credential, "abandoned", 0)], &[])
        .await
        .expect("staged");
    assert_eq!(ids(&s.list_events(&key).await.expect("list")), vec!["old"]);
    let again = s.begin_full_sync(&key).await.expect("begin again");
    assert_eq!(again, 1);
    s.write_events(&key, again, &[row(&key, credential, "new", 0)], &[])
        .await
        .expect("staged");
    assert_eq!(ids(&s.list_events(&key).await.expect("list")), vec!["old"]);
    s.complete_full_sync(&key, again, "fresh-token")
        .await
        .expect("complete");
    assert_eq!(ids(&s.list_events(&key).await.expect("list")), vec!["new"]);
    let stored = s.get_calendar(&key).await.expect("get").expect("exists");
    assert_eq!(
        (stored.generation, stored.sync_token.as_deref()),
        (1, Some("fresh-token"))
    );
    assert_eq!(s.count_events(&key).await.expect("count"), 1);
    remove_clients(s).await;
}

/// Full resyncs of many calendars of one client at once (a client's first sync, or a resync
/// after an expired token) all complete, each with exactly its own rows: a database that
/// aborts one of them to break a deadlock (MariaDB's gap locks do, between one calendar's
/// delete and another's inserts) has it run again.
pub async fn concurrent_full_resyncs_of_one_client_all_complete(s: &dyn Store) {
    let (client, credential) = owner(s, 15).await;
    let mut keys = Vec::new();
    for n in 0..8 {
        keys.push(add_calendar(s, client, credential, &format!("team{n}@group.test")).await);
    }
    for round in 0..4 {
        let resyncs = keys.iter().map(|key| async move {
            let next = s.begin_full_sync(key).await.expect("begin");
            let rows: Vec<_> = (0..20)
                .map(|i| row(key, credential, &format!("r{round}-{i:02}"), i))
                .collect();
            s.write_events(key, next, &rows, &[]).await.expect("staged");
            s.complete_full_sync(key, next, &format!("token-{round}"))
                .await
                .expect("complete");
        });
        join_all(resyncs).await;
        for key in &keys {
            let rows = s.list_events(key).await.expect("list");
            let ids = ids(&rows);
            assert_eq!(ids.len(), 20, "{key}");
            assert!(ids.iter().all(|id| id.starts_with(&format!("r{round}-"))));
        }
    }
    remove_clients(s).await;
}

/// Every change to a calendar's event rows (writes, deletes, a resync swap) changes its
/// revision, as listed and as read alone; sync bookkeeping does not; a calendar mirrored
/// again after deletion does not start where the old one was.
pub async fn every_event_change_moves_the_calendar_revision(s: &dyn Store) {
    let (client, credential) = owner(s, 11).await;
    let key = add_calendar(s, client, credential, "owner@gmail.test").await;
    let revision = || async {
        let got = s.get_calendar(&key).await.expect("get").expect("exists");
        let listed = s
            .list_calendars(&MirrorSelection::clients([client]))
            .await
            .expect("list");
        assert_eq!(listed.first().map(|c| c.revision), Some(got.revision));
        got.revision
    };
    let mut seen = vec![revision().await];
    s.write_events(&key, 0, &[row(&key, credential, "a", 0)], &[])
        .await
        .expect("write");
    seen.push(revision().await);
    s.write_events(&key, 0, &[], &["a".to_owned()])
        .await
        .expect("delete");
    seen.push(revision().await);
    let next = s.begin_full_sync(&key).await.expect("begin");
    s.complete_full_sync(&key, next, "token")
        .await
        .expect("complete");
    seen.push(revision().await);
    let mut distinct = seen.clone();
    distinct.dedup();
    assert_eq!(distinct, seen, "each change moves the revision: {seen:?}");
    s.mark_due(&key, at(9, 0)).await.expect("due");
    s.set_channel(&key, None).await.expect("channel");
    assert_eq!(
        revision().await,
        *seen.last().unwrap_or(&0),
        "no event changed"
    );
    assert!(s.delete_calendar(&key).await.expect("delete"));
    let again = add_calendar(s, client, credential, "owner@gmail.test").await;
    let fresh = s.get_calendar(&again).await.expect("get").expect("exists");
    assert!(
        !seen.contains(&fresh.revision),
        "a new calendar starts elsewhere"
    );
    remove_clients(s).await;
}

/// The time-range read follows the stated rule, per selected calendar.
pub async fn events_between_selects_by_time_series_and_original_start(s: &dyn Store) {
    let (client, credential) = owner(s, 5).await;
    let key = add_calendar(s, client, credential, "owner@gmail.test").await;
    let other = add_calendar(s, client, credential, "b@group.calendar.google.com").await;
    let hour = 3600;
    let inside = row(&key, credential, "inside", 10 * hour);
    let before = row(&key, credential, "before", hour);
    let after = row(&key, credential, "after", 30 * hour);
    let mut open = row(&key, credential, "open-series", -100 * hour);
    open.is_recurring_master = true;
    let mut ended = row(&key, credential, "ended-series", -100 * hour);
    ended.is_recurring_master = true;
    ended.series_end_utc = Some(at(-50 * hour, 0));
    let mut moved_out = row(&key, credential, "open-series_x", 40 * hour);
    moved_out.recurring_event_id = Some("open-series".into());
    moved_out.original_start_utc = Some(at(12 * hour, 0));
    let elsewhere = row(&other, credential, "elsewhere", 10 * hour);
    // Early in the window: outside the narrower window the timed check below asks for, where
    // a timed single event is left out but an all-day one or a moved instance is not.
    let early = row(&key, credential, "early", 6 * hour);
    let early_day = MirrorEventRow {
        start_date: Some(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()),
        ..row(&key, credential, "early-day", 6 * hour)
    };
    let mut moved_early = row(&key, credential, "open-series_y", 6 * hour);
    moved_early.recurring_event_id = Some("open-series".into());
    moved_early.original_start_utc = Some(at(14 * hour, 0));
    let rows = [
        inside,
        before,
        after,
        open,
        ended,
        moved_out,
        early,
        early_day,
        moved_early,
    ];
    s.write_events(&key, 0, &rows, &[]).await.expect("write");
    s.write_events(&other, 0, &[elsewhere], &[])
        .await
        .expect("write");

    let (from, to) = (at(5 * hour, 0), at(20 * hour, 0));
    let one = MirrorSelection {
        clients: Some(vec![client]),
        calendars: Some(vec![key.calendar_id.clone()]),
    };
    let found = s.events_between(&one, from, to).await.expect("between");
    let mut found_ids = ids(&found);
    found_ids.sort_unstable();
    assert_eq!(
        found_ids,
        vec![
            "early",
            "early-day",
            "inside",
            "open-series",
            "open-series_x",
            "open-series_y"
        ]
    );
    let both = s
        .events_between(&MirrorSelection::clients([client]), from, to)
        .await
        .expect("between");
    assert_eq!(both.len(), 7, "the other calendar's event too");
    let narrowed = WindowBounds::new(from, to).timed_within(at(9 * hour, 0), at(12 * hour, 0));
    for selection in [one, MirrorSelection::clients([client])] {
        assert_window_reads_agree(s, &selection, WindowBounds::new(from, to)).await;
        let kept = assert_window_reads_agree(s, &selection, narrowed).await;
        let kept: Vec<&str> = kept.iter().map(|r| r.event_id.as_str()).collect();
        assert!(
            !kept.contains(&"early"),
            "a timed event outside is left out"
        );
        for id in ["early-day", "inside", "open-series_y", "elsewhere"] {
            assert_eq!(
                kept.contains(&id),
                id != "elsewhere" || selection.calendars.is_none(),
                "{id} is kept"
            );
        }
    }
    let nobody = MirrorSelection::clients([ClientId::new()]);
    assert!(
        s.events_between(&nobody, from, to)
            .await
            .expect("none")
            .is_empty()
    );
    remove_clients(s).await;
}

/// The window read, whole and in chunks, gives the rows `events_between` gives that `bounds`
/// keeps (whole: in the same order); returns them.
async fn assert_window_reads_agree(
    s: &dyn Store,
    selection: &MirrorSelection,
    bounds: WindowBounds,
) -> Vec<MirrorWindowRow> {
    let full: Vec<MirrorWindowRow> = s
        .events_between(selection, bounds.from, bounds.to)
        .await
        .expect("between")
        .into_iter()
        .map(MirrorWindowRow::from)
        .filter(|row| bounds.keeps(row))
        .collect();
    let slim = s.window_rows(selection, bounds).await.expect("window");
    assert_eq!(
        slim, full,
        "the window read: the same rows, in the same order"
    );
    let mut streamed: Vec<MirrorWindowRow> = s
        .window_row_chunks(selection, bounds)
        .try_concat()
        .await
        .expect("window in chunks");
    streamed.sort_by(|a, b| {
        (&a.key, a.start_utc, &a.event_id).cmp(&(&b.key, b.start_utc, &b.event_id))
    });
    assert_eq!(streamed, full, "the window read in chunks: every row once");
    let mut visited = visited(s, selection, bounds, usize::MAX).await;
    visited.sort_by(|a, b| {
        (&a.key, a.start_utc, &a.event_id).cmp(&(&b.key, b.start_utc, &b.event_id))
    });
    assert_eq!(visited, full, "the window read row by row: every row once");
    full
}

/// Keeps copies of the rows a store hands it, until it has `stop_after`; puts them in `out`
/// when the store drops it.
struct Collect {
    rows: Vec<MirrorWindowRow>,
    stop_after: usize,
    out: Arc<Mutex<Vec<MirrorWindowRow>>>,
}

impl WindowVisitor for Collect {
    fn row(&mut self, row: &WindowRowRef<'_>) -> bool {
        self.rows.push(row.to_row());
        self.rows.len() < self.stop_after
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        *self.out.lock().unwrap_or_else(PoisonError::into_inner) = std::mem::take(&mut self.rows);
    }
}

/// The rows `visit_window_rows` hands a visitor that stops after `stop_after`.
async fn visited(
    s: &dyn Store,
    selection: &MirrorSelection,
    bounds: WindowBounds,
    stop_after: usize,
) -> Vec<MirrorWindowRow> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let visitor = Collect {
        rows: Vec::new(),
        stop_after,
        out: Arc::clone(&out),
    };
    s.visit_window_rows(selection, bounds, Box::new(visitor))
        .await
        .expect("window row by row");
    std::mem::take(&mut *out.lock().unwrap_or_else(PoisonError::into_inner))
}

/// A window read of more rows than one chunk holds (backends stream it) gives every row once,
/// with the columns `events_between` gives; a caller that stops after the first chunk, or a
/// visitor that stops after a few rows, leaves the store able to read again.
pub async fn a_large_window_read_gives_every_row_once_and_can_be_left_early(s: &dyn Store) {
    let (client, credential) = owner(s, 13).await;
    let key = add_calendar(s, client, credential, "large@gmail.test").await;
    let minutes = 60;
    let rows: Vec<MirrorEventRow> = (0..2_600)
        .map(|i| {
            let id = format!("event-{i:04}");
            match i % 100 {
                0 => all_day(&key, credential, &id),
                1 => MirrorEventRow {
                    is_recurring_master: true,
                    series_end_utc: (i % 200 == 1).then(|| at(100_000 * minutes, 0)),
                    ..row(&key, credential, &id, 0)
                },
                _ => row(&key, credential, &id, (i % 1_000) * minutes),
            }
        })
        .collect();
    for batch in rows.chunks(500) {
        s.write_events(&key, 0, batch, &[]).await.expect("write");
    }
    let selection = MirrorSelection::clients([client]);
    let (from, to) = (at(-86_400, 0), at(100 * 86_400, 0));
    let full = assert_window_reads_agree(s, &selection, WindowBounds::new(from, to)).await;
    assert_eq!(full.len(), rows.len(), "every row is in the window");
    let by_id = |mut rows: Vec<MirrorEventRow>| {
        rows.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        rows
    };
    let between = by_id(
        s.events_between(&selection, from, to)
            .await
            .expect("between"),
    );
    assert_eq!(
        between, rows,
        "every column of every row reads back as written"
    );
    let listed = by_id(s.list_events(&key).await.expect("list"));
    assert_eq!(
        between, listed,
        "the range read and the calendar's list agree"
    );
    for _ in 0..6 {
        let mut chunks = s.window_row_chunks(&selection, WindowBounds::new(from, to));
        let first = chunks.try_next().await.expect("first chunk");
        assert!(first.is_some_and(|c| !c.is_empty()), "rows come");
        drop(chunks);
        let stopped = visited(s, &selection, WindowBounds::new(from, to), 10).await;
        assert_eq!(stopped.len(), 10, "a visitor that stops gets no more rows");
    }
    let again = s
        .window_rows(&selection, WindowBounds::new(from, to))
        .await
        .expect("again");
    assert_eq!(
        again.len(),
        full.len(),
        "reads left early do not hold the store"
    );
    remove_clients(s).await;
}

/// Due calendars are leased once; a lease ends at its time; only the holder finishes.
pub async fn due_calendars_are_claimed_once_and_finished_by_the_holder(s: &dyn Store) {
    let (client, credential) = owner(s, 6).await;
    let a = add_calendar(s, client, credential, "a").await;
    let b = add_calendar(s, client, credential, "b").await;
    s.mark_due(&b, at(1000, 0)).await.expect("b later");
    let first = s
        .claim_due_calendars("w1", at(10, 0), at(70, 0), 10)
        .await
        .expect("claim");
    assert_eq!(
        first.iter().map(|c| c.key().clone()).collect::<Vec<_>>(),
        vec![a.clone()]
    );
    assert_eq!(first[0].lease_holder.as_deref(), Some("w1"));
    assert!(
        s.claim_due_calendars("w2", at(20, 0), at(80, 0), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let taken = s
        .claim_due_calendars("w2", at(70, 0), at(130, 0), 10)
        .await
        .expect("claim");
    assert_eq!(taken.len(), 1, "the lease ended, another worker takes over");
    let failed = SyncFinish {
        synced_at: None,
        token: TokenUpdate::Keep,
        next_sync_due: at(200, 0),
        failures: 1,
        last_error: Some("503 backendError".into()),
    };
    assert!(
        !s.finish_sync(&a, "w1", &failed)
            .await
            .expect("stale finish"),
        "w1 lost it"
    );
    assert!(s.finish_sync(&a, "w2", &failed).await.expect("finish"));
    let stored = s.get_calendar(&a).await.expect("get").expect("exists");
    assert_eq!(
        (stored.failures, stored.last_error.as_deref()),
        (1, Some("503 backendError"))
    );
    assert_eq!((stored.lease_holder, stored.last_synced), (None, None));
    s.finish_sync(&a, "w3", &success(at(300, 0), TokenUpdate::Clear))
        .await
        .expect("no-op");
    let limited = s
        .claim_due_calendars("w3", at(2000, 0), at(2060, 0), 1)
        .await
        .expect("claim");
    assert_eq!(limited.len(), 1, "the limit holds");
    assert_eq!(limited[0].key(), &a, "earliest due first");
    remove_clients(s).await;
}

/// Of many concurrent claimers (and one coming after them), every due calendar goes to
/// exactly one.
pub async fn concurrent_claimers_never_share_a_calendar(s: &dyn Store) {
    let (client, credential) = owner(s, 7).await;
    for n in 0..12 {
        add_calendar(s, client, credential, &format!("cal-{n:02}")).await;
    }
    let claims = join_all((0..6).map(|w| async move {
        let holder = format!("worker-{w}");
        s.claim_due_calendars(&holder, at(10, 0), at(70, 0), 3)
            .await
    }))
    .await;
    let mut won: Vec<String> = claims
        .into_iter()
        .flat_map(|r| r.expect("claim"))
        .map(|c| c.meta.key.calendar_id)
        .collect();
    // With `SKIP LOCKED`, MariaDB may pass over a row another claimer only looked at, so the
    // six may leave some calendars for the next claim (a syncer claims until none is due).
    let rest = s
        .claim_due_calendars("worker-late", at(10, 0), at(70, 0), 12)
        .await
        .expect("claim");
    won.extend(rest.into_iter().map(|c| c.meta.key.calendar_id));
    let total = won.len();
    won.sort();
    won.dedup();
    assert_eq!(won.len(), total, "no calendar was claimed twice");
    assert_eq!(total, 12, "every due calendar was claimed once");
    remove_clients(s).await;
}

/// Parking a credential stops its calendars being claimed, with the reason, until unparked.
pub async fn parked_credentials_are_not_claimed_until_unparked(s: &dyn Store) {
    let (client, credential) = owner(s, 8).await;
    let key = add_calendar(s, client, credential, "a").await;
    assert_eq!(
        s.park_credential(credential, "invalid_grant")
            .await
            .expect("park"),
        1
    );
    assert!(
        s.claim_due_calendars("w", at(10, 0), at(70, 0), 5)
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        s.parked_credentials().await.expect("parked"),
        vec![credential]
    );
    let stored = s.get_calendar(&key).await.expect("get").expect("exists");
    assert_eq!(stored.parked_reason.as_deref(), Some("invalid_grant"));
    assert_eq!(
        s.unpark_credential(credential, at(20, 0))
            .await
            .expect("unpark"),
        1
    );
    assert!(s.parked_credentials().await.expect("parked").is_empty());
    assert_eq!(
        s.claim_due_calendars("w", at(20, 0), at(80, 0), 5)
            .await
            .expect("claim")
            .len(),
        1
    );
    remove_clients(s).await;
}

/// Channels are stored, found by id, and cleared.
pub async fn push_channels_are_found_by_id(s: &dyn Store) {
    let (client, credential) = owner(s, 9).await;
    let key = add_calendar(s, client, credential, "a").await;
    let channel = PushChannel {
        id: "3f7c1d2e-channel".to_owned(),
        resource_id: "ret08u3rv24htgh289g".to_owned(),
        expires_at: at(604_800, 1),
        token: Sealed::from_stored("v1:k1:sealed-token"),
    };
    assert!(s.set_channel(&key, Some(&channel)).await.expect("set"));
    let found = s
        .calendar_by_channel(&channel.id)
        .await
        .expect("find")
        .expect("found");
    assert_eq!(
        (found.key(), found.channel.as_ref()),
        (&key, Some(&channel))
    );
    assert!(
        s.calendar_by_channel("other")
            .await
            .expect("find")
            .is_none()
    );
    assert!(s.set_channel(&key, None).await.expect("clear"));
    assert!(
        s.calendar_by_channel(&channel.id)
            .await
            .expect("find")
            .is_none()
    );
    let missing = CalendarKey::new(client, "missing");
    assert!(
        !s.set_channel(&missing, Some(&channel))
            .await
            .expect("set on missing")
    );
    assert!(
        !s.mark_due(&missing, at(0, 0))
            .await
            .expect("due on missing")
    );
    remove_clients(s).await;
}

/// Deleting a credential drops its calendars and events; deleting a client drops the rest.
pub async fn deleting_client_or_credential_removes_the_mirror(s: &dyn Store) {
    let (client, credential) = owner(s, 10).await;
    let second = add_credential(s, client).await.id;
    let a = add_calendar(s, client, credential, "a").await;
    let b = add_calendar(s, client, second, "b").await;
    s.write_events(&a, 0, &[row(&a, credential, "e", 0)], &[])
        .await
        .expect("write");
    s.write_events(&b, 0, &[row(&b, second, "e", 0)], &[])
        .await
        .expect("write");
    let state = CalendarListState {
        client_id: client,
        credential_id: credential,
        sync_token: None,
        last_synced: Some(at(1, 0) + TimeDelta::microseconds(1)),
    };
    s.insert_list_state(&state).await.expect("list state");
    assert!(
        s.delete_credential(credential)
            .await
            .expect("delete credential")
    );
    assert!(s.get_calendar(&a).await.expect("a").is_none());
    assert_eq!(s.count_events(&a).await.expect("count"), 0);
    assert!(s.get_list_state(client).await.expect("state").is_none());
    assert!(
        s.get_calendar(&b).await.expect("b").is_some(),
        "other credential kept"
    );
    assert!(s.delete_client(client).await.expect("delete client"));
    assert!(s.get_calendar(&b).await.expect("b").is_none());
    assert_eq!(s.count_events(&b).await.expect("count"), 0);
    remove_clients(s).await;
}
