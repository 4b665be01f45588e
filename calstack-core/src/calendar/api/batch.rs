//! Batch requests: any list of calls sent as `multipart/mixed` to `batch/calendar/v3`, at
//! most [`MAX_CALLS_PER_REQUEST`] per HTTP request, each part's answer mapped back to its call
//! (by `Content-ID`, else by order). A part that fails with a retryable error (rate limit,
//! 5xx) is sent again on its own, through the normal retry engine. The HTTP requests go
//! through the client's transport, so auth, throttle and counters apply.
//!
//! ```no_run
//! # async fn demo(client: calstack_core::CalendarClient, events: Vec<calstack_core::Event>)
//! # -> calstack_core::Result<()> {
//! let mut batch = client.batch();
//! for event in events {
//!     batch.add(client.events().import("primary", event))?;
//! }
//! for (i, result) in batch.send_json::<calstack_core::Event>().await?.into_iter().enumerate() {
//!     match result {
//!         Ok(event) => println!("{i}: {:?}", event.id),
//!         Err(e) => println!("{i} failed: {e}"),
//!     }
//! }
//! # Ok(()) }
//! ```

use bytes::Bytes;
use futures::future::join_all;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::events::{DeleteEvent, GetEvent, ImportEvent, InsertEvent, PatchEvent, UpdateEvent};
use super::{Call, decode};
use crate::calendar::client::CalendarClient;
use crate::error::{Error, Result};
use crate::transport::{ApiRequest, Idempotency, error_from_response};

/// Most calls sent in one HTTP request (Google allows more, but advises keeping batches small
/// to stay under the rate limits).
pub const MAX_CALLS_PER_REQUEST: usize = 50;

/// A call that can go into a [`Batch`]: the request builders that change or read one event
/// (`events` get, insert, import, update, patch, delete).
pub trait BatchCall {
    /// Validates the call and makes it ready to send.
    fn prepare(self) -> Result<PreparedCall>;
}

/// A validated call, ready for a batch.
#[derive(Clone)]
pub struct PreparedCall(Call);

impl std::fmt::Debug for PreparedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body may hold event contents: only the method and path are shown.
        write!(
            f,
            "PreparedCall({} {})",
            self.0.request.method,
            self.0.request.display_path()
        )
    }
}

macro_rules! batch_call {
    ($($builder:ty),*) => {$(
        impl BatchCall for $builder {
            fn prepare(self) -> Result<PreparedCall> {
                <$builder>::prepare(self).map(PreparedCall)
            }
        }
    )*};
}
batch_call!(
    InsertEvent,
    ImportEvent,
    UpdateEvent,
    PatchEvent,
    DeleteEvent,
    GetEvent
);

/// One part's successful answer.
#[derive(Debug, Clone)]
pub struct BatchReply {
    /// The inner HTTP status (2xx, or 304 to a conditional read).
    pub status: u16,
    /// The inner body (empty for 204).
    pub body: Bytes,
}

impl BatchReply {
    /// Decodes the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode(&self.body)
    }
}

/// Calls to send together. Made by [`CalendarClient::batch`].
#[must_use = "a batch does nothing until `.send().await`"]
pub struct Batch {
    client: CalendarClient,
    calls: Vec<Call>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies may hold event contents: only the number of calls is shown.
        f.debug_struct("Batch")
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl CalendarClient {
    /// An empty batch of calls on this client.
    pub fn batch(&self) -> Batch {
        Batch {
            client: self.clone(),
            calls: Vec::new(),
        }
    }
}

impl Batch {
    /// Adds a call; a call that fails validation is refused here and nothing is added.
    pub fn add(&mut self, call: impl BatchCall) -> Result<&mut Self> {
        let PreparedCall(call) = call.prepare()?;
        self.calls.push(call);
        Ok(self)
    }

    /// How many calls the batch holds.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether the batch holds no call.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Sends every call (in HTTP requests of at most [`MAX_CALLS_PER_REQUEST`]) and answers
    /// one result per call, in the order they were added. The outer `Err` is a failure of a
    /// whole HTTP request that no retry fixed.
    pub async fn send(self) -> Result<Vec<Result<BatchReply>>> {
        let mut results = Vec::with_capacity(self.calls.len());
        for chunk in self.calls.chunks(MAX_CALLS_PER_REQUEST) {
            results.extend(send_chunk(&self.client, chunk).await?);
        }
        Ok(results)
    }

    /// [`Self::send`], each answer decoded as `T`.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<Vec<Result<T>>> {
        Ok(self
            .send()
            .await?
            .into_iter()
            .map(|r| r.and_then(|reply| reply.json()))
            .collect())
    }
}

/// The batch endpoint: `batch/calendar/v3` at the root the base URL's `calendar/v3/` hangs off.
fn batch_url(client: &CalendarClient) -> Result<url::Url> {
    let base = client.transport().base_url();
    let path = base.path().trim_end_matches('/');
    let root = path
        .strip_suffix("calendar/v3")
        .unwrap_or(path)
        .trim_end_matches('/');
    let mut url = base.clone();
    url.set_path(&format!("{root}/batch/calendar/v3"));
    url.set_query(None);
    Ok(url)
}

async fn send_chunk(client: &CalendarClient, calls: &[Call]) -> Result<Vec<Result<BatchReply>>> {
    let transport = client.transport();
    let boundary = format!("batch_{}", uuid::Uuid::new_v4().simple());
    let mut body = String::new();
    for (i, call) in calls.iter().enumerate() {
        let url = transport.url_for(&call.request)?;
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        body.push_str(&format!(
            "--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{i}>\r\n\r\n{} {target} HTTP/1.1\r\n",
            call.request.method
        ));
        if let Some(etag) = &call.request.if_match {
            body.push_str(&format!("If-Match: {etag}\r\n"));
        }
        if let Some(etag) = &call.request.if_none_match {
            body.push_str(&format!("If-None-Match: {etag}\r\n"));
        }
        match &call.request.body {
            Some(json) => {
                body.push_str("Content-Type: application/json\r\n\r\n");
                body.push_str(&String::from_utf8_lossy(json));
                body.push_str("\r\n");
            }
            None => body.push_str("\r\n"),
        }
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let safe = calls
        .iter()
        .all(|c| c.request.idempotency == Idempotency::Safe);
    let mut request = ApiRequest::new(
        Method::POST,
        Vec::new(),
        if safe {
            Idempotency::Safe
        } else {
            Idempotency::ConnectOnly
        },
    );
    request.url = Some(batch_url(client)?);
    request.content_type = Some(format!("multipart/mixed; boundary={boundary}"));
    request.body = Some(body.into_bytes());
    let response = transport.execute(&request).await.result?;
    let mut parts = parse_response(&response.body)?;
    let mut results: Vec<Option<Result<BatchReply>>> = (0..calls.len()).map(|_| None).collect();
    for (order, part) in parts.drain(..).enumerate() {
        let index = part.index.unwrap_or(order);
        if let (Some(slot), Some(call)) = (results.get_mut(index), calls.get(index)) {
            *slot = Some(part_result(part, call));
        }
    }
    // Parts that failed in a way a retry may fix, or got no answer, go again one by one.
    let retried = join_all(results.iter().enumerate().filter_map(|(i, r)| {
        let again = match r {
            None => true,
            Some(Err(e)) => e.is_retryable(),
            Some(Ok(_)) => false,
        };
        let call = calls.get(i)?;
        again.then_some(async move { (i, resend(call).await) })
    }))
    .await;
    for (i, result) in retried {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    let results: Vec<Result<BatchReply>> = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::transport("the batch answer left this call out"))))
        .collect();
    tell_write_observer(client, calls, &results).await;
    Ok(results)
}

/// Writes answered in a batch reach the client's write observer (the mirror), as the same
/// calls sent alone do.
async fn tell_write_observer(
    client: &CalendarClient,
    calls: &[Call],
    results: &[Result<BatchReply>],
) {
    if client.write_observer().is_none() {
        return;
    }
    for (call, result) in calls.iter().zip(results) {
        let Ok(reply) = result else { continue };
        if call.request.method == Method::DELETE {
            call.notify_removed().await;
        } else if call.request.method != Method::GET
            && let Ok(event) = reply.json::<crate::calendar::Event>()
        {
            call.notify_written(&event).await;
        }
    }
}

async fn resend(call: &Call) -> Result<BatchReply> {
    let response = call.execute().await.result?;
    Ok(BatchReply {
        status: response.status.as_u16(),
        body: response.body,
    })
}

fn part_result(part: Part, call: &Call) -> Result<BatchReply> {
    if (200..300).contains(&part.status) || part.status == 304 {
        return Ok(BatchReply {
            status: part.status,
            body: part.body,
        });
    }
    let retry_after = part
        .retry_after
        .and_then(|s| s.parse::<u64>().ok())
        .map(std::time::Duration::from_secs);
    Err(error_from_response(
        part.status,
        retry_after,
        &part.body,
        &call.request.display_path(),
    ))
}

/// One answered part.
#[derive(Debug)]
struct Part {
    index: Option<usize>,
    status: u16,
    retry_after: Option<String>,
    body: Bytes,
}

/// Splits at the first blank line.
fn split_head(text: &str) -> (&str, &str) {
    let crlf = text.find("\r\n\r\n").map(|i| (i, 4));
    let lf = text.find("\n\n").map(|i| (i, 2));
    match [crlf, lf].into_iter().flatten().min() {
        Some((i, n)) => (&text[..i], &text[i + n..]),
        None => (text, ""),
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Parses a `multipart/mixed` answer; the boundary is read from its first line.
fn parse_response(body: &[u8]) -> Result<Vec<Part>> {
    let bad = |why: &str| Error::Decode {
        path: "batch".into(),
        message: why.to_owned(),
    };
    let text = std::str::from_utf8(body).map_err(|_| bad("the batch answer is not UTF-8"))?;
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or_else(|| bad("the batch answer is empty"))?;
    let boundary = first
        .strip_prefix("--")
        .ok_or_else(|| bad("the batch answer does not start with a boundary"))?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for chunk in text.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let (part_head, inner) = split_head(chunk.trim_start_matches(['\r', '\n']));
        let index = header(part_head, "Content-ID").and_then(|id| {
            id.trim_matches(['<', '>'])
                .strip_prefix("response-item")
                .and_then(|n| n.parse().ok())
        });
        let (inner_head, inner_body) = split_head(inner);
        let status = inner_head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| bad("a batch part has no HTTP status line"))?;
        parts.push(Part {
            index,
            status,
            retry_after: header(inner_head, "Retry-After").map(str::to_owned),
            body: Bytes::copy_from_slice(inner_body.trim_end_matches(['\r', '\n']).as_bytes()),
        });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_back_by_content_id_even_out_of_order() {
        let body = "--xyz\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":404,\"message\":\"Not Found\"}}\r\n--xyz\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":\"a\"}\r\n--xyz--\r\n";
        let parts = parse_response(body.as_bytes()).expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].index, parts[0].status), (Some(1), 404));
        assert_eq!((parts[1].index, parts[1].status), (Some(0), 200));
        assert_eq!(&parts[1].body[..], b"{\"id\":\"a\"}");
    }

    #[test]
    fn debug_never_shows_event_contents() {
        use crate::auth::StaticToken;
        use crate::calendar::{Event, EventDateTime};
        let client = CalendarClient::builder(std::sync::Arc::new(StaticToken::new("t")))
            .build()
            .expect("builds");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid");
        let mut event = Event::new(
            "Secret diagnosis",
            EventDateTime::all_day(day),
            EventDateTime::all_day(day.succ_opt().expect("valid")),
        );
        event.ical_uid = Some("u@example.com".into());
        let mut batch = client.batch();
        batch
            .add(client.events().import("primary", event.clone()))
            .expect("valid");
        let prepared = BatchCall::prepare(client.events().import("primary", event)).expect("valid");
        let shown = format!("{batch:?} {prepared:?}");
        assert!(!shown.contains("Secret"), "{shown}");
        assert!(shown.contains("calendars/primary/events/import"), "{shown}");
    }

    #[test]
    fn a_body_without_boundary_is_a_decode_error() {
        assert!(matches!(parse_response(b"oops"), Err(Error::Decode { .. })));
    }
}
