//! Watch channels (`events.watch`, `calendarList.watch`, `acl.watch`, `settings.watch`) and the
//! push notifications sent on them.

use serde::Serialize;

/// A notification channel opened by a `watch` call.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub(crate) resource_id: String,
    pub(crate) resource_uri: String,
    pub(crate) account: String,
    /// The watched collection.
    pub(crate) watched: Watched,
    pub(crate) address: String,
    pub(crate) token: Option<String>,
    pub(crate) expiration_ms: i64,
    pub(crate) message_number: u64,
    pub(crate) seen_seq: u64,
}

/// The collection a channel watches.
#[derive(Debug, Clone)]
pub(crate) enum Watched {
    /// The account's calendar list.
    CalendarList,
    /// The events of one calendar.
    Events(String),
    /// The access control rules of one calendar.
    Acl(String),
    /// The account's settings.
    Settings,
}

/// One notification, as sent (and as listed by `GET /__emulator/notifications`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Notification {
    pub(crate) channel_id: String,
    pub(crate) resource_id: String,
    pub(crate) resource_uri: String,
    pub(crate) resource_state: &'static str,
    pub(crate) message_number: u64,
    pub(crate) expiration_ms: i64,
    #[serde(skip)]
    pub(crate) token: Option<String>,
    pub(crate) address: String,
}
