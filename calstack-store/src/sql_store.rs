//! The storage traits, implemented once for every SQL backend.
//!
//! What differs between SQLite, PostgreSQL and MySQL/MariaDB while storing a record is small
//! and lives behind [`Dialect`]: the placeholder style, how ids and timestamps are bound and
//! read back, and whether `UPDATE`/`DELETE … RETURNING` exist. Everything else (the statements
//! in [`crate::sql`], the row → record mapping, the error mapping, the versioned update, the
//! lease) is written once in [`impl_sql_store!`], which each backend invokes for its store.
//! A macro rather than generic functions because sqlx's per-value `Encode`/`Decode` bounds
//! cannot be stated once on a trait; expanded per backend, every type is concrete.

use calstack_core::{Client, OAuthCredential, PendingAuthorization, Sealed, StoreError};
use chrono::{DateTime, Utc};
use sqlx::SqlStr;
use uuid::Uuid;

use crate::error::{self, Violation};

/// How one SQL backend binds and reads what the shared statements need.
pub(crate) trait Dialect {
    /// The driver's row type.
    type Row: sqlx::Row;
    /// An id as bound: a native UUID or its hyphenated text.
    type Id;
    /// A timestamp as bound.
    type Time;

    /// Whether the backend has `UPDATE … RETURNING` and `DELETE … RETURNING`.
    const RETURNING: bool;

    /// Whether mirrored event bodies are written as bytes ([`Sealed::to_stored_bytes`]): a
    /// quarter smaller than their text, and opened without decoding base64. SQLite only: its
    /// columns take bytes whatever their declared type, so rows written before stay readable
    /// as text; the other backends' body columns are text.
    const BINARY_BODIES: bool = false;

    /// Reads the sealed value in `column` of a `table` row (as text, or with
    /// [`Dialect::BINARY_BODIES`] as bytes where the row holds bytes).
    fn read_sealed(row: &Self::Row, table: &str, column: &str) -> Result<Sealed, StoreError>;

    /// A statement of [`crate::sql`] in this backend's placeholder style (by default `?`, as
    /// written).
    fn sql(statement: &'static str) -> SqlStr {
        SqlStr::from_static(statement)
    }
    /// An id ready to bind.
    fn id(id: Uuid) -> Self::Id;
    /// A timestamp ready to bind.
    fn time(t: DateTime<Utc>) -> Self::Time;
    /// Reads the id in `column` of a `table` row.
    fn read_id(row: &Self::Row, table: &str, column: &str) -> Result<Uuid, StoreError>;
    /// Reads the timestamp in `column` of a `table` row.
    fn read_time(row: &Self::Row, table: &str, column: &str) -> Result<DateTime<Utc>, StoreError>;
    /// Reads the nullable timestamp in `column` of a `table` row.
    fn read_optional_time(
        row: &Self::Row,
        table: &str,
        column: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
}

/// Implements `ClientStore`, `CredentialStore`, `AuthorizationStore` and `LeaseStore` for
/// `$store` (a struct with a `pool` field of the backend's pool type) with the statements of
/// [`crate::sql`] and the [`Dialect`] `$dialect`.
macro_rules! impl_sql_store {
    ($store:ident, $dialect:ident) => {
        /// The storage traits for this backend, from [`crate::sql_store`].
        mod sql_store_impl {
            use async_trait::async_trait;
            use calstack_core::store::{
                AuthorizationStore, ClientStore, CredentialStore, LeaseStore,
            };
            use calstack_core::{
                Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed,
                StoreError,
            };
            use chrono::{DateTime, Utc};
            use uuid::Uuid;

            use super::{$dialect as D, $store as Store};
            use crate::codec::{col, email_key, scopes_from_text, scopes_to_text};
            use crate::error::{Violation, store_error, violation};
            use crate::sql;
            use crate::sql_store::{
                Dialect, client_conflict, credential_insert_error, credential_update_refused,
                pending_insert_error,
            };

            type Row = <D as Dialect>::Row;
            type Query = sqlx::query::Query<
                'static,
                <Row as sqlx::Row>::Database,
                <<Row as sqlx::Row>::Database as sqlx::Database>::Arguments,
            >;

            fn client_from_row(row: &Row) -> Result<Client, StoreError> {
                const T: &str = "clients";
                Ok(Client {
                    id: ClientId(D::read_id(row, T, "id")?),
                    name: col(row, T, "name")?,
                    email: col(row, T, "email")?,
                    created_at: D::read_time(row, T, "created_at")?,
                    updated_at: D::read_time(row, T, "updated_at")?,
                })
            }

            fn credential_from_row(row: &Row) -> Result<OAuthCredential, StoreError> {
                const T: &str = "oauth_credentials";
                let sealed = |column| col::<_, Option<String>>(row, T, column);
                let scopes =
                    |column| scopes_from_text(&col::<_, String>(row, T, column)?, T, column);
                Ok(OAuthCredential {
                    id: CredentialId(D::read_id(row, T, "id")?),
                    client_id: ClientId(D::read_id(row, T, "client_id")?),
                    google_client_id: col(row, T, "google_client_id")?,
                    client_secret: Sealed::from_stored(col::<_, String>(row, T, "client_secret")?),
                    scopes: scopes("scopes")?,
                    granted_scopes: scopes("granted_scopes")?,
                    redirect_uri: col(row, T, "redirect_uri")?,
                    account_email: col(row, T, "account_email")?,
                    access_token: sealed("access_token")?.map(Sealed::from_stored),
                    refresh_token: sealed("refresh_token")?.map(Sealed::from_stored),
                    expires_at: D::read_optional_time(row, T, "expires_at")?,
                    is_valid: col(row, T, "is_valid")?,
                    last_error: col(row, T, "last_error")?,
                    created_at: D::read_time(row, T, "created_at")?,
                    updated_at: D::read_time(row, T, "updated_at")?,
                    version: col(row, T, "version")?,
                })
            }

            fn pending_from_row(row: &Row) -> Result<PendingAuthorization, StoreError> {
                const T: &str = "pending_authorizations";
                Ok(PendingAuthorization {
                    state: col(row, T, "state")?,
                    credential_id: CredentialId(D::read_id(row, T, "credential_id")?),
                    pkce_verifier: Sealed::from_stored(col::<_, String>(row, T, "pkce_verifier")?),
                    redirect_uri: col(row, T, "redirect_uri")?,
                    created_at: D::read_time(row, T, "created_at")?,
                    expires_at: D::read_time(row, T, "expires_at")?,
                })
            }

            /// Binds the fields of `c` an update may change, google client id to last error, in
            /// the order both `INSERT_CREDENTIAL` and `UPDATE_CREDENTIAL` list them.
            fn bind_changeable_fields(query: Query, c: &OAuthCredential) -> Query {
                query
                    .bind(&c.google_client_id)
                    .bind(c.client_secret.as_stored())
                    .bind(scopes_to_text(&c.scopes))
                    .bind(scopes_to_text(&c.granted_scopes))
                    .bind(&c.redirect_uri)
                    .bind(&c.account_email)
                    .bind(c.access_token.as_ref().map(Sealed::as_stored))
                    .bind(c.refresh_token.as_ref().map(Sealed::as_stored))
                    .bind(c.expires_at.map(D::time))
                    .bind(c.is_valid)
                    .bind(&c.last_error)
            }

            impl Store {
                /// The record `statement` selects by the one id it binds.
                async fn get_by_id<T>(
                    &self,
                    statement: &'static str,
                    id: Uuid,
                    doing: &str,
                    from_row: fn(&Row) -> Result<T, StoreError>,
                ) -> Result<Option<T>, StoreError> {
                    sqlx::query(D::sql(statement))
                        .bind(D::id(id))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(|e| store_error(e, doing))?
                        .map(|row| from_row(&row))
                        .transpose()
                }

                /// Runs `statement` with the one id it binds; whether it touched a row.
                async fn delete_by_id(
                    &self,
                    statement: &'static str,
                    id: Uuid,
                    doing: &str,
                ) -> Result<bool, StoreError> {
                    let done = sqlx::query(D::sql(statement))
                        .bind(D::id(id))
                        .execute(&self.pool)
                        .await
                        .map_err(|e| store_error(e, doing))?;
                    Ok(done.rows_affected() > 0)
                }

                async fn client_exists(&self, id: ClientId) -> Result<bool, StoreError> {
                    let row = sqlx::query(D::sql(sql::CLIENT_EXISTS))
                        .bind(D::id(id.0))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "get client"))?;
                    Ok(row.is_some())
                }

                async fn credential_version(
                    &self,
                    id: CredentialId,
                ) -> Result<Option<i64>, StoreError> {
                    sqlx::query_scalar(D::sql(sql::CREDENTIAL_VERSION))
                        .bind(D::id(id.0))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "get credential"))
                }
            }

            #[async_trait]
            impl ClientStore for Store {
                async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
                    let result = sqlx::query(D::sql(sql::INSERT_CLIENT))
                        .bind(D::id(client.id.0))
                        .bind(&client.name)
                        .bind(&client.email)
                        .bind(email_key(&client.email))
                        .bind(D::time(client.created_at))
                        .bind(D::time(client.updated_at))
                        .execute(&self.pool)
                        .await;
                    match result {
                        Ok(_) => Ok(()),
                        Err(e) if violation(&e) == Some(Violation::Unique) => Err(client_conflict(
                            client,
                            self.client_exists(client.id).await?,
                        )),
                        Err(e) => Err(store_error(e, "insert client")),
                    }
                }

                async fn get_client(&self, id: ClientId) -> Result<Option<Client>, StoreError> {
                    self.get_by_id(sql::GET_CLIENT, id.0, "get client", client_from_row)
                        .await
                }

                async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
                    sqlx::query(D::sql(sql::LIST_CLIENTS))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "list clients"))?
                        .iter()
                        .map(client_from_row)
                        .collect()
                }

                async fn update_client(&self, client: &Client) -> Result<(), StoreError> {
                    let result = sqlx::query(D::sql(sql::UPDATE_CLIENT))
                        .bind(&client.name)
                        .bind(&client.email)
                        .bind(email_key(&client.email))
                        .bind(D::time(client.updated_at))
                        .bind(D::id(client.id.0))
                        .execute(&self.pool)
                        .await;
                    match result {
                        Ok(done) if done.rows_affected() == 0 => {
                            Err(StoreError::not_found(format!("client {}", client.id)))
                        }
                        Ok(_) => Ok(()),
                        Err(e) if violation(&e) == Some(Violation::Unique) => {
                            Err(client_conflict(client, false))
                        }
                        Err(e) => Err(store_error(e, "update client")),
                    }
                }

                async fn delete_client(&self, id: ClientId) -> Result<bool, StoreError> {
                    self.delete_by_id(sql::DELETE_CLIENT, id.0, "delete client")
                        .await
                }
            }

            #[async_trait]
            impl CredentialStore for Store {
                async fn insert_credential(&self, c: &OAuthCredential) -> Result<(), StoreError> {
                    let ids = sqlx::query(D::sql(sql::INSERT_CREDENTIAL))
                        .bind(D::id(c.id.0))
                        .bind(D::id(c.client_id.0));
                    bind_changeable_fields(ids, c)
                        .bind(D::time(c.created_at))
                        .bind(D::time(c.updated_at))
                        .bind(c.version)
                        .execute(&self.pool)
                        .await
                        .map(drop)
                        .map_err(|e| credential_insert_error(e, c))
                }

                async fn get_credential(
                    &self,
                    id: CredentialId,
                ) -> Result<Option<OAuthCredential>, StoreError> {
                    self.get_by_id(
                        sql::GET_CREDENTIAL,
                        id.0,
                        "get credential",
                        credential_from_row,
                    )
                    .await
                }

                async fn list_credentials(
                    &self,
                    client_id: Option<ClientId>,
                ) -> Result<Vec<OAuthCredential>, StoreError> {
                    let query = match client_id {
                        Some(client) => {
                            sqlx::query(D::sql(sql::LIST_CLIENT_CREDENTIALS)).bind(D::id(client.0))
                        }
                        None => sqlx::query(D::sql(sql::LIST_CREDENTIALS)),
                    };
                    query
                        .fetch_all(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "list credentials"))?
                        .iter()
                        .map(credential_from_row)
                        .collect()
                }

                async fn update_credential(
                    &self,
                    c: &OAuthCredential,
                ) -> Result<OAuthCredential, StoreError> {
                    const T: &str = "oauth_credentials";
                    let statement = if D::RETURNING {
                        sql::UPDATE_CREDENTIAL_RETURNING
                    } else {
                        sql::UPDATE_CREDENTIAL
                    };
                    let update = bind_changeable_fields(sqlx::query(D::sql(statement)), c)
                        .bind(D::time(c.updated_at))
                        .bind(D::id(c.id.0))
                        .bind(c.version);
                    let failed = |e| store_error(e, "update credential");
                    let (row, version) = if D::RETURNING {
                        let Some(row) = update.fetch_optional(&self.pool).await.map_err(failed)?
                        else {
                            let found = self.credential_version(c.id).await?;
                            return Err(credential_update_refused(c, found));
                        };
                        let version = col(&row, T, "version")?;
                        (row, version)
                    } else {
                        let done = update.execute(&self.pool).await.map_err(failed)?;
                        if done.rows_affected() == 0 {
                            let found = self.credential_version(c.id).await?;
                            return Err(credential_update_refused(c, found));
                        }
                        // `client_id` and `created_at` never change, so reading them after the
                        // conditional update is race-free.
                        let row = sqlx::query(D::sql(sql::CREDENTIAL_ORIGIN))
                            .bind(D::id(c.id.0))
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(failed)?
                            .ok_or_else(|| StoreError::not_found(format!("credential {}", c.id)))?;
                        (row, c.version + 1)
                    };
                    let mut stored = c.clone();
                    stored.client_id = ClientId(D::read_id(&row, T, "client_id")?);
                    stored.created_at = D::read_time(&row, T, "created_at")?;
                    stored.version = version;
                    Ok(stored)
                }

                async fn delete_credential(&self, id: CredentialId) -> Result<bool, StoreError> {
                    self.delete_by_id(sql::DELETE_CREDENTIAL, id.0, "delete credential")
                        .await
                }
            }

            #[async_trait]
            impl AuthorizationStore for Store {
                async fn insert_pending(&self, p: &PendingAuthorization) -> Result<(), StoreError> {
                    sqlx::query(D::sql(sql::INSERT_PENDING))
                        .bind(&p.state)
                        .bind(D::id(p.credential_id.0))
                        .bind(p.pkce_verifier.as_stored())
                        .bind(&p.redirect_uri)
                        .bind(D::time(p.created_at))
                        .bind(D::time(p.expires_at))
                        .execute(&self.pool)
                        .await
                        .map(drop)
                        .map_err(|e| pending_insert_error(e, p))
                }

                async fn take_pending(
                    &self,
                    state: &str,
                ) -> Result<Option<PendingAuthorization>, StoreError> {
                    let failed = |e| store_error(e, "take pending authorization");
                    if D::RETURNING {
                        return sqlx::query(D::sql(sql::TAKE_PENDING_RETURNING))
                            .bind(state)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(failed)?
                            .map(|row| pending_from_row(&row))
                            .transpose();
                    }
                    // Without `DELETE … RETURNING`: read the row, then delete it. The DELETE
                    // locks and re-reads the row, so of concurrent takers exactly one deletes
                    // it (affects one row) and only that one returns it.
                    let Some(row) = sqlx::query(D::sql(sql::GET_PENDING))
                        .bind(state)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(failed)?
                    else {
                        return Ok(None);
                    };
                    let pending = pending_from_row(&row)?;
                    let done = sqlx::query(D::sql(sql::DELETE_PENDING))
                        .bind(state)
                        .execute(&self.pool)
                        .await
                        .map_err(failed)?;
                    Ok((done.rows_affected() == 1).then_some(pending))
                }

                async fn purge_expired_pending(
                    &self,
                    now: DateTime<Utc>,
                ) -> Result<u64, StoreError> {
                    let done = sqlx::query(D::sql(sql::PURGE_EXPIRED_PENDING))
                        .bind(D::time(now))
                        .execute(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "purge expired pending authorizations"))?;
                    Ok(done.rows_affected())
                }

                async fn list_pending(&self) -> Result<Vec<PendingAuthorization>, StoreError> {
                    sqlx::query(D::sql(sql::LIST_PENDING))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "list pending authorizations"))?
                        .iter()
                        .map(pending_from_row)
                        .collect()
                }

                async fn reseal_pending(
                    &self,
                    state: &str,
                    old: &Sealed,
                    new: &Sealed,
                ) -> Result<bool, StoreError> {
                    let done = sqlx::query(D::sql(sql::RESEAL_PENDING))
                        .bind(new.as_stored())
                        .bind(state)
                        .bind(old.as_stored())
                        .execute(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "re-seal pending authorization"))?;
                    Ok(done.rows_affected() == 1)
                }
            }

            #[async_trait]
            impl LeaseStore for Store {
                async fn try_acquire_lease(
                    &self,
                    credential: CredentialId,
                    holder: &str,
                    now: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> Result<bool, StoreError> {
                    // A concurrent UPDATE of the row waits for the first one's lock and then
                    // re-checks the WHERE clause against the winner's row (PostgreSQL under READ
                    // COMMITTED, InnoDB; SQLite has one writer at a time), so at most one
                    // contender matches.
                    let done = sqlx::query(D::sql(sql::ACQUIRE_LEASE))
                        .bind(holder)
                        .bind(D::time(until))
                        .bind(D::id(credential.0))
                        .bind(holder)
                        .bind(D::time(now))
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
                    sqlx::query(D::sql(sql::RELEASE_LEASE))
                        .bind(D::id(credential.0))
                        .bind(holder)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "release refresh lease"))?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use impl_sql_store;

/// The conflict for a client insert or update refused by a unique index: the id if it was
/// taken, else the email.
pub(crate) fn client_conflict(client: &Client, id_taken: bool) -> StoreError {
    if id_taken {
        StoreError::conflict(format!("client {} already exists", client.id))
    } else {
        StoreError::conflict(format!("client email {} already exists", client.email))
    }
}

/// Maps the error of a credential insert: unknown client or duplicate id.
pub(crate) fn credential_insert_error(
    err: sqlx::Error,
    credential: &OAuthCredential,
) -> StoreError {
    match error::violation(&err) {
        Some(Violation::ForeignKey) => {
            StoreError::not_found(format!("client {}", credential.client_id))
        }
        Some(Violation::Unique) => {
            StoreError::conflict(format!("credential {} already exists", credential.id))
        }
        None => error::store_error(err, "insert credential"),
    }
}

/// Maps the error of a pending-authorization insert: unknown credential or duplicate state.
pub(crate) fn pending_insert_error(err: sqlx::Error, pending: &PendingAuthorization) -> StoreError {
    match error::violation(&err) {
        Some(Violation::ForeignKey) => {
            StoreError::not_found(format!("credential {}", pending.credential_id))
        }
        Some(Violation::Unique) => StoreError::conflict("authorization state already exists"),
        None => error::store_error(err, "insert pending authorization"),
    }
}

/// Why a versioned credential update matched no row: gone, or someone else wrote first.
pub(crate) fn credential_update_refused(
    credential: &OAuthCredential,
    found: Option<i64>,
) -> StoreError {
    match found {
        None => StoreError::not_found(format!("credential {}", credential.id)),
        Some(found) => StoreError::conflict(format!(
            "credential {} was modified concurrently (expected version {}, found {found})",
            credential.id, credential.version
        )),
    }
}
