//! `stack.sync(clients=None, push_address=None)`, `stack.sync_status()`,
//! `stack.handle_notification(headers)` and `calstack.validate_push_address(address)`: the
//! mirror, sync engine and push channels of calstack-core for Python. Converts, calls through
//! the stack's [`Handle`](crate::handle::Handle) (blocking, or a coroutine on a
//! `calstack.aio` stack), converts back.

use calstack_core::ClientId;
use calstack_core::mirror::CalendarStatus;
use calstack_core::store::MirrorSelection;
use calstack_core::sync::{PushOptions, ResourceState, SyncOptions, SyncReport};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping};

use crate::errors::{self, CallError};
use crate::stack::{Calstack, client_id};

/// Builds a Python answer from a core result, on the thread the call finished on.
fn to_python<T>(
    build: impl FnOnce(Python<'_>) -> PyResult<Bound<'_, T>>,
) -> Result<Py<T>, CallError> {
    Ok(Python::attach(|py| build(py).map(Bound::unbind))?)
}

#[pymethods]
impl Calstack {
    /// Syncs the local mirror from Google: every client (or the given ones: ids or `Client`s),
    /// their calendar lists, then every calendar. Returns `{"synced": [...], "failed": [...]}`;
    /// an unknown client raises `NotFoundError`.
    ///
    /// With `push_address` (the public URL that hands Google's notifications to
    /// `handle_notification`; https, or http on a loopback host), each synced calendar is
    /// watched (channels renewed a day before they expire), and only what may have changed is
    /// synced: calendars never synced, made due by a notification, retrying after a failure,
    /// past the 5-minute poll interval, or not watched yet; calendar lists at most every
    /// 2.5 minutes. A bad address raises `ValidationError` naming `push_address`.
    #[pyo3(signature = (clients=None, push_address=None))]
    fn sync(
        &self,
        py: Python<'_>,
        clients: Option<Vec<Bound<'_, PyAny>>>,
        push_address: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let ids: Option<Vec<ClientId>> = clients
            .map(|list| list.iter().map(|c| client_id(py, c)).collect())
            .transpose()?;
        let push = push_address
            .map(|text| PushOptions::parse("push_address", &text))
            .transpose()
            .map_err(|e| errors::core_error_to_py(py, e))?;
        self.handle.call(py, |core| async move {
            let report = match push {
                Some(push) => {
                    let syncer = core.syncer(SyncOptions::default().with_push(push));
                    syncer.sync_due(ids.as_deref()).await?
                }
                None => {
                    let syncer = core.syncer(SyncOptions::default());
                    syncer.sync_clients(ids.as_deref()).await?
                }
            };
            to_python(|py| report_to_py(py, &report))
        })
    }

    /// Per mirrored calendar: client, calendar id, summary, events mirrored, last synced,
    /// next due, failures, last error, parked reason, and until when it is watched (push).
    fn sync_status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.handle.call(py, |core| async move {
            let rows = core.mirror().status(&MirrorSelection::all()).await?;
            to_python(|py| {
                let out = PyList::empty(py);
                for row in &rows {
                    out.append(status_to_py(py, row)?)?;
                }
                Ok(out)
            })
        })
    }

    /// Checks a push notification's headers (any mapping of name to value, e.g. Flask's
    /// `request.headers`) and makes that calendar due at once. Returns
    /// `{"client_id", "calendar_id", "state"}`; a forged or malformed notification raises
    /// `ValidationError` naming the header and changes nothing.
    fn handle_notification(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let pairs = header_pairs(py, headers)?;
        self.handle.call(py, |core| async move {
            let iter = pairs.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
            let note = core.handle_notification(iter).await?;
            let state = match note.state {
                ResourceState::Sync => "sync",
                ResourceState::NotExists => "not_exists",
                _ => "exists",
            };
            to_python(|py| {
                let out = PyDict::new(py);
                out.set_item("client_id", note.calendar.client_id.to_string())?;
                out.set_item("calendar_id", &note.calendar.calendar_id)?;
                out.set_item("state", state)?;
                Ok(out)
            })
        })
    }
}

/// Header names and values from a mapping (or an iterable of pairs) of str to str.
fn header_pairs(py: Python<'_>, headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = match headers.cast::<PyMapping>() {
        Ok(mapping) => mapping.items()?.into_any(),
        Err(_) => headers.clone(),
    };
    let mut pairs = Vec::new();
    for item in items.try_iter()? {
        let (name, value): (String, String) = item?
            .extract()
            .map_err(|_| errors::validation(py, "headers", "expected str names and values"))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn report_to_py<'py>(py: Python<'py>, report: &SyncReport) -> PyResult<Bound<'py, PyDict>> {
    let synced = PyList::empty(py);
    for (key, done) in &report.synced {
        let row = PyDict::new(py);
        row.set_item("client_id", key.client_id.to_string())?;
        row.set_item("calendar_id", &key.calendar_id)?;
        row.set_item("full", done.full)?;
        row.set_item("upserted", done.upserted)?;
        row.set_item("deleted", done.deleted)?;
        row.set_item("skipped", done.skipped)?;
        synced.append(row)?;
    }
    let failed = PyList::empty(py);
    for (key, error) in &report.failed {
        let row = PyDict::new(py);
        row.set_item("client_id", key.client_id.to_string())?;
        row.set_item("calendar_id", &key.calendar_id)?;
        row.set_item("error", error.to_string())?;
        failed.append(row)?;
    }
    for (client, error) in &report.failed_clients {
        let row = PyDict::new(py);
        row.set_item("client_id", client.to_string())?;
        row.set_item("calendar_id", py.None())?;
        row.set_item("error", error.to_string())?;
        failed.append(row)?;
    }
    let out = PyDict::new(py);
    out.set_item("synced", synced)?;
    out.set_item("failed", failed)?;
    Ok(out)
}

fn status_to_py<'py>(py: Python<'py>, row: &CalendarStatus) -> PyResult<Bound<'py, PyDict>> {
    let c = &row.calendar;
    let out = PyDict::new(py);
    out.set_item("client_id", c.meta.key.client_id.to_string())?;
    out.set_item("calendar_id", &c.meta.key.calendar_id)?;
    out.set_item("summary", &c.meta.summary)?;
    out.set_item("primary", c.meta.primary)?;
    out.set_item("events", row.events)?;
    out.set_item("last_synced", c.last_synced)?;
    out.set_item("next_sync_due", c.next_sync_due)?;
    out.set_item("failures", c.failures)?;
    out.set_item("last_error", &c.last_error)?;
    out.set_item("parked_reason", &c.parked_reason)?;
    out.set_item("watched_until", c.channel.as_ref().map(|ch| ch.expires_at))?;
    Ok(out)
}

/// `calstack.validate_push_address(address)`: the address as `stack.sync(push_address=…)`
/// would use it (normalized), or `ValidationError` naming `push_address`; for checking a
/// setting when an app starts.
#[pyfunction]
pub(crate) fn validate_push_address(py: Python<'_>, address: &str) -> PyResult<String> {
    PushOptions::parse("push_address", address)
        .map(|push| push.address.to_string())
        .map_err(|e| errors::core_error_to_py(py, e))
}
