//! [`MirrorStore`](calstack_core::store::MirrorStore) for every SQL backend, written once.
//!
//! As in [`crate::sql_store`], a macro expanded per backend (sqlx's per-value bounds cannot be
//! stated once on a trait). What differs by dialect beyond [`Dialect`]: whether due calendars
//! are claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL, MySQL/MariaDB) or with plain
//! conditional updates (SQLite, which has one writer at a time), and how statements assembled
//! at run time get their placeholders.

pub(crate) mod columns;
pub(crate) mod sql;
pub(crate) mod trait_impl;

use std::future::Future;
use std::time::Duration;

use calstack_core::StoreError;
use calstack_core::store::{
    CalendarKey, MirrorEventRow, MirrorSelection, MirrorWindowRow, MirroredCalendar, WindowBounds,
    WindowVisitor,
};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::SqlStr;

use crate::sql_store::Dialect;

/// Attempts of a write transaction the database aborted to break a deadlock.
pub(crate) const DEADLOCK_ATTEMPTS: u32 = 10;

/// Runs `once` again while the database aborts it to break a deadlock, up to
/// [`DEADLOCK_ATTEMPTS`] in all, pausing between attempts a random part of a pause that
/// doubles each time (about 4, 8, 16 ... ms): run again at once, the transactions that
/// collided collide again (eight syncs of one client's calendars on MariaDB used up five
/// immediate attempts).
pub(crate) async fn again_after_deadlocks<T, Fut>(
    calendar: &CalendarKey,
    mut once: impl FnMut() -> Fut,
) -> Result<T, sqlx::Error>
where
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 1;
    loop {
        match once().await {
            Err(e) if is_deadlock(&e) && attempt < DEADLOCK_ATTEMPTS => {
                let ceiling = 2u64 << attempt.min(10);
                let pause = Duration::from_millis(rand::random_range(1..=ceiling));
                tracing::debug!(%calendar, attempt, ?pause, "deadlock: running the write again");
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether the database aborted the transaction to break a deadlock or a serialization
/// conflict (SQLSTATE 40001 / 40P01): running it again is safe and expected.
pub(crate) fn is_deadlock(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| matches!(code.as_ref(), "40001" | "40P01")),
        _ => false,
    }
}

/// A row of a window read, in the order those reads return: calendar, start, event id.
pub(crate) trait WindowOrdered {
    /// The sort key.
    fn window_key(&self) -> (&CalendarKey, Option<DateTime<Utc>>, &str);
}

impl WindowOrdered for MirrorEventRow {
    fn window_key(&self) -> (&CalendarKey, Option<DateTime<Utc>>, &str) {
        (&self.key, self.start_utc, &self.event_id)
    }
}

impl WindowOrdered for MirrorWindowRow {
    fn window_key(&self) -> (&CalendarKey, Option<DateTime<Utc>>, &str) {
        (&self.key, self.start_utc, &self.event_id)
    }
}

/// Sorts a window read's rows here rather than in SQL, where the database would sort the
/// sealed bodies too.
pub(crate) fn sort_window<T: WindowOrdered>(rows: &mut [T]) {
    rows.sort_by(|a, b| a.window_key().cmp(&b.window_key()));
}

/// Rows per chunk of a streamed window read (`MirrorStore::window_row_chunks`): what a
/// caller opens at once while the rest is read.
pub(crate) const WINDOW_CHUNK: usize = 1024;

/// The large mirror reads (the stacked views', `Mirror::events_between`) past sqlx, for a
/// backend that has a faster way (SQLite reads through its own API: see
/// `crate::sqlite::direct`). The others keep the defaults, `None`: sqlx reads.
pub(crate) trait DirectReads {
    /// The mirrored calendars of `selection` (as `MirrorStore::list_calendars`), or `None`
    /// to read through sqlx.
    fn direct_calendars(
        &self,
        _selection: &MirrorSelection,
    ) -> Option<BoxFuture<'static, Result<Vec<MirroredCalendar>, StoreError>>> {
        None
    }

    /// The event rows of `selection` between `from` and `to` (as
    /// `MirrorStore::events_between`, unordered), or `None` to read through sqlx.
    fn direct_events_between(
        &self,
        _selection: &MirrorSelection,
        _from: DateTime<Utc>,
        _to: DateTime<Utc>,
    ) -> Option<BoxFuture<'static, Result<Vec<MirrorEventRow>, StoreError>>> {
        None
    }

    /// The rows of the window read of `selection` within `bounds`, in chunks, or `None` to
    /// read through sqlx.
    fn direct_window_chunks(
        &self,
        _selection: &MirrorSelection,
        _bounds: WindowBounds,
    ) -> Option<BoxStream<'static, Result<Vec<MirrorWindowRow>, StoreError>>> {
        None
    }

    /// Whether [`DirectReads::direct_window_visit`] reads where it hands rows over.
    fn direct_visits(&self) -> bool {
        false
    }

    /// The window read of `selection` within `bounds`, each row handed to `visitor` on the
    /// reading thread (as `MirrorStore::visit_window_rows`); `Err(visitor)` back to read
    /// through sqlx.
    fn direct_window_visit(
        &self,
        _selection: &MirrorSelection,
        _bounds: WindowBounds,
        visitor: Box<dyn WindowVisitor>,
    ) -> Result<BoxFuture<'static, Result<(), StoreError>>, Box<dyn WindowVisitor>> {
        Err(visitor)
    }
}

/// Rows per multi-row insert (21 binds each stays well under every backend's bind limit).
pub(crate) const INSERT_CHUNK: usize = 400;

/// What the mirror needs of a backend beyond [`Dialect`].
pub(crate) trait MirrorDialect: Dialect {
    /// Whether `SELECT … FOR UPDATE SKIP LOCKED` exists.
    const SKIP_LOCKED: bool;

    /// How a claim's transaction starts: SQLite must take the write lock at once
    /// (`BEGIN IMMEDIATE`), or a read-then-write transaction fails when another writer commits
    /// first.
    const BEGIN_CLAIM: &'static str;

    /// Whether the window read names the index of each of its branches (`FORCE INDEX`):
    /// MySQL and MariaDB estimate a calendar's rows so low that they otherwise read every row
    /// of every selected calendar through the primary key, bodies and all (see
    /// [`sql::events_between`]).
    const INDEX_HINTS: bool;

    /// A statement assembled at run time, in this backend's placeholder style.
    fn dynamic(statement: String) -> SqlStr;
}

/// Implements `MirrorStore` for `$store` with the [`MirrorDialect`] `$dialect`.
macro_rules! impl_sql_mirror {
    ($store:ident, $dialect:ident) => {
        /// The mirror's storage for this backend, from [`crate::mirror`].
        mod sql_mirror_impl {
            use async_trait::async_trait;
            use calstack_core::store::{
                CalendarKey, CalendarListState, CalendarMetadata, MirrorEventRow, MirrorSelection,
                MirrorStore, MirrorWindowRow, MirroredCalendar, PushChannel, SyncFinish,
                TokenUpdate, WindowBounds, WindowVisitor,
            };
            use calstack_core::{ClientId, CredentialId, Sealed, StoreError};
            use chrono::{DateTime, NaiveDate, Utc};
            use futures::stream::{BoxStream, TryChunksError};
            use futures::{StreamExt, TryStreamExt};

            use super::{$dialect as D, $store as Store};
            use crate::codec::col;
            use crate::error::{Violation, store_error, violation};
            use crate::mirror::{
                DirectReads, INSERT_CHUNK, MirrorDialect, again_after_deadlocks, sql,
            };
            use crate::sql_store::Dialect;

            type Row = <D as Dialect>::Row;
            type Db = <Row as sqlx::Row>::Database;
            type Query = sqlx::query::Query<'static, Db, <Db as sqlx::Database>::Arguments>;

            const CALENDARS: &str = "mirror_calendars";

            fn q(statement: &'static str) -> Query {
                sqlx::query(D::sql(statement))
            }

            fn keyed(statement: &'static str, key: &CalendarKey) -> Query {
                q(statement)
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
            }

            fn calendar_from_row(row: &Row) -> Result<MirroredCalendar, StoreError> {
                crate::mirror::columns::calendar_from(&Named(row))
            }

            /// A row read through sqlx, its columns by name.
            struct Named<'r>(&'r Row);

            impl crate::mirror::columns::NamedColumns for Named<'_> {
                fn text(&self, table: &str, column: &str) -> Result<Option<String>, StoreError> {
                    col(self.0, table, column)
                }

                fn id(&self, table: &str, column: &str) -> Result<uuid::Uuid, StoreError> {
                    D::read_id(self.0, table, column)
                }

                fn date(&self, table: &str, column: &str) -> Result<Option<NaiveDate>, StoreError> {
                    col(self.0, table, column)
                }

                fn time(
                    &self,
                    table: &str,
                    column: &str,
                ) -> Result<Option<DateTime<Utc>>, StoreError> {
                    D::read_optional_time(self.0, table, column)
                }

                fn int(&self, table: &str, column: &str) -> Result<i32, StoreError> {
                    col(self.0, table, column)
                }

                fn bigint(&self, table: &str, column: &str) -> Result<i64, StoreError> {
                    col(self.0, table, column)
                }

                fn flag(&self, table: &str, column: &str) -> Result<bool, StoreError> {
                    col(self.0, table, column)
                }

                fn sealed(&self, table: &str, column: &str) -> Result<Sealed, StoreError> {
                    D::read_sealed(self.0, table, column)
                }
            }

            /// A row of the window read, which selects only the columns it needs.
            fn window_from_row(row: &Row) -> Result<MirrorWindowRow, StoreError> {
                crate::mirror::columns::window_from(&Named(row))
            }

            fn event_from_row(row: &Row) -> Result<MirrorEventRow, StoreError> {
                crate::mirror::columns::event_from(&Named(row))
            }

            /// Binds one event row's columns, in the order of the column list.
            fn bind_event(query: Query, generation: i64, r: &MirrorEventRow) -> Query {
                let query = query
                    .bind(D::id(r.key.client_id.0))
                    .bind(r.key.calendar_id.clone())
                    .bind(generation)
                    .bind(r.event_id.clone())
                    .bind(D::id(r.credential_id.0))
                    .bind(r.ical_uid.clone())
                    .bind(r.status.clone())
                    .bind(r.start_utc.map(D::time))
                    .bind(r.end_utc.map(D::time))
                    .bind(r.start_date)
                    .bind(r.end_date)
                    .bind(r.time_zone.clone())
                    .bind(r.transparency.clone())
                    .bind(r.response_status.clone())
                    .bind(r.recurring_event_id.clone())
                    .bind(r.original_start_utc.map(D::time))
                    .bind(r.updated.map(D::time))
                    .bind(r.etag.clone())
                    .bind(r.is_recurring_master)
                    .bind(r.series_end_utc.map(D::time));
                match D::BINARY_BODIES.then(|| r.body.to_stored_bytes()).flatten() {
                    Some(bytes) => query.bind(bytes),
                    None => query.bind(r.body.as_stored().into_owned()),
                }
            }

            /// Binds the metadata fields `UPDATE_CALENDAR_META` and `INSERT_CALENDAR` share.
            fn bind_meta(query: Query, m: &CalendarMetadata) -> Query {
                query
                    .bind(D::id(m.credential_id.0))
                    .bind(m.summary.clone())
                    .bind(m.time_zone.clone())
                    .bind(m.access_role.clone())
                    .bind(m.color_id.clone())
                    .bind(m.background_color.clone())
                    .bind(m.foreground_color.clone())
                    .bind(m.primary)
                    .bind(m.selected)
            }

            fn bind_selection(mut query: Query, s: &MirrorSelection) -> Query {
                for client in s.clients.iter().flatten() {
                    query = query.bind(D::id(client.0));
                }
                for calendar in s.calendars.iter().flatten() {
                    query = query.bind(calendar.clone());
                }
                query
            }

            fn owner_missing(e: sqlx::Error, what: &str) -> StoreError {
                match violation(&e) {
                    Some(Violation::ForeignKey) => {
                        StoreError::not_found(format!("{what}: client or credential"))
                    }
                    _ => store_error(e, what),
                }
            }

            impl Store {
                async fn fetch_calendar(
                    &self,
                    key: &CalendarKey,
                ) -> Result<Option<MirroredCalendar>, StoreError> {
                    keyed(sql::GET_CALENDAR, key)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "get mirrored calendar"))?
                        .map(|row| calendar_from_row(&row))
                        .transpose()
                }

                async fn update_meta(&self, m: &CalendarMetadata) -> Result<bool, StoreError> {
                    let done = bind_meta(q(sql::UPDATE_CALENDAR_META), m)
                        .bind(D::id(m.key.client_id.0))
                        .bind(m.key.calendar_id.clone())
                        .execute(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "update mirrored calendar"))?;
                    Ok(done.rows_affected() > 0)
                }

                /// The keys of due calendars, leased to `holder` (see `claim_due_calendars`).
                async fn take_due(
                    &self,
                    holder: &str,
                    now: DateTime<Utc>,
                    until: DateTime<Utc>,
                    limit: u32,
                ) -> Result<Vec<CalendarKey>, StoreError> {
                    let failed = |e| store_error(e, "claim due calendars");
                    let mut tx = self.pool.begin_with(D::BEGIN_CLAIM).await.map_err(failed)?;
                    let select = if D::SKIP_LOCKED {
                        sql::SELECT_DUE_SKIP_LOCKED
                    } else {
                        sql::SELECT_DUE
                    };
                    let rows = q(select)
                        .bind(D::time(now))
                        .bind(D::time(now))
                        .bind(i64::from(limit))
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(failed)?;
                    let mut taken = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let key = CalendarKey::new(
                            ClientId(D::read_id(row, CALENDARS, "client_id")?),
                            col::<_, String>(row, CALENDARS, "calendar_id")?,
                        );
                        let done = keyed_lease(holder, until, &key, now)
                            .execute(&mut *tx)
                            .await
                            .map_err(failed)?;
                        if done.rows_affected() == 1 {
                            taken.push(key);
                        }
                    }
                    tx.commit().await.map_err(failed)?;
                    Ok(taken)
                }

                async fn generation_of(&self, key: &CalendarKey) -> Result<i64, StoreError> {
                    sqlx::query_scalar(D::sql(sql::CALENDAR_GENERATION))
                        .bind(D::id(key.client_id.0))
                        .bind(key.calendar_id.clone())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "get mirrored calendar"))?
                        .ok_or_else(|| StoreError::not_found(key.to_string()))
                }
            }

            fn keyed_lease(
                holder: &str,
                until: DateTime<Utc>,
                key: &CalendarKey,
                now: DateTime<Utc>,
            ) -> Query {
                q(sql::TAKE_LEASE)
                    .bind(holder.to_owned())
                    .bind(D::time(until))
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .bind(holder.to_owned())
                    .bind(D::time(now))
            }

            crate::mirror::trait_impl::mirror_trait_impl!();
        }
    };
}
pub(crate) use impl_sql_mirror;
