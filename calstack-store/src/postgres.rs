//! [`PgStore`]: PostgreSQL. Native UUID and TIMESTAMPTZ columns; several processes may share
//! one database (migrations take sqlx's advisory lock, refresh leases and credential versions
//! are conditional `UPDATE`s).

use std::str::FromStr;
use std::time::Duration;

use calstack_core::{Sealed, StoreError};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use uuid::Uuid;

use crate::client_settings::impl_client_settings_store;
use crate::codec::col;
use crate::error::{invalid_url, migration_error, store_error};
use crate::mirror::{DirectReads, MirrorDialect, impl_sql_mirror};
use crate::sql::numbered;
use crate::sql_store::{Dialect, impl_sql_store};

/// Connections per process. PostgreSQL's default limit is 100 connections in all, so several
/// instances fit.
const POOL_SIZE: u32 = 10;
/// How long a query waits for a free connection before failing as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`calstack_core::Store`] in a PostgreSQL database.
///
/// ```no_run
/// # async fn demo() -> Result<(), calstack_core::StoreError> {
/// let store = calstack_store::PgStore::connect("postgres://calstack@127.0.0.1/calstack").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, sqlx's URL options
    /// such as `sslmode` and `options=-c search_path=…` apply) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| invalid_url("PostgreSQL", e))?;
        Self::connect_with(options).await
    }

    /// Connects with explicit options (a pool of 10) and applies pending migrations.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| store_error(e, "connect to PostgreSQL"))?;
        Self::from_pool(pool).await
    }

    /// Wraps a pool you configured yourself and applies pending migrations.
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        let mut migrator = sqlx::migrate!("./migrations/postgres");
        crate::configure_migrator(&mut migrator);
        // `Migrator::run` (generic over `Acquire`) makes the returned future !Send for some
        // lifetimes, which would stop `connect` inside `tokio::spawn`; `run_direct` on one
        // connection is the same migration (with the same lock) without that problem.
        let mut conn = pool
            .acquire()
            .await
            .map_err(|e| store_error(e, "migrate"))?;
        migrator
            .run_direct(None, &mut *conn, false)
            .await
            .map_err(migration_error)?;
        drop(conn);
        Ok(Self { pool })
    }

    /// The underlying pool, for your own queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// PostgreSQL binds UUIDs and timestamps natively and numbers its placeholders.
#[derive(Debug)]
struct PgDialect;

impl Dialect for PgDialect {
    type Row = PgRow;
    type Id = Uuid;
    type Time = DateTime<Utc>;

    const RETURNING: bool = true;

    // Numbered on every call: a copy of a few hundred bytes, nothing next to the round trip
    // (and the same text each time, so sqlx's prepared-statement cache still hits).
    fn sql(statement: &'static str) -> SqlStr {
        AssertSqlSafe(numbered(statement)).into_sql_str()
    }

    fn id(id: Uuid) -> Uuid {
        id
    }

    fn time(t: DateTime<Utc>) -> DateTime<Utc> {
        t
    }

    fn read_id(row: &PgRow, table: &str, column: &str) -> Result<Uuid, StoreError> {
        col(row, table, column)
    }

    fn read_time(row: &PgRow, table: &str, column: &str) -> Result<DateTime<Utc>, StoreError> {
        col(row, table, column)
    }

    fn read_optional_time(
        row: &PgRow,
        table: &str,
        column: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        col(row, table, column)
    }

    fn read_sealed(row: &PgRow, table: &str, column: &str) -> Result<Sealed, StoreError> {
        col::<_, String>(row, table, column).map(Sealed::from_stored)
    }
}

impl_sql_store!(PgStore, PgDialect);

impl MirrorDialect for PgDialect {
    const SKIP_LOCKED: bool = true;
    const INDEX_HINTS: bool = false;

    const BEGIN_CLAIM: &'static str = "BEGIN";

    fn dynamic(statement: String) -> SqlStr {
        AssertSqlSafe(numbered(&statement)).into_sql_str()
    }
}

/// Reads through sqlx.
impl DirectReads for PgStore {}

impl_sql_mirror!(PgStore, PgDialect);
impl_client_settings_store!(
    PgStore,
    PgDialect,
    crate::client_settings::PUT_SETTINGS_ON_CONFLICT
);
