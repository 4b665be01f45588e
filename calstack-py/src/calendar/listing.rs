//! Listing events: `list_events` (every page, as a list), `iter_events` (a stream, one page in
//! memory at a time, the next page fetched while Python works on this one), `instances` and
//! `sync_events`.
//!
//! Pages are fetched, decoded and boxed on runtime threads; the calling thread only wraps
//! boxed events into small Python `Event`s, so decoding overlaps wrapping.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use calstack_core::calendar::api::{ListEvents, PageBody};
use calstack_core::calendar::{Event as CoreEvent, OrderBy, Page};
use futures::StreamExt;
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::PyList;
use tokio::sync::mpsc;

use super::{AbortOnDrop, Calendar};
use crate::convert::optional_datetime;
use crate::errors::{CallError, calstack_error, core_error_to_py, python_window_names};
use crate::handle::Mode;
use crate::models::{Event, SyncResult};
use crate::runtime::block_on;

/// One decoded page: its events, boxed, and its `nextSyncToken`.
type PageResult = Result<(Vec<Box<CoreEvent>>, Option<String>), CallError>;

/// Starts fetching the pages of `list` on the runtime; at most one decoded page waits in the
/// channel (and the paging layer fetches one more ahead), so memory stays flat however many
/// pages there are. Dropping the returned guard stops the fetching.
fn spawn_pages(list: ListEvents) -> (AbortOnDrop, mpsc::Receiver<PageResult>) {
    let (tx, rx) = mpsc::channel(1);
    let producer = crate::runtime::spawn(async move {
        let mut pages = std::pin::pin!(list.pages_as::<Box<CoreEvent>>());
        while let Some(page) = pages.next().await {
            let failed = page.is_err();
            let page = page
                .map(|page| (page.items, page.next_sync_token))
                .map_err(CallError::from);
            if tx.send(page).await.is_err() || failed {
                break;
            }
        }
    });
    (AbortOnDrop(producer), rx)
}

/// Decodes one page: on the calling thread for a blocking call (the GIL is released; this is
/// the thread that will use and free the events, so glibc's allocator serves them from its
/// per-thread cache, and no runtime thread's arena keeps their memory), on tokio's blocking
/// pool for an asyncio call (the runtime's workers stay free). Either way the next page is
/// already being fetched once the decoder has read this one's `nextPageToken`.
async fn decode_page(
    body: PageBody<Box<CoreEvent>>,
    mode: Mode,
) -> Result<Page<Box<CoreEvent>>, CallError> {
    match mode {
        Mode::Blocking => Ok(body.decode()?),
        Mode::Asyncio => Ok(tokio::task::spawn_blocking(move || body.decode())
            .await
            .map_err(|e| {
                CallError::Core(calstack_core::Error::Decode {
                    path: String::new(),
                    message: format!("the page decoding task failed: {e}"),
                })
            })??),
    }
}

/// Every event of `list` as a Python list of `Event`s, and the last page's `nextSyncToken`.
async fn collect_events(
    list: ListEvents,
    mode: Mode,
) -> Result<(Py<PyList>, Option<String>), CallError> {
    let mut pages = std::pin::pin!(list.page_bodies_as::<Box<CoreEvent>>());
    let out = Python::attach(|py| PyList::empty(py).unbind());
    let mut next_sync_token = None;
    while let Some(body) = pages.next().await {
        let page = decode_page(body?, mode).await?;
        next_sync_token = page.next_sync_token;
        Python::attach(|py| -> PyResult<()> {
            let list = out.bind(py);
            for event in page.items {
                list.append(Bound::new(py, Event::new_boxed(event))?)?;
            }
            Ok(())
        })?;
    }
    Ok((out, next_sync_token))
}

/// The options `list_events` and `iter_events` share, checked (errors name the parameter).
struct ListOptions {
    list: ListEvents,
}

impl Calendar {
    #[allow(clippy::too_many_arguments)]
    fn list_request(
        &self,
        py: Python<'_>,
        calendar_id: &str,
        time_min: Option<&Bound<'_, PyAny>>,
        time_max: Option<&Bound<'_, PyAny>>,
        single_events: bool,
        query: Option<String>,
        order_by: Option<String>,
        show_deleted: bool,
        max_results: Option<u32>,
        time_zone: Option<String>,
    ) -> PyResult<ListOptions> {
        let time_min = optional_datetime(time_min, "time_min")?;
        let time_max = optional_datetime(time_max, "time_max")?;
        let order_by = order_by
            .map(|o| OrderBy::checked(&o).map_err(|e| core_error_to_py(py, e)))
            .transpose()?;
        let mut list = self.api()?.events().list(calendar_id);
        if let Some(t) = time_min {
            list = list.time_min(t);
        }
        if let Some(t) = time_max {
            list = list.time_max(t);
        }
        if single_events {
            list = list.single_events(true);
        }
        if let Some(q) = query {
            list = list.q(q);
        }
        if let Some(o) = order_by {
            list = list.order_by(o);
        }
        if show_deleted {
            list = list.show_deleted(true);
        }
        if let Some(n) = max_results {
            list = list.max_results(n);
        }
        if let Some(tz) = time_zone {
            list = list.time_zone(tz);
        }
        list.check()
            .map_err(|e| core_error_to_py(py, python_window_names(e)))?;
        Ok(ListOptions { list })
    }
}

#[pymethods]
impl Calendar {
    /// Events of a calendar, every page, as a list. `time_min` / `time_max` must be
    /// timezone-aware `datetime`s. With `single_events=True` (the default) recurring events
    /// come expanded into instances; `query` is Google's free-text search; `order_by` is
    /// `"startTime"` (needs single_events) or `"updated"`; `max_results` is the page size.
    #[pyo3(signature = (calendar_id, *, time_min=None, time_max=None, single_events=true, query=None, order_by=None, show_deleted=false, max_results=None, time_zone=None))]
    #[allow(clippy::too_many_arguments)]
    fn list_events(
        &self,
        py: Python<'_>,
        calendar_id: String,
        time_min: Option<&Bound<'_, PyAny>>,
        time_max: Option<&Bound<'_, PyAny>>,
        single_events: bool,
        query: Option<String>,
        order_by: Option<String>,
        show_deleted: bool,
        max_results: Option<u32>,
        time_zone: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let options = self.list_request(
            py,
            &calendar_id,
            time_min,
            time_max,
            single_events,
            query,
            order_by,
            show_deleted,
            max_results,
            time_zone,
        )?;
        let mode = self.handle.mode;
        self.handle.run(py, async move {
            Ok(collect_events(options.list, mode).await?.0)
        })
    }

    /// The same events as `list_events`, as an iterator (`for e in ...`, or `async for` on an
    /// asyncio stack): one page in memory at a time, the next page fetched while you work on
    /// this one, so a calendar of any size lists in flat memory. Stop early by dropping it.
    #[pyo3(signature = (calendar_id, *, time_min=None, time_max=None, single_events=true, query=None, order_by=None, show_deleted=false, max_results=None, time_zone=None))]
    #[allow(clippy::too_many_arguments)]
    fn iter_events(
        &self,
        py: Python<'_>,
        calendar_id: String,
        time_min: Option<&Bound<'_, PyAny>>,
        time_max: Option<&Bound<'_, PyAny>>,
        single_events: bool,
        query: Option<String>,
        order_by: Option<String>,
        show_deleted: bool,
        max_results: Option<u32>,
        time_zone: Option<String>,
    ) -> PyResult<EventStream> {
        let options = self.list_request(
            py,
            &calendar_id,
            time_min,
            time_max,
            single_events,
            query,
            order_by,
            show_deleted,
            max_results,
            time_zone,
        )?;
        crate::runtime::runtime()?;
        let (producer, rx) = spawn_pages(options.list);
        Ok(EventStream {
            pid: std::process::id(),
            mode: self.handle.mode,
            buffer: Arc::new(Mutex::new(VecDeque::new())),
            feed: Arc::new(tokio::sync::Mutex::new(Some(Feed {
                rx,
                _producer: producer,
            }))),
        })
    }

    /// The occurrences of a recurring event (every page), optionally only those overlapping
    /// `[time_min, time_max)`.
    #[pyo3(signature = (calendar_id, event_id, *, time_min=None, time_max=None, show_deleted=false))]
    fn instances(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event_id: String,
        time_min: Option<&Bound<'_, PyAny>>,
        time_max: Option<&Bound<'_, PyAny>>,
        show_deleted: bool,
    ) -> PyResult<Py<PyAny>> {
        let time_min = optional_datetime(time_min, "time_min")?;
        let time_max = optional_datetime(time_max, "time_max")?;
        let mut request = self.api()?.events().instances(&calendar_id, &event_id);
        if let Some(t) = time_min {
            request = request.time_min(t);
        }
        if let Some(t) = time_max {
            request = request.time_max(t);
        }
        if show_deleted {
            request = request.show_deleted(true);
        }
        request
            .check()
            .map_err(|e| core_error_to_py(py, python_window_names(e)))?;
        self.handle.run(py, async move {
            let events = request.collect_all().await?;
            Ok(events.into_iter().map(Event::new_core).collect::<Vec<_>>())
        })
    }

    /// Incremental sync: without a token, every event (a full sync); with the
    /// `next_sync_token` of a previous result, only what changed since, deletions included
    /// (as cancelled events). `SyncTokenExpiredError` means: drop local state and sync again
    /// without a token.
    #[pyo3(signature = (calendar_id, sync_token=None))]
    fn sync_events(
        &self,
        py: Python<'_>,
        calendar_id: String,
        sync_token: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let mut list = self.api()?.events().list(&calendar_id);
        if let Some(token) = sync_token {
            list = list.sync_token(token);
        }
        let mode = self.handle.mode;
        self.handle.run(py, async move {
            let (events, next) = collect_events(list, mode).await?;
            if next.is_none() {
                return Err(CallError::Core(calstack_core::Error::Decode {
                    path: "nextSyncToken".to_owned(),
                    message: "the last page carried no nextSyncToken".to_owned(),
                }));
            }
            Ok(SyncResult::new(events, next))
        })
    }
}

/// The pages still to come, and the task fetching them.
struct Feed {
    rx: mpsc::Receiver<PageResult>,
    _producer: AbortOnDrop,
}

/// Takes the next page into `buffer`; false when there are no more.
async fn refill(
    feed: &tokio::sync::Mutex<Option<Feed>>,
    buffer: &Mutex<VecDeque<Box<CoreEvent>>>,
) -> Result<bool, CallError> {
    let mut feed = feed.lock().await;
    loop {
        let Some(open) = feed.as_mut() else {
            return Ok(false);
        };
        match open.rx.recv().await {
            None => {
                *feed = None;
                return Ok(false);
            }
            Some(Err(e)) => {
                *feed = None;
                return Err(e);
            }
            Some(Ok((items, _))) if items.is_empty() => continue,
            Some(Ok((items, _))) => {
                buffer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(items);
                return Ok(true);
            }
        }
    }
}

/// The events of a listing, as they arrive: an iterator (and, on an asyncio stack, an async
/// iterator). Returned by `Calendar.iter_events`.
#[pyclass(module = "calstack", name = "EventStream", frozen)]
pub(crate) struct EventStream {
    pid: u32,
    mode: Mode,
    buffer: Arc<Mutex<VecDeque<Box<CoreEvent>>>>,
    feed: Arc<tokio::sync::Mutex<Option<Feed>>>,
}

impl EventStream {
    fn pop(&self) -> Option<Box<CoreEvent>> {
        self.buffer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }

    fn check_process(&self) -> PyResult<()> {
        if self.pid != std::process::id() {
            return Err(calstack_error(
                "this event stream was started in another process (before a fork); start a new one",
            ));
        }
        Ok(())
    }
}

#[pymethods]
impl EventStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Event>> {
        self.check_process()?;
        if let Some(event) = self.pop() {
            return Ok(Some(Event::new_boxed(event)));
        }
        let (feed, buffer) = (Arc::clone(&self.feed), Arc::clone(&self.buffer));
        if !block_on(py, async move { refill(&feed, &buffer).await })? {
            return Ok(None);
        }
        Ok(self.pop().map(Event::new_boxed))
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check_process()?;
        if self.mode != Mode::Asyncio {
            return Err(calstack_error(
                "async for needs an asyncio stack (calstack.aio.Calstack); use a plain for loop",
            ));
        }
        if let Some(event) = self.pop() {
            return ready(py, Bound::new(py, Event::new_boxed(event))?.into_any());
        }
        let (feed, buffer) = (Arc::clone(&self.feed), Arc::clone(&self.buffer));
        crate::asyncio::awaitable(py, async move {
            let more = refill(&feed, &buffer).await?;
            let next = buffer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            match next {
                Some(event) if more => Ok(Event::new_boxed(event)),
                _ => Err(CallError::Python(PyStopAsyncIteration::new_err(()))),
            }
        })
    }

    fn __repr__(&self) -> String {
        "EventStream(...)".to_owned()
    }
}

/// An asyncio future on the running loop already holding `value` (no trip to the runtime).
fn ready<'py>(py: Python<'py>, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let asyncio = py.import("asyncio")?;
    let future = asyncio
        .call_method0("get_running_loop")?
        .call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}
