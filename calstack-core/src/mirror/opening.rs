//! Opening what a mirror read returns: sealed rows unsealed and decoded, on the reading
//! thread when few, else in chunks on the blocking pool; a stacked view's window rows opened
//! in runs of one calendar, where the store reads them when it can.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::cache::{OpenedRow, RowTimes};
use super::{MirroredEvent, rows};
use crate::calendar::LazyEvent;
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::{CalendarKey, MirrorEventRow, MirrorWindowRow, WindowRowRef, WindowVisitor};

/// Rows opened per blocking task when a read is large.
pub(super) const OPEN_CHUNK: usize = 1024;

/// How one row is opened into what a read returns.
type Opener<R, T> = fn(&Keyring, R) -> Result<T>;

/// Opens rows in order: on this thread when few, else in chunks on the blocking pool.
pub(super) async fn open_all<R: Send + 'static, T: Send + 'static>(
    keyring: &Keyring,
    rows: Vec<R>,
    open: Opener<R, T>,
) -> Result<Vec<T>> {
    if rows.len() <= OPEN_CHUNK {
        return rows.into_iter().map(|row| open(keyring, row)).collect();
    }
    let mut tasks = Vec::new();
    spawn_opening(keyring, rows, open, &mut tasks);
    join_opened(tasks).await
}

/// Rows being opened on the blocking pool, a chunk per task, in order.
type Opening<T> = Vec<tokio::task::JoinHandle<Result<Vec<T>>>>;

/// Starts opening `rows` on the blocking pool, [`OPEN_CHUNK`] rows per task.
fn spawn_opening<R: Send + 'static, T: Send + 'static>(
    keyring: &Keyring,
    rows: Vec<R>,
    open: Opener<R, T>,
    tasks: &mut Opening<T>,
) {
    in_pieces(rows, |chunk| {
        let keyring = keyring.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|row| open(&keyring, row))
                .collect::<Result<Vec<_>>>()
        }));
    });
}

/// Hands `rows` to `each` in order, in pieces of at most [`OPEN_CHUNK`] (as they are, when
/// they fit in one).
pub(super) fn in_pieces<R>(rows: Vec<R>, mut each: impl FnMut(Vec<R>)) {
    if rows.len() <= OPEN_CHUNK {
        each(rows);
        return;
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        each(rows.by_ref().take(OPEN_CHUNK).collect());
    }
}

/// What the tasks opened, in the order they were started.
pub(super) async fn join_opened<T>(tasks: Opening<T>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for task in tasks {
        let opened = task
            .await
            .map_err(|_| crate::Error::transport("opening mirrored events was interrupted"))?;
        out.extend(opened?);
    }
    Ok(out)
}

/// Consecutive rows of one calendar a window read opened (a calendar's rows may come in
/// several runs: its single events, then later its masters and exceptions).
pub(crate) type OpenedRun = (CalendarKey, Vec<OpenedRow>);

/// Which calendars' rows a window read opens.
pub(crate) type KeepCalendar = Arc<dyn Fn(&CalendarKey) -> bool + Send + Sync>;

/// Opens the rows of one chunk of a window read of `[from, to)` that the caller keeps
/// (timed single events outside the window stay sealed), as runs of one calendar: the
/// calendar key is kept once per run, and `keep` asked once per run, not per row.
pub(super) fn open_runs(
    keyring: &Keyring,
    rows: Vec<MirrorWindowRow>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    keep: &KeepCalendar,
) -> Result<Vec<OpenedRun>> {
    let mut runs: Vec<OpenedRun> = Vec::new();
    let mut refused: Option<CalendarKey> = None;
    for row in rows {
        let times = RowTimes::of_window(&row);
        if times.timed_outside(from, to) {
            continue;
        }
        if let Some((key, opened)) = runs.last_mut()
            && *key == row.key
        {
            opened.push(open_window_row(keyring, &row, times)?);
            continue;
        }
        if refused.as_ref() == Some(&row.key) {
            continue;
        }
        if !keep(&row.key) {
            refused = Some(row.key);
            continue;
        }
        let opened = open_window_row(keyring, &row, times)?;
        runs.push((row.key, vec![opened]));
    }
    // Each run in the calendar's order here, on the blocking pool: the caller then only
    // merges a calendar's few runs.
    for (_, opened) in &mut runs {
        opened.sort_by(OpenedRow::by_start);
    }
    Ok(runs)
}

/// Opens the rows of a window read where the store reads them, as [`open_runs`] opens a
/// chunk: runs of one calendar, the rows of calendars `keep` refuses and timed single
/// events outside the window left sealed. Hands what it opened (or its first failure) to
/// `done` when the store drops it.
pub(super) struct RunOpener {
    keyring: Keyring,
    /// The window `[from, to)` timed single events must overlap.
    window: (DateTime<Utc>, DateTime<Utc>),
    keep: KeepCalendar,
    runs: Vec<OpenedRun>,
    /// The calendar of the last rows refused.
    refused: Option<CalendarKey>,
    failed: Option<crate::Error>,
    done: Arc<Mutex<Option<Result<Vec<OpenedRun>>>>>,
}

/// A window read's row, as a store hands it over, opened for the opened-events cache: its
/// window columns and event.
fn open_row_ref(
    keyring: &Keyring,
    key: &CalendarKey,
    row: &WindowRowRef<'_>,
    times: RowTimes,
) -> Result<OpenedRow> {
    // Single events are opened lazily (an agenda shows most of them as titles and times);
    // series and their exceptions whole, as their expansion reads them.
    let event = if times.is_recurring_master || times.original_start_utc.is_some() {
        LazyEvent::new(rows::open_body(keyring, key, row.event_id, row.body)?)
    } else {
        rows::open_body_lazily(keyring, key, row.event_id, row.body)?
    };
    Ok(OpenedRow { times, event })
}

impl WindowVisitor for RunOpener {
    fn row(&mut self, row: &WindowRowRef<'_>) -> bool {
        let times = RowTimes::of_ref(row);
        let (from, to) = self.window;
        if times.timed_outside(from, to) {
            return true;
        }
        if let Some((key, opened)) = self.runs.last_mut()
            && row.is_of(key)
        {
            match open_row_ref(&self.keyring, key, row, times) {
                Ok(event) => opened.push(event),
                Err(e) => return self.fail(e),
            }
            return true;
        }
        if self.refused.as_ref().is_some_and(|k| row.is_of(k)) {
            return true;
        }
        let key = CalendarKey::new(row.client_id, row.calendar_id);
        if !(self.keep)(&key) {
            self.refused = Some(key);
            return true;
        }
        match open_row_ref(&self.keyring, &key, row, times) {
            Ok(event) => {
                self.runs.push((key, vec![event]));
                true
            }
            Err(e) => self.fail(e),
        }
    }
}

impl RunOpener {
    /// An opener of the rows of `window` that `keep` keeps, handing its outcome to `done`.
    pub(super) fn new(
        keyring: Keyring,
        window: (DateTime<Utc>, DateTime<Utc>),
        keep: KeepCalendar,
        done: Arc<Mutex<Option<Result<Vec<OpenedRun>>>>>,
    ) -> Self {
        Self {
            keyring,
            window,
            keep,
            runs: Vec::new(),
            refused: None,
            failed: None,
            done,
        }
    }

    /// Keeps the first failure and stops the read.
    fn fail(&mut self, error: crate::Error) -> bool {
        self.failed.get_or_insert(error);
        false
    }
}

impl Drop for RunOpener {
    fn drop(&mut self) {
        let outcome = match self.failed.take() {
            Some(error) => Err(error),
            None => {
                let mut runs = std::mem::take(&mut self.runs);
                for (_, opened) in &mut runs {
                    opened.sort_by(OpenedRow::by_start);
                }
                Ok(runs)
            }
        };
        *self.done.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
    }
}

/// A window read's row opened for the opened-events cache: its window columns and event.
fn open_window_row(keyring: &Keyring, row: &MirrorWindowRow, times: RowTimes) -> Result<OpenedRow> {
    open_row_ref(keyring, &row.key, &row.as_row_ref(), times)
}

pub(super) fn open(keyring: &Keyring, row: MirrorEventRow) -> Result<MirroredEvent> {
    Ok(MirroredEvent {
        event: rows::open_row(keyring, &row)?,
        client_id: row.key.client_id,
        calendar_id: row.key.calendar_id,
        is_recurring_master: row.is_recurring_master,
        series_end: row.series_end_utc,
    })
}
