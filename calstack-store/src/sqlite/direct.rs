//! The large mirror reads, through SQLite's own API: listing the mirrored calendars
//! (`MirrorStore::list_calendars`), the window read a stacked view makes
//! (`MirrorStore::visit_window_rows`, and `window_rows`, `window_row_chunks`) and the full
//! range read (`MirrorStore::events_between`, behind `Mirror::events_between`).
//!
//! A cold stacked view lists every mirrored calendar, then reads every selected calendar's
//! rows in the range: tens of thousands of rows of a few kilobytes each. Through sqlx, each
//! value is copied into sqlx's row on its worker thread, the rows cross a channel one by one,
//! and each value is looked up by name and copied again; on two cores that was about a
//! quarter of a cold agenda's CPU time, much of it in the kernel waking the two sides. Here
//! the statement runs on a blocking thread over a connection of its own (rusqlite on the same
//! SQLite library sqlx links), each value is read in place from SQLite's page and copied
//! once, and window rows cross to the caller in chunks — or, for the stacked views, are not
//! copied at all: each is handed to the caller's visitor on the reading thread, borrowed from
//! the page, and its body opened there.
//!
//! Only file databases read this way (a second connection to a private in-memory database
//! would see another, empty, database). Connections are kept between reads, at most
//! [`IDLE_CONNECTIONS`]; a read sees what is committed when its statement starts, as a read
//! through the pool does (WAL).

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use calstack_core::store::{
    MirrorEventRow, MirrorSelection, MirrorWindowRow, MirroredCalendar, SealedRef, WindowBounds,
    WindowRowRef, WindowVisitor,
};
use calstack_core::{ClientId, Sealed, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::codec::{time_from_text, time_to_text, uuid_from_text, uuid_to_text};
use crate::error::corrupt;
use crate::mirror::columns::{NamedColumns, calendar_from, event_from, window_from};
use crate::mirror::{WINDOW_CHUNK, sql};

use super::{BUSY_TIMEOUT, MMAP_BYTES, sealed_from_bytes};

/// Connections kept open between reads: the parts one large read runs side by side.
const IDLE_CONNECTIONS: usize = 4;

/// Chunks a window read may run ahead of its caller by.
const CHUNKS_AHEAD: usize = 2;

/// Reads one database file through connections of its own.
#[derive(Debug)]
pub(super) struct DirectReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl DirectReader {
    /// A reader of the database file at `path` (opened on first use).
    pub(super) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Closes the idle connections (a read under way closes its own when done).
    pub(super) fn close(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The mirrored calendars of `selection`, by client, then calendar id.
    pub(super) fn calendars(
        self: &Arc<Self>,
        selection: &MirrorSelection,
    ) -> BoxFuture<'static, Result<Vec<MirroredCalendar>, StoreError>> {
        let statement = sql::list_calendars(
            selection.clients.as_ref().map(Vec::len),
            selection.calendars.as_ref().map(Vec::len),
        );
        let binds = selection_binds(selection);
        self.collect("list mirrored calendars", statement, binds, |r| {
            calendar_from(r)
        })
    }

    /// Every row of `statement` with `binds`, read as `row` reads them, on a blocking thread
    /// (`doing` names the read in errors).
    fn collect<T: Send + 'static>(
        self: &Arc<Self>,
        doing: &'static str,
        statement: String,
        binds: Vec<String>,
        row: fn(&Named<'_, '_>) -> Result<T, StoreError>,
    ) -> BoxFuture<'static, Result<Vec<T>, StoreError>> {
        let reader = Arc::clone(self);
        async move {
            tokio::task::spawn_blocking(move || {
                reader.with_connection(|conn| {
                    let mut out = Vec::new();
                    each_row(conn, &statement, &binds, doing, |r| {
                        out.push(row(r)?);
                        Ok(true)
                    })?;
                    Ok(out)
                })
            })
            .await
            .map_err(|e| StoreError::Backend {
                message: format!("{doing}: the read stopped"),
                source: Some(Box::new(e)),
            })?
        }
        .boxed()
    }

    /// The event rows of `selection` between `from` and `to`, unordered.
    pub(super) fn events_between(
        self: &Arc<Self>,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxFuture<'static, Result<Vec<MirrorEventRow>, StoreError>> {
        let bounds = WindowBounds::new(from, to);
        let (statement, binds) = between(sql::EVENT_COLUMNS_E, selection, &bounds, false);
        self.collect("read mirrored events", statement, binds, |r| event_from(r))
    }

    /// The rows of the window read of `selection` within `bounds`, in chunks of
    /// [`WINDOW_CHUNK`], read on a blocking thread while the caller opens the chunks before.
    pub(super) fn window_chunks(
        self: &Arc<Self>,
        selection: &MirrorSelection,
        bounds: WindowBounds,
    ) -> BoxStream<'static, Result<Vec<MirrorWindowRow>, StoreError>> {
        let (statement, binds) = between(sql::WINDOW_COLUMNS_E, selection, &bounds, true);
        let reader = Arc::clone(self);
        // Started on the first poll, so the read runs on the runtime that polls it.
        let start = async move {
            let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
            tokio::task::spawn_blocking(move || {
                let read =
                    reader.with_connection(|conn| send_window(conn, &statement, &binds, &tx));
                if let Err(e) = read {
                    // A caller that went away needs no error.
                    let _ = tx.blocking_send(Err(e));
                }
            });
            futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            })
        };
        futures::stream::once(start).flatten().boxed()
    }

    /// The rows of the window read of `selection` within `bounds`, each handed to `visitor`
    /// on the blocking thread that reads it, borrowed from SQLite's page (nothing copied),
    /// until the rows end or `visitor` answers `false`. `visitor` is dropped on that thread
    /// before the read's future completes.
    pub(super) fn visit_window(
        self: &Arc<Self>,
        selection: &MirrorSelection,
        bounds: WindowBounds,
        mut visitor: Box<dyn WindowVisitor>,
    ) -> BoxFuture<'static, Result<(), StoreError>> {
        let (statement, binds) = between(sql::WINDOW_COLUMNS_E, selection, &bounds, true);
        let reader = Arc::clone(self);
        async move {
            tokio::task::spawn_blocking(move || {
                reader.with_connection(|conn| {
                    each_row(conn, &statement, &binds, "read mirrored events", |row| {
                        Ok(visitor.row(&window_ref(row)?))
                    })
                })
            })
            .await
            .map_err(|e| StoreError::Backend {
                message: "read mirrored events: the read stopped".to_owned(),
                source: Some(Box::new(e)),
            })?
        }
        .boxed()
    }

    /// Runs `read` on an idle connection (or a new one), kept for the next read if it worked.
    fn with_connection<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let outcome = read(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if outcome.is_ok() && idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
        outcome
    }

    fn open(&self) -> Result<Connection, StoreError> {
        // Read-write without create: a read-only connection could not create the WAL index
        // when no other connection has the file open. Nothing here writes.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)
            .map_err(|e| unavailable("open SQLite database for a mirror read", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .and_then(|()| {
                conn.pragma_update(
                    None,
                    "mmap_size",
                    i64::try_from(MMAP_BYTES).unwrap_or(i64::MAX),
                )
            })
            .map_err(|e| unavailable("configure SQLite connection", e))?;
        Ok(conn)
    }
}

/// The time-range read `sql::events_between` of `columns` (with `timed_within`, timed
/// single events only where `bounds` keeps them), and its binds.
fn between(
    columns: &str,
    selection: &MirrorSelection,
    bounds: &WindowBounds,
    timed_within: bool,
) -> (String, Vec<String>) {
    let statement = sql::events_between(
        columns,
        selection.clients.as_ref().map(Vec::len),
        selection.calendars.as_ref().map(Vec::len),
        false,
        timed_within,
    );
    let mut binds = selection_binds(selection);
    binds.extend(
        sql::between_times(bounds, timed_within)
            .into_iter()
            .map(time_to_text),
    );
    (statement, binds)
}

/// The binds of a selection's terms (`sql::selection_terms`): client ids, then calendar ids.
fn selection_binds(selection: &MirrorSelection) -> Vec<String> {
    let clients = selection
        .clients
        .iter()
        .flatten()
        .map(|c| uuid_to_text(c.0));
    let calendars = selection.calendars.iter().flatten().cloned();
    clients.chain(calendars).collect()
}

/// Runs the window read `statement` with `binds` on `conn` and sends its rows to `tx` in
/// chunks, until the rows end or the caller goes away.
fn send_window(
    conn: &Connection,
    statement: &str,
    binds: &[String],
    tx: &mpsc::Sender<Result<Vec<MirrorWindowRow>, StoreError>>,
) -> Result<(), StoreError> {
    let mut chunk = Vec::with_capacity(WINDOW_CHUNK);
    let mut listening = true;
    each_row(conn, statement, binds, "read mirrored events", |row| {
        chunk.push(window_from(row)?);
        if chunk.len() == WINDOW_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(WINDOW_CHUNK));
            listening = tx.blocking_send(Ok(full)).is_ok();
        }
        Ok(listening)
    })?;
    if listening && !chunk.is_empty() {
        // A caller that went away needs no rows.
        let _ = tx.blocking_send(Ok(chunk));
    }
    Ok(())
}

/// Runs `statement` with `binds` on `conn` (`doing` it, for errors) and hands each row to
/// `row` until the rows end or it answers `false`.
fn each_row(
    conn: &Connection,
    statement: &str,
    binds: &[String],
    doing: &str,
    mut row: impl FnMut(&Named<'_, '_>) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let failed = |e| backend(doing, e);
    let mut stmt = conn.prepare_cached(statement).map_err(failed)?;
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(binds))
        .map_err(failed)?;
    while let Some(next) = rows.next().map_err(failed)? {
        if !row(&Named {
            row: next,
            names: &names,
            next: Cell::new(0),
        })? {
            break;
        }
    }
    Ok(())
}

/// A row read through rusqlite, its columns by name (`names`: the statement's, in order),
/// values read in place.
struct Named<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    names: &'a [String],
    /// The column after the last one read: the row mappings read columns in the order the
    /// statements select them, so the name asked for is usually this one.
    next: Cell<usize>,
}

impl Named<'_, '_> {
    /// The value of `column`, borrowed from SQLite.
    fn value(&self, table: &str, column: &str) -> Result<ValueRef<'_>, StoreError> {
        let guess = self.next.get();
        let index = if self.names.get(guess).is_some_and(|name| name == column) {
            guess
        } else {
            self.names
                .iter()
                .position(|name| name == column)
                .ok_or_else(|| corrupt(table, column, "no such column in the read"))?
        };
        self.next.set(index + 1);
        self.row
            .get_ref(index)
            .map_err(|e| corrupt(table, column, e))
    }

    /// A text column, borrowed (`None` for NULL).
    fn borrowed(&self, table: &str, column: &str) -> Result<Option<&str>, StoreError> {
        match self.value(table, column)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|e| corrupt(table, column, e)),
            _ => Err(corrupt(table, column, "not text")),
        }
    }

    /// A text column that is never NULL, borrowed.
    fn required(&self, table: &str, column: &str) -> Result<&str, StoreError> {
        self.borrowed(table, column)?
            .ok_or_else(|| corrupt(table, column, "unexpected NULL"))
    }

    fn integer(&self, table: &str, column: &str) -> Result<i64, StoreError> {
        match self.value(table, column)? {
            ValueRef::Integer(n) => Ok(n),
            _ => Err(corrupt(table, column, "not an integer")),
        }
    }
}

impl NamedColumns for Named<'_, '_> {
    fn text(&self, table: &str, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.borrowed(table, column)?.map(str::to_owned))
    }

    fn id(&self, table: &str, column: &str) -> Result<Uuid, StoreError> {
        uuid_from_text(self.required(table, column)?, table, column)
    }

    fn date(&self, table: &str, column: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.borrowed(table, column)?
            .map(|d| d.parse().map_err(|e| corrupt(table, column, e)))
            .transpose()
    }

    fn time(&self, table: &str, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.borrowed(table, column)?
            .map(|t| time_from_text(t, table, column))
            .transpose()
    }

    fn int(&self, table: &str, column: &str) -> Result<i32, StoreError> {
        i32::try_from(self.integer(table, column)?).map_err(|e| corrupt(table, column, e))
    }

    fn bigint(&self, table: &str, column: &str) -> Result<i64, StoreError> {
        self.integer(table, column)
    }

    fn sealed(&self, table: &str, column: &str) -> Result<Sealed, StoreError> {
        match self.value(table, column)? {
            ValueRef::Text(text) => std::str::from_utf8(text)
                .map(Sealed::from_stored)
                .map_err(|e| corrupt(table, column, e)),
            ValueRef::Blob(bytes) => sealed_from_bytes(bytes.to_vec(), table, column),
            _ => Err(corrupt(table, column, "neither text nor bytes")),
        }
    }

    fn flag(&self, table: &str, column: &str) -> Result<bool, StoreError> {
        Ok(self.integer(table, column)? != 0)
    }
}

/// A window read's row as it lies in SQLite (the columns of `sql::WINDOW_COLUMNS_E`).
fn window_ref<'r>(row: &'r Named<'_, '_>) -> Result<WindowRowRef<'r>, StoreError> {
    const T: &str = "mirror_events";
    let body = match row.value(T, "body")? {
        ValueRef::Text(text) => std::str::from_utf8(text)
            .map(SealedRef::from_stored)
            .map_err(|e| corrupt(T, "body", e))?,
        ValueRef::Blob(bytes) => SealedRef::from_stored_bytes(bytes)
            .ok_or_else(|| corrupt(T, "body", "stored bytes are not a sealed value"))?,
        _ => return Err(corrupt(T, "body", "neither text nor bytes")),
    };
    Ok(WindowRowRef {
        client_id: ClientId(row.id(T, "client_id")?),
        calendar_id: row.required(T, "calendar_id")?,
        event_id: row.required(T, "event_id")?,
        start_utc: row.time(T, "start_utc")?,
        end_utc: row.time(T, "end_utc")?,
        start_date: row.date(T, "start_date")?,
        is_recurring_master: row.flag(T, "is_master")?,
        original_start_utc: row.time(T, "original_start_utc")?,
        series_end_utc: row.time(T, "series_end_utc")?,
        body,
    })
}

/// SQLite could not be opened or configured: the caller may try again later.
fn unavailable(doing: &str, e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable {
        message: format!("{doing}: {}", describe(&e)),
        source: Some(Box::new(e)),
    }
}

/// SQLite refused the read: busy or locked is worth trying again, the rest is not.
fn backend(doing: &str, e: rusqlite::Error) -> StoreError {
    let busy = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    if busy {
        return unavailable(doing, e);
    }
    StoreError::Backend {
        message: format!("{doing}: {}", describe(&e)),
        source: Some(Box::new(e)),
    }
}

/// A short description of the failure's kind (the full error stays in `source()`).
fn describe(e: &rusqlite::Error) -> &'static str {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "the database is busy"
        }
        Some(rusqlite::ErrorCode::CannotOpen) => "the database file could not be opened",
        Some(_) => "the database refused the statement",
        None => "database error",
    }
}
