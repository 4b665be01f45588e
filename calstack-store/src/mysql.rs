//! [`MySqlStore`]: MySQL 8 and MariaDB 10.6+. UUIDs as CHAR(36) text, DATETIME(6) holding
//! UTC (bound as naive UTC: sqlx sends `DateTime<Utc>` typed as TIMESTAMP, which the server
//! turns into NULL past 2038); several processes may share one database (migrations take a
//! `GET_LOCK`, refresh leases and credential versions are conditional `UPDATE`s).

use std::str::FromStr;
use std::time::Duration;

use calstack_core::{Sealed, StoreError};
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow};
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use uuid::Uuid;

use crate::client_settings::impl_client_settings_store;
use crate::codec::{col, uuid_from_text, uuid_to_text};
use crate::error::{invalid_url, migration_error, store_error};
use crate::mirror::{DirectReads, MirrorDialect, impl_sql_mirror};
use crate::sql_store::{Dialect, impl_sql_store};

/// Connections per process. MariaDB's default limit is 151 connections in all, so several
/// instances fit.
const POOL_SIZE: u32 = 10;
/// How long a query waits for a free connection before failing as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connect waits for another process to finish migrating.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(120);

/// A [`calstack_core::Store`] in a MySQL or MariaDB database.
///
/// ```no_run
/// # async fn demo() -> Result<(), calstack_core::StoreError> {
/// let store = calstack_store::MySqlStore::connect("mariadb://root@127.0.0.1/calstack").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MySqlStore {
    pool: MySqlPool,
}

impl MySqlStore {
    /// Connects to `url` (`mysql://user:password@host:port/database`; `mariadb://` is accepted
    /// too) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let url = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                format!("mysql://{rest}")
            }
            _ => url.to_owned(),
        };
        let options =
            MySqlConnectOptions::from_str(&url).map_err(|e| invalid_url("MySQL/MariaDB", e))?;
        Self::connect_with(options).await
    }

    /// Connects with explicit options (a pool of 10, session time zone UTC) and applies
    /// pending migrations.
    pub async fn connect_with(options: MySqlConnectOptions) -> Result<Self, StoreError> {
        let pool = MySqlPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.timezone(Some(String::from("+00:00"))))
            .await
            .map_err(|e| store_error(e, "connect to MySQL/MariaDB"))?;
        Self::from_pool(pool).await
    }

    /// Wraps a pool you configured yourself and applies pending migrations.
    pub async fn from_pool(pool: MySqlPool) -> Result<Self, StoreError> {
        let mut migrator = sqlx::migrate!("./migrations/mysql");
        crate::configure_migrator(&mut migrator);
        // sqlx's own migration lock is `GET_LOCK(name, -1)`, which MariaDB answers with NULL
        // at once (a negative timeout is invalid there), so it does not exclude anything; take
        // a lock that works on both servers instead.
        migrator.set_locking(false);
        // `Migrator::run` (generic over `Acquire`) makes the returned future !Send for some
        // lifetimes, which would stop `connect` inside `tokio::spawn`; `run_direct` on one
        // connection is the same migration (with the same lock) without that problem.
        let mut conn = pool
            .acquire()
            .await
            .map_err(|e| store_error(e, "migrate"))?;
        let locked: Option<i64> = sqlx::query_scalar(
            "SELECT GET_LOCK(LEFT(CONCAT('calstack_migrate:', DATABASE()), 64), ?)",
        )
        .bind(MIGRATION_LOCK_WAIT.as_secs())
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| store_error(e, "take the migration lock"))?;
        if locked != Some(1) {
            return Err(StoreError::Migration {
                message: format!(
                    "another process held the migration lock for more than {}s",
                    MIGRATION_LOCK_WAIT.as_secs()
                ),
                source: None,
            });
        }
        let outcome = migrator.run_direct(None, &mut *conn, false).await;
        let released =
            sqlx::query("SELECT RELEASE_LOCK(LEFT(CONCAT('calstack_migrate:', DATABASE()), 64))")
                .execute(&mut *conn)
                .await;
        outcome.map_err(migration_error)?;
        released.map_err(|e| store_error(e, "release the migration lock"))?;
        drop(conn);
        Ok(Self { pool })
    }

    /// The underlying pool, for your own queries.
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// MySQL/MariaDB keep ids as hyphenated text and timestamps as naive UTC `DATETIME(6)`, and
/// have no `UPDATE … RETURNING`.
#[derive(Debug)]
struct MySqlDialect;

impl Dialect for MySqlDialect {
    type Row = MySqlRow;
    type Id = String;
    type Time = NaiveDateTime;

    const RETURNING: bool = false;

    fn id(id: Uuid) -> String {
        uuid_to_text(id)
    }

    fn time(t: DateTime<Utc>) -> NaiveDateTime {
        t.naive_utc()
    }

    fn read_id(row: &MySqlRow, table: &str, column: &str) -> Result<Uuid, StoreError> {
        uuid_from_text(&col::<_, String>(row, table, column)?, table, column)
    }

    fn read_time(row: &MySqlRow, table: &str, column: &str) -> Result<DateTime<Utc>, StoreError> {
        col(row, table, column)
    }

    fn read_optional_time(
        row: &MySqlRow,
        table: &str,
        column: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        col(row, table, column)
    }

    fn read_sealed(row: &MySqlRow, table: &str, column: &str) -> Result<Sealed, StoreError> {
        col::<_, String>(row, table, column).map(Sealed::from_stored)
    }
}

impl_sql_store!(MySqlStore, MySqlDialect);

impl MirrorDialect for MySqlDialect {
    const SKIP_LOCKED: bool = true;
    const INDEX_HINTS: bool = true;

    const BEGIN_CLAIM: &'static str = "BEGIN";

    fn dynamic(statement: String) -> SqlStr {
        AssertSqlSafe(statement).into_sql_str()
    }
}

/// Reads through sqlx.
impl DirectReads for MySqlStore {}

impl_sql_mirror!(MySqlStore, MySqlDialect);
impl_client_settings_store!(
    MySqlStore,
    MySqlDialect,
    crate::client_settings::PUT_SETTINGS_ON_DUPLICATE
);
