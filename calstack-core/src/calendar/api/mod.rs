//! Request builders, one per API method, grouped by resource. Each is `#[must_use]` and ends
//! with `.send().await`; list builders also offer `.stream()`, `.pages()` and `.collect_all()`.

mod acl;
mod batch;
mod calendar_list;
mod calendars;
#[cfg(test)]
mod decode_props;
mod events;
mod other;
mod paging;
mod replay;
mod settings;

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::CalendarClient;
use super::model::{Conditional, Page, SyncResult};
use crate::error::{Error, Result};
use crate::transport::{ApiRequest, Idempotency, Outcome};

pub use acl::{
    AclApi, DeleteAclRule, GetAclRule, InsertAclRule, ListAcl, PatchAclRule, UpdateAclRule,
    WatchAcl,
};
pub use batch::{Batch, BatchCall, BatchReply, MAX_CALLS_PER_REQUEST, PreparedCall};
pub use calendar_list::{
    CalendarListApi, DeleteCalendarListEntry, GetCalendarListEntry, InsertCalendarListEntry,
    ListCalendarList, PatchCalendarListEntry, UpdateCalendarListEntry,
};
pub use calendars::{
    CalendarsApi, ClearCalendar, DeleteCalendar, GetCalendar, InsertCalendar, PatchCalendar,
    UpdateCalendar,
};
pub use events::{
    DeleteEvent, EventsApi, GetEvent, ImportEvent, InsertEvent, ListEventInstances, ListEvents,
    MoveEvent, PatchEvent, QuickAddEvent, UpdateEvent, WatchEvents,
};
pub use other::{ChannelsApi, ColorsApi, FreeBusyApi, GetColors, QueryFreeBusy, StopChannel};
pub use paging::PageBody;
#[cfg(test)]
pub(crate) use paging::read_event_page_for_tests;
pub use settings::{GetSetting, ListSettings, SettingsApi, WatchSettings};

/// One prepared call: the client and the request to send.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    client: CalendarClient,
    request: ApiRequest,
}

impl Call {
    pub(crate) fn new(
        client: CalendarClient,
        method: Method,
        segments: &[&str],
        idempotency: Idempotency,
    ) -> Self {
        Self {
            client,
            request: ApiRequest::new(
                method,
                segments.iter().map(|s| (*s).to_owned()).collect(),
                idempotency,
            ),
        }
    }

    pub(crate) fn set(&mut self, name: &'static str, value: String) {
        self.request.set_query(name, value);
    }

    pub(crate) fn push(&mut self, name: &'static str, value: String) {
        self.request.push_query(name, value);
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.request.has_query(name)
    }

    /// The value of query parameter `name`, when set.
    pub(crate) fn query_value(&self, name: &str) -> Option<&str> {
        self.request
            .query
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn if_match(&mut self, etag: String) {
        self.request.if_match = Some(etag);
    }

    pub(crate) fn if_none_match(&mut self, etag: String) {
        self.request.if_none_match = Some(etag);
    }

    pub(crate) fn json_body<B: Serialize>(&mut self, body: &B) -> Result<()> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Error::validation("body", e.to_string()))?;
        self.request.body = Some(bytes);
        Ok(())
    }

    pub(crate) async fn execute(&self) -> Outcome {
        self.client.transport().execute(&self.request).await
    }

    /// Sends and decodes the JSON answer.
    pub(crate) async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        let response = self.execute().await.result?;
        decode(&response.body)
    }

    /// Sends an event write, decodes the event and tells the client's write observer (the
    /// calendar is the path's second segment; for `move`, the event also left it for the
    /// `destination`).
    pub(crate) async fn send_written(self) -> Result<super::model::Event> {
        let response = self.execute().await.result?;
        let event: super::model::Event = decode(&response.body)?;
        self.notify_written(&event).await;
        Ok(event)
    }

    /// Tells the write observer about `event`, written by this call.
    pub(crate) async fn notify_written(&self, event: &super::model::Event) {
        let Some(observer) = self.client.write_observer() else {
            return;
        };
        let Some(calendar) = self.request.segments.get(1) else {
            return;
        };
        let destination = self.request.query.iter().find(|(n, _)| *n == "destination");
        match (destination, &event.id) {
            (Some((_, to)), Some(id)) => {
                observer.event_removed(calendar, id).await;
                observer.event_written(to, event).await;
            }
            _ => observer.event_written(calendar, event).await,
        }
    }

    /// Tells the write observer that this call (a delete: the path is
    /// `calendars/{calendar}/events/{event}`) removed its event.
    pub(crate) async fn notify_removed(&self) {
        if let (Some(observer), Some(calendar), Some(event)) = (
            self.client.write_observer(),
            self.request.segments.get(1),
            self.request.segments.get(3),
        ) {
            observer.event_removed(calendar, event).await;
        }
    }

    /// Sends and expects no body (204).
    pub(crate) async fn send_empty(self) -> Result<()> {
        self.execute().await.result.map(|_| ())
    }

    /// Sends a conditional read; 304 → [`Conditional::NotModified`].
    pub(crate) async fn send_conditional<T: DeserializeOwned>(self) -> Result<Conditional<T>> {
        let response = self.execute().await.result?;
        if response.status == StatusCode::NOT_MODIFIED {
            return Ok(Conditional::NotModified);
        }
        decode(&response.body).map(Conditional::Modified)
    }

    /// Every page, following `nextPageToken` until it is absent (empty pages included), one
    /// page fetched ahead; see [`paging`].
    pub(crate) fn pages<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
        paging::pages(self)
    }

    /// Every item of every page, one page in memory at a time.
    pub(crate) fn items<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        self.pages::<T>()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// All items of all pages plus the sync token of the last page.
    pub(crate) async fn sync_all<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> Result<SyncResult<T>> {
        let mut items = Vec::new();
        let mut next_sync_token = None;
        let mut pages = std::pin::pin!(self.pages::<T>());
        while let Some(page) = pages.next().await {
            let page = page?;
            items.extend(page.items);
            if page.next_page_token.is_none() {
                next_sync_token = page.next_sync_token;
            }
        }
        let next_sync_token = next_sync_token.ok_or_else(|| Error::Decode {
            path: "nextSyncToken".to_owned(),
            message: "the last page carried no nextSyncToken".to_owned(),
        })?;
        Ok(SyncResult {
            items,
            next_sync_token,
        })
    }
}

/// Decodes a JSON body; errors carry the serde path of the offending field.
///
/// The plain decode runs first; only a body that fails it is decoded again with path tracking,
/// so well-formed pages (nearly all of them) do not pay for it.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    // Checking UTF-8 once for the whole body is cheaper than serde_json checking each string.
    if let Ok(text) = simdutf8::basic::from_utf8(body)
        && let Ok(value) = serde_json::from_str(text)
    {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            path,
            message: e.into_inner().to_string(),
        }
    })?;
    // Only whitespace may follow the value (as `serde_json::from_slice` requires).
    deserializer.end().map_err(|e| Error::Decode {
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// A stream that yields one error and ends (for list builders that refuse their input).
pub(crate) fn failed<T: Send + 'static>(
    error: Error,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    stream::once(async move { Err(error) })
}

/// Generates query-parameter setters on a builder with a `call: Call` field.
macro_rules! query_setters {
    ($( $(#[$doc:meta])* $fn:ident : $kind:tt => $name:literal ),* $(,)?) => {
        $( query_setters!(@one $(#[$doc])* $fn $kind $name); )*
    };
    (@one $(#[$doc:meta])* $fn:ident str $name:literal) => {
        $(#[$doc])*
        pub fn $fn(mut self, value: impl Into<String>) -> Self {
            self.call.set($name, value.into());
            self
        }
    };
    (@one $(#[$doc:meta])* $fn:ident strs $name:literal) => {
        $(#[$doc])*
        ///
        /// Repeatable: each call adds one more value.
        pub fn $fn(mut self, value: impl Into<String>) -> Self {
            self.call.push($name, value.into());
            self
        }
    };
    (@one $(#[$doc:meta])* $fn:ident bool $name:literal) => {
        $(#[$doc])*
        pub fn $fn(mut self, value: bool) -> Self {
            self.call.set($name, value.to_string());
            self
        }
    };
    (@one $(#[$doc:meta])* $fn:ident u32 $name:literal) => {
        $(#[$doc])*
        pub fn $fn(mut self, value: u32) -> Self {
            self.call.set($name, value.to_string());
            self
        }
    };
    (@one $(#[$doc:meta])* $fn:ident time $name:literal) => {
        $(#[$doc])*
        pub fn $fn<Tz: chrono::TimeZone>(mut self, value: chrono::DateTime<Tz>) -> Self {
            self.call.set(
                $name,
                value
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
            self
        }
    };
    (@one $(#[$doc:meta])* $fn:ident ($ty:ty) $name:literal) => {
        $(#[$doc])*
        pub fn $fn(mut self, value: $ty) -> Self {
            self.call.set($name, value.to_string());
            self
        }
    };
    (@one $(#[$doc:meta])* $fn:ident [$ty:ty] $name:literal) => {
        $(#[$doc])*
        ///
        /// Repeatable: each call adds one more value.
        pub fn $fn(mut self, value: $ty) -> Self {
            self.call.push($name, value.to_string());
            self
        }
    };
}
pub(crate) use query_setters;

/// A conditional read (`If-None-Match`): answers [`Conditional::NotModified`] on 304.
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct IfNoneMatch<T> {
    call: Call,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> IfNoneMatch<T> {
    pub(crate) fn new(mut call: Call, etag: String) -> Self {
        call.if_none_match(etag);
        Self {
            call,
            _item: std::marker::PhantomData,
        }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Conditional<T>> {
        self.call.send_conditional().await
    }
}
