//! [`SqliteStore`]: the embedded default backend. One file (or memory), WAL journal, foreign
//! keys on, a busy timeout so writers from several connections or processes wait their turn
//! instead of failing.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use calstack_core::store::{AuthorizationStore, ClientStore, CredentialStore, LeaseStore};
use calstack_core::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use crate::codec::{
    col, email_key, scopes_from_text, scopes_to_text, time_from_text, time_to_text, uuid_from_text,
    uuid_to_text,
};
use crate::error::{Violation, migration_error, store_error, violation};

/// How long a statement waits for another connection's (or process's) write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections in the pool of a file database (WAL: many readers, one writer at a time).
const FILE_POOL_SIZE: u32 = 4;

const CLIENT_COLUMNS: &str = "id, name, email, created_at, updated_at";
const CREDENTIAL_COLUMNS: &str = "id, client_id, google_client_id, client_secret, scopes, \
     granted_scopes, redirect_uri, account_email, access_token, refresh_token, expires_at, \
     is_valid, last_error, created_at, updated_at, version";
const PENDING_COLUMNS: &str =
    "state, credential_id, pkce_verifier, redirect_uri, created_at, expires_at";

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
}

impl SqliteStore {
    /// Opens (creating the file and its folder if needed) the database at `url`
    /// (`sqlite://path/to/file.db`, `sqlite:///absolute/path.db` or `sqlite::memory:`) and
    /// applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url).map_err(|e| StoreError::Backend {
            message: "invalid SQLite database URL".to_owned(),
            source: Some(Box::new(e)),
        })?;
        let in_memory = is_memory_url(url);
        Self::connect_with(options, in_memory).await
    }

    /// Opens (creating it and its folder if needed) the database file at `path`.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().filename(path.as_ref());
        Self::connect_with(options, false).await
    }

    /// A fresh private in-memory database (gone when the store is dropped).
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::connect("sqlite::memory:").await
    }

    /// Opens a database from explicit options. calstack turns on what it relies on (foreign
    /// keys, a busy timeout, WAL for files, creating a missing file and folder); everything
    /// else is as given. `in_memory` databases get a single connection that is never closed.
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
                .synchronous(SqliteSynchronous::Normal);
            SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE)
        };
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(|e| store_error(e, "open SQLite database"))?;
        Self::from_pool(pool).await
    }

    /// Wraps a pool you configured yourself (it must have foreign keys on, as sqlx's default
    /// options do) and applies pending migrations.
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// The underlying pool, for your own queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
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

fn client_from_row(row: &SqliteRow) -> Result<Client, StoreError> {
    const T: &str = "clients";
    Ok(Client {
        id: ClientId(uuid_from_text(&col::<_, String>(row, T, "id")?, T, "id")?),
        name: col(row, T, "name")?,
        email: col(row, T, "email")?,
        created_at: time_from_text(&col::<_, String>(row, T, "created_at")?, T, "created_at")?,
        updated_at: time_from_text(&col::<_, String>(row, T, "updated_at")?, T, "updated_at")?,
    })
}

fn optional_time(
    row: &SqliteRow,
    table: &str,
    column: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    col::<_, Option<String>>(row, table, column)?
        .map(|text| time_from_text(&text, table, column))
        .transpose()
}

fn credential_from_row(row: &SqliteRow) -> Result<OAuthCredential, StoreError> {
    const T: &str = "oauth_credentials";
    Ok(OAuthCredential {
        id: CredentialId(uuid_from_text(&col::<_, String>(row, T, "id")?, T, "id")?),
        client_id: ClientId(uuid_from_text(
            &col::<_, String>(row, T, "client_id")?,
            T,
            "client_id",
        )?),
        google_client_id: col(row, T, "google_client_id")?,
        client_secret: Sealed::from_stored(col::<_, String>(row, T, "client_secret")?),
        scopes: scopes_from_text(&col::<_, String>(row, T, "scopes")?, T, "scopes")?,
        granted_scopes: scopes_from_text(
            &col::<_, String>(row, T, "granted_scopes")?,
            T,
            "granted_scopes",
        )?,
        redirect_uri: col(row, T, "redirect_uri")?,
        account_email: col(row, T, "account_email")?,
        access_token: col::<_, Option<String>>(row, T, "access_token")?.map(Sealed::from_stored),
        refresh_token: col::<_, Option<String>>(row, T, "refresh_token")?.map(Sealed::from_stored),
        expires_at: optional_time(row, T, "expires_at")?,
        is_valid: col(row, T, "is_valid")?,
        last_error: col(row, T, "last_error")?,
        created_at: time_from_text(&col::<_, String>(row, T, "created_at")?, T, "created_at")?,
        updated_at: time_from_text(&col::<_, String>(row, T, "updated_at")?, T, "updated_at")?,
        version: col(row, T, "version")?,
    })
}

fn pending_from_row(row: &SqliteRow) -> Result<PendingAuthorization, StoreError> {
    const T: &str = "pending_authorizations";
    Ok(PendingAuthorization {
        state: col(row, T, "state")?,
        credential_id: CredentialId(uuid_from_text(
            &col::<_, String>(row, T, "credential_id")?,
            T,
            "credential_id",
        )?),
        pkce_verifier: Sealed::from_stored(col::<_, String>(row, T, "pkce_verifier")?),
        redirect_uri: col(row, T, "redirect_uri")?,
        created_at: time_from_text(&col::<_, String>(row, T, "created_at")?, T, "created_at")?,
        expires_at: time_from_text(&col::<_, String>(row, T, "expires_at")?, T, "expires_at")?,
    })
}

impl SqliteStore {
    async fn client_exists(&self, id: ClientId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM clients WHERE id = ?")
            .bind(uuid_to_text(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "get client"))?;
        Ok(row.is_some())
    }

    async fn credential_version(&self, id: CredentialId) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT version FROM oauth_credentials WHERE id = ?")
            .bind(uuid_to_text(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "get credential"))
    }
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO clients (id, name, email, email_key, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_to_text(client.id.0))
        .bind(&client.name)
        .bind(&client.email)
        .bind(email_key(&client.email))
        .bind(time_to_text(client.created_at))
        .bind(time_to_text(client.updated_at))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if violation(&e) == Some(Violation::Unique) => Err(crate::client_conflict(
                client,
                self.client_exists(client.id).await?,
            )),
            Err(e) => Err(store_error(e, "insert client")),
        }
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = ?");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid_to_text(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "get client"))?
            .map(|row| client_from_row(&row))
            .transpose()
    }

    async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients ORDER BY name, id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| store_error(e, "list clients"))?
            .iter()
            .map(client_from_row)
            .collect()
    }

    async fn update_client(&self, client: &Client) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE clients SET name = ?, email = ?, email_key = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&client.name)
        .bind(&client.email)
        .bind(email_key(&client.email))
        .bind(time_to_text(client.updated_at))
        .bind(uuid_to_text(client.id.0))
        .execute(&self.pool)
        .await;
        match result {
            Ok(done) if done.rows_affected() == 0 => {
                Err(StoreError::not_found(format!("client {}", client.id)))
            }
            Ok(_) => Ok(()),
            Err(e) if violation(&e) == Some(Violation::Unique) => {
                Err(crate::client_conflict(client, false))
            }
            Err(e) => Err(store_error(e, "update client")),
        }
    }

    async fn delete_client(&self, id: ClientId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM clients WHERE id = ?")
            .bind(uuid_to_text(id.0))
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "delete client"))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn insert_credential(&self, c: &OAuthCredential) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO oauth_credentials ({CREDENTIAL_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        let result = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid_to_text(c.id.0))
            .bind(uuid_to_text(c.client_id.0))
            .bind(&c.google_client_id)
            .bind(c.client_secret.as_stored())
            .bind(scopes_to_text(&c.scopes))
            .bind(scopes_to_text(&c.granted_scopes))
            .bind(&c.redirect_uri)
            .bind(&c.account_email)
            .bind(c.access_token.as_ref().map(Sealed::as_stored))
            .bind(c.refresh_token.as_ref().map(Sealed::as_stored))
            .bind(c.expires_at.map(time_to_text))
            .bind(c.is_valid)
            .bind(&c.last_error)
            .bind(time_to_text(c.created_at))
            .bind(time_to_text(c.updated_at))
            .bind(c.version)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => Err(crate::credential_insert_error(e, c)),
        }
    }

    async fn get_credential(
        &self,
        id: CredentialId,
    ) -> Result<Option<OAuthCredential>, StoreError> {
        let sql = format!("SELECT {CREDENTIAL_COLUMNS} FROM oauth_credentials WHERE id = ?");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid_to_text(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "get credential"))?
            .map(|row| credential_from_row(&row))
            .transpose()
    }

    async fn list_credentials(
        &self,
        client_id: Option<ClientId>,
    ) -> Result<Vec<OAuthCredential>, StoreError> {
        let rows = match client_id {
            Some(client) => {
                let sql = format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM oauth_credentials WHERE client_id = ? \
                     ORDER BY created_at, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(uuid_to_text(client.0))
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                let sql = format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM oauth_credentials ORDER BY created_at, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(|e| store_error(e, "list credentials"))?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn update_credential(&self, c: &OAuthCredential) -> Result<OAuthCredential, StoreError> {
        let row = sqlx::query(
            "UPDATE oauth_credentials SET google_client_id = ?, client_secret = ?, scopes = ?, \
             granted_scopes = ?, redirect_uri = ?, account_email = ?, access_token = ?, \
             refresh_token = ?, expires_at = ?, is_valid = ?, last_error = ?, updated_at = ?, \
             version = version + 1 \
             WHERE id = ? AND version = ? \
             RETURNING client_id, created_at, version",
        )
        .bind(&c.google_client_id)
        .bind(c.client_secret.as_stored())
        .bind(scopes_to_text(&c.scopes))
        .bind(scopes_to_text(&c.granted_scopes))
        .bind(&c.redirect_uri)
        .bind(&c.account_email)
        .bind(c.access_token.as_ref().map(Sealed::as_stored))
        .bind(c.refresh_token.as_ref().map(Sealed::as_stored))
        .bind(c.expires_at.map(time_to_text))
        .bind(c.is_valid)
        .bind(&c.last_error)
        .bind(time_to_text(c.updated_at))
        .bind(uuid_to_text(c.id.0))
        .bind(c.version)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| store_error(e, "update credential"))?;
        let Some(row) = row else {
            let found = self.credential_version(c.id).await?;
            return Err(crate::credential_update_refused(c, found));
        };
        const T: &str = "oauth_credentials";
        let mut stored = c.clone();
        stored.client_id = ClientId(uuid_from_text(
            &col::<_, String>(&row, T, "client_id")?,
            T,
            "client_id",
        )?);
        stored.created_at =
            time_from_text(&col::<_, String>(&row, T, "created_at")?, T, "created_at")?;
        stored.version = col(&row, T, "version")?;
        Ok(stored)
    }

    async fn delete_credential(&self, id: CredentialId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM oauth_credentials WHERE id = ?")
            .bind(uuid_to_text(id.0))
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "delete credential"))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl AuthorizationStore for SqliteStore {
    async fn insert_pending(&self, p: &PendingAuthorization) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO pending_authorizations ({PENDING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&p.state)
            .bind(uuid_to_text(p.credential_id.0))
            .bind(p.pkce_verifier.as_stored())
            .bind(&p.redirect_uri)
            .bind(time_to_text(p.created_at))
            .bind(time_to_text(p.expires_at))
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| crate::pending_insert_error(e, p))
    }

    async fn take_pending(&self, state: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        let sql = format!(
            "DELETE FROM pending_authorizations WHERE state = ? RETURNING {PENDING_COLUMNS}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(state)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "take pending authorization"))?
            .map(|row| pending_from_row(&row))
            .transpose()
    }

    async fn purge_expired_pending(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM pending_authorizations WHERE expires_at < ?")
            .bind(time_to_text(now))
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "purge expired pending authorizations"))?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn try_acquire_lease(
        &self,
        credential: CredentialId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE oauth_credentials SET lease_holder = ?, lease_until = ? \
             WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_until <= ?)",
        )
        .bind(holder)
        .bind(time_to_text(until))
        .bind(uuid_to_text(credential.0))
        .bind(holder)
        .bind(time_to_text(now))
        .execute(&self.pool)
        .await
        .map_err(|e| store_error(e, "acquire refresh lease"))?;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        match self.credential_version(credential).await? {
            Some(_) => Ok(false),
            None => Err(StoreError::not_found(format!("credential {credential}"))),
        }
    }

    async fn release_lease(
        &self,
        credential: CredentialId,
        holder: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE oauth_credentials SET lease_holder = NULL, lease_until = NULL \
             WHERE id = ? AND lease_holder = ?",
        )
        .bind(uuid_to_text(credential.0))
        .bind(holder)
        .execute(&self.pool)
        .await
        .map_err(|e| store_error(e, "release refresh lease"))?;
        Ok(())
    }
}
