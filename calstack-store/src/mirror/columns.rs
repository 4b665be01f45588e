//! Mirror rows read by column name, whichever driver read them: sqlx on every backend, and
//! SQLite's own API for the reads a stacked view makes (see `crate::sqlite::direct`).

use calstack_core::store::{
    CalendarKey, CalendarMetadata, MirrorEventRow, MirrorWindowRow, MirroredCalendar, PushChannel,
};
use calstack_core::{ClientId, CredentialId, Sealed, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::error::corrupt;

/// The columns of one row of `table`, by name; an undecodable value is
/// [`StoreError::Corrupt`] naming the table and column.
pub(crate) trait NamedColumns {
    /// A text column (`None` for NULL).
    fn text(&self, table: &str, column: &str) -> Result<Option<String>, StoreError>;
    /// An id column (never NULL).
    fn id(&self, table: &str, column: &str) -> Result<Uuid, StoreError>;
    /// A date column (`None` for NULL).
    fn date(&self, table: &str, column: &str) -> Result<Option<NaiveDate>, StoreError>;
    /// A timestamp column (`None` for NULL).
    fn time(&self, table: &str, column: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// A 32-bit integer column (never NULL).
    fn int(&self, table: &str, column: &str) -> Result<i32, StoreError>;
    /// A 64-bit integer column (never NULL).
    fn bigint(&self, table: &str, column: &str) -> Result<i64, StoreError>;
    /// A boolean column (never NULL).
    fn flag(&self, table: &str, column: &str) -> Result<bool, StoreError>;
    /// A sealed value (never NULL): text, or bytes where the backend writes them.
    fn sealed(&self, table: &str, column: &str) -> Result<Sealed, StoreError>;
}

/// A text column that is never NULL.
fn required(row: &impl NamedColumns, table: &str, column: &str) -> Result<String, StoreError> {
    row.text(table, column)?
        .ok_or_else(|| corrupt(table, column, "unexpected NULL"))
}

/// A `mirror_calendars` row (the columns of `sql::calendar_columns!`).
pub(crate) fn calendar_from(row: &impl NamedColumns) -> Result<MirroredCalendar, StoreError> {
    const T: &str = "mirror_calendars";
    let text = |c| row.text(T, c);
    // Read in the order the reads select the columns (a direct read looks there first).
    let meta = CalendarMetadata {
        key: CalendarKey::new(
            ClientId(row.id(T, "client_id")?),
            required(row, T, "calendar_id")?,
        ),
        credential_id: CredentialId(row.id(T, "credential_id")?),
        summary: text("summary")?,
        time_zone: text("time_zone")?,
        access_role: text("access_role")?,
        color_id: text("color_id")?,
        background_color: text("background_color")?,
        foreground_color: text("foreground_color")?,
        primary: row.flag(T, "is_primary")?,
        selected: row.flag(T, "selected")?,
    };
    let sync_token = text("sync_token")?;
    let generation = row.bigint(T, "generation")?;
    let last_synced = row.time(T, "last_synced")?;
    let next_sync_due = row
        .time(T, "next_sync_due")?
        .ok_or_else(|| corrupt(T, "next_sync_due", "unexpected NULL"))?;
    let failures = row.int(T, "failures")?;
    let last_error = text("last_error")?;
    let parked_reason = text("parked_reason")?;
    let channel = match (text("channel_id")?, text("channel_resource_id")?) {
        (Some(id), Some(resource_id)) => Some(PushChannel {
            id,
            resource_id,
            expires_at: row
                .time(T, "channel_expires_at")?
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
            token: Sealed::from_stored(text("channel_token")?.unwrap_or_default()),
        }),
        _ => None,
    };
    Ok(MirroredCalendar {
        meta,
        sync_token,
        generation,
        last_synced,
        next_sync_due,
        failures,
        last_error,
        parked_reason,
        channel,
        lease_holder: text("lease_holder")?,
        lease_until: row.time(T, "lease_until")?,
        revision: row.bigint(T, "revision")?,
    })
}

const EVENTS: &str = "mirror_events";

/// A `mirror_events` row (the columns of `sql::EVENT_COLUMNS_E`).
pub(crate) fn event_from(row: &impl NamedColumns) -> Result<MirrorEventRow, StoreError> {
    const T: &str = EVENTS;
    let text = |c| row.text(T, c);
    let time = |c| row.time(T, c);
    Ok(MirrorEventRow {
        key: CalendarKey::new(
            ClientId(row.id(T, "client_id")?),
            required(row, T, "calendar_id")?,
        ),
        credential_id: CredentialId(row.id(T, "credential_id")?),
        event_id: required(row, T, "event_id")?,
        ical_uid: text("ical_uid")?,
        status: text("status")?,
        start_utc: time("start_utc")?,
        end_utc: time("end_utc")?,
        start_date: row.date(T, "start_date")?,
        end_date: row.date(T, "end_date")?,
        time_zone: text("time_zone")?,
        transparency: text("transparency")?,
        response_status: text("response_status")?,
        recurring_event_id: text("recurring_event_id")?,
        original_start_utc: time("original_start_utc")?,
        updated: time("updated")?,
        etag: text("etag")?,
        is_recurring_master: row.flag(T, "is_master")?,
        series_end_utc: time("series_end_utc")?,
        body: row.sealed(T, "body")?,
    })
}

/// A row of the window read (the columns of `sql::WINDOW_COLUMNS_E`).
pub(crate) fn window_from(row: &impl NamedColumns) -> Result<MirrorWindowRow, StoreError> {
    const T: &str = EVENTS;
    Ok(MirrorWindowRow {
        key: CalendarKey::new(
            ClientId(row.id(T, "client_id")?),
            required(row, T, "calendar_id")?,
        ),
        event_id: required(row, T, "event_id")?,
        start_utc: row.time(T, "start_utc")?,
        end_utc: row.time(T, "end_utc")?,
        start_date: row.date(T, "start_date")?,
        is_recurring_master: row.flag(T, "is_master")?,
        original_start_utc: row.time(T, "original_start_utc")?,
        series_end_utc: row.time(T, "series_end_utc")?,
        body: row.sealed(T, "body")?,
    })
}
