//! `calstack.Calendar`: the Google Calendar v3 API for one client, returned by
//! `stack.calendar(client_id)`. (Waiting for calstack-core's Calendar client.)

use calstack_core::ClientId;
use pyo3::prelude::*;

use crate::errors::calstack_error;
use crate::stack::Handle;

/// The Calendar API of one client.
#[pyclass(module = "calstack", name = "Calendar", frozen)]
pub(crate) struct Calendar {
    #[pyo3(get)]
    client_id: String,
}

impl Calendar {
    /// The Calendar API for `client_id`.
    pub(crate) fn open(_py: Python<'_>, _handle: &Handle, _client_id: ClientId) -> PyResult<Self> {
        Err(calstack_error("the Calendar client is not available in this build yet"))
    }
}
