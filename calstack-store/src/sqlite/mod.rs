//! [`SqliteStore`]: the embedded default backend. One file (or memory), WAL journal, foreign
//! keys on, a busy timeout so writers from several connections or processes wait their turn
//! instead of failing.

mod direct;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use calstack_core::store::{
    MirrorEventRow, MirrorSelection, MirrorWindowRow, MirroredCalendar, WindowBounds, WindowVisitor,
};
use calstack_core::{Sealed, StoreError};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use uuid::Uuid;

use crate::client_settings::impl_client_settings_store;
use crate::codec::{col, time_from_text, time_to_text, uuid_from_text, uuid_to_text};
use crate::error::{corrupt, invalid_url, migration_error, store_error};
use crate::mirror::{DirectReads, MirrorDialect, impl_sql_mirror};
use crate::sql_store::{Dialect, impl_sql_store};

/// How long a statement waits for another connection's (or process's) write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections in the pool of a file database (WAL: many readers, one writer at a time). The
/// stacked views' large reads use connections of their own (see [`direct`]).
const FILE_POOL_SIZE: u32 = 8;
/// Rows SQLite's worker thread may run ahead of the reader by (sqlx's default is 50): reads
/// of many rows through sqlx (every read of an in-memory store or of `from_pool`'s, whose
/// large mirror reads do not go through [`direct`]) then wake the two sides far less often.
const ROW_BUFFER: usize = 1024;

/// How much of a database file each connection reads through a memory map rather than
/// `read` calls (SQLite's `mmap_size`): large mirror reads then copy pages once, not twice.
const MMAP_BYTES: u64 = 256 * 1024 * 1024;

/// A [`calstack_core::Store`] in an SQLite database file (or in memory).
///
/// ```no_run
/// # async fn demo() -> Result<(), calstack_core::StoreError> {
/// let store = calstack_store::SqliteStore::connect("sqlite://data/calstack.db").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The stacked views' mirror reads of a file database (see [`direct`]); `None` in memory.
    direct: Option<Arc<direct::DirectReader>>,
}

impl SqliteStore {
    /// Opens (creating the file and its folder if needed) the database at `url`
    /// (`sqlite://path/to/file.db`, `sqlite:///absolute/path.db` or `sqlite::memory:`) and
    /// applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| invalid_url("SQLite", e))?
            .row_buffer_size(ROW_BUFFER);
        let in_memory = is_memory_url(url);
        Self::connect_with(options, in_memory).await
    }

    /// Opens (creating it and its folder if needed) the database file at `path`.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .row_buffer_size(ROW_BUFFER);
        Self::connect_with(options, false).await
    }

    /// A fresh private in-memory database (gone when the store is dropped).
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::connect("sqlite::memory:").await
    }

    /// Opens a database from explicit options. calstack turns on what it relies on (foreign
    /// keys, a busy timeout, WAL for files, creating a missing file and folder); everything
    /// else is as given. `in_memory` databases get a single connection that is never closed.
    /// A file database's large mirror reads (the calendar listing and range reads of the
    /// stacked views and `Mirror::events_between`) run on connections of their own to
    /// `options`' file, opened read-write with SQLite's default VFS and the same busy
    /// timeout; a pool that must reach the file some other way (a VFS of your own) belongs in
    /// [`from_pool`](Self::from_pool), which reads through the pool.
    pub async fn connect_with(
        options: SqliteConnectOptions,
        in_memory: bool,
    ) -> Result<Self, StoreError> {
        let mut options = options
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .create_if_missing(true);
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            create_parent_folder(options.get_filename())?;
            options = options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .pragma("mmap_size", MMAP_BYTES.to_string());
            SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE)
        };
        let pool = connect_pool(&pool_options, &options)
            .await
            .map_err(|e| store_error(e, "open SQLite database"))?;
        migrate(&pool).await?;
        let direct = (!in_memory).then(|| {
            Arc::new(direct::DirectReader::new(
                options.get_filename().to_path_buf(),
            ))
        });
        Ok(Self { pool, direct })
    }

    /// Wraps a pool you configured yourself (it must have foreign keys on, as sqlx's default
    /// options do) and applies pending migrations. Every read goes through the pool (a file
    /// store opened by [`connect_with`](Self::connect_with) and the others makes its large
    /// mirror reads through SQLite's own API instead).
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        migrate(&pool).await?;
        Ok(Self { pool, direct: None })
    }

    /// The underlying pool, for your own queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(direct) = &self.direct {
            direct.close();
        }
    }
}

/// Opens the pool, trying again while the file is busy. Turning a new file's journal to WAL
/// takes the file for itself, and SQLite answers a second connection doing the same at that
/// moment with "database is locked" at once, without the busy timeout's wait; so processes
/// opening a new file together retry here, for as long as the busy timeout, with a growing pause.
async fn connect_pool(
    pool_options: &SqlitePoolOptions,
    options: &SqliteConnectOptions,
) -> Result<SqlitePool, sqlx::Error> {
    let deadline = tokio::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(5);
    loop {
        match pool_options.clone().connect_with(options.clone()).await {
            Err(e) if is_busy(&e) && tokio::time::Instant::now() + pause < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(250));
            }
            result => return result,
        }
    }
}

/// Whether `error` is SQLite's `SQLITE_BUSY` (primary code 5, whatever the extended code).
fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i64 = 5;
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    db.code()
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

fn is_memory_url(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

fn create_parent_folder(file: &Path) -> Result<(), StoreError> {
    let Some(parent) = file.parent() else {
        return Ok(());
    };
    if parent.as_os_str().is_empty() || parent.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(parent).map_err(|e| StoreError::Unavailable {
        message: format!("could not create the folder {}", parent.display()),
        source: Some(Box::new(e)),
    })
}

/// Applies the embedded migrations inside one `BEGIN IMMEDIATE` transaction, so two
/// processes opening a new file at once take turns (the second waits on the busy timeout,
/// then finds everything applied). SQLite has no advisory lock for sqlx's migrator to take.
async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    crate::configure_migrator(&mut migrator);
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| store_error(e, "migrate"))?;
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(|e| store_error(e, "migrate"))?;
    // `run_direct` rather than `run`: see PgStore::from_pool (keeps `connect` Send).
    migrator
        .run_direct(None, &mut *tx, false)
        .await
        .map_err(migration_error)?;
    tx.commit().await.map_err(|e| store_error(e, "migrate"))
}

/// SQLite keeps ids as hyphenated text and timestamps as fixed-width UTC text.
#[derive(Debug)]
struct SqliteDialect;

/// A sealed value SQLite keeps as bytes (see [`Dialect::BINARY_BODIES`]), read by either path
/// (the pool's or [`direct`]'s); bytes that are not one are refused naming the column.
fn sealed_from_bytes(bytes: Vec<u8>, table: &str, column: &str) -> Result<Sealed, StoreError> {
    Sealed::from_stored_bytes(bytes)
        .ok_or_else(|| corrupt(table, column, "bytes that are not a sealed value"))
}

impl Dialect for SqliteDialect {
    type Row = SqliteRow;
    type Id = String;
    type Time = String;

    const RETURNING: bool = true;

    const BINARY_BODIES: bool = true;

    fn id(id: Uuid) -> String {
        uuid_to_text(id)
    }

    fn time(t: DateTime<Utc>) -> String {
        time_to_text(t)
    }

    fn read_id(row: &SqliteRow, table: &str, column: &str) -> Result<Uuid, StoreError> {
        uuid_from_text(col::<_, &str>(row, table, column)?, table, column)
    }

    fn read_time(row: &SqliteRow, table: &str, column: &str) -> Result<DateTime<Utc>, StoreError> {
        time_from_text(col::<_, &str>(row, table, column)?, table, column)
    }

    fn read_optional_time(
        row: &SqliteRow,
        table: &str,
        column: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        col::<_, Option<&str>>(row, table, column)?
            .map(|text| time_from_text(text, table, column))
            .transpose()
    }

    fn read_sealed(row: &SqliteRow, table: &str, column: &str) -> Result<Sealed, StoreError> {
        use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
        let raw = row
            .try_get_raw(column)
            .map_err(|e| corrupt(table, column, e))?;
        if raw.type_info().name() == "BLOB" {
            return sealed_from_bytes(col(row, table, column)?, table, column);
        }
        col::<_, String>(row, table, column).map(Sealed::from_stored)
    }
}

impl_sql_store!(SqliteStore, SqliteDialect);

impl MirrorDialect for SqliteDialect {
    const SKIP_LOCKED: bool = false;
    const INDEX_HINTS: bool = false;

    const BEGIN_CLAIM: &'static str = "BEGIN IMMEDIATE";

    fn dynamic(statement: String) -> SqlStr {
        AssertSqlSafe(statement).into_sql_str()
    }
}

/// A file database's stacked-view reads go through SQLite's own API (see [`direct`]) while
/// the pool is open.
impl DirectReads for SqliteStore {
    fn direct_calendars(
        &self,
        selection: &MirrorSelection,
    ) -> Option<BoxFuture<'static, Result<Vec<MirroredCalendar>, StoreError>>> {
        Some(self.open_direct()?.calendars(selection))
    }

    fn direct_events_between(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<BoxFuture<'static, Result<Vec<MirrorEventRow>, StoreError>>> {
        Some(self.open_direct()?.events_between(selection, from, to))
    }

    fn direct_window_chunks(
        &self,
        selection: &MirrorSelection,
        bounds: WindowBounds,
    ) -> Option<BoxStream<'static, Result<Vec<MirrorWindowRow>, StoreError>>> {
        Some(self.open_direct()?.window_chunks(selection, bounds))
    }

    fn direct_visits(&self) -> bool {
        self.open_direct().is_some()
    }

    fn direct_window_visit(
        &self,
        selection: &MirrorSelection,
        bounds: WindowBounds,
        visitor: Box<dyn WindowVisitor>,
    ) -> Result<BoxFuture<'static, Result<(), StoreError>>, Box<dyn WindowVisitor>> {
        match self.open_direct() {
            Some(direct) => Ok(direct.visit_window(selection, bounds, visitor)),
            None => Err(visitor),
        }
    }
}

impl SqliteStore {
    /// The direct reader, while the pool is open (a closed store's reads go to the closed
    /// pool, which answers `Unavailable`).
    fn open_direct(&self) -> Option<&Arc<direct::DirectReader>> {
        self.direct.as_ref().filter(|_| !self.pool.is_closed())
    }
}

impl_sql_mirror!(SqliteStore, SqliteDialect);
impl_client_settings_store!(
    SqliteStore,
    SqliteDialect,
    crate::client_settings::PUT_SETTINGS_ON_CONFLICT
);
