//! `calstack.Calendar`: the Google Calendar v3 API for one client, acting through one of its
//! credentials; returned by `stack.calendar(client, account=None)`.
//!
//! One file per area, each with its own `#[pymethods]` block: events ([`events`]), listing and
//! streaming ([`listing`]), calendars, the calendar list, colours, free/busy and channels
//! ([`calendars`]), sharing ([`sharing`]). Python dicts become calstack-core models through
//! serde (errors name the JSON path); answers go back as the model classes.
//!
//! The handle keeps the credential id, not a client: the Calendar client comes from the core
//! on each call, so after a fork the child's calls use the child's own connections.

mod calendars;
mod events;
mod listing;
mod sharing;

pub(crate) use listing::EventStream;

use calstack_core::calendar::{CalendarClient, Event as CoreEvent, SendUpdates};
use calstack_core::{ClientId, CredentialId};
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::object_from_py;
use crate::errors::core_error_to_py;
use crate::handle::Handle;
use crate::models::{Event, from_json, py_repr};

/// The Calendar API of one client, authenticated with its credential (tokens refreshed as
/// needed).
#[pyclass(module = "calstack", name = "Calendar", frozen)]
pub(crate) struct Calendar {
    client_id: ClientId,
    credential_id: CredentialId,
    handle: Handle,
}

impl Calendar {
    /// The Calendar API for `client_id` through the credential `credential_id`.
    pub(crate) fn new(handle: Handle, client_id: ClientId, credential_id: CredentialId) -> Self {
        Self {
            client_id,
            credential_id,
            handle,
        }
    }

    /// The handle of the stack this calendar came from.
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The core's Calendar client for this credential (of this process: reopened after a
    /// fork).
    pub(crate) fn api(&self) -> PyResult<CalendarClient> {
        let core = self.handle.core()?;
        core.calendar_for_credential(self.credential_id)
            .map_err(|e| Python::attach(|py| core_error_to_py(py, e)))
    }
}

/// A core event from a Python `Event` (its model, as is) or a dict (checked by serde, errors
/// naming the JSON path).
pub(crate) fn core_event(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<CoreEvent> {
    if let Ok(event) = obj.cast::<Event>() {
        return Ok((*event.borrow().inner).clone());
    }
    let map = object_from_py(obj, param)?;
    from_json(obj.py(), Value::Object(map), param)
}

/// `send_updates` as Google's enum, checked by the core (errors name `send_updates`).
fn send_updates(py: Python<'_>, value: Option<String>) -> PyResult<Option<SendUpdates>> {
    value
        .map(|v| SendUpdates::checked(&v).map_err(|e| core_error_to_py(py, e)))
        .transpose()
}

/// Aborts a spawned task when dropped (the call was cancelled or failed).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[pymethods]
impl Calendar {
    /// The client this calendar API acts for.
    #[getter]
    fn client_id(&self) -> String {
        self.client_id.to_string()
    }

    /// The OAuth credential (and so the Google account) this calendar API acts through.
    #[getter]
    fn credential_id(&self) -> String {
        self.credential_id.to_string()
    }

    fn __repr__(&self) -> PyResult<String> {
        let api = self.api()?;
        Ok(format!(
            "Calendar(client_id={}, base_url={})",
            py_repr(&self.client_id.to_string()),
            py_repr(api.base_url().as_str())
        ))
    }
}
