//! `calstack.Calstack`: opens the store and hands out its services: `stack.clients`,
//! `stack.oauth` and `stack.calendar(client)`, plus key rotation and the request counters.
//!
//! Every method converts its arguments, runs the core call through the [`Handle`] (blocking
//! with the GIL released, or as an asyncio awaitable) and converts the answer.

use calstack_core::crypto::{EncryptionKey, Keyring};
use calstack_core::facade::settings;
use calstack_core::oauth::{
    GOOGLE_API_BASE, GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL, GoogleEndpoints,
};
use calstack_core::{ClientId, CredentialId};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::calendar::Calendar;
pub(crate) use crate::clients::Clients;
use crate::errors::{self, not_found};
pub(crate) use crate::handle::Handle;
use crate::handle::{Mode, Settings};
use crate::models::{Client, Metrics, OAuthCredential, RotationReport};
pub(crate) use crate::oauth::OAuth;

/// A client id from a str or a `Client`; text that is not an id cannot name a client, so it
/// is `NotFoundError`.
pub(crate) fn client_id(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<ClientId> {
    if let Ok(client) = value.cast::<Client>() {
        return parse_id(py, &client.get().id, "client");
    }
    match value.cast::<PyString>() {
        Ok(s) => parse_id(py, &s.to_cow()?, "client"),
        Err(_) => Err(errors::validation(
            py,
            "client_id",
            "expected a str or a Client",
        )),
    }
}

/// A credential id from a str or an `OAuthCredential`.
pub(crate) fn credential_id(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<CredentialId> {
    if let Ok(credential) = value.cast::<OAuthCredential>() {
        return parse_id(py, &credential.get().id, "OAuth credential");
    }
    match value.cast::<PyString>() {
        Ok(s) => parse_id(py, &s.to_cow()?, "OAuth credential"),
        Err(_) => Err(errors::validation(
            py,
            "credential_id",
            "expected a str or an OAuthCredential",
        )),
    }
}

fn parse_id<T: std::str::FromStr>(py: Python<'_>, text: &str, what: &str) -> PyResult<T> {
    text.trim()
        .parse()
        .map_err(|_| not_found(py, format!("{what} {text:?}")))
}

/// A core error raised as the matching Python exception.
fn raise(py: Python<'_>, error: calstack_core::Error) -> PyErr {
    errors::core_error_to_py(py, error)
}

/// Google's endpoints, defaulting each to Google's own; errors name the Python parameter.
fn endpoints(
    py: Python<'_>,
    api_base: Option<String>,
    auth_url: Option<String>,
    token_url: Option<String>,
    revoke_url: Option<String>,
) -> PyResult<GoogleEndpoints> {
    GoogleEndpoints::new(
        auth_url.as_deref().unwrap_or(GOOGLE_AUTH_URL),
        token_url.as_deref().unwrap_or(GOOGLE_TOKEN_URL),
        revoke_url.as_deref().unwrap_or(GOOGLE_REVOKE_URL),
        api_base.as_deref().unwrap_or(GOOGLE_API_BASE),
    )
    .map_err(|e| match e {
        calstack_core::Error::Validation { field, reason } => {
            let field = match field.as_str() {
                "api_base" => "google_api_base".to_owned(),
                other => format!("google_{other}"),
            };
            errors::validation(py, &field, reason)
        }
        other => raise(py, other),
    })
}

/// The entry point: a store of clients and their encrypted OAuth credentials, and the Google
/// endpoints to talk to.
#[pyclass(module = "calstack", name = "Calstack", frozen)]
pub(crate) struct Calstack {
    pub(crate) handle: Handle,
}

#[pymethods]
impl Calstack {
    /// Opens (and migrates) the database at `database_url` (`sqlite:///path/app.db`,
    /// `postgres://…`, `mysql://…`, or `memory://` for a throwaway store) and seals secrets
    /// with `encryption_key` (base64, 32 bytes; a comma-separated list rotates: current key
    /// first). The `google_*` URLs replace Google's endpoints (an emulator, a proxy).
    /// `requests_per_second` throttles Calendar calls per credential (0 = off);
    /// `max_attempts` and `max_delay` (seconds) bound retries of failed calls.
    #[new]
    #[pyo3(signature = (database_url, encryption_key, *, google_api_base=None, google_auth_url=None, google_token_url=None, google_revoke_url=None, requests_per_second=0, max_attempts=5, max_delay=32.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        database_url: String,
        encryption_key: String,
        google_api_base: Option<String>,
        google_auth_url: Option<String>,
        google_token_url: Option<String>,
        google_revoke_url: Option<String>,
        requests_per_second: u32,
        max_attempts: u32,
        max_delay: f64,
    ) -> PyResult<Self> {
        let keyring = Keyring::from_base64(&encryption_key)
            .map_err(|e| errors::validation(py, "encryption_key", e.to_string()))?;
        let endpoints = endpoints(
            py,
            google_api_base,
            google_auth_url,
            google_token_url,
            google_revoke_url,
        )?;
        let retry = settings::retry_policy(max_attempts, max_delay).map_err(|e| raise(py, e))?;
        let requests_per_second =
            settings::requests_per_second(requests_per_second).map_err(|e| raise(py, e))?;
        let handle = Handle::open(
            py,
            Settings {
                database_url,
                keyring,
                endpoints,
                retry,
                requests_per_second,
            },
        )?;
        Ok(Self { handle })
    }

    /// The same stack (same database, pools and caches) whose methods return asyncio
    /// awaitables; `calstack.aio.Calstack` opens one directly.
    fn asyncio(&self) -> Self {
        Self {
            handle: self.handle.with_mode(Mode::Asyncio),
        }
    }

    /// Whether this stack's methods return asyncio awaitables.
    #[getter]
    fn is_asyncio(&self) -> bool {
        self.handle.mode == Mode::Asyncio
    }

    /// Create, read, change and delete clients.
    #[getter]
    fn clients(&self) -> Clients {
        Clients::new(self.handle.clone())
    }

    /// Register OAuth apps, run consent, revoke.
    #[getter]
    fn oauth(&self) -> OAuth {
        OAuth::new(self.handle.clone())
    }

    /// The Calendar API for a client (a client id or a `Client`). With `account`, through
    /// its credential for that Google account; without, through its most recently updated
    /// valid credential, and `ValidationError` on `account` (naming them) when its valid
    /// credentials belong to several Google accounts. `NotFoundError` when the client, the
    /// account or any credential is missing; `ReauthorizationRequired` when none is valid.
    #[pyo3(signature = (client, account=None))]
    fn calendar(
        &self,
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        account: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let id = client_id(py, client)?;
        let handle = self.handle.clone();
        self.handle.call(py, move |core| async move {
            let credential = core.credential_for_account(id, account.as_deref()).await?;
            Ok(Calendar::new(handle, id, credential.id))
        })
    }

    /// Re-seals every stored secret under the current (first) key of `encryption_key`. Run
    /// it after adding a new key in front (`"new,old"`); once it reports, the old key can be
    /// dropped. Returns the counts.
    fn rotate_keys(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.handle.call(py, |core| async move {
            Ok(RotationReport::from(core.rotate_keys().await?))
        })
    }

    /// The request counters of every Calendar API this stack handed out, added up.
    fn metrics(&self) -> PyResult<Metrics> {
        Ok(Metrics::from(self.handle.core()?.metrics()))
    }

    fn __repr__(&self) -> PyResult<String> {
        let core = self.handle.core()?;
        Ok(format!(
            "Calstack(google_api_base={})",
            crate::models::py_repr(core.endpoints().api_base.as_str())
        ))
    }
}

/// `calstack.generate_key()`: a new random encryption key, as base64 (keep it secret).
#[pyfunction]
pub(crate) fn generate_key() -> String {
    EncryptionKey::generate().to_base64_secret()
}
