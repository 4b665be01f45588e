//! The local mirror of every client's calendars, read side: [`Mirror`] answers "which
//! events may fall in this window" and "which calendars are mirrored, how fresh" from the
//! store, opening the sealed event bodies. The sync engine that fills it lives in
//! [`crate::sync`].
//!
//! Events are stored as Google lists them with `singleEvents=false`: single events, recurring
//! masters, and exceptions (moved or cancelled instances). Expanding masters into instances is
//! the reader's job (see the stacked views).

pub(crate) mod cache;
pub(crate) mod rows;
pub(crate) mod write_through;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use self::cache::{OpenedRow, RowTimes};
use crate::calendar::Event;
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::{
    CalendarKey, ClientId, MirrorEventRow, MirrorSelection, MirrorWindowRow, MirroredCalendar,
    Store,
};

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

/// Rows opened per blocking task when a read is large.
const OPEN_CHUNK: usize = 1024;

/// How one row is opened into what a read returns.
type Opener<R, T> = fn(&Keyring, R) -> Result<T>;

/// Opens rows in order: on this thread when few, else in chunks on the blocking pool.
async fn open_all<R: Send + 'static, T: Send + 'static>(
    keyring: &Keyring,
    rows: Vec<R>,
    open: Opener<R, T>,
) -> Result<Vec<T>> {
    if rows.len() <= OPEN_CHUNK {
        return rows.into_iter().map(|row| open(keyring, row)).collect();
    }
    let mut tasks = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<R> = rows.by_ref().take(OPEN_CHUNK).collect();
        let keyring = keyring.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|row| open(&keyring, row))
                .collect::<Result<Vec<_>>>()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        let opened = task
            .await
            .map_err(|_| crate::Error::transport("opening mirrored events was interrupted"))?;
        out.extend(opened?);
    }
    Ok(out)
}

/// A row opened for the opened-events cache: its calendar, window columns and event.
fn open_for_cache(keyring: &Keyring, row: MirrorWindowRow) -> Result<(CalendarKey, OpenedRow)> {
    let opened = OpenedRow {
        times: RowTimes::of_window(&row),
        event: Arc::new(rows::open_body(
            keyring,
            &row.key,
            &row.event_id,
            &row.body,
        )?),
    };
    Ok((row.key, opened))
}

fn open(keyring: &Keyring, row: MirrorEventRow) -> Result<MirroredEvent> {
    Ok(MirroredEvent {
        event: rows::open_row(keyring, &row)?,
        client_id: row.key.client_id,
        calendar_id: row.key.calendar_id,
        is_recurring_master: row.is_recurring_master,
        series_end: row.series_end_utc,
    })
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
        self.events_of(selection, from, to, |_| true).await
    }

    /// [`Mirror::events_between`], keeping only the calendars `keep` accepts (checked before
    /// anything is opened). Large reads are opened on the blocking pool, in parallel.
    pub(crate) async fn events_of(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        keep: impl Fn(&CalendarKey) -> bool,
    ) -> Result<Vec<MirroredEvent>> {
        if from >= to {
            return Err(crate::Error::validation("to", "must be after from"));
        }
        let (low, high) = padded(from, to);
        let mut rows = self.store.events_between(selection, low, high).await?;
        rows.retain(|row| !RowTimes::of(row).timed_outside(from, to) && keep(&row.key));
        open_all(&self.keyring, rows, open).await
    }

    /// Every row the store returns for the padded window of `[from, to)` (see [`padded`]) of
    /// the calendars `keep` accepts, opened, with its calendar and window columns, in store
    /// order: what the opened-events cache keeps per calendar. `from < to` is the caller's.
    pub(crate) async fn opened_rows(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        keep: impl Fn(&CalendarKey) -> bool,
    ) -> Result<Vec<(CalendarKey, OpenedRow)>> {
        let (low, high) = padded(from, to);
        let mut rows = self.store.window_rows(selection, low, high).await?;
        rows.retain(|row| keep(&row.key));
        open_all(&self.keyring, rows, open_for_cache).await
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
