//! Builders for the `events` calls that write: insert, update, patch, delete, move,
//! quickAdd and import. Every one is made by [`EventsApi`](super::EventsApi).

use super::super::{Call, decode, query_setters, replay};
use super::EventsApi;
use crate::calendar::model::{Event, SendUpdates};
use crate::error::{Error, Result};
use crate::validate::event::{validate_event, validate_event_patch};

/// Generates an event id Google accepts: base32hex (`0-9a-v`) of a random UUID, 26 chars.
fn generate_event_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let bits = uuid::Uuid::new_v4().as_u128();
    (0..26)
        .map(|i| {
            let shift = 128i32 - 5 * (i + 1);
            let index = if shift >= 0 {
                (bits >> shift) & 0x1f
            } else {
                (bits << -shift) & 0x1f
            };
            char::from(ALPHABET[usize::try_from(index).unwrap_or(0)])
        })
        .collect()
}

/// `events.insert`. Made by [`EventsApi::insert`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct InsertEvent {
    pub(super) call: Call,
    pub(super) calendar_id: String,
    pub(super) event: Event,
}

impl InsertEvent {
    query_setters! {
        /// `1` to create or change conference data.
        conference_data_version: u32 => "conferenceDataVersion",
        /// Include at most this many attendees in the answer.
        max_attendees: u32 => "maxAttendees",
        /// Deprecated: use `send_updates`.
        send_notifications: bool => "sendNotifications",
        /// Who is notified: `all`, `externalOnly` or `none`.
        send_updates: (SendUpdates) => "sendUpdates",
        /// Whether the client supports attachments.
        supports_attachments: bool => "supportsAttachments",
    }

    /// Validates, then sends. If a retry after a lost answer meets `409 duplicate`, the event
    /// the first attempt created is fetched and returned instead of failing.
    pub async fn send(mut self) -> Result<Event> {
        validate_event(&self.event)?;
        let event_id = self.event.id.get_or_insert_with(generate_event_id).clone();
        self.call.json_body(&self.event)?;
        let outcome = self.call.execute().await;
        let event = match outcome.result {
            Ok(response) => decode(&response.body),
            Err(Error::Api(api))
                if api.status == 409
                    && api.reason.as_deref() == Some("duplicate")
                    && outcome.retries > 0 =>
            {
                tracing::debug!(
                    event_id = %event_id,
                    "insert retried and met 409 duplicate: returning the event the first attempt stored"
                );
                EventsApi::new(self.call.client.clone())
                    .get(&self.calendar_id, &event_id)
                    .send()
                    .await
            }
            Err(e) => Err(e),
        }?;
        self.call.notify_written(&event).await;
        Ok(event)
    }

    /// Validates, gives the event an id when it has none, and encodes the body: the call to
    /// send in a batch (where a retried part may answer 409 duplicate: the event exists).
    pub(crate) fn prepare(mut self) -> Result<Call> {
        validate_event(&self.event)?;
        self.event.id.get_or_insert_with(generate_event_id);
        self.call.json_body(&self.event)?;
        Ok(self.call)
    }
}

/// `events.update`. Made by [`EventsApi::update`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct UpdateEvent {
    pub(super) call: Call,
    pub(super) event: Event,
}

impl UpdateEvent {
    query_setters! {
        /// Deprecated and ignored by Google.
        always_include_email: bool => "alwaysIncludeEmail",
        /// `1` to create or change conference data.
        conference_data_version: u32 => "conferenceDataVersion",
        /// Include at most this many attendees in the answer.
        max_attendees: u32 => "maxAttendees",
        /// Deprecated: use `send_updates`.
        send_notifications: bool => "sendNotifications",
        /// Who is notified: `all`, `externalOnly` or `none`.
        send_updates: (SendUpdates) => "sendUpdates",
        /// Whether the client supports attachments.
        supports_attachments: bool => "supportsAttachments",
    }

    /// Only update if the event still has this etag ([`Error::PreconditionFailed`] otherwise).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Validates, then sends. With [`UpdateEvent::if_match`], a retry that meets 412 after an
    /// earlier attempt may have applied reads the event back and returns it when it holds what
    /// was sent (see `docs/calendar.md`).
    pub async fn send(self) -> Result<Event> {
        replay::send_write(self.prepare()?).await
    }

    /// Validates and encodes the body: the call to send (alone or in a batch).
    pub(crate) fn prepare(mut self) -> Result<Call> {
        validate_event(&self.event)?;
        self.call.json_body(&self.event)?;
        replay::guard_notifying_write(&mut self.call);
        Ok(self.call)
    }
}

/// `events.patch`. Made by [`EventsApi::patch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct PatchEvent {
    pub(super) call: Call,
    pub(super) changes: Event,
    pub(super) cleared: Vec<String>,
}

impl PatchEvent {
    query_setters! {
        /// Deprecated and ignored by Google.
        always_include_email: bool => "alwaysIncludeEmail",
        /// `1` to create or change conference data.
        conference_data_version: u32 => "conferenceDataVersion",
        /// Include at most this many attendees in the answer.
        max_attendees: u32 => "maxAttendees",
        /// Deprecated: use `send_updates`.
        send_notifications: bool => "sendNotifications",
        /// Who is notified: `all`, `externalOnly` or `none`.
        send_updates: (SendUpdates) => "sendUpdates",
        /// Whether the client supports attachments.
        supports_attachments: bool => "supportsAttachments",
    }

    /// Only patch if the event still has this etag ([`Error::PreconditionFailed`] otherwise).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Clears a field on the server by sending it as JSON `null` (e.g. `"location"`,
    /// `"description"`, `"colorId"`). Names are the API's (camelCase).
    pub fn clear(mut self, field: &str) -> Self {
        self.cleared.push(field.to_owned());
        self
    }

    /// Validates the fields that are set, then sends (a 412 met by a retry is resolved as for
    /// [`UpdateEvent::send`]).
    pub async fn send(self) -> Result<Event> {
        replay::send_write(self.prepare()?).await
    }

    /// Validates and encodes the body: the call to send (alone or in a batch).
    pub(crate) fn prepare(mut self) -> Result<Call> {
        validate_event_patch(&self.changes)?;
        if self.cleared.is_empty() {
            self.call.json_body(&self.changes)?;
        } else {
            let mut body = serde_json::to_value(&self.changes)
                .map_err(|e| Error::validation("body", e.to_string()))?;
            if let Some(object) = body.as_object_mut() {
                for field in &self.cleared {
                    object.insert(field.clone(), serde_json::Value::Null);
                }
            }
            self.call.json_body(&body)?;
        }
        replay::guard_notifying_write(&mut self.call);
        Ok(self.call)
    }
}

/// `events.delete`. Made by [`EventsApi::delete`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct DeleteEvent {
    pub(super) call: Call,
}

impl DeleteEvent {
    query_setters! {
        /// Deprecated: use `send_updates`.
        send_notifications: bool => "sendNotifications",
        /// Who is notified: `all`, `externalOnly` or `none`.
        send_updates: (SendUpdates) => "sendUpdates",
    }

    /// Only delete if the event still has this etag ([`Error::PreconditionFailed`] otherwise).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request. A retry that meets 404 or 410 after an earlier attempt may have
    /// reached Google counts as success: that attempt deleted the event.
    pub async fn send(self) -> Result<()> {
        let outcome = self.call.execute().await;
        match outcome.result {
            Err(e) if replay::delete_already_applied(outcome.retries, &e) => {
                tracing::debug!(error = %e, "a retried delete found the event gone: the first attempt deleted it");
                Ok(())
            }
            other => other.map(|_| ()),
        }?;
        self.call.notify_removed().await;
        Ok(())
    }

    /// The prepared call, for a batch.
    pub(crate) fn prepare(self) -> Result<Call> {
        Ok(self.call)
    }
}

/// `events.move`. Made by [`EventsApi::move_to`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct MoveEvent {
    pub(super) call: Call,
}

impl MoveEvent {
    query_setters! {
        /// Deprecated: use `send_updates`.
        send_notifications: bool => "sendNotifications",
        /// Who is notified: `all`, `externalOnly` or `none`.
        send_updates: (SendUpdates) => "sendUpdates",
    }

    /// Sends the request (not retried once it may have reached Google).
    pub async fn send(self) -> Result<Event> {
        self.call.send_written().await
    }
}

/// `events.quickAdd`. Made by [`EventsApi::quick_add`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct QuickAddEvent {
    pub(super) call: Call,
    pub(super) blank: bool,
}

impl QuickAddEvent {
    query_setters! {
        /// Deprecated: use `send_updates`.
        send_notifications: bool => "sendNotifications",
        /// Who is notified: `all`, `externalOnly` or `none`.
        send_updates: (SendUpdates) => "sendUpdates",
    }

    /// Sends the request (not retried once it may have reached Google). Blank text is
    /// [`Error::Validation`] on `text`, and nothing is sent.
    pub async fn send(self) -> Result<Event> {
        if self.blank {
            return Err(Error::validation("text", "must not be blank"));
        }
        self.call.send_written().await
    }
}

/// `events.import`. Made by [`EventsApi::import`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ImportEvent {
    pub(super) call: Call,
    pub(super) event: Event,
}

impl ImportEvent {
    query_setters! {
        /// `1` to import conference data.
        conference_data_version: u32 => "conferenceDataVersion",
        /// Whether the client supports attachments.
        supports_attachments: bool => "supportsAttachments",
    }

    /// Validates (an `iCalUID` is required), then sends.
    pub async fn send(self) -> Result<Event> {
        self.prepare()?.send_written().await
    }

    /// Validates (an `iCalUID` is required) and encodes the body: the call to send.
    pub(crate) fn prepare(mut self) -> Result<Call> {
        if self.event.ical_uid.as_deref().is_none_or(str::is_empty) {
            return Err(Error::validation(
                "iCalUID",
                "events.import needs an iCalUID",
            ));
        }
        validate_event(&self.event)?;
        self.call.json_body(&self.event)?;
        Ok(self.call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_event_ids_are_base32hex_and_unique() {
        let a = generate_event_id();
        let b = generate_event_id();
        assert_eq!(a.len(), 26);
        assert!(a.chars().all(|c| matches!(c, '0'..='9' | 'a'..='v')), "{a}");
        assert_ne!(a, b);
    }
}
