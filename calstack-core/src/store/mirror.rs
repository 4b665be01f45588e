//! [`MirrorStore`]: how a backend keeps the local mirror of every client's calendars — the
//! calendar-list state per client, mirrored calendars with their sync leases and push channels,
//! and mirrored events (clear columns, sealed body) — and answers the time-range reads.
//!
//! Event rows carry a *generation*: incremental syncs and write-through change the calendar's
//! current generation in place, while a full resync writes the next generation beside it and
//! [`MirrorStore::complete_full_sync`] swaps in one transaction, so readers never see a
//! half-replaced calendar and a failed resync loses nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::mirror_records::{
    CalendarKey, CalendarListState, CalendarMetadata, MirrorEventRow, MirrorSelection,
    MirrorWindowRow, MirroredCalendar, PushChannel, SyncFinish, WindowBounds, WindowRowRef,
};
use super::{ClientId, CredentialId, StoreError};

/// The mirror's storage. Deleting a client or a credential deletes its mirrored calendars,
/// events and calendar-list state.
#[async_trait]
pub trait MirrorStore: Send + Sync {
    /// The calendar-list state of `client`.
    async fn get_list_state(
        &self,
        client: ClientId,
    ) -> Result<Option<CalendarListState>, StoreError>;

    /// Records a client's calendar-list state for the first time. Already there →
    /// [`StoreError::Conflict`] (so of concurrent first syncs one knows it goes first);
    /// unknown client or credential → [`StoreError::NotFound`].
    async fn insert_list_state(&self, state: &CalendarListState) -> Result<(), StoreError>;

    /// Replaces a client's calendar-list state. Missing → [`StoreError::NotFound`].
    async fn update_list_state(&self, state: &CalendarListState) -> Result<(), StoreError>;

    /// Adds a calendar (first sync due at `due`, generation 0) or updates the metadata of a
    /// mirrored one (sync state untouched). Returns whether it was added. Unknown client or
    /// credential → [`StoreError::NotFound`].
    async fn upsert_calendar(
        &self,
        meta: &CalendarMetadata,
        due: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The mirrored calendar `key`.
    async fn get_calendar(&self, key: &CalendarKey)
    -> Result<Option<MirroredCalendar>, StoreError>;

    /// The selected calendars, ordered by client id, then calendar id.
    async fn list_calendars(
        &self,
        selection: &MirrorSelection,
    ) -> Result<Vec<MirroredCalendar>, StoreError>;

    /// Deletes a calendar and every event row of it. Returns whether it existed.
    async fn delete_calendar(&self, key: &CalendarKey) -> Result<bool, StoreError>;

    /// The calendar whose push channel has this id.
    async fn calendar_by_channel(
        &self,
        channel_id: &str,
    ) -> Result<Option<MirroredCalendar>, StoreError>;

    /// Sets (or, with `None`, clears) a calendar's push channel. Returns whether the calendar
    /// exists.
    async fn set_channel(
        &self,
        key: &CalendarKey,
        channel: Option<&PushChannel>,
    ) -> Result<bool, StoreError>;

    /// Makes a calendar due at `at` (earlier than planned, e.g. after a push notification).
    /// Returns whether the calendar exists.
    async fn mark_due(&self, key: &CalendarKey, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Leases up to `limit` calendars that are due (`next_sync_due <= now`), not parked and
    /// not leased (or whose lease ended, `lease_until <= now`) to `holder` until `until`,
    /// earliest due first. Of concurrent claimers, each calendar goes to at most one.
    async fn claim_due_calendars(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MirroredCalendar>, StoreError>;

    /// Leases one calendar to `holder` until `until` if it is free, its lease ended, or
    /// `holder` already holds it (then it is extended); parked calendars are refused. Returns
    /// whether `holder` holds it now.
    async fn lease_calendar(
        &self,
        key: &CalendarKey,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Records the end of a sync and releases the lease, if `holder` still holds it (returns
    /// whether it did; a worker that lost its lease changes nothing).
    async fn finish_sync(
        &self,
        key: &CalendarKey,
        holder: &str,
        finish: &SyncFinish,
    ) -> Result<bool, StoreError>;

    /// Parks every calendar of `credential` with `reason` (and releases their leases).
    /// Returns how many.
    async fn park_credential(
        &self,
        credential: CredentialId,
        reason: &str,
    ) -> Result<u64, StoreError>;

    /// Un-parks every calendar of `credential`, due at `due`. Returns how many.
    async fn unpark_credential(
        &self,
        credential: CredentialId,
        due: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// The credentials that have parked calendars.
    async fn parked_credentials(&self) -> Result<Vec<CredentialId>, StoreError>;

    /// In one transaction, in generation `generation` of `key`: replaces or adds `upserts`
    /// (by event id), then deletes the events `deletes` names together with the instances of
    /// those events (rows whose `recurring_event_id` is one of them).
    async fn write_events(
        &self,
        key: &CalendarKey,
        generation: i64,
        upserts: &[MirrorEventRow],
        deletes: &[String],
    ) -> Result<(), StoreError>;

    /// Starts a full resync: drops rows left by an earlier unfinished one and returns the
    /// generation to write (current + 1). Missing calendar → [`StoreError::NotFound`].
    async fn begin_full_sync(&self, key: &CalendarKey) -> Result<i64, StoreError>;

    /// Finishes a full resync in one transaction: `generation` becomes current, every other
    /// generation's rows go, and `sync_token` is stored.
    async fn complete_full_sync(
        &self,
        key: &CalendarKey,
        generation: i64,
        sync_token: &str,
    ) -> Result<(), StoreError>;

    /// Current-generation rows of the selected calendars that may matter for `[from, to)`:
    /// non-masters with `start_utc < to` and `end_utc > from`; masters with `start_utc < to`
    /// and no series end or `series_end_utc > from`; instances whose original start lies in
    /// `[from, to)`. Ordered by client, calendar, start, event id.
    async fn events_between(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MirrorEventRow>, StoreError>;

    /// The rows [`MirrorStore::events_between`] returns for `bounds.from..bounds.to`, in its
    /// order, but the timed single events `bounds` leaves out (see [`WindowBounds`]), with
    /// only what the stacked views read of them (see [`MirrorWindowRow`]). Backends that can
    /// read fewer rows and columns should; the default filters and projects
    /// `events_between`.
    async fn window_rows(
        &self,
        selection: &MirrorSelection,
        bounds: WindowBounds,
    ) -> Result<Vec<MirrorWindowRow>, StoreError> {
        Ok(self
            .events_between(selection, bounds.from, bounds.to)
            .await?
            .into_iter()
            .map(MirrorWindowRow::from)
            .filter(|row| bounds.keeps(row))
            .collect())
    }

    /// The rows of [`MirrorStore::window_rows`] as they are read, in chunks and in no
    /// particular order, so a caller can open the first rows while the database still sends
    /// the rest. Backends that can stream should; the default yields `window_rows` as one
    /// chunk.
    fn window_row_chunks<'a>(
        &'a self,
        selection: &'a MirrorSelection,
        bounds: WindowBounds,
    ) -> BoxStream<'a, Result<Vec<MirrorWindowRow>, StoreError>> {
        futures::stream::once(self.window_rows(selection, bounds)).boxed()
    }

    /// Whether [`MirrorStore::visit_window_rows`] hands each row over on the thread that
    /// reads it, borrowed from the database: then a caller does its work on each row there
    /// (several reads side by side use several threads) rather than have copies of the rows
    /// sent to other threads. The default, `false`: streaming chunks suits the backend better.
    fn visits_where_read(&self) -> bool {
        false
    }

    /// The rows of [`MirrorStore::window_row_chunks`], handed to `visitor` one by one until
    /// they end or it answers `false`. Backends that read on a thread of their own (SQLite
    /// files) call it there, with each row borrowed from the database; the default calls it
    /// with the rows of each chunk. `visitor` is dropped before this returns.
    async fn visit_window_rows(
        &self,
        selection: &MirrorSelection,
        bounds: WindowBounds,
        visitor: Box<dyn WindowVisitor>,
    ) -> Result<(), StoreError> {
        visit_in_chunks(self, selection, bounds, visitor).await
    }

    /// Every current-generation row of a calendar, by event id.
    async fn list_events(&self, key: &CalendarKey) -> Result<Vec<MirrorEventRow>, StoreError>;

    /// How many current-generation rows a calendar has.
    async fn count_events(&self, key: &CalendarKey) -> Result<u64, StoreError>;
}

/// What looks at each row of a window read as it is read
/// ([`MirrorStore::visit_window_rows`]).
pub trait WindowVisitor: Send {
    /// One row, borrowed for this call; `false` stops the read.
    fn row(&mut self, row: &WindowRowRef<'_>) -> bool;
}

/// [`MirrorStore::visit_window_rows`] over the chunks of
/// [`MirrorStore::window_row_chunks`]: the default, for backends to fall back on.
pub async fn visit_in_chunks<S: MirrorStore + ?Sized>(
    store: &S,
    selection: &MirrorSelection,
    bounds: WindowBounds,
    mut visitor: Box<dyn WindowVisitor>,
) -> Result<(), StoreError> {
    let mut chunks = store.window_row_chunks(selection, bounds);
    while let Some(chunk) = chunks.try_next().await? {
        for row in &chunk {
            if !visitor.row(&row.as_row_ref()) {
                return Ok(());
            }
        }
    }
    Ok(())
}
