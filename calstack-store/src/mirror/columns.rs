//! Mirror rows read by column name, whichever driver read them: sqlx on every backend, and
//! SQLite's own API for the reads a stacked view makes (see `crate::sqlite::direct`).

use calstack_core::store::{CalendarKey, CalendarMetadata, MirroredCalendar, PushChannel};
use calstack_core::{ClientId, CredentialId, Sealed, StoreError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::corrupt;

/// The columns of one row of `table`, by name; an undecodable value is
/// [`StoreError::Corrupt`] naming the table and column.
pub(crate) trait NamedColumns {
    /// A text column (`None` for NULL).
    fn text(&self, table: &str, column: &str) -> Result<Option<String>, StoreError>;
    /// An id column (never NULL).
    fn id(&self, table: &str, column: &str) -> Result<Uuid, StoreError>;
    /// A timestamp column (`None` for NULL).
    fn time(&self, table: &str, column: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// A 32-bit integer column (never NULL).
    fn int(&self, table: &str, column: &str) -> Result<i32, StoreError>;
    /// A 64-bit integer column (never NULL).
    fn bigint(&self, table: &str, column: &str) -> Result<i64, StoreError>;
    /// A boolean column (never NULL).
    fn flag(&self, table: &str, column: &str) -> Result<bool, StoreError>;
}

/// A `mirror_calendars` row (the columns of `sql::calendar_columns!`).
pub(crate) fn calendar_from(row: &impl NamedColumns) -> Result<MirroredCalendar, StoreError> {
    const T: &str = "mirror_calendars";
    let text = |c| row.text(T, c);
    let required = |c| text(c)?.ok_or_else(|| corrupt(T, c, "unexpected NULL"));
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
        meta: CalendarMetadata {
            key: CalendarKey::new(ClientId(row.id(T, "client_id")?), required("calendar_id")?),
            credential_id: CredentialId(row.id(T, "credential_id")?),
            summary: text("summary")?,
            time_zone: text("time_zone")?,
            access_role: text("access_role")?,
            color_id: text("color_id")?,
            background_color: text("background_color")?,
            foreground_color: text("foreground_color")?,
            primary: row.flag(T, "is_primary")?,
            selected: row.flag(T, "selected")?,
        },
        sync_token: text("sync_token")?,
        generation: row.bigint(T, "generation")?,
        revision: row.bigint(T, "revision")?,
        last_synced: row.time(T, "last_synced")?,
        next_sync_due: row
            .time(T, "next_sync_due")?
            .ok_or_else(|| corrupt(T, "next_sync_due", "unexpected NULL"))?,
        failures: row.int(T, "failures")?,
        last_error: text("last_error")?,
        parked_reason: text("parked_reason")?,
        channel,
        lease_holder: text("lease_holder")?,
        lease_until: row.time(T, "lease_until")?,
    })
}
