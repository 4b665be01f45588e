//! [`MySqlStore`]: MySQL 8 and MariaDB 10.6+. UUIDs as CHAR(36) text, DATETIME(6) holding
//! UTC (bound as naive UTC: sqlx sends `DateTime<Utc>` typed as TIMESTAMP, which the server
//! turns into NULL past 2038); several processes may share one database (migrations take sqlx's `GET_LOCK`, refresh
//! leases and credential versions are conditional `UPDATE`s).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use calstack_core::store::{AuthorizationStore, ClientStore, CredentialStore, LeaseStore};
use calstack_core::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow};

use crate::codec::{
    col, email_key, scopes_from_text, scopes_to_text, uuid_from_text, uuid_to_text,
};
use crate::error::{Violation, migration_error, store_error, violation};

/// Connections per process. MariaDB's default limit is 151 connections in all, so several
/// instances fit.
const POOL_SIZE: u32 = 10;
/// How long a query waits for a free connection before failing as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connect waits for another process to finish migrating.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(120);

const CLIENT_COLUMNS: &str = "id, name, email, created_at, updated_at";
const CREDENTIAL_COLUMNS: &str = "id, client_id, google_client_id, client_secret, scopes, \
     granted_scopes, redirect_uri, account_email, access_token, refresh_token, expires_at, \
     is_valid, last_error, created_at, updated_at, version";
const PENDING_COLUMNS: &str =
    "state, credential_id, pkce_verifier, redirect_uri, created_at, expires_at";

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
        let options = MySqlConnectOptions::from_str(&url).map_err(|e| StoreError::Backend {
            message: "invalid MySQL/MariaDB database URL".to_owned(),
            source: Some(Box::new(e)),
        })?;
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

fn client_from_row(row: &MySqlRow) -> Result<Client, StoreError> {
    const T: &str = "clients";
    Ok(Client {
        id: ClientId(uuid_from_text(&col::<_, String>(row, T, "id")?, T, "id")?),
        name: col(row, T, "name")?,
        email: col(row, T, "email")?,
        created_at: col(row, T, "created_at")?,
        updated_at: col(row, T, "updated_at")?,
    })
}

fn credential_from_row(row: &MySqlRow) -> Result<OAuthCredential, StoreError> {
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
        expires_at: col(row, T, "expires_at")?,
        is_valid: col(row, T, "is_valid")?,
        last_error: col(row, T, "last_error")?,
        created_at: col(row, T, "created_at")?,
        updated_at: col(row, T, "updated_at")?,
        version: col(row, T, "version")?,
    })
}

fn pending_from_row(row: &MySqlRow) -> Result<PendingAuthorization, StoreError> {
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
        created_at: col(row, T, "created_at")?,
        expires_at: col(row, T, "expires_at")?,
    })
}

impl MySqlStore {
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
impl ClientStore for MySqlStore {
    async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO clients (id, name, email, email_key, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_to_text(client.id.0))
        .bind(&client.name)
        .bind(&client.email)
        .bind(email_key(&client.email))
        .bind(client.created_at.naive_utc())
        .bind(client.updated_at.naive_utc())
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
        .bind(client.updated_at.naive_utc())
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
impl CredentialStore for MySqlStore {
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
            .bind(c.expires_at.map(|t| t.naive_utc()))
            .bind(c.is_valid)
            .bind(&c.last_error)
            .bind(c.created_at.naive_utc())
            .bind(c.updated_at.naive_utc())
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
        // MySQL has no `UPDATE … RETURNING`; `client_id` and `created_at` never change, so
        // reading them after the conditional update is race-free.
        let done = sqlx::query(
            "UPDATE oauth_credentials SET google_client_id = ?, client_secret = ?, scopes = ?, \
             granted_scopes = ?, redirect_uri = ?, account_email = ?, access_token = ?, \
             refresh_token = ?, expires_at = ?, is_valid = ?, last_error = ?, updated_at = ?, \
             version = version + 1 \
             WHERE id = ? AND version = ?",
        )
        .bind(&c.google_client_id)
        .bind(c.client_secret.as_stored())
        .bind(scopes_to_text(&c.scopes))
        .bind(scopes_to_text(&c.granted_scopes))
        .bind(&c.redirect_uri)
        .bind(&c.account_email)
        .bind(c.access_token.as_ref().map(Sealed::as_stored))
        .bind(c.refresh_token.as_ref().map(Sealed::as_stored))
        .bind(c.expires_at.map(|t| t.naive_utc()))
        .bind(c.is_valid)
        .bind(&c.last_error)
        .bind(c.updated_at.naive_utc())
        .bind(uuid_to_text(c.id.0))
        .bind(c.version)
        .execute(&self.pool)
        .await
        .map_err(|e| store_error(e, "update credential"))?;
        if done.rows_affected() == 0 {
            let found = self.credential_version(c.id).await?;
            return Err(crate::credential_update_refused(c, found));
        }
        let row = sqlx::query("SELECT client_id, created_at FROM oauth_credentials WHERE id = ?")
            .bind(uuid_to_text(c.id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "update credential"))?
            .ok_or_else(|| StoreError::not_found(format!("credential {}", c.id)))?;
        const T: &str = "oauth_credentials";
        let mut stored = c.clone();
        stored.client_id = ClientId(uuid_from_text(
            &col::<_, String>(&row, T, "client_id")?,
            T,
            "client_id",
        )?);
        stored.created_at = col(&row, T, "created_at")?;
        stored.version = c.version + 1;
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
impl AuthorizationStore for MySqlStore {
    async fn insert_pending(&self, p: &PendingAuthorization) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO pending_authorizations ({PENDING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&p.state)
            .bind(uuid_to_text(p.credential_id.0))
            .bind(p.pkce_verifier.as_stored())
            .bind(&p.redirect_uri)
            .bind(p.created_at.naive_utc())
            .bind(p.expires_at.naive_utc())
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| crate::pending_insert_error(e, p))
    }

    async fn take_pending(&self, state: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        // MySQL has no `DELETE … RETURNING`: read the row, then delete it. The DELETE locks
        // and re-reads the row, so of concurrent takers exactly one deletes it (affects one
        // row) and only that one returns it.
        let sql = format!("SELECT {PENDING_COLUMNS} FROM pending_authorizations WHERE state = ?");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(state)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "take pending authorization"))?
        else {
            return Ok(None);
        };
        let pending = pending_from_row(&row)?;
        let done = sqlx::query("DELETE FROM pending_authorizations WHERE state = ?")
            .bind(state)
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "take pending authorization"))?;
        Ok((done.rows_affected() == 1).then_some(pending))
    }

    async fn purge_expired_pending(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM pending_authorizations WHERE expires_at < ?")
            .bind(now.naive_utc())
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "purge expired pending authorizations"))?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl LeaseStore for MySqlStore {
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
        .bind(until.naive_utc())
        .bind(uuid_to_text(credential.0))
        .bind(holder)
        .bind(now.naive_utc())
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
