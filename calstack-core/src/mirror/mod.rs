//! The local mirror of every client's calendars, read side: [`Mirror`] answers "which
//! events may fall in this window" and "which calendars are mirrored, how fresh" from the
//! store, opening the sealed event bodies. The sync engine that fills it lives in
//! [`crate::sync`].
//!
//! Events are stored as Google lists them with `singleEvents=false`: single events, recurring
//! masters, and exceptions (moved or cancelled instances). Expanding masters into instances is
//! the reader's job (see the stacked views).

pub(crate) mod cache;
mod opening;
mod parts;
pub(crate) mod rows;
pub(crate) mod write_through;

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;

use self::cache::RowTimes;
use self::opening::{OPEN_CHUNK, RunOpener, in_pieces, join_opened, open, open_all, open_runs};
use crate::calendar::Event;
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::{
    CalendarKey, ClientId, MirrorSelection, MirrorWindowRow, MirroredCalendar, Store, WindowBounds,
};

pub(crate) use opening::{KeepCalendar, OpenedRun};
pub(crate) use parts::read_parts;

pub use cache::DEFAULT_CACHED_ROWS;
pub use rows::event_aad;

/// How far around a window all-day events and instances' original starts are looked for:
/// all-day dates are stored at midnight UTC, and the viewer's zone may be up to 14 hours
/// away; an instance moved out of the window still cancels its original slot.
const WINDOW_SLACK: TimeDelta = TimeDelta::days(1);

/// A mirrored event, opened: where it lives and the event exactly as Google sent it. Its
/// `Debug` leaves the event out (a client's calendar contents).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct MirroredEvent {
    /// The client whose calendar holds it.
    pub client_id: ClientId,
    /// The calendar holding it.
    pub calendar_id: String,
    /// Whether it is the master of a recurring series (expand it with its `recurrence`).
    pub is_recurring_master: bool,
    /// For a master: an upper bound of the end of its last occurrence (`None`: open-ended).
    pub series_end: Option<DateTime<Utc>>,
    /// The event.
    pub event: Event,
}

impl std::fmt::Debug for MirroredEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MirroredEvent")
            .field("client_id", &self.client_id)
            .field("calendar_id", &self.calendar_id)
            .field("event_id", &self.event.id)
            .field("is_recurring_master", &self.is_recurring_master)
            .field("series_end", &self.series_end)
            .field("event", &"<redacted>")
            .finish()
    }
}

/// The window a read of `[from, to)` asks the store for (see [`WINDOW_SLACK`]).
pub(crate) fn padded(from: DateTime<Utc>, to: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (from - WINDOW_SLACK, to + WINDOW_SLACK)
}

/// A mirrored calendar with how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CalendarStatus {
    /// The calendar: metadata, last synced, next due, failures, last error, parking.
    pub calendar: MirroredCalendar,
    /// Event rows mirrored (masters, single events and exceptions).
    pub events: u64,
}

/// Reads the mirror. Made by [`crate::Calstack::mirror`].
#[derive(Clone)]
pub struct Mirror {
    store: Arc<dyn Store>,
    keyring: Keyring,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror").finish_non_exhaustive()
    }
}

impl Mirror {
    pub(crate) fn new(store: Arc<dyn Store>, keyring: Keyring) -> Self {
        Self { store, keyring }
    }

    /// The selected calendars' events that may fall in `[from, to)`, opened:
    /// - every single event and exception overlapping the window (timed events exactly;
    ///   all-day events whose dates overlap it in some time zone);
    /// - every recurring master whose series may overlap it (starts before `to` and has no
    ///   known end, or ends after `from`);
    /// - every exception whose original start lies within a day of the window (a moved or
    ///   cancelled instance that replaces an occurrence the reader would otherwise expand).
    ///
    /// Ordered by client, calendar, start, event id.
    pub async fn events_between(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MirroredEvent>> {
        if from >= to {
            return Err(crate::Error::validation("to", "must be after from"));
        }
        let (low, high) = padded(from, to);
        let read = |part: MirrorSelection| async move {
            let mut rows = self.store.events_between(&part, low, high).await?;
            rows.retain(|row| !RowTimes::of(row).timed_outside(from, to));
            open_all(&self.keyring, rows, open).await
        };
        let parts = self.parts_of(selection).await?;
        let opened = futures::future::try_join_all(parts.into_iter().map(read)).await?;
        // The parts are groups of clients in client order, each read in store order.
        Ok(opened.into_iter().flatten().collect())
    }

    /// The selections a read of `selection` goes to the store in: itself, or for many
    /// calendars a few disjoint groups of its clients (see [`read_parts`]).
    async fn parts_of(&self, selection: &MirrorSelection) -> Result<Vec<MirrorSelection>> {
        let calendars = self.store.list_calendars(selection).await?;
        let mut parts = read_parts(false, calendars.iter().map(MirroredCalendar::key), 1);
        if parts.len() == 1 {
            return Ok(vec![selection.clone()]);
        }
        for part in &mut parts {
            part.calendars.clone_from(&selection.calendars);
        }
        Ok(parts)
    }

    /// Every row the store returns for the padded window of `[from, to)` (see [`padded`]) of
    /// the calendars `keep` accepts, but timed single events outside `[from, to)` (which the
    /// store is asked to leave out, and which are dropped here if it sends them), opened,
    /// with its window columns, in runs of one calendar in no particular order: what the
    /// opened-events cache keeps per calendar for `[from, to)`. `from < to` is the caller's.
    /// Each chunk the store sends is sorted out and opened on the blocking pool as it
    /// arrives, so opening the first rows overlaps reading the rest, and the caller's own
    /// thread only gathers runs.
    pub(crate) async fn opened_rows(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        keep: KeepCalendar,
    ) -> Result<Vec<OpenedRun>> {
        let (low, high) = padded(from, to);
        // Timed single events outside `[from, to)` are left in the store.
        let bounds = WindowBounds::new(low, high).timed_within(from, to);
        if self.store.visits_where_read() {
            return self.opened_where_read(selection, bounds, keep).await;
        }
        let mut chunks = self.store.window_row_chunks(selection, bounds);
        let mut tasks = Vec::new();
        let spawn = |rows: Vec<MirrorWindowRow>| {
            let keyring = self.keyring.clone();
            let keep = Arc::clone(&keep);
            tokio::task::spawn_blocking(move || open_runs(&keyring, rows, (from, to), &keep))
        };
        // A chunk larger than a task's share is split.
        let hand_on = |rows: Vec<MirrorWindowRow>, tasks: &mut Vec<_>| {
            in_pieces(rows, |piece| tasks.push(spawn(piece)))
        };
        // Each chunk is handed on once the next arrives: a small read is opened here.
        let mut last = None;
        while let Some(chunk) = chunks.try_next().await? {
            if let Some(before) = last.replace(chunk) {
                hand_on(before, &mut tasks);
            }
        }
        let Some(last) = last else {
            return Ok(Vec::new());
        };
        if tasks.is_empty() && last.len() <= OPEN_CHUNK {
            return open_runs(&self.keyring, last, (from, to), &keep);
        }
        hand_on(last, &mut tasks);
        join_opened(tasks).await
    }

    /// [`Mirror::opened_rows`] from a store that hands rows over where it reads them: each
    /// row is opened on the reading thread, straight from the database's copy.
    async fn opened_where_read(
        &self,
        selection: &MirrorSelection,
        bounds: WindowBounds,
        keep: KeepCalendar,
    ) -> Result<Vec<OpenedRun>> {
        let done = Arc::new(Mutex::new(None));
        let opener = RunOpener::new(
            self.keyring.clone(),
            (bounds.timed_from, bounds.timed_to),
            keep,
            Arc::clone(&done),
        );
        self.store
            .visit_window_rows(selection, bounds, Box::new(opener))
            .await?;
        let opened = done.lock().unwrap_or_else(PoisonError::into_inner).take();
        // A store must drop the visitor before its read completes: rows it kept are not
        // answered as an empty window.
        opened.unwrap_or_else(|| {
            Err(crate::Error::transport(
                "the store's window read ended without handing its rows over",
            ))
        })
    }

    /// The fewest parts a large window read should go to the store in (see
    /// [`read_parts`]): one per core when the store opens rows where it reads them.
    pub(crate) fn read_spread(&self) -> usize {
        if self.store.visits_where_read() {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        } else {
            1
        }
    }

    /// Every mirrored event of one calendar, opened, by event id.
    pub async fn events(&self, key: &CalendarKey) -> Result<Vec<MirroredEvent>> {
        let rows = self.store.list_events(key).await?;
        open_all(&self.keyring, rows, open).await
    }

    /// Applies events as Google sent them (a list or sync page, or write answers) to a
    /// mirrored calendar, in one transaction: each is converted, sealed and upserted, and
    /// tombstones of whole events delete (with their instances). Not mirrored →
    /// [`crate::Error::NotFound`]. The sync engine and write-through do this for you.
    pub async fn apply_events(&self, key: &CalendarKey, events: &[Event]) -> Result<()> {
        let calendar =
            self.store
                .get_calendar(key)
                .await?
                .ok_or_else(|| crate::Error::NotFound {
                    what: key.to_string(),
                })?;
        let mut upserts = Vec::with_capacity(events.len());
        let mut deletes = Vec::new();
        for event in events {
            match rows::change_for(&self.keyring, key, calendar.meta.credential_id, event)? {
                Some(rows::Change::Upsert(row)) => upserts.push(*row),
                Some(rows::Change::Delete(id)) => deletes.push(id),
                None => {}
            }
        }
        self.store
            .write_events(key, calendar.generation, &upserts, &deletes)
            .await?;
        Ok(())
    }

    /// The selected mirrored calendars (client, calendar id, summary, time zone, selected,
    /// primary, access role, last synced, …), by client id, then calendar id.
    pub async fn calendars(&self, selection: &MirrorSelection) -> Result<Vec<MirroredCalendar>> {
        Ok(self.store.list_calendars(selection).await?)
    }

    /// The selected calendars with their event counts (for `sync status`).
    pub async fn status(&self, selection: &MirrorSelection) -> Result<Vec<CalendarStatus>> {
        let calendars = self.store.list_calendars(selection).await?;
        let mut out = Vec::with_capacity(calendars.len());
        for calendar in calendars {
            let events = self.store.count_events(calendar.key()).await?;
            out.push(CalendarStatus { calendar, events });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;
    use crate::calendar::EventDateTime;
    use crate::crypto::EncryptionKey;
    use crate::store::MemoryStore;
    use crate::store::conformance::{add_client, add_credential};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 4, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn timed(id: &str, hour: u32) -> Event {
        Event {
            id: Some(id.to_owned()),
            summary: Some(format!("meeting {id}")),
            start: Some(EventDateTime::timed(at(hour).fixed_offset(), None)),
            end: Some(EventDateTime::timed(at(hour + 1).fixed_offset(), None)),
            ..Event::default()
        }
    }

    /// `clients` clients with three calendars each (`a`, `b`, `c`), two events in each.
    async fn mirrored(clients: usize) -> Mirror {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let mirror = Mirror::new(store.clone(), Keyring::new(EncryptionKey::generate()));
        for n in 0..clients {
            let client = add_client(&*store, &format!("Client {n}"), &format!("c{n}@x.test")).await;
            let credential = add_credential(&*store, client.id).await;
            for calendar in ["a", "b", "c"] {
                let key = CalendarKey::new(client.id, calendar);
                let meta = crate::store::CalendarMetadata::new(key.clone(), credential.id);
                store.upsert_calendar(&meta, at(0)).await.expect("calendar");
                let events = [
                    timed(&format!("late{n}"), 14),
                    timed(&format!("early{n}"), 9),
                ];
                mirror.apply_events(&key, &events).await.expect("events");
            }
        }
        mirror
    }

    #[tokio::test]
    async fn a_large_read_goes_in_parts_and_answers_every_event_in_order() {
        let mirror = mirrored(300).await;
        let all = MirrorSelection::all();
        assert!(mirror.parts_of(&all).await.expect("parts").len() > 1);
        let found = mirror
            .events_between(&all, at(8), at(20))
            .await
            .expect("read");
        assert_eq!(found.len(), 300 * 3 * 2);
        let order: Vec<_> = found
            .iter()
            .map(|e| (e.client_id, e.calendar_id.as_str(), e.event.start.clone()))
            .collect();
        let mut sorted = order.clone();
        sorted.sort_by(|a, b| {
            (a.0, a.1, a.2.as_ref().and_then(|s| s.date_time)).cmp(&(
                b.0,
                b.1,
                b.2.as_ref().and_then(|s| s.date_time),
            ))
        });
        assert_eq!(order, sorted, "by client, calendar, start");

        // The parts keep the selection's calendars.
        let two = MirrorSelection {
            calendars: Some(vec!["a".to_owned(), "c".to_owned()]),
            ..MirrorSelection::all()
        };
        assert!(mirror.parts_of(&two).await.expect("parts").len() > 1);
        let found = mirror
            .events_between(&two, at(8), at(12))
            .await
            .expect("read");
        assert_eq!(found.len(), 300 * 2, "the early event of calendars a and c");
        assert!(found.iter().all(|e| e.calendar_id != "b"));
    }

    /// The opened rows of `[from, to)` that `keep` accepts, gathered by calendar (each
    /// calendar's event ids, sorted), and how many runs they came in.
    async fn opened_by_calendar(
        mirror: &Mirror,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        keep: KeepCalendar,
    ) -> (BTreeMap<CalendarKey, Vec<String>>, usize) {
        let runs = mirror
            .opened_rows(&MirrorSelection::all(), from, to, keep)
            .await
            .expect("read");
        let count = runs.len();
        let mut by_calendar: BTreeMap<CalendarKey, Vec<String>> = BTreeMap::new();
        for (key, rows) in runs {
            assert!(!rows.is_empty(), "a run holds rows");
            let ids = rows.iter().filter_map(|r| r.event.id.clone());
            by_calendar.entry(key).or_default().extend(ids);
        }
        by_calendar.values_mut().for_each(|ids| ids.sort());
        (by_calendar, count)
    }

    #[tokio::test]
    async fn opened_rows_come_in_runs_of_the_kept_calendars_without_timed_rows_outside() {
        // 1,800 rows in one chunk from the in-memory store: opened on the blocking pool in
        // pieces; 18 rows: opened on the caller's thread. Both answer the same way.
        for clients in [300, 3] {
            let mirror = mirrored(clients).await;
            let keep: KeepCalendar = Arc::new(|key: &CalendarKey| key.calendar_id != "b");
            let (by_calendar, runs) = opened_by_calendar(&mirror, (at(8), at(12)), keep).await;
            assert_eq!(
                by_calendar.len(),
                clients * 2,
                "calendars a and c of each client"
            );
            assert!(by_calendar.keys().all(|k| k.calendar_id != "b"));
            for (key, ids) in &by_calendar {
                // The 14:00 event is timed outside [8:00, 12:00): left sealed.
                assert_eq!(ids.len(), 1, "{key}: {ids:?}");
                assert!(ids[0].starts_with("early"), "{ids:?}");
            }
            assert!(runs >= by_calendar.len());

            let every: KeepCalendar = Arc::new(|_: &CalendarKey| true);
            let (by_calendar, runs) = opened_by_calendar(&mirror, (at(8), at(20)), every).await;
            assert_eq!(by_calendar.len(), clients * 3);
            assert!(by_calendar.values().all(|ids| ids.len() == 2));
            assert!(
                runs < clients * 3 * 2,
                "rows of one calendar share a run: {runs} runs"
            );
        }
    }

    #[tokio::test]
    async fn a_small_read_is_one_part_asking_for_the_selection_itself() {
        let mirror = mirrored(3).await;
        let all = MirrorSelection::all();
        assert_eq!(
            mirror.parts_of(&all).await.expect("parts"),
            vec![all.clone()]
        );
        let found = mirror
            .events_between(&all, at(8), at(20))
            .await
            .expect("read");
        assert_eq!(found.len(), 3 * 3 * 2);
    }
}
