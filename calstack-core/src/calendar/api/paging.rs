//! Listing fast: each page is decoded on tokio's blocking pool in one pass, and the request for
//! the next page goes out as soon as the decoder reads `nextPageToken`, while the page's items
//! are still being decoded.
//!
//! A 2,500-event page is a couple of megabytes of JSON; decoding it into typed events costs
//! more than fetching it. Google (and the emulator) send `nextPageToken` before `items`, so the
//! next page is usually on its way before this one is half decoded; were the token to come
//! last, listing would simply not overlap. Errors keep their serde path
//! (`items[7].start.dateTime`): a page that fails the fast decoder is decoded again with path
//! tracking.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use futures::stream::{self, Stream};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use tokio::sync::oneshot;

use super::{Call, decode};
use crate::calendar::model::Page;
use crate::error::{Error, Result};
use crate::transport::Outcome;

/// A request for the next page, already sent; aborted if the stream is dropped first.
struct Prefetch(tokio::task::JoinHandle<Outcome>);

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the stream carries from one page to the next.
enum Next {
    /// The call for the next page, not sent yet.
    Send(Call),
    /// The call for the next page, and its answer on the way.
    Await(Call, Prefetch),
}

/// Every page, following `nextPageToken` until it is absent (empty pages included), fetching
/// one page ahead of the caller.
pub(crate) fn pages<T: DeserializeOwned + Send + 'static>(
    call: Call,
) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
    stream::try_unfold(Some(Next::Send(call)), |next| async move {
        let (call, outcome) = match next {
            None => return Ok(None),
            Some(Next::Send(call)) => {
                let outcome = call.execute().await;
                (call, outcome)
            }
            Some(Next::Await(call, mut prefetch)) => {
                let outcome = (&mut prefetch.0).await.map_err(|e| Error::Transport {
                    message: format!("the page request task failed: {e}"),
                    source: None,
                })?;
                (call, outcome)
            }
        };
        let body = outcome.result?.body;
        let (token_tx, token_rx) = oneshot::channel();
        let decoding = tokio::task::spawn_blocking(move || decode_page::<T>(&body, token_tx));
        // The token arrives mid-decode; a page without one drops the sender when done.
        let following = token_rx.await.ok().map(|token: String| {
            let mut call = call;
            call.set("pageToken", token);
            let request = call.clone();
            let handle = tokio::spawn(async move { request.execute().await });
            Next::Await(call, Prefetch(handle))
        });
        let page = decoding.await.map_err(|e| Error::Decode {
            path: String::new(),
            message: format!("the page decoding task failed: {e}"),
        })??;
        Ok(Some((page, following)))
    })
}

/// Decodes a page, sending its `nextPageToken` on `token` as soon as it is read. A body the
/// fast decoder refuses is decoded again with path tracking, for an error naming the field.
fn decode_page<T: DeserializeOwned>(
    body: &[u8],
    token: oneshot::Sender<String>,
) -> Result<Page<T>> {
    let announce = PageVisitor {
        token: Some(token),
        items: PhantomData,
    };
    let fast = std::str::from_utf8(body).ok().and_then(|text| {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let page = deserializer.deserialize_map(announce).ok()?;
        deserializer.end().ok().map(|()| page)
    });
    match fast {
        Some(page) => Ok(page),
        None => decode::<Page<T>>(body),
    }
}

/// Builds a [`Page`] field by field (as its derived `Deserialize` does), announcing
/// `nextPageToken` the moment it is read.
struct PageVisitor<T> {
    token: Option<oneshot::Sender<String>>,
    items: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageVisitor<T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list page")
    }

    fn visit_map<A: MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> std::result::Result<Page<T>, A::Error> {
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
                        let _ = tx.send(token.clone());
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

    fn both<T: DeserializeOwned + PartialEq + fmt::Debug>(body: &serde_json::Value) -> Page<T> {
        let bytes = serde_json::to_vec(body).expect("serializes");
        let (tx, _rx) = oneshot::channel();
        let fast = decode_page::<T>(&bytes, tx).expect("fast decode");
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
        let err = decode_page::<Event>(body, tx).expect_err("bad item");
        assert_eq!(rx.try_recv().ok().as_deref(), Some("t2"));
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "items[0].start.dateTime"),
            "{err:?}"
        );
    }
}
