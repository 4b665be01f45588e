//! Builders for the `events` resource: list, get, insert, update, patch, delete, move,
//! quickAdd, instances, import, watch, and incremental sync.

use futures::Stream;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{Call, IfNoneMatch, PageBody, failed, paging, query_setters, replay};
use crate::calendar::client::CalendarClient;
use crate::calendar::model::{
    Channel, Event, EventType, Events, OrderBy, Page, SendUpdates, SyncResult,
};
use crate::error::{Error, Result};
use crate::transport::Idempotency;
use crate::validate::event::{validate_event, validate_event_patch};

/// Parameters Google refuses together with `syncToken` on events.list.
const SYNC_FORBIDDEN: [&str; 8] = [
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
];

/// The `events` resource. Made by [`CalendarClient::events`].
#[derive(Debug, Clone)]
pub struct EventsApi {
    client: CalendarClient,
}

impl EventsApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    fn call(&self, method: Method, segments: &[&str], idempotency: Idempotency) -> Call {
        Call::new(self.client.clone(), method, segments, idempotency)
    }

    /// `events.list`: events of `calendar_id` (`primary` for the user's main calendar).
    pub fn list(&self, calendar_id: &str) -> ListEvents {
        ListEvents {
            call: self.call(
                Method::GET,
                &["calendars", calendar_id, "events"],
                Idempotency::Safe,
            ),
        }
    }

    /// `events.get`.
    pub fn get(&self, calendar_id: &str, event_id: &str) -> GetEvent {
        GetEvent {
            call: self.call(
                Method::GET,
                &["calendars", calendar_id, "events", event_id],
                Idempotency::Safe,
            ),
        }
    }

    /// `events.insert`. An id is generated when the event has none, so a retried insert can
    /// never create the event twice.
    pub fn insert(&self, calendar_id: &str, event: Event) -> InsertEvent {
        InsertEvent {
            call: self.call(
                Method::POST,
                &["calendars", calendar_id, "events"],
                Idempotency::Safe,
            ),
            calendar_id: calendar_id.to_owned(),
            event,
        }
    }

    /// `events.update`: replaces the event (fields left out are cleared).
    pub fn update(&self, calendar_id: &str, event_id: &str, event: Event) -> UpdateEvent {
        UpdateEvent {
            call: self.call(
                Method::PUT,
                &["calendars", calendar_id, "events", event_id],
                Idempotency::Safe,
            ),
            event,
        }
    }

    /// `events.patch`: changes only the fields set in `changes`.
    pub fn patch(&self, calendar_id: &str, event_id: &str, changes: Event) -> PatchEvent {
        PatchEvent {
            call: self.call(
                Method::PATCH,
                &["calendars", calendar_id, "events", event_id],
                Idempotency::Safe,
            ),
            changes,
            cleared: Vec::new(),
        }
    }

    /// `events.delete`.
    pub fn delete(&self, calendar_id: &str, event_id: &str) -> DeleteEvent {
        DeleteEvent {
            call: self.call(
                Method::DELETE,
                &["calendars", calendar_id, "events", event_id],
                Idempotency::Safe,
            ),
        }
    }

    /// `events.move`: moves the event to the calendar `destination` (changes its organizer).
    pub fn move_to(&self, calendar_id: &str, event_id: &str, destination: &str) -> MoveEvent {
        let mut call = self.call(
            Method::POST,
            &["calendars", calendar_id, "events", event_id, "move"],
            Idempotency::ConnectOnly,
        );
        call.set("destination", destination.to_owned());
        MoveEvent { call }
    }

    /// `events.quickAdd`: creates an event from text like `"Lunch with Ana tomorrow 12:30"`.
    pub fn quick_add(&self, calendar_id: &str, text: &str) -> QuickAddEvent {
        let mut call = self.call(
            Method::POST,
            &["calendars", calendar_id, "events", "quickAdd"],
            Idempotency::ConnectOnly,
        );
        call.set("text", text.to_owned());
        QuickAddEvent {
            call,
            blank: text.trim().is_empty(),
        }
    }

    /// `events.instances`: the occurrences of a recurring event.
    pub fn instances(&self, calendar_id: &str, event_id: &str) -> ListEventInstances {
        ListEventInstances {
            call: self.call(
                Method::GET,
                &["calendars", calendar_id, "events", event_id, "instances"],
                Idempotency::Safe,
            ),
        }
    }

    /// `events.import`: adds a private copy of an existing event (needs `iCalUID`).
    pub fn import(&self, calendar_id: &str, event: Event) -> ImportEvent {
        ImportEvent {
            call: self.call(
                Method::POST,
                &["calendars", calendar_id, "events", "import"],
                Idempotency::Safe,
            ),
            event,
        }
    }

    /// `events.watch`: asks Google to push change notifications to `channel.address`.
    pub fn watch(&self, calendar_id: &str, channel: Channel) -> WatchEvents {
        WatchEvents {
            call: self.call(
                Method::POST,
                &["calendars", calendar_id, "events", "watch"],
                Idempotency::ConnectOnly,
            ),
            channel,
        }
    }

    /// Incremental sync: every event changed since `sync_token` (all pages, cancelled ones
    /// included), and the token for next time. `None` runs a full sync.
    ///
    /// A token Google no longer accepts gives [`Error::SyncTokenExpired`]: drop local state
    /// and call again with `None`.
    pub async fn sync(
        &self,
        calendar_id: &str,
        sync_token: Option<&str>,
    ) -> Result<SyncResult<Event>> {
        let mut list = self.list(calendar_id);
        if let Some(token) = sync_token {
            list = list.sync_token(token);
        }
        list.send_sync().await
    }
}

/// Expands the query setters shared by `events.list` and `events.watch`.
macro_rules! events_list_setters {
    () => {
        query_setters! {
            /// Deprecated and ignored by Google; kept for completeness.
            always_include_email: bool => "alwaysIncludeEmail",
            /// Only events of this type (repeat to allow several).
            event_types: [EventType] => "eventTypes",
            /// Only the event with this iCalendar UID.
            ical_uid: str => "iCalUID",
            /// Include at most this many attendees per event.
            max_attendees: u32 => "maxAttendees",
            /// Page size (default 250, at most 2500); pages may hold fewer.
            max_results: u32 => "maxResults",
            /// `startTime` (needs `single_events(true)`) or `updated`.
            order_by: (OrderBy) => "orderBy",
            /// Continue from this page.
            page_token: str => "pageToken",
            /// Free-text search over summary, description, location, attendees.
            q: str => "q",
            /// Include cancelled events.
            show_deleted: bool => "showDeleted",
            /// Include hidden invitations.
            show_hidden_invitations: bool => "showHiddenInvitations",
            /// Expand recurring events into instances.
            single_events: bool => "singleEvents",
            /// Only changes since this token (see also [`EventsApi::sync`]).
            sync_token: str => "syncToken",
            /// Only events starting before this instant (exclusive).
            time_max: time => "timeMax",
            /// Only events ending after this instant (exclusive).
            time_min: time => "timeMin",
            /// Time zone of the answer (default: the calendar's).
            time_zone: str => "timeZone",
            /// Only events changed since this instant (deleted ones included).
            updated_min: time => "updatedMin",
        }

        /// Only events whose private extended property `name` equals `value` (repeatable; AND-ed).
        pub fn private_extended_property(mut self, name: &str, value: &str) -> Self {
            self.call
                .push("privateExtendedProperty", format!("{name}={value}"));
            self
        }

        /// Only events whose shared extended property `name` equals `value` (repeatable; AND-ed).
        pub fn shared_extended_property(mut self, name: &str, value: &str) -> Self {
            self.call
                .push("sharedExtendedProperty", format!("{name}={value}"));
            self
        }
    };
}

/// Everything events.list and events.watch refuse before sending: an empty or backwards window,
/// and parameters Google forbids next to `syncToken`.
fn check_list(call: &Call) -> Result<()> {
    check_window(call)?;
    check_sync_conflicts(call)
}

/// Refuses a window that ends before it starts (Google answers 400 `timeRangeEmpty`): `timeMax`
/// must be after `timeMin`, compared at the second the request carries.
fn check_window(call: &Call) -> Result<()> {
    let bound = |name: &str| {
        call.query_value(name)
            .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
    };
    match (bound("timeMin"), bound("timeMax")) {
        (Some(min), Some(max)) if min >= max => {
            Err(Error::validation("timeMax", "must be after timeMin"))
        }
        _ => Ok(()),
    }
}

fn check_sync_conflicts(call: &Call) -> Result<()> {
    if !call.has("syncToken") {
        return Ok(());
    }
    match SYNC_FORBIDDEN.iter().find(|name| call.has(name)) {
        Some(name) => Err(Error::validation(
            *name,
            "cannot be combined with syncToken (Google refuses it)",
        )),
        None => Ok(()),
    }
}

/// `events.list`. Made by [`EventsApi::list`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ListEvents {
    call: Call,
}

impl ListEvents {
    events_list_setters!();

    /// What sending would refuse, without sending: [`Error::Validation`] naming the parameter
    /// (`timeMax` not after `timeMin`, or a parameter Google forbids with `syncToken`).
    pub fn check(&self) -> Result<()> {
        check_list(&self.call)
    }

    /// Sends the request and returns one page.
    pub async fn send(self) -> Result<Events> {
        check_list(&self.call)?;
        self.call.send_json().await
    }

    /// Every event of every page, fetched page by page as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<Event>> + Send + 'static {
        match check_list(&self.call) {
            Ok(()) => futures::StreamExt::boxed(self.call.items::<Event>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every page, following `nextPageToken` until it is absent (empty pages included).
    pub fn pages(self) -> impl Stream<Item = Result<Events>> + Send + 'static {
        self.pages_as::<Event>()
    }

    /// Like [`ListEvents::pages`], with each item decoded as `T`: your own struct holding only
    /// the fields you use (decoding skips the rest, which is faster and smaller), or
    /// `Box<Event>` to keep large pages of events cheap to move.
    ///
    /// ```no_run
    /// # async fn run(client: calstack_core::CalendarClient) -> calstack_core::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Slim {
    ///     id: String,
    ///     summary: Option<String>,
    /// }
    ///
    /// let mut pages = std::pin::pin!(client.events().list("primary").pages_as::<Slim>());
    /// while let Some(page) = pages.try_next().await? {
    ///     for event in page.items {
    ///         println!("{} {}", event.id, event.summary.unwrap_or_default());
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages_as<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
        match check_list(&self.call) {
            Ok(()) => futures::StreamExt::boxed(self.call.pages::<T>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Like [`ListEvents::pages_as`], but each page comes undecoded: [`PageBody::decode`]
    /// decodes it on the thread that calls it (for instance the one that will use and free
    /// the events) and sends the request for the next page as soon as it reads the page's
    /// `nextPageToken`. Decode or drop each page before polling the stream again.
    pub fn page_bodies_as<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> impl Stream<Item = Result<PageBody<T>>> + Send + 'static {
        match check_list(&self.call) {
            Ok(()) => futures::StreamExt::boxed(paging::bodies::<T>(self.call)),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every event of every page, collected.
    pub async fn collect_all(self) -> Result<Vec<Event>> {
        futures::TryStreamExt::try_collect(self.stream()).await
    }

    /// Every page, collected into the changed items plus the final `nextSyncToken`.
    pub async fn send_sync(self) -> Result<SyncResult<Event>> {
        check_list(&self.call)?;
        self.call.sync_all().await
    }
}

/// `events.watch`. Made by [`EventsApi::watch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct WatchEvents {
    call: Call,
    channel: Channel,
}

impl WatchEvents {
    events_list_setters!();

    /// Sends the request; the answer carries the `resourceId` needed to stop the channel.
    pub async fn send(mut self) -> Result<Channel> {
        check_list(&self.call)?;
        self.call.json_body(&self.channel)?;
        self.call.send_json().await
    }
}

/// `events.get`. Made by [`EventsApi::get`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct GetEvent {
    call: Call,
}

impl GetEvent {
    query_setters! {
        /// Deprecated and ignored by Google.
        always_include_email: bool => "alwaysIncludeEmail",
        /// Include at most this many attendees.
        max_attendees: u32 => "maxAttendees",
        /// Time zone of the answer.
        time_zone: str => "timeZone",
    }

    /// Only fetch the event if its etag differs from `etag` (HTTP 304 otherwise).
    pub fn if_none_match(self, etag: impl Into<String>) -> IfNoneMatch<Event> {
        IfNoneMatch::new(self.call, etag.into())
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Event> {
        self.call.send_json().await
    }

    /// The prepared call, for a batch.
    pub(crate) fn prepare(self) -> Result<Call> {
        Ok(self.call)
    }
}

/// Generates an event id Google accepts: base32hex (`0-9a-v`) of a random UUID, 26 chars.
pub(crate) fn generate_event_id() -> String {
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
    call: Call,
    calendar_id: String,
    event: Event,
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
            Ok(response) => super::decode(&response.body),
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
    call: Call,
    event: Event,
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
    call: Call,
    changes: Event,
    cleared: Vec<String>,
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
    call: Call,
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
    call: Call,
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
    call: Call,
    blank: bool,
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

/// `events.instances`. Made by [`EventsApi::instances`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ListEventInstances {
    call: Call,
}

impl ListEventInstances {
    query_setters! {
        /// Deprecated and ignored by Google.
        always_include_email: bool => "alwaysIncludeEmail",
        /// Include at most this many attendees per event.
        max_attendees: u32 => "maxAttendees",
        /// Page size (default 250, at most 2500).
        max_results: u32 => "maxResults",
        /// Only the instance with this original start.
        original_start: str => "originalStart",
        /// Continue from this page.
        page_token: str => "pageToken",
        /// Include cancelled instances.
        show_deleted: bool => "showDeleted",
        /// Only instances starting before this instant.
        time_max: time => "timeMax",
        /// Only instances ending after this instant.
        time_min: time => "timeMin",
        /// Time zone of the answer.
        time_zone: str => "timeZone",
    }

    /// What sending would refuse, without sending: [`Error::Validation`] on `timeMax` when it
    /// is not after `timeMin`.
    pub fn check(&self) -> Result<()> {
        check_window(&self.call)
    }

    /// Sends the request and returns one page.
    pub async fn send(self) -> Result<Events> {
        check_window(&self.call)?;
        self.call.send_json().await
    }

    /// Every instance of every page, fetched as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<Event>> + Send + 'static {
        match check_window(&self.call) {
            Ok(()) => futures::StreamExt::boxed(self.call.items::<Event>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every page.
    pub fn pages(self) -> impl Stream<Item = Result<Events>> + Send + 'static {
        match check_window(&self.call) {
            Ok(()) => futures::StreamExt::boxed(self.call.pages::<Event>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every instance of every page, collected.
    pub async fn collect_all(self) -> Result<Vec<Event>> {
        futures::TryStreamExt::try_collect(self.stream()).await
    }
}

/// `events.import`. Made by [`EventsApi::import`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ImportEvent {
    call: Call,
    event: Event,
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
