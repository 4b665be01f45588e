//! List results: [`Page`] (one page, with the list-level fields), [`SyncResult`] (everything
//! changed since a sync token) and [`Conditional`] (the answer to an `If-None-Match` read).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::calendars::CalendarListEntry;
use super::enums::AccessRole;
use super::event::{Event, EventReminder};
use super::serde_util::utc_millis;

/// One page of a list call. `Events` and `CalendarList` in Google's terms.
///
/// Only the absence of [`Page::next_page_token`] ends a listing: a page may be empty and still
/// have a next one. [`Page::next_sync_token`] is only on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Resource kind, e.g. `calendar#events`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ETag of the collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// (events) Title of the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// (events) Description of the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// (events) Last modification time of the calendar.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// (events) Time zone of the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// (events) The user's access role on the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_role: Option<AccessRole>,
    /// (events) The calendar's default reminders for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_reminders: Option<Vec<EventReminder>>,
    /// Token of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// Token for the next incremental sync; only on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_sync_token: Option<String>,
    /// The items of this page (possibly none).
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            kind: None,
            etag: None,
            summary: None,
            description: None,
            updated: None,
            time_zone: None,
            access_role: None,
            default_reminders: None,
            next_page_token: None,
            next_sync_token: None,
            items: Vec::new(),
            extra: Map::new(),
        }
    }
}

/// One page of events (`calendar#events`).
pub type Events = Page<Event>;

/// One page of the calendar list (`calendar#calendarList`).
pub type CalendarList = Page<CalendarListEntry>;

/// Everything that changed since a sync token, across all pages.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncResult<T> {
    /// Changed items in the order Google returned them, tombstones included
    /// (events with `status: cancelled`, calendar-list entries with `deleted: true`).
    pub items: Vec<T>,
    /// Store this and pass it to the next sync.
    pub next_sync_token: String,
}

/// The answer to a conditional read (`If-None-Match`).
#[derive(Debug, Clone, PartialEq)]
pub enum Conditional<T> {
    /// The resource still has the etag given (HTTP 304): keep the copy you have.
    NotModified,
    /// The resource changed; here it is.
    Modified(T),
}

impl<T> Conditional<T> {
    /// The new value, if the resource changed.
    pub fn modified(self) -> Option<T> {
        match self {
            Conditional::Modified(v) => Some(v),
            Conditional::NotModified => None,
        }
    }

    /// Whether the server answered 304.
    pub fn is_not_modified(&self) -> bool {
        matches!(self, Conditional::NotModified)
    }
}
