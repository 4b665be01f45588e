//! Push notifications for watch channels: after every request the emulator compares each
//! watched collection with what the channel last saw and, when it changed, POSTs a
//! Google-style notification (headers only, no body) to the channel's address. Every
//! notification is also kept in a log the admin API exposes.

use crate::state::model::channel::{Channel, Notification, Watched};
use crate::state::world::State;

/// Notifications kept for the admin API.
const LOG_LIMIT: usize = 1000;

impl State {
    /// The change number of a watched collection.
    pub(crate) fn watched_seq(&self, channel: &Channel) -> u64 {
        let account = self.accounts.get(&channel.account);
        let newest = |seqs: &mut dyn Iterator<Item = u64>| seqs.max().unwrap_or(0);
        match &channel.watched {
            Watched::Events(id) => self.calendars.get(id).map_or(0, |c| c.seq),
            Watched::Acl(id) => self
                .calendars
                .get(id)
                .map_or(0, |c| newest(&mut c.acl.values().map(|r| r.seq))),
            Watched::CalendarList => {
                account.map_or(0, |a| newest(&mut a.list.values().map(|e| e.seq)))
            }
            Watched::Settings => {
                account.map_or(0, |a| newest(&mut a.settings.values().map(|s| s.seq)))
            }
        }
    }

    /// Builds the next notification for channel `id` and records it.
    pub(crate) fn notification(
        &mut self,
        id: &str,
        resource_state: &'static str,
    ) -> Option<Notification> {
        let channel = self.channels.get_mut(id)?;
        let note = Notification {
            channel_id: id.to_owned(),
            resource_id: channel.resource_id.clone(),
            resource_uri: channel.resource_uri.clone(),
            resource_state,
            message_number: channel.message_number,
            expiration_ms: channel.expiration_ms,
            token: channel.token.clone(),
            address: channel.address.clone(),
        };
        channel.message_number += 1;
        if self.notifications.len() >= LOG_LIMIT {
            self.notifications.remove(0);
        }
        self.notifications.push(note.clone());
        Some(note)
    }

    /// `exists` notifications for every channel whose collection changed since it last looked.
    pub(crate) fn due_notifications(&mut self) -> Vec<Notification> {
        if self.channels.is_empty() {
            return Vec::new();
        }
        let now_ms = self.now().timestamp_millis();
        self.channels.retain(|_, c| c.expiration_ms > now_ms);
        let changed: Vec<(String, u64)> = self
            .channels
            .iter()
            .filter_map(|(id, c)| {
                let seq = self.watched_seq(c);
                (seq > c.seen_seq).then(|| (id.clone(), seq))
            })
            .collect();
        let mut out = Vec::new();
        for (id, seq) in changed {
            if let Some(c) = self.channels.get_mut(&id) {
                c.seen_seq = seq;
            }
            out.extend(self.notification(&id, "exists"));
        }
        out
    }
}

/// POSTs a notification the way Google does: no body, `X-Goog-*` headers.
pub(crate) async fn deliver(client: reqwest::Client, note: Notification) {
    let mut request = client
        .post(&note.address)
        .header("X-Goog-Channel-ID", &note.channel_id)
        .header("X-Goog-Channel-Expiration", note.expiration_ms.to_string())
        .header("X-Goog-Resource-ID", &note.resource_id)
        .header("X-Goog-Resource-URI", &note.resource_uri)
        .header("X-Goog-Resource-State", note.resource_state)
        .header("X-Goog-Message-Number", note.message_number.to_string())
        .header(reqwest::header::CONTENT_LENGTH, "0");
    if let Some(token) = &note.token {
        request = request.header("X-Goog-Channel-Token", token);
    }
    if let Err(error) = request.send().await {
        tracing::debug!(channel = %note.channel_id, %error, "notification delivery failed");
    }
}
