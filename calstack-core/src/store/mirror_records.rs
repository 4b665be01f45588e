//! The records of the local mirror: mirrored calendars (metadata, sync state, lease, push
//! channel), mirrored events (clear columns for queries plus the sealed event JSON), the
//! per-client calendar-list state, and the selection the read queries take.

use chrono::{DateTime, NaiveDate, Utc};

use super::{ClientId, CredentialId, Sealed, SealedRef};

/// Identifies one mirrored calendar: the client it belongs to and Google's calendar id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarKey {
    /// The client.
    pub client_id: ClientId,
    /// Google's calendar id (the account's email for a primary calendar).
    pub calendar_id: String,
}

impl CalendarKey {
    /// The key of `calendar_id` of `client_id`.
    pub fn new(client_id: ClientId, calendar_id: impl Into<String>) -> Self {
        Self {
            client_id,
            calendar_id: calendar_id.into(),
        }
    }
}

impl std::fmt::Display for CalendarKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "calendar {} of client {}",
            self.calendar_id, self.client_id
        )
    }
}

/// What the calendar list says about a calendar: written by every calendar-list sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarMetadata {
    /// Which calendar.
    pub key: CalendarKey,
    /// The credential it is read with.
    pub credential_id: CredentialId,
    /// Title (the user's override when set).
    pub summary: Option<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// `owner`, `writer`, `reader` or `freeBusyReader`.
    pub access_role: Option<String>,
    /// Color id (`colors.calendar` key).
    pub color_id: Option<String>,
    /// Background color `#rrggbb`.
    pub background_color: Option<String>,
    /// Foreground color `#rrggbb`.
    pub foreground_color: Option<String>,
    /// Whether this is the account's primary calendar.
    pub primary: bool,
    /// Whether the calendar is shown in the account's UI.
    pub selected: bool,
}

impl CalendarMetadata {
    /// A calendar known only by its key and credential: no title, zone, access role or colors
    /// yet, not primary, selected. Set the rest with struct update syntax.
    pub fn new(key: CalendarKey, credential_id: CredentialId) -> Self {
        Self {
            key,
            credential_id,
            summary: None,
            time_zone: None,
            access_role: None,
            color_id: None,
            background_color: None,
            foreground_color: None,
            primary: false,
            selected: true,
        }
    }
}

/// A push channel watching a calendar's events (`events.watch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushChannel {
    /// The channel id calstack chose (a UUID).
    pub id: String,
    /// Google's id of the watched resource (needed to stop the channel); empty while the
    /// `events.watch` call that opens the channel is in flight (see [`PushChannel::confirmed`]).
    pub resource_id: String,
    /// When Google stops delivering.
    pub expires_at: DateTime<Utc>,
    /// The verification token Google echoes in `X-Goog-Channel-Token`, sealed.
    pub token: Sealed,
}

impl PushChannel {
    /// Whether Google has answered the `events.watch` call that opens this channel. A channel
    /// is stored before that call, because Google sends the channel's `sync` message as it
    /// opens the channel, often before its answer arrives; until then the resource id is empty.
    pub fn confirmed(&self) -> bool {
        !self.resource_id.is_empty()
    }
}

/// A mirrored calendar: its metadata, its sync state and who holds its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirroredCalendar {
    /// Metadata from the calendar list.
    pub meta: CalendarMetadata,
    /// The token of the next incremental events sync; `None` until the first full sync.
    pub sync_token: Option<String>,
    /// Which generation of event rows is current (a full resync writes the next one, then
    /// swaps atomically).
    pub generation: i64,
    /// Changed (in the same transaction) by every change to the current event rows: event
    /// writes and full-resync swaps. Starts at a random value, so a calendar deleted and
    /// mirrored again does not repeat revisions. Equal `(generation, revision)` = the same rows.
    pub revision: i64,
    /// When the last successful sync finished.
    pub last_synced: Option<DateTime<Utc>>,
    /// When the calendar should next be synced.
    pub next_sync_due: DateTime<Utc>,
    /// Failed syncs in a row (0 after a success).
    pub failures: i32,
    /// Why the last sync failed (never a secret).
    pub last_error: Option<String>,
    /// Why the calendar is parked (its credential needs consent again); parked calendars are
    /// never claimed.
    pub parked_reason: Option<String>,
    /// The push channel, when watched.
    pub channel: Option<PushChannel>,
    /// The worker holding the sync lease, if any.
    pub lease_holder: Option<String>,
    /// Until when that lease holds.
    pub lease_until: Option<DateTime<Utc>>,
}

impl MirroredCalendar {
    /// The calendar's key.
    pub fn key(&self) -> &CalendarKey {
        &self.meta.key
    }
}

/// The revision a newly mirrored calendar starts at (see [`MirroredCalendar::revision`]):
/// random, below 2^62 so increments never overflow.
pub fn initial_revision() -> i64 {
    let bits = rand::random::<u64>() >> 2;
    i64::try_from(bits).unwrap_or(0)
}

/// How a finished sync changes the stored events sync token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenUpdate {
    /// Leave it as it is.
    Keep,
    /// Store this token (after an incremental sync).
    Set(String),
    /// Forget it: the next sync is a full one.
    Clear,
}

/// What a worker records when it finishes (or gives up) syncing a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFinish {
    /// When the sync succeeded; `None` for a failure (the last success is kept).
    pub synced_at: Option<DateTime<Utc>>,
    /// What happens to the sync token.
    pub token: TokenUpdate,
    /// When the calendar is due again.
    pub next_sync_due: DateTime<Utc>,
    /// Failures in a row after this attempt.
    pub failures: i32,
    /// The failure, or `None` after a success.
    pub last_error: Option<String>,
}

/// One mirrored event: clear columns for queries, and the event as Google sent it, sealed.
///
/// Cancelled instances of a recurring series (exceptions Google lists as tombstones) are
/// stored too; their `start_utc`/`end_utc` are the original start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorEventRow {
    /// Which calendar.
    pub key: CalendarKey,
    /// The credential it was read with.
    pub credential_id: CredentialId,
    /// Google's event id.
    pub event_id: String,
    /// RFC 5545 UID.
    pub ical_uid: Option<String>,
    /// `confirmed`, `tentative` or `cancelled`.
    pub status: Option<String>,
    /// Start as a UTC instant (all-day: midnight UTC of the date).
    pub start_utc: Option<DateTime<Utc>>,
    /// End as a UTC instant (all-day: midnight UTC of the end date, exclusive).
    pub end_utc: Option<DateTime<Utc>>,
    /// All-day start date.
    pub start_date: Option<NaiveDate>,
    /// All-day end date (exclusive).
    pub end_date: Option<NaiveDate>,
    /// The event's IANA time zone (`start.timeZone`).
    pub time_zone: Option<String>,
    /// `opaque` or `transparent`.
    pub transparency: Option<String>,
    /// The calendar owner's response (`needsAction`, `declined`, `tentative`, `accepted`).
    pub response_status: Option<String>,
    /// For an instance of a series: the master's id.
    pub recurring_event_id: Option<String>,
    /// For an instance of a series: its original start, as a UTC instant.
    pub original_start_utc: Option<DateTime<Utc>>,
    /// Last modification at Google.
    pub updated: Option<DateTime<Utc>>,
    /// Google's etag.
    pub etag: Option<String>,
    /// Whether this is the master of a recurring series.
    pub is_recurring_master: bool,
    /// For a master: an upper bound of the end of its last occurrence; `None` = open-ended
    /// (or too costly to work out).
    pub series_end_utc: Option<DateTime<Utc>>,
    /// The event JSON exactly as Google sent it, sealed with AAD naming client, calendar and
    /// event id.
    pub body: Sealed,
}

impl MirrorEventRow {
    /// A confirmed, timed, single event from `start_utc` to `end_utc`, sealed `body`, with no
    /// other column set (a store's tests and benchmarks fill it in bulk). Set the rest with
    /// struct update syntax.
    pub fn timed(
        key: CalendarKey,
        credential_id: CredentialId,
        event_id: impl Into<String>,
        (start_utc, end_utc): (DateTime<Utc>, DateTime<Utc>),
        body: Sealed,
    ) -> Self {
        Self {
            key,
            credential_id,
            event_id: event_id.into(),
            ical_uid: None,
            status: Some("confirmed".to_owned()),
            start_utc: Some(start_utc),
            end_utc: Some(end_utc),
            start_date: None,
            end_date: None,
            time_zone: None,
            transparency: None,
            response_status: None,
            recurring_event_id: None,
            original_start_utc: None,
            updated: None,
            etag: None,
            is_recurring_master: false,
            series_end_utc: None,
            body,
        }
    }
}

/// The bounds of a stacked view's read of the mirror ([`crate::store::MirrorStore::window_rows`]).
///
/// The rows are those [`crate::store::MirrorStore::events_between`] selects for
/// `[from, to)`, except timed single events (no `start_date`, not a recurring master, no
/// `original_start_utc`) that do not overlap `[timed_from, timed_to)`. A view of `[a, b)`
/// reads `[a - slack, b + slack)` for all-day rows, whose instants depend on the calendar's
/// zone, but needs timed single events only where they overlap `[a, b)` itself: the store
/// leaves the others out instead of sending them to be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowBounds {
    /// Start of the window of the `events_between` rule.
    pub from: DateTime<Utc>,
    /// End of that window (exclusive).
    pub to: DateTime<Utc>,
    /// Start of the window timed single events must overlap.
    pub timed_from: DateTime<Utc>,
    /// End of that window (exclusive).
    pub timed_to: DateTime<Utc>,
}

impl WindowBounds {
    /// The rows `events_between` selects for `[from, to)`, all of them.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from,
            to,
            timed_from: from,
            timed_to: to,
        }
    }

    /// These bounds, with timed single events only where they overlap `[from, to)`.
    #[must_use]
    pub fn timed_within(self, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            timed_from: from,
            timed_to: to,
            ..self
        }
    }

    /// Whether a row the `events_between` rule selects is kept: anything but a timed single
    /// event outside `[timed_from, timed_to)`.
    pub fn keeps(&self, row: &MirrorWindowRow) -> bool {
        row.start_date.is_some()
            || row.is_recurring_master
            || row.original_start_utc.is_some()
            || (row.start_utc.is_some_and(|s| s < self.timed_to)
                && row.end_utc.is_some_and(|e| e > self.timed_from))
    }
}

/// What the stacked views read of a mirrored event over a window
/// ([`crate::store::MirrorStore::window_rows`]): where it is, the clear columns that place it
/// in time, and its sealed body; the other columns are left unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorWindowRow {
    /// Which calendar.
    pub key: CalendarKey,
    /// Google's event id.
    pub event_id: String,
    /// As [`MirrorEventRow::start_utc`].
    pub start_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::end_utc`].
    pub end_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::start_date`].
    pub start_date: Option<NaiveDate>,
    /// As [`MirrorEventRow::is_recurring_master`].
    pub is_recurring_master: bool,
    /// As [`MirrorEventRow::original_start_utc`].
    pub original_start_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::series_end_utc`].
    pub series_end_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::body`].
    pub body: Sealed,
}

impl From<MirrorEventRow> for MirrorWindowRow {
    fn from(row: MirrorEventRow) -> Self {
        Self {
            key: row.key,
            event_id: row.event_id,
            start_utc: row.start_utc,
            end_utc: row.end_utc,
            start_date: row.start_date,
            is_recurring_master: row.is_recurring_master,
            original_start_utc: row.original_start_utc,
            series_end_utc: row.series_end_utc,
            body: row.body,
        }
    }
}

impl MirrorWindowRow {
    /// This row borrowed, as a [`crate::store::WindowVisitor`] sees it.
    pub fn as_row_ref(&self) -> WindowRowRef<'_> {
        WindowRowRef {
            client_id: self.key.client_id,
            calendar_id: &self.key.calendar_id,
            event_id: &self.event_id,
            start_utc: self.start_utc,
            end_utc: self.end_utc,
            start_date: self.start_date,
            is_recurring_master: self.is_recurring_master,
            original_start_utc: self.original_start_utc,
            series_end_utc: self.series_end_utc,
            body: self.body.as_sealed_ref(),
        }
    }
}

/// A row of a window read borrowed for one [`crate::store::WindowVisitor::row`] call: the
/// columns of [`MirrorWindowRow`], the ids and the sealed body left where the store read
/// them.
#[derive(Debug, Clone, Copy)]
pub struct WindowRowRef<'a> {
    /// The calendar's client.
    pub client_id: ClientId,
    /// The calendar's id.
    pub calendar_id: &'a str,
    /// Google's event id.
    pub event_id: &'a str,
    /// As [`MirrorEventRow::start_utc`].
    pub start_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::end_utc`].
    pub end_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::start_date`].
    pub start_date: Option<NaiveDate>,
    /// As [`MirrorEventRow::is_recurring_master`].
    pub is_recurring_master: bool,
    /// As [`MirrorEventRow::original_start_utc`].
    pub original_start_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::series_end_utc`].
    pub series_end_utc: Option<DateTime<Utc>>,
    /// As [`MirrorEventRow::body`], borrowed.
    pub body: SealedRef<'a>,
}

impl WindowRowRef<'_> {
    /// Whether the row is of calendar `key`.
    pub fn is_of(&self, key: &CalendarKey) -> bool {
        self.client_id == key.client_id && self.calendar_id == key.calendar_id
    }

    /// The row, owned.
    pub fn to_row(&self) -> MirrorWindowRow {
        MirrorWindowRow {
            key: CalendarKey::new(self.client_id, self.calendar_id),
            event_id: self.event_id.to_owned(),
            start_utc: self.start_utc,
            end_utc: self.end_utc,
            start_date: self.start_date,
            is_recurring_master: self.is_recurring_master,
            original_start_utc: self.original_start_utc,
            series_end_utc: self.series_end_utc,
            body: self.body.to_sealed(),
        }
    }
}

/// Which mirrored calendars a read covers: `None` means all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorSelection {
    /// Only these clients.
    pub clients: Option<Vec<ClientId>>,
    /// Only these calendar ids.
    pub calendars: Option<Vec<String>>,
}

impl MirrorSelection {
    /// Every mirrored calendar.
    pub fn all() -> Self {
        Self::default()
    }

    /// The calendars of these clients.
    pub fn clients(clients: impl IntoIterator<Item = ClientId>) -> Self {
        Self {
            clients: Some(clients.into_iter().collect()),
            calendars: None,
        }
    }

    /// Whether `key` is selected.
    pub fn contains(&self, key: &CalendarKey) -> bool {
        self.clients
            .as_ref()
            .is_none_or(|c| c.contains(&key.client_id))
            && self
                .calendars
                .as_ref()
                .is_none_or(|c| c.contains(&key.calendar_id))
    }
}

/// The calendar-list sync state of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarListState {
    /// The client.
    pub client_id: ClientId,
    /// The credential its calendar list is read with.
    pub credential_id: CredentialId,
    /// The token of the next incremental calendar-list sync.
    pub sync_token: Option<String>,
    /// When the list was last synced.
    pub last_synced: Option<DateTime<Utc>>,
}
