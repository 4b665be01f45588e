//! [`PgStore`]: PostgreSQL. Native UUID and TIMESTAMPTZ columns; several processes may share
//! one database (migrations take sqlx's advisory lock, refresh leases and credential versions
//! are conditional `UPDATE`s).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use calstack_core::store::{AuthorizationStore, ClientStore, CredentialStore, LeaseStore};
use calstack_core::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use uuid::Uuid;

use crate::codec::{col, email_key, scopes_from_text, scopes_to_text};
use crate::error::{Violation, migration_error, store_error, violation};

/// Connections per process. PostgreSQL's default limit is 100 connections in all, so several
/// instances fit.
const POOL_SIZE: u32 = 10;
/// How long a query waits for a free connection before failing as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

const CLIENT_COLUMNS: &str = "id, name, email, created_at, updated_at";
const CREDENTIAL_COLUMNS: &str = "id, client_id, google_client_id, client_secret, scopes, \
     granted_scopes, redirect_uri, account_email, access_token, refresh_token, expires_at, \
     is_valid, last_error, created_at, updated_at, version";
const PENDING_COLUMNS: &str =
    "state, credential_id, pkce_verifier, redirect_uri, created_at, expires_at";

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
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Backend {
            message: "invalid PostgreSQL database URL".to_owned(),
            source: Some(Box::new(e)),
        })?;
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

    async fn client_exists(&self, id: ClientId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM clients WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "get client"))?;
        Ok(row.is_some())
    }

    async fn credential_version(&self, id: CredentialId) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT version FROM oauth_credentials WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| store_error(e, "get credential"))
    }
}

fn client_from_row(row: &PgRow) -> Result<Client, StoreError> {
    const T: &str = "clients";
    Ok(Client {
        id: ClientId(col(row, T, "id")?),
        name: col(row, T, "name")?,
        email: col(row, T, "email")?,
        created_at: col(row, T, "created_at")?,
        updated_at: col(row, T, "updated_at")?,
    })
}

fn credential_from_row(row: &PgRow) -> Result<OAuthCredential, StoreError> {
    const T: &str = "oauth_credentials";
    Ok(OAuthCredential {
        id: CredentialId(col(row, T, "id")?),
        client_id: ClientId(col(row, T, "client_id")?),
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

fn pending_from_row(row: &PgRow) -> Result<PendingAuthorization, StoreError> {
    const T: &str = "pending_authorizations";
    Ok(PendingAuthorization {
        state: col(row, T, "state")?,
        credential_id: CredentialId(col(row, T, "credential_id")?),
        pkce_verifier: Sealed::from_stored(col::<_, String>(row, T, "pkce_verifier")?),
        redirect_uri: col(row, T, "redirect_uri")?,
        created_at: col(row, T, "created_at")?,
        expires_at: col(row, T, "expires_at")?,
    })
}

#[async_trait]
impl ClientStore for PgStore {
    async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO clients (id, name, email, email_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(client.id.0)
        .bind(&client.name)
        .bind(&client.email)
        .bind(email_key(&client.email))
        .bind(client.created_at)
        .bind(client.updated_at)
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
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
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
            "UPDATE clients SET name = $1, email = $2, email_key = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(&client.name)
        .bind(&client.email)
        .bind(email_key(&client.email))
        .bind(client.updated_at)
        .bind(client.id.0)
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
        let done = sqlx::query("DELETE FROM clients WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "delete client"))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl CredentialStore for PgStore {
    async fn insert_credential(&self, c: &OAuthCredential) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO oauth_credentials ({CREDENTIAL_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(c.id.0)
            .bind(c.client_id.0)
            .bind(&c.google_client_id)
            .bind(c.client_secret.as_stored())
            .bind(scopes_to_text(&c.scopes))
            .bind(scopes_to_text(&c.granted_scopes))
            .bind(&c.redirect_uri)
            .bind(&c.account_email)
            .bind(c.access_token.as_ref().map(Sealed::as_stored))
            .bind(c.refresh_token.as_ref().map(Sealed::as_stored))
            .bind(c.expires_at)
            .bind(c.is_valid)
            .bind(&c.last_error)
            .bind(c.created_at)
            .bind(c.updated_at)
            .bind(c.version)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| crate::credential_insert_error(e, c))
    }

    async fn get_credential(
        &self,
        id: CredentialId,
    ) -> Result<Option<OAuthCredential>, StoreError> {
        let sql = format!("SELECT {CREDENTIAL_COLUMNS} FROM oauth_credentials WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
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
                    "SELECT {CREDENTIAL_COLUMNS} FROM oauth_credentials WHERE client_id = $1 \
                     ORDER BY created_at, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(client.0)
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
            "UPDATE oauth_credentials SET google_client_id = $1, client_secret = $2, \
             scopes = $3, granted_scopes = $4, redirect_uri = $5, account_email = $6, \
             access_token = $7, refresh_token = $8, expires_at = $9, is_valid = $10, \
             last_error = $11, updated_at = $12, version = version + 1 \
             WHERE id = $13 AND version = $14 \
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
        .bind(c.expires_at)
        .bind(c.is_valid)
        .bind(&c.last_error)
        .bind(c.updated_at)
        .bind(c.id.0)
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
        stored.client_id = ClientId(col::<_, Uuid>(&row, T, "client_id")?);
        stored.created_at = col(&row, T, "created_at")?;
        stored.version = col(&row, T, "version")?;
        Ok(stored)
    }

    async fn delete_credential(&self, id: CredentialId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM oauth_credentials WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "delete credential"))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl AuthorizationStore for PgStore {
    async fn insert_pending(&self, p: &PendingAuthorization) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO pending_authorizations ({PENDING_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&p.state)
            .bind(p.credential_id.0)
            .bind(p.pkce_verifier.as_stored())
            .bind(&p.redirect_uri)
            .bind(p.created_at)
            .bind(p.expires_at)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| crate::pending_insert_error(e, p))
    }

    async fn take_pending(&self, state: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        let sql = format!(
            "DELETE FROM pending_authorizations WHERE state = $1 RETURNING {PENDING_COLUMNS}"
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
        let done = sqlx::query("DELETE FROM pending_authorizations WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| store_error(e, "purge expired pending authorizations"))?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl LeaseStore for PgStore {
    async fn try_acquire_lease(
        &self,
        credential: CredentialId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // Under READ COMMITTED a concurrent UPDATE waits for the row lock and then re-checks
        // the WHERE clause against the winner's row, so at most one contender matches.
        let done = sqlx::query(
            "UPDATE oauth_credentials SET lease_holder = $1, lease_until = $2 \
             WHERE id = $3 AND (lease_holder IS NULL OR lease_holder = $1 OR lease_until <= $4)",
        )
        .bind(holder)
        .bind(until)
        .bind(credential.0)
        .bind(now)
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
             WHERE id = $1 AND lease_holder = $2",
        )
        .bind(credential.0)
        .bind(holder)
        .execute(&self.pool)
        .await
        .map_err(|e| store_error(e, "release refresh lease"))?;
        Ok(())
    }
}
