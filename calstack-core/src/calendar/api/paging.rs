//! Listing fast: each page is decoded in one pass, and the request for the next page goes out
//! as soon as the decoder reads `nextPageToken`, while the page's items are still being
//! decoded.
//!
//! A 2,500-event page is a couple of megabytes of JSON; decoding it into typed events costs
//! more than fetching it. Google (and the emulator) send `nextPageToken` before `items`, so the
//! next page is usually on its way before this one is half decoded; were the token to come
//! last, listing would simply not overlap. Errors keep their serde path
//! (`items[7].start.dateTime`): a page that fails the fast decoder is decoded again with path
//! tracking.
//!
//! [`bodies`] fetches; whoever holds a [`PageBody`] decodes it, on the thread of its choice:
//! [`pages`] on tokio's blocking pool, the Python module on the calling thread (so the events
//! are allocated on the thread that will free them).

use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, TryStreamExt};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use tokio::sync::oneshot;

use super::{Call, decode};
use crate::calendar::model::decode::UtcMillis;
use crate::calendar::model::fast::{Fast, Reader};
use crate::calendar::model::{Event, Page};
use crate::error::{Error, Result};
use crate::transport::Outcome;

/// What the task waiting on a page's token ends with.
enum Fetched {
    /// The next page's call, and its answer (boxed: the other variants are empty).
    Page(Box<(Call, Outcome)>),
    /// The page had no `nextPageToken`: the listing is over.
    End,
    /// The page was dropped without being decoded, so its token is unknown.
    Undecoded,
}

/// The request for the next page: sent as soon as this page's token is read, aborted if the
/// stream is dropped first.
struct Prefetch(tokio::task::JoinHandle<Fetched>);

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the stream carries from one page to the next.
enum Next {
    /// The call for the first page, not sent yet (boxed: the other variant is a handle).
    Send(Box<Call>),
    /// The next page, fetched once the current one's token is known.
    Await(Prefetch),
}

/// One page, fetched but not decoded yet. [`PageBody::decode`] decodes it on the calling
/// thread and, the moment it reads `nextPageToken`, sends the request for the next page.
///
/// Made by [`ListEvents::page_bodies_as`](super::ListEvents::page_bodies_as). Decode (or drop)
/// each page before asking the stream for the next one: the next request waits for this
/// page's token, and a page dropped undecoded ends the listing with an error.
pub struct PageBody<T> {
    body: Bytes,
    token: oneshot::Sender<Option<String>>,
    items: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for PageBody<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the body: it is the calendar's contents.
        f.debug_struct("PageBody")
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + 'static> PageBody<T> {
    /// Decodes the page (errors name the field: `items[7].start.dateTime`), letting the
    /// listing fetch the next page meanwhile.
    pub fn decode(self) -> Result<Page<T>> {
        let mut token = Some(self.token);
        let page = decode_page::<T>(&self.body, &mut token);
        if let Some(tx) = token {
            // No token read: the last page (or a page that failed before its token). The
            // receiver is gone only if the listing was dropped.
            let _ = tx.send(None);
        }
        page
    }
}

/// Every page's body, following `nextPageToken` until it is absent (empty pages included):
/// the next page is requested as soon as the current one's decoding reads its token.
pub(crate) fn bodies<T: Send + 'static>(
    call: Call,
) -> impl Stream<Item = Result<PageBody<T>>> + Send + 'static {
    stream::try_unfold(Some(Next::Send(Box::new(call))), |next| async move {
        let (call, outcome) = match next {
            None => return Ok(None),
            Some(Next::Send(call)) => {
                let outcome = call.execute().await;
                (call, outcome)
            }
            Some(Next::Await(mut prefetch)) => {
                let fetched = (&mut prefetch.0).await.map_err(|e| Error::Transport {
                    message: format!("the page request task failed: {e}"),
                    source: None,
                })?;
                match fetched {
                    Fetched::Page(fetched) => {
                        let (call, outcome) = *fetched;
                        (Box::new(call), outcome)
                    }
                    Fetched::End => return Ok(None),
                    Fetched::Undecoded => {
                        return Err(Error::Decode {
                            path: "nextPageToken".to_owned(),
                            message: "a page was dropped before it was decoded, so the \
                                      listing cannot go on"
                                .to_owned(),
                        });
                    }
                }
            }
        };
        let body = outcome.result?.body;
        let (token_tx, token_rx) = oneshot::channel::<Option<String>>();
        let following = tokio::spawn(async move {
            match token_rx.await {
                Err(_) => Fetched::Undecoded,
                Ok(None) => Fetched::End,
                Ok(Some(token)) => {
                    let mut call = call;
                    call.set("pageToken", token);
                    let outcome = call.execute().await;
                    Fetched::Page(Box::new((*call, outcome)))
                }
            }
        });
        let page = PageBody {
            body,
            token: token_tx,
            items: PhantomData,
        };
        Ok(Some((page, Some(Next::Await(Prefetch(following))))))
    })
}

/// Every page, decoded on tokio's blocking pool, one page fetched ahead.
pub(crate) fn pages<T: DeserializeOwned + Send + 'static>(
    call: Call,
) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
    bodies::<T>(call).and_then(|body| async move {
        tokio::task::spawn_blocking(move || body.decode())
            .await
            .map_err(|e| Error::Decode {
                path: String::new(),
                message: format!("the page decoding task failed: {e}"),
            })?
    })
}

/// Decodes a page, sending its `nextPageToken` on `token` (taking it) as soon as it is read.
/// A body the fast decoder refuses is decoded again with path tracking, for an error naming
/// the field.
fn decode_page<T: DeserializeOwned + 'static>(
    body: &[u8],
    token: &mut Option<oneshot::Sender<Option<String>>>,
) -> Result<Page<T>> {
    // One SIMD check of the whole body (serde_json would check string by string).
    let text = simdutf8::basic::from_utf8(body).ok();
    if let Some(page) = text.and_then(|text| read_event_page::<T>(text, token)) {
        return Ok(page);
    }
    let announce = PageVisitor {
        token,
        items: PhantomData,
    };
    let fast = text.and_then(|text| {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let page = deserializer.deserialize_map(announce).ok()?;
        deserializer.end().ok().map(|()| page)
    });
    match fast {
        Some(page) => Ok(page),
        None => decode::<Page<T>>(body),
    }
}

impl Page<Event> {
    /// Decodes one page of `events.list` from the body Google sent, as a listing does (the
    /// direct reader, serde_json when it refuses). Invalid input is an [`Error::Decode`] naming
    /// the field (`items[7].start.dateTime`).
    ///
    /// ```
    /// use calstack_core::calendar::model::Events;
    ///
    /// let page = Events::from_json(br#"{"items": [{"id": "e1"}], "nextPageToken": "p2"}"#)
    ///     .expect("decodes");
    /// assert_eq!((page.items.len(), page.next_page_token.as_deref()), (1, Some("p2")));
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self> {
        decode_page(body, &mut None)
    }
}

/// A page of events (`T` is [`Event`] or `Box<Event>`) read by the direct reader
/// ([`crate::calendar::model::fast`]); `None` for any other `T`, or when the reader refuses
/// the page (serde_json then decodes it, and names the problem if there is one).
fn read_event_page<T: 'static>(
    text: &str,
    token: &mut Option<oneshot::Sender<Option<String>>>,
) -> Option<Page<T>> {
    let wanted = TypeId::of::<T>();
    let page: Box<dyn Any> = if wanted == TypeId::of::<Event>() {
        Box::new(read_page::<Event>(text, token)?)
    } else if wanted == TypeId::of::<Box<Event>>() {
        Box::new(read_page::<Box<Event>>(text, token)?)
    } else {
        return None;
    };
    page.downcast::<Page<T>>().ok().map(|page| *page)
}

/// [`read_event_page`], for tests elsewhere in the crate to see that a page was read directly.
#[cfg(test)]
pub(crate) fn read_event_page_for_tests<T: 'static>(
    text: &str,
    token: &mut Option<oneshot::Sender<Option<String>>>,
) -> Option<Page<T>> {
    read_event_page(text, token)
}

/// Reads a [`Page`] as [`PageVisitor`] decodes it, announcing `nextPageToken` the moment it
/// is read.
fn read_page<T: Fast>(
    text: &str,
    token: &mut Option<oneshot::Sender<Option<String>>>,
) -> Option<Page<T>> {
    let mut reader = Reader::new(text);
    let mut page = Page::default();
    reader
        .object(|reader, key| {
            match &*key {
                "kind" => page.kind = Fast::read(reader)?,
                "etag" => page.etag = Fast::read(reader)?,
                "summary" => page.summary = Fast::read(reader)?,
                "description" => page.description = Fast::read(reader)?,
                "updated" => page.updated = UtcMillis::read(reader)?.0,
                "timeZone" => page.time_zone = Fast::read(reader)?,
                "accessRole" => page.access_role = Fast::read(reader)?,
                "defaultReminders" => page.default_reminders = Fast::read(reader)?,
                "nextPageToken" => {
                    page.next_page_token = Fast::read(reader)?;
                    if let (Some(next), Some(tx)) = (&page.next_page_token, token.take()) {
                        // The receiver is gone only if the listing was dropped.
                        let _ = tx.send(Some(next.clone()));
                    }
                }
                "nextSyncToken" => page.next_sync_token = Fast::read(reader)?,
                "items" => {
                    page.items = Fast::read(reader)?;
                    page.items.shrink_to_fit();
                }
                _ => {
                    let value = reader.value()?;
                    page.extra.insert(key.into_owned(), value);
                }
            }
            Ok(())
        })
        .ok()?;
    reader.at_end().then_some(page)
}

/// Builds a [`Page`] field by field (as its derived `Deserialize` does), announcing
/// `nextPageToken` the moment it is read.
struct PageVisitor<'a, T> {
    token: &'a mut Option<oneshot::Sender<Option<String>>>,
    items: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageVisitor<'_, T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list page")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Page<T>, A::Error> {
        let mut page = Page::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => page.kind = map.next_value()?,
                "etag" => page.etag = map.next_value()?,
                "summary" => page.summary = map.next_value()?,
                "description" => page.description = map.next_value()?,
                "updated" => page.updated = map.next_value::<Updated>()?.0,
                "timeZone" => page.time_zone = map.next_value()?,
                "accessRole" => page.access_role = map.next_value()?,
                "defaultReminders" => page.default_reminders = map.next_value()?,
                "nextPageToken" => {
                    page.next_page_token = map.next_value()?;
                    if let (Some(token), Some(tx)) = (&page.next_page_token, self.token.take()) {
                        // The receiver is gone only if the listing was dropped.
                        let _ = tx.send(Some(token.clone()));
                    }
                }
                "nextSyncToken" => page.next_sync_token = map.next_value()?,
                "items" => {
                    page.items = map.next_value()?;
                    // Decoding grew it by doubling; a listing may hold many pages at once.
                    page.items.shrink_to_fit();
                }
                _ => {
                    let value = map.next_value()?;
                    page.extra.insert(key, value);
                }
            }
        }
        Ok(page)
    }
}

/// The page's `updated` timestamp, decoded as the derived `Page` decodes it.
struct Updated(Option<DateTime<Utc>>);

impl<'de> Deserialize<'de> for Updated {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        crate::calendar::model::serde_util::utc_millis::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::model::{CalendarListEntry, Event};
    use serde_json::json;

    fn both<T: DeserializeOwned + PartialEq + fmt::Debug + 'static>(
        body: &serde_json::Value,
    ) -> Page<T> {
        let bytes = serde_json::to_vec(body).expect("serializes");
        let (tx, _rx) = oneshot::channel();
        let fast = decode_page::<T>(&bytes, &mut Some(tx)).expect("fast decode");
        let derived: Page<T> = serde_json::from_slice(&bytes).expect("derived decode");
        assert_eq!(fast, derived);
        fast
    }

    #[test]
    fn the_one_pass_decoder_reads_every_page_field_as_the_derived_one_does() {
        let page = both::<Event>(&json!({
            "kind": "calendar#events", "etag": "\"p1\"", "summary": "Team", "description": "d",
            "updated": "2024-05-20T07:00:00.123Z", "timeZone": "Europe/Zurich",
            "accessRole": "owner", "defaultReminders": [{"method": "popup", "minutes": 10}],
            "nextPageToken": "t2", "somethingNew": {"a": [1, 2]},
            "items": [{"id": "e1", "summary": "one", "futureField": true}]
        }));
        assert_eq!(page.extra["somethingNew"], json!({"a": [1, 2]}));
        let last = both::<CalendarListEntry>(&json!({
            "kind": "calendar#calendarList", "nextSyncToken": "s9",
            "items": [{"id": "primary", "summary": "me", "accessRole": "owner"}]
        }));
        assert_eq!(last.next_sync_token.as_deref(), Some("s9"));
        let empty = both::<Event>(&json!({"kind": "calendar#events"}));
        assert!(empty.items.is_empty());
    }

    #[test]
    fn the_token_is_announced_before_the_items_are_decoded() {
        // Google's order: the token, then the items.
        let body = br#"{"nextPageToken": "t2",
                        "items": [{"id": "e1", "start": {"dateTime": "not a time"}}]}"#;
        let (tx, mut rx) = oneshot::channel();
        let err = decode_page::<Event>(body, &mut Some(tx)).expect_err("bad item");
        assert_eq!(rx.try_recv().ok().flatten().as_deref(), Some("t2"));
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "items[0].start.dateTime"),
            "{err:?}"
        );
    }
}
