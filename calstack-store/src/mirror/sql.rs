//! The mirror's statements, written once with `?` placeholders (numbered for PostgreSQL by
//! the dialect). Statements whose shape depends on the input (`IN` lists, multi-row inserts)
//! are assembled by the functions at the end, from fixed text only: values are always bound.

use calstack_core::store::WindowBounds;
use chrono::{DateTime, Utc};

macro_rules! calendar_columns {
    () => {
        "client_id, calendar_id, credential_id, summary, time_zone, access_role, color_id, \
         background_color, foreground_color, is_primary, selected, sync_token, generation, \
         last_synced, next_sync_due, failures, last_error, parked_reason, channel_id, \
         channel_resource_id, channel_expires_at, channel_token, lease_holder, lease_until, \
         revision"
    };
}

macro_rules! event_columns {
    () => {
        "client_id, calendar_id, generation, event_id, credential_id, ical_uid, status, \
         start_utc, end_utc, start_date, end_date, time_zone, transparency, response_status, \
         recurring_event_id, original_start_utc, updated, etag, is_master, series_end_utc, body"
    };
}

/// What the stacked views' window read selects (`MirrorWindowRow`), with the `e.` prefix.
pub(crate) const WINDOW_COLUMNS_E: &str = "e.client_id, e.calendar_id, e.event_id, e.start_utc, \
     e.end_utc, e.start_date, e.is_master, e.original_start_utc, e.series_end_utc, e.body";

/// The event columns with the `e.` prefix the joined reads use.
pub(crate) const EVENT_COLUMNS_E: &str = "e.client_id, e.calendar_id, e.generation, e.event_id, \
     e.credential_id, e.ical_uid, e.status, e.start_utc, e.end_utc, e.start_date, e.end_date, \
     e.time_zone, e.transparency, e.response_status, e.recurring_event_id, \
     e.original_start_utc, e.updated, e.etag, e.is_master, e.series_end_utc, e.body";

/// How many columns an event row binds.
pub(crate) const EVENT_COLUMN_COUNT: usize = 21;

// Calendar-list state.

/// Binds client id.
pub(crate) const GET_LIST_STATE: &str = "SELECT client_id, credential_id, sync_token, last_synced FROM mirror_lists WHERE client_id = ?";
/// Binds client id, credential id, token, last synced.
pub(crate) const INSERT_LIST_STATE: &str = "INSERT INTO mirror_lists \
     (client_id, credential_id, sync_token, last_synced) VALUES (?, ?, ?, ?)";
/// Binds credential id, token, last synced, client id.
pub(crate) const UPDATE_LIST_STATE: &str = "UPDATE mirror_lists \
     SET credential_id = ?, sync_token = ?, last_synced = ? WHERE client_id = ?";

// Calendars.

/// Binds credential id, summary, zone, role, color id, background, foreground, primary,
/// selected, then client id and calendar id.
pub(crate) const UPDATE_CALENDAR_META: &str = "UPDATE mirror_calendars SET credential_id = ?, \
     summary = ?, time_zone = ?, access_role = ?, color_id = ?, background_color = ?, \
     foreground_color = ?, is_primary = ?, selected = ? WHERE client_id = ? AND calendar_id = ?";
/// Binds client id, calendar id, credential id, summary, zone, role, color id, background,
/// foreground, primary, selected, next sync due, first revision.
pub(crate) const INSERT_CALENDAR: &str = "INSERT INTO mirror_calendars (client_id, calendar_id, \
     credential_id, summary, time_zone, access_role, color_id, background_color, \
     foreground_color, is_primary, selected, generation, next_sync_due, failures, revision) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?)";
/// Binds client id, calendar id.
pub(crate) const GET_CALENDAR: &str = concat!(
    "SELECT ",
    calendar_columns!(),
    " FROM mirror_calendars WHERE client_id = ? AND calendar_id = ?"
);
/// Binds channel id.
pub(crate) const CALENDAR_BY_CHANNEL: &str = concat!(
    "SELECT ",
    calendar_columns!(),
    " FROM mirror_calendars WHERE channel_id = ?"
);
/// Binds client id, calendar id.
pub(crate) const DELETE_CALENDAR: &str =
    "DELETE FROM mirror_calendars WHERE client_id = ? AND calendar_id = ?";
/// Binds channel id, resource id, expiry, sealed token, client id, calendar id.
pub(crate) const SET_CHANNEL: &str = "UPDATE mirror_calendars SET channel_id = ?, \
     channel_resource_id = ?, channel_expires_at = ?, channel_token = ? \
     WHERE client_id = ? AND calendar_id = ?";
/// Binds due, client id, calendar id.
pub(crate) const MARK_DUE: &str =
    "UPDATE mirror_calendars SET next_sync_due = ? WHERE client_id = ? AND calendar_id = ?";

// Leases.

/// The due calendars (uses `mirror_calendars_due_idx`). Binds now, now, limit.
pub(crate) const SELECT_DUE: &str = "SELECT client_id, calendar_id FROM mirror_calendars \
     WHERE next_sync_due <= ? AND parked_reason IS NULL \
     AND (lease_holder IS NULL OR lease_until <= ?) \
     ORDER BY next_sync_due, client_id, calendar_id LIMIT ?";
/// [`SELECT_DUE`], locking the rows it returns and skipping rows other claimers lock.
pub(crate) const SELECT_DUE_SKIP_LOCKED: &str = "SELECT client_id, calendar_id FROM \
     mirror_calendars WHERE next_sync_due <= ? AND parked_reason IS NULL \
     AND (lease_holder IS NULL OR lease_until <= ?) \
     ORDER BY next_sync_due, client_id, calendar_id LIMIT ? FOR UPDATE SKIP LOCKED";
/// The conditional take (re-checks that the lease is free, or already the holder's). Binds
/// holder, until, client id, calendar id, holder, now.
pub(crate) const TAKE_LEASE: &str = "UPDATE mirror_calendars SET lease_holder = ?, \
     lease_until = ? WHERE client_id = ? AND calendar_id = ? AND parked_reason IS NULL \
     AND (lease_holder IS NULL OR lease_holder = ? OR lease_until <= ?)";
/// Binds token action (`keep`, `set`, `clear`), token, synced at, due, failures, last error,
/// then client id, calendar id, holder.
pub(crate) const FINISH_SYNC: &str = "UPDATE mirror_calendars SET \
     sync_token = CASE ? WHEN 'set' THEN ? WHEN 'clear' THEN NULL ELSE sync_token END, \
     last_synced = COALESCE(?, last_synced), next_sync_due = ?, failures = ?, last_error = ?, \
     lease_holder = NULL, lease_until = NULL \
     WHERE client_id = ? AND calendar_id = ? AND lease_holder = ?";
/// Binds reason, credential id.
pub(crate) const PARK: &str = "UPDATE mirror_calendars SET parked_reason = ?, \
     lease_holder = NULL, lease_until = NULL WHERE credential_id = ?";
/// Binds due, credential id.
pub(crate) const UNPARK: &str = "UPDATE mirror_calendars SET parked_reason = NULL, \
     next_sync_due = ? WHERE credential_id = ? AND parked_reason IS NOT NULL";
/// Binds nothing.
pub(crate) const PARKED_CREDENTIALS: &str = "SELECT DISTINCT credential_id FROM \
     mirror_calendars WHERE parked_reason IS NOT NULL ORDER BY credential_id";

// Events.

/// Binds client id, calendar id.
pub(crate) const CALENDAR_GENERATION: &str =
    "SELECT generation FROM mirror_calendars WHERE client_id = ? AND calendar_id = ?";
/// Binds client id, calendar id, generation to keep.
pub(crate) const DELETE_OTHER_GENERATIONS: &str = "DELETE FROM mirror_events \
     WHERE client_id = ? AND calendar_id = ? AND generation <> ?";
/// Binds generation, token, client id, calendar id.
pub(crate) const SWAP_GENERATION: &str = "UPDATE mirror_calendars SET generation = ?, \
     revision = revision + 1, sync_token = ? WHERE client_id = ? AND calendar_id = ?";
/// Marks a change of a calendar's event rows (first, in the writing transaction, so writers
/// of one calendar take its row lock before any event row). Binds client id, calendar id.
pub(crate) const BUMP_REVISION: &str = "UPDATE mirror_calendars SET revision = revision + 1 \
     WHERE client_id = ? AND calendar_id = ?";
/// Binds client id, calendar id.
pub(crate) const LIST_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM mirror_events e WHERE e.client_id = ? AND e.calendar_id = ? AND e.generation = \
     (SELECT c.generation FROM mirror_calendars c \
      WHERE c.client_id = e.client_id AND c.calendar_id = e.calendar_id) \
     ORDER BY e.event_id"
);
/// Binds client id, calendar id.
pub(crate) const COUNT_EVENTS: &str = "SELECT COUNT(*) FROM mirror_events e \
     JOIN mirror_calendars c ON c.client_id = e.client_id AND c.calendar_id = e.calendar_id \
     AND c.generation = e.generation WHERE e.client_id = ? AND e.calendar_id = ?";

/// `(?, ?, …)` with `n` placeholders.
fn placeholders(n: usize) -> String {
    let mut out = String::with_capacity(n * 3 + 2);
    out.push('(');
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('?');
    }
    out.push(')');
    out
}

/// Inserts `rows` event rows. Binds every event column per row, in column order.
pub(crate) fn insert_events(rows: usize) -> String {
    let one = placeholders(EVENT_COLUMN_COUNT);
    let values = vec![one; rows].join(", ");
    format!(
        "INSERT INTO mirror_events ({}) VALUES {values}",
        event_columns!()
    )
}

/// Deletes events by id (and, with `with_instances`, the instances of those ids) in one
/// generation. Binds client id, calendar id, generation, then the ids (twice with instances).
pub(crate) fn delete_events(ids: usize, with_instances: bool) -> String {
    let list = placeholders(ids);
    let instances = if with_instances {
        format!(" OR recurring_event_id IN {list}")
    } else {
        String::new()
    };
    format!(
        "DELETE FROM mirror_events WHERE client_id = ? AND calendar_id = ? AND generation = ? \
         AND (event_id IN {list}{instances})"
    )
}

/// The selection's `WHERE` terms on the calendar alias `c` (empty lists select nothing).
fn selection_terms(clients: Option<usize>, calendars: Option<usize>) -> String {
    let mut terms = String::new();
    for (column, count) in [("c.client_id", clients), ("c.calendar_id", calendars)] {
        match count {
            None => {}
            Some(0) => terms.push_str(" AND 1 = 0"),
            Some(n) => terms.push_str(&format!(" AND {column} IN {}", placeholders(n))),
        }
    }
    terms
}

/// The selected calendars. Binds the client ids, then the calendar ids.
pub(crate) fn list_calendars(clients: Option<usize>, calendars: Option<usize>) -> String {
    format!(
        "SELECT {} FROM mirror_calendars c WHERE 1 = 1{} ORDER BY c.client_id, c.calendar_id",
        calendar_columns!(),
        selection_terms(clients, calendars)
    )
}

/// The time-range read (see `MirrorStore::events_between`): the selected calendars (bound
/// once, in a CTE), then three range reads per calendar, each served by its own index (the
/// `CROSS JOIN` keeps SQLite's planner from starting at the events; elsewhere it is a join):
/// - single events and exceptions overlapping the window: `mirror_events_end_idx` (range on
///   `end_utc`, `start_utc` checked inside the index);
/// - recurring masters that may reach into it: `mirror_events_master_idx`;
/// - exceptions whose original start is in it (and that the first part did not return):
///   `mirror_events_original_idx`.
///
/// With `timed_within`, the first branch also leaves out timed single events outside a
/// second, narrower window (see `WindowBounds`): checked on the row before its body is read.
///
/// Unordered (the caller sorts). Selects `columns` (of `e`). Binds the client ids, the
/// calendar ids, then the instants of [`between_times`].
///
/// With `index_hints` (MySQL, MariaDB) each branch names its index (`FORCE INDEX`): those
/// planners estimate a few rows per calendar, so every index on the calendar's prefix looks
/// alike and they take the primary key, reading every row of every selected calendar three
/// times over. PostgreSQL gets the same effect from partial indexes (migration 0006); SQLite
/// picks these indexes on its own.
pub(crate) fn events_between(
    columns: &str,
    clients: Option<usize>,
    calendars: Option<usize>,
    index_hints: bool,
    timed_within: bool,
) -> String {
    let part = |index: &str, condition: &str| {
        let hint = if index_hints {
            format!(" FORCE INDEX ({index})")
        } else {
            String::new()
        };
        format!(
            "SELECT {columns} FROM selected c CROSS JOIN mirror_events e{hint} \
             WHERE e.client_id = c.client_id AND e.calendar_id = c.calendar_id \
             AND e.generation = c.generation AND {condition}"
        )
    };
    format!(
        "WITH selected AS (SELECT c.client_id, c.calendar_id, c.generation \
         FROM mirror_calendars c WHERE 1 = 1{}) {} UNION ALL {} UNION ALL {}",
        selection_terms(clients, calendars),
        part(
            "mirror_events_end_idx",
            if timed_within {
                "NOT e.is_master AND e.end_utc > ? AND e.start_utc < ? \
                 AND (e.start_date IS NOT NULL OR e.original_start_utc IS NOT NULL \
                 OR (e.end_utc > ? AND e.start_utc < ?))"
            } else {
                "NOT e.is_master AND e.end_utc > ? AND e.start_utc < ?"
            }
        ),
        part(
            "mirror_events_master_idx",
            "e.is_master = TRUE AND e.start_utc < ? \
             AND (e.series_end_utc IS NULL OR e.series_end_utc > ?)"
        ),
        part(
            "mirror_events_original_idx",
            "e.original_start_utc >= ? AND e.original_start_utc < ? \
             AND NOT (COALESCE(e.end_utc > ? AND e.start_utc < ?, FALSE))"
        ),
    )
}

/// The instants [`events_between`] binds after the selection, in order: the single events'
/// `from` and `to` (and with `timed_within`, the window timed ones must overlap), the
/// masters' `to` and `from`, the moved instances' `from`, `to`, `from`, `to`.
pub(crate) fn between_times(bounds: &WindowBounds, timed_within: bool) -> Vec<DateTime<Utc>> {
    let (from, to) = (bounds.from, bounds.to);
    let mut times = vec![from, to];
    if timed_within {
        times.extend([bounds.timed_from, bounds.timed_to]);
    }
    times.extend([to, from, from, to, from, to]);
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_binds_one_placeholder_per_column_per_row() {
        let sql = insert_events(3);
        assert_eq!(sql.matches('?').count(), 3 * EVENT_COLUMN_COUNT);
        assert_eq!(event_columns!().split(',').count(), EVENT_COLUMN_COUNT);
    }

    #[test]
    fn index_hints_name_each_branch_index_once() {
        let hinted = events_between(WINDOW_COLUMNS_E, None, None, true, true);
        for index in [
            "mirror_events_end_idx",
            "mirror_events_master_idx",
            "mirror_events_original_idx",
        ] {
            assert_eq!(hinted.matches(&format!("FORCE INDEX ({index})")).count(), 1);
        }
        assert!(!events_between(WINDOW_COLUMNS_E, None, None, false, false).contains("FORCE"));
    }

    #[test]
    fn empty_selections_select_nothing() {
        assert!(list_calendars(Some(0), None).contains("1 = 0"));
        assert!(!list_calendars(None, None).contains("IN"));
        for timed_within in [false, true] {
            let bounds = WindowBounds::new(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
            assert_eq!(
                events_between(EVENT_COLUMNS_E, Some(2), Some(1), false, timed_within)
                    .matches('?')
                    .count(),
                3 + between_times(&bounds, timed_within).len()
            );
        }
    }
}
