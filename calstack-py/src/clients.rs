//! `stack.clients`: create, read, change and delete clients (the core's clients service).

use calstack_core::facade::ClientUpdate;
use pyo3::prelude::*;

use crate::handle::Handle;
use crate::models::Client;

/// `stack.clients`: the people or businesses whose calendars you run.
#[pyclass(module = "calstack", name = "Clients", frozen)]
pub(crate) struct Clients {
    pub(crate) handle: Handle,
}

impl Clients {
    /// The service over a stack's handle.
    pub(crate) fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

#[pymethods]
impl Clients {
    /// Creates a client. `ValidationError` names `name` or `email` (also when the email is
    /// already used by another client).
    fn create(&self, py: Python<'_>, name: String, email: String) -> PyResult<Py<PyAny>> {
        self.handle.call(py, |core| async move {
            Ok(Client::from(core.clients().create(&name, &email).await?))
        })
    }

    /// The client with this id, or `NotFoundError`.
    fn get(&self, py: Python<'_>, client_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id = crate::stack::client_id(py, client_id)?;
        self.handle.call(py, move |core| async move {
            Ok(Client::from(core.clients().get(id).await?))
        })
    }

    /// A client by id or by name (exact first, then ignoring case).
    fn find(&self, py: Python<'_>, id_or_name: String) -> PyResult<Py<PyAny>> {
        self.handle.call(py, |core| async move {
            Ok(Client::from(core.clients().find(&id_or_name).await?))
        })
    }

    /// Every client, by name.
    fn list(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.handle.call(py, |core| async move {
            let clients = core.clients().list().await?;
            Ok(clients.into_iter().map(Client::from).collect::<Vec<_>>())
        })
    }

    /// Changes the name and/or email (None keeps the current value).
    #[pyo3(signature = (client_id, *, name=None, email=None))]
    fn update(
        &self,
        py: Python<'_>,
        client_id: &Bound<'_, PyAny>,
        name: Option<String>,
        email: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let id = crate::stack::client_id(py, client_id)?;
        self.handle.call(py, move |core| async move {
            let update = ClientUpdate {
                name,
                email,
                ..ClientUpdate::default()
            };
            Ok(Client::from(core.clients().update(id, update).await?))
        })
    }

    /// Deletes a client with its credentials (without revoking them at Google: call
    /// `stack.oauth.revoke` first for that).
    fn delete(&self, py: Python<'_>, client_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id = crate::stack::client_id(py, client_id)?;
        self.handle.call(py, move |core| async move {
            Ok(core.clients().delete(id).await?)
        })
    }
}
