//! The mirror's window read (`MirrorStore::window_row_chunks`) through SQLite's own API.
//!
//! A cold stacked view reads every selected calendar's rows in the range: tens of thousands
//! of rows of a few kilobytes each. Through sqlx, each value is copied into sqlx's row on its
//! worker thread, handed across a channel row by row, looked up by name and copied again into
//! a `String`; on two cores that was about a quarter of a cold agenda's CPU time, much of it
//! in the kernel waking the two sides. Here the statement runs on a blocking thread over a
//! connection of its own (rusqlite on the same SQLite library sqlx links), each value is read
//! in place from SQLite's page and copied once, and the rows cross to the caller in chunks.
//!
//! Only file databases read this way (a second connection to a private in-memory database
//! would see another, empty, database). The connections are kept between reads, at most
//! [`IDLE_CONNECTIONS`]; the read sees what is committed when its statement starts, as a read
//! through the pool does (WAL).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use calstack_core::store::{CalendarKey, MirrorSelection, MirrorWindowRow};
use calstack_core::{ClientId, Sealed, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;

use crate::codec::{time_from_text, time_to_text, uuid_from_text, uuid_to_text};
use crate::error::corrupt;
use crate::mirror::{WINDOW_CHUNK, sql};

use super::{BUSY_TIMEOUT, MMAP_BYTES};

const EVENTS: &str = "mirror_events";

/// Connections kept open between reads: the parts one large read runs side by side.
const IDLE_CONNECTIONS: usize = 4;

/// Chunks a read may run ahead of its caller by.
const CHUNKS_AHEAD: usize = 2;

/// Reads windows of one database file through connections of its own.
#[derive(Debug)]
pub(super) struct WindowReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl WindowReader {
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
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The rows of the window read of `selection` between `from` and `to`, in chunks of
    /// [`WINDOW_CHUNK`], read on a blocking thread while the caller opens the chunks before.
    pub(super) fn chunks(
        self: &Arc<Self>,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxStream<'static, Result<Vec<MirrorWindowRow>, StoreError>> {
        let statement = sql::events_between(
            sql::WINDOW_COLUMNS_E,
            selection.clients.as_ref().map(Vec::len),
            selection.calendars.as_ref().map(Vec::len),
            false,
        );
        let mut binds: Vec<String> = Vec::new();
        binds.extend(
            selection
                .clients
                .iter()
                .flatten()
                .map(|c| uuid_to_text(c.0)),
        );
        binds.extend(selection.calendars.iter().flatten().cloned());
        binds.extend([from, to, to, from, from, to, from, to].map(time_to_text));
        let reader = Arc::clone(self);
        // Started on the first poll, so the read runs on the runtime that polls it.
        let start = async move {
            let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
            tokio::task::spawn_blocking(move || {
                if let Err(e) = reader.read(&statement, &binds, &tx) {
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

    /// Runs the read, sending chunks to `tx` until the rows end or the caller goes away.
    fn read(
        &self,
        statement: &str,
        binds: &[String],
        tx: &mpsc::Sender<Result<Vec<MirrorWindowRow>, StoreError>>,
    ) -> Result<(), StoreError> {
        let conn = self.take()?;
        let outcome = send_rows(&conn, statement, binds, tx);
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if outcome.is_ok() && idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
        outcome
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<Connection, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open(),
        }
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

/// Runs `statement` with `binds` on `conn` and sends its rows to `tx` in chunks.
fn send_rows(
    conn: &Connection,
    statement: &str,
    binds: &[String],
    tx: &mpsc::Sender<Result<Vec<MirrorWindowRow>, StoreError>>,
) -> Result<(), StoreError> {
    let failed = |e| backend("read mirrored events", e);
    let mut stmt = conn.prepare(statement).map_err(failed)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(binds))
        .map_err(failed)?;
    let mut chunk = Vec::with_capacity(WINDOW_CHUNK);
    while let Some(row) = rows.next().map_err(failed)? {
        chunk.push(window_row(row)?);
        if chunk.len() == WINDOW_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(WINDOW_CHUNK));
            if tx.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        // A caller that went away needs no rows.
        let _ = tx.blocking_send(Ok(chunk));
    }
    Ok(())
}

/// One row of [`sql::WINDOW_COLUMNS_E`], read in place.
fn window_row(row: &rusqlite::Row<'_>) -> Result<MirrorWindowRow, StoreError> {
    let text = |i: usize, column: &str| -> Result<Option<&str>, StoreError> {
        match row.get_ref(i).map_err(|e| corrupt(EVENTS, column, e))? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|e| corrupt(EVENTS, column, e)),
            _ => Err(corrupt(EVENTS, column, "not text")),
        }
    };
    let required = |i: usize, column: &str| {
        text(i, column)?.ok_or_else(|| corrupt(EVENTS, column, "unexpected NULL"))
    };
    let time = |i: usize, column: &str| {
        text(i, column)?
            .map(|t| time_from_text(t, EVENTS, column))
            .transpose()
    };
    let start_date = text(5, "start_date")?
        .map(|d| {
            d.parse::<NaiveDate>()
                .map_err(|e| corrupt(EVENTS, "start_date", e))
        })
        .transpose()?;
    let is_master = match row
        .get_ref(6)
        .map_err(|e| corrupt(EVENTS, "is_master", e))?
    {
        ValueRef::Integer(n) => n != 0,
        _ => return Err(corrupt(EVENTS, "is_master", "not an integer")),
    };
    Ok(MirrorWindowRow {
        key: CalendarKey::new(
            ClientId(uuid_from_text(
                required(0, "client_id")?,
                EVENTS,
                "client_id",
            )?),
            required(1, "calendar_id")?.to_owned(),
        ),
        event_id: required(2, "event_id")?.to_owned(),
        start_utc: time(3, "start_utc")?,
        end_utc: time(4, "end_utc")?,
        start_date,
        is_recurring_master: is_master,
        original_start_utc: time(7, "original_start_utc")?,
        series_end_utc: time(8, "series_end_utc")?,
        body: Sealed::from_stored(required(9, "body")?),
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
