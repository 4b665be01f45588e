//! Listing fast: each page is fetched while the one before it is decoded, and a large page's
//! items are decoded in parallel on tokio's blocking pool.
//!
//! A 2,500-event page is a couple of megabytes of JSON; decoding it into typed events costs
//! more than fetching it. So [`pages`] reads only the page's envelope (its tokens and list-level
//! fields, skipping over the items) before it asks for the next page, and hands the items to
//! blocking threads in a few chunks. Errors keep their serde path (`items[7].start.dateTime`).

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, Stream};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{Call, decode};
use crate::calendar::model::Page;
use crate::error::{Error, Result};
use crate::transport::Outcome;

/// Pages with fewer items are decoded in one piece, on the calling task.
const PARALLEL_MIN_ITEMS: usize = 256;

/// At most this many chunks per page (more rarely pays: the work is memory-bound).
const MAX_CHUNKS: usize = 4;

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
        let envelope = Envelope::<T>::read(body)?;
        let following = envelope.next_page_token().map(|token| {
            let mut call = call;
            call.set("pageToken", token.to_owned());
            let request = call.clone();
            let handle = tokio::spawn(async move { request.execute().await });
            Next::Await(call, Prefetch(handle))
        });
        let page = envelope.decode().await?;
        Ok(Some((page, following)))
    })
}

/// A page whose envelope is read and whose items are still JSON.
enum Envelope<T> {
    /// A small page, already decoded.
    Decoded(Page<T>),
    /// A large page: its list-level fields, and where each item lies in `body`.
    Split {
        shell: Page<()>,
        body: Bytes,
        items: Vec<Range<usize>>,
    },
}

impl<T: DeserializeOwned + Send + 'static> Envelope<T> {
    /// Reads a page body: all of it when small, else the envelope and item boundaries.
    fn read(body: Bytes) -> Result<Self> {
        let Ok(text) = std::str::from_utf8(&body) else {
            return decode::<Page<T>>(&body).map(Self::Decoded);
        };
        let Ok(raw) = serde_json::from_str::<Page<&RawValue>>(text) else {
            // Not even the envelope reads: decode the whole body for a precise error.
            return decode::<Page<T>>(&body).map(Self::Decoded);
        };
        if raw.items.len() < PARALLEL_MIN_ITEMS {
            return decode::<Page<T>>(&body).map(Self::Decoded);
        }
        let start = text.as_ptr() as usize;
        let items = raw
            .items
            .iter()
            .map(|item| {
                let offset = item.get().as_ptr() as usize - start;
                offset..offset + item.get().len()
            })
            .collect();
        let shell = raw.with_items(Vec::new());
        Ok(Self::Split { shell, body, items })
    }

    fn next_page_token(&self) -> Option<&str> {
        match self {
            Self::Decoded(page) => page.next_page_token.as_deref(),
            Self::Split { shell, .. } => shell.next_page_token.as_deref(),
        }
    }

    /// The typed page, its items decoded in parallel chunks on the blocking pool.
    async fn decode(self) -> Result<Page<T>> {
        let (shell, body, items) = match self {
            Self::Decoded(page) => return Ok(page),
            Self::Split { shell, body, items } => (shell, body, items),
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk_len = items.len().div_ceil(threads.clamp(1, MAX_CHUNKS));
        let items = Arc::new(items);
        let mut chunks = Vec::new();
        for first in (0..items.len()).step_by(chunk_len.max(1)) {
            let (body, items) = (body.clone(), Arc::clone(&items));
            let last = (first + chunk_len).min(items.len());
            chunks.push(tokio::task::spawn_blocking(move || {
                decode_items::<T>(&body, &items[first..last], first)
            }));
        }
        let mut decoded = Vec::with_capacity(items.len());
        for chunk in chunks {
            let chunk = chunk.await.map_err(|e| Error::Transport {
                message: format!("the page decoding task failed: {e}"),
                source: None,
            })??;
            decoded.extend(chunk);
        }
        Ok(shell.with_items(decoded))
    }
}

/// Decodes the items at `ranges` of `body`; `first` is the index of the first one in the page,
/// for error paths.
fn decode_items<T: DeserializeOwned>(
    body: &[u8],
    ranges: &[Range<usize>],
    first: usize,
) -> Result<Vec<T>> {
    let mut items = Vec::with_capacity(ranges.len());
    for (index, range) in ranges.iter().enumerate() {
        let item = decode::<T>(&body[range.clone()]).map_err(|error| match error {
            Error::Decode { path, message } => {
                let index = first + index;
                let path = if path.is_empty() || path == "." {
                    format!("items[{index}]")
                } else {
                    format!("items[{index}].{path}")
                };
                Error::Decode { path, message }
            }
            other => other,
        })?;
        items.push(item);
    }
    Ok(items)
}
