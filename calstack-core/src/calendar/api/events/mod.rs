//! Builders for the `events` resource: [`EventsApi`], the calls that read (list, get,
//! instances), watch, and incremental sync. The calls that write (insert, update, patch,
//! delete, move, quickAdd, import) are in `write`.

use futures::Stream;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{Call, IfNoneMatch, PageBody, failed, paging, query_setters};
use crate::calendar::client::CalendarClient;
use crate::calendar::model::{Channel, Event, EventType, Events, OrderBy, Page, SyncResult};
use crate::error::{Error, Result};
use crate::transport::Idempotency;

mod write;

pub use write::{
    DeleteEvent, ImportEvent, InsertEvent, MoveEvent, PatchEvent, QuickAddEvent, UpdateEvent,
};

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
