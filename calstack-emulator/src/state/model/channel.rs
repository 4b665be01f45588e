//! Watch channels (`events.watch`, `calendarList.watch`, `acl.watch`, `settings.watch`) and the
//! push notifications sent on them.

use serde::Serialize;

/// A notification channel opened by a `watch` call. `Debug` leaves the token out.
#[derive(Clone)]
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

/// One notification, as sent (and as listed by `GET /__emulator/notifications`). `Debug`
/// leaves the token out.
#[derive(Clone, Serialize)]
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

/// What `Debug` shows for a secret: whether there is one, never its text.
pub(crate) fn redacted(secret: Option<&String>) -> Option<&'static str> {
    secret.map(|_| "<redacted>")
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("resource_id", &self.resource_id)
            .field("resource_uri", &self.resource_uri)
            .field("account", &self.account)
            .field("watched", &self.watched)
            .field("address", &self.address)
            .field("token", &redacted(self.token.as_ref()))
            .field("expiration_ms", &self.expiration_ms)
            .field("message_number", &self.message_number)
            .field("seen_seq", &self.seen_seq)
            .finish()
    }
}

impl std::fmt::Debug for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notification")
            .field("channel_id", &self.channel_id)
            .field("resource_id", &self.resource_id)
            .field("resource_uri", &self.resource_uri)
            .field("resource_state", &self.resource_state)
            .field("message_number", &self.message_number)
            .field("expiration_ms", &self.expiration_ms)
            .field("token", &redacted(self.token.as_ref()))
            .field("address", &self.address)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_channel_token() {
        let channel = Channel {
            resource_id: "r1".into(),
            resource_uri: "https://x/calendars/a/events".into(),
            account: "a@x.test".into(),
            watched: Watched::Events("a".into()),
            address: "https://hook.test/".into(),
            token: Some("tok-hunter2".into()),
            expiration_ms: 1,
            message_number: 1,
            seen_seq: 0,
        };
        let note = Notification {
            channel_id: "c1".into(),
            resource_id: "r1".into(),
            resource_uri: channel.resource_uri.clone(),
            resource_state: "sync",
            message_number: 1,
            expiration_ms: 1,
            token: channel.token.clone(),
            address: channel.address.clone(),
        };
        for shown in [format!("{channel:?}"), format!("{note:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }
}
