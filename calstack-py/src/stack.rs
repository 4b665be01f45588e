//! `calstack.Calstack` and its services: `stack.clients` (clients), `stack.oauth` (OAuth
//! credentials and consent) and `stack.calendar(client_id)` (the Calendar API for a client).
//!
//! Every method converts its arguments, runs the core call on the shared runtime with the GIL
//! released ([`crate::runtime::block_on`]) and converts the answer; nothing else happens here.

use std::sync::Arc;

use calstack_core::crypto::{EncryptionKey, Keyring};
use calstack_core::facade::ClientUpdate;
use calstack_core::oauth::{
    AuthorizeOptions, CredentialUpdate, GOOGLE_API_BASE, GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL,
    GOOGLE_TOKEN_URL, GoogleEndpoints, NewCredential,
};
use calstack_core::store::MemoryStore;
use calstack_core::{
    Calstack as CoreCalstack, ClientId, ClientSecret, CredentialId, OAuthCredential as Record,
    Store,
};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};

use crate::calendar::Calendar;
use crate::errors::{self, CallError, calstack_error, not_found};
use crate::models::{Client, CredentialView, OAuthCredential};
use crate::runtime::block_on;

/// Shared by every service object: the core handle and the process it was opened in.
#[derive(Clone)]
pub(crate) struct Handle {
    pub(crate) core: Arc<CoreCalstack>,
    pid: u32,
}

impl Handle {
    /// The core handle, or a clear error when used in a forked child (its connections belong
    /// to the parent's runtime).
    pub(crate) fn core(&self) -> PyResult<Arc<CoreCalstack>> {
        if std::process::id() != self.pid {
            return Err(calstack_error(
                "this Calstack was opened in another process (before a fork); open a new one in this process",
            ));
        }
        Ok(Arc::clone(&self.core))
    }
}

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
fn credential_id(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<CredentialId> {
    if let Ok(credential) = value.cast::<OAuthCredential>() {
        return parse_id(py, &credential.get().view.id, "OAuth credential");
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

/// Runs a credential call, naming the secret field as the Python API does
/// (`google_client_secret`, where the core says `client_secret`).
fn credential_call<T: Send>(
    py: Python<'_>,
    future: impl std::future::Future<Output = Result<T, CallError>> + Send,
) -> PyResult<T> {
    block_on(py, async move {
        future.await.map_err(|e| match e {
            CallError::Core(calstack_core::Error::Validation { field, reason })
                if field == "client_secret" =>
            {
                CallError::Core(calstack_core::Error::Validation {
                    field: "google_client_secret".to_owned(),
                    reason,
                })
            }
            other => other,
        })
    })
}

fn view(record: Record) -> OAuthCredential {
    OAuthCredential::from(CredentialView {
        id: record.id.to_string(),
        client_id: record.client_id.to_string(),
        google_client_id: record.google_client_id,
        scopes: record.scopes,
        granted_scopes: record.granted_scopes,
        redirect_uri: record.redirect_uri,
        account_email: record.account_email,
        is_valid: record.is_valid,
        has_refresh_token: record.refresh_token.is_some(),
        expires_at: record.expires_at,
        last_error: record.last_error,
        created_at: record.created_at,
        updated_at: record.updated_at,
    })
}

async fn open_store(url: &str) -> Result<Arc<dyn Store>, CallError> {
    let trimmed = url.trim();
    if trimmed == "memory:" || trimmed == "memory://" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    Ok(calstack_store::connect(trimmed).await?)
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
    #[new]
    #[pyo3(signature = (database_url, encryption_key, *, google_api_base=None, google_auth_url=None, google_token_url=None, google_revoke_url=None))]
    fn new(
        py: Python<'_>,
        database_url: String,
        encryption_key: String,
        google_api_base: Option<String>,
        google_auth_url: Option<String>,
        google_token_url: Option<String>,
        google_revoke_url: Option<String>,
    ) -> PyResult<Self> {
        let keyring = Keyring::from_base64(&encryption_key)
            .map_err(|e| errors::validation(py, "encryption_key", e.to_string()))?;
        let endpoints = GoogleEndpoints::new(
            google_auth_url.as_deref().unwrap_or(GOOGLE_AUTH_URL),
            google_token_url.as_deref().unwrap_or(GOOGLE_TOKEN_URL),
            google_revoke_url.as_deref().unwrap_or(GOOGLE_REVOKE_URL),
            google_api_base.as_deref().unwrap_or(GOOGLE_API_BASE),
        )
        .map_err(|e| match e {
            calstack_core::Error::Validation { field, reason } => {
                let field = match field.as_str() {
                    "api_base" => "google_api_base".to_owned(),
                    other => format!("google_{other}"),
                };
                errors::validation(py, &field, reason)
            }
            other => errors::core_error_to_py(py, other),
        })?;
        let core = block_on(py, async move {
            let store = open_store(&database_url).await?;
            Ok(CoreCalstack::builder()
                .store(store)
                .keyring(keyring)
                .endpoints(endpoints)
                .build()?)
        })?;
        Ok(Self {
            handle: Handle {
                core: Arc::new(core),
                pid: std::process::id(),
            },
        })
    }

    /// Create, read, change and delete clients.
    #[getter]
    fn clients(&self) -> Clients {
        Clients {
            handle: self.handle.clone(),
        }
    }

    /// Register OAuth apps, run consent, revoke.
    #[getter]
    fn oauth(&self) -> OAuth {
        OAuth {
            handle: self.handle.clone(),
        }
    }

    /// The Calendar API for a client (a client id or a `Client`), using its most recently
    /// updated valid credential. Raises `NotFoundError` when the client does not exist or has
    /// no credential, `ReauthorizationRequired` when none is valid.
    fn calendar(&self, py: Python<'_>, client: &Bound<'_, PyAny>) -> PyResult<Calendar> {
        let id = client_id(py, client)?;
        Calendar::open(py, &self.handle, id)
    }

    fn __repr__(&self) -> String {
        let e = self.handle.core.endpoints();
        format!(
            "Calstack(google_api_base={})",
            crate::models::py_repr(e.api_base.as_str())
        )
    }
}

/// `stack.clients`: the people or businesses whose calendars you run.
#[pyclass(module = "calstack", name = "Clients", frozen)]
pub(crate) struct Clients {
    pub(crate) handle: Handle,
}

#[pymethods]
impl Clients {
    /// Creates a client. `ValidationError` names `name` or `email` (also when the email is
    /// already used by another client).
    fn create(&self, py: Python<'_>, name: String, email: String) -> PyResult<Client> {
        let core = self.handle.core()?;
        block_on(py, async move {
            Ok(core.clients().create(&name, &email).await?)
        })
        .map(Client::from)
    }

    /// The client with this id, or `NotFoundError`.
    fn get(&self, py: Python<'_>, client_id: &Bound<'_, PyAny>) -> PyResult<Client> {
        let id = crate::stack::client_id(py, client_id)?;
        let core = self.handle.core()?;
        block_on(py, async move { Ok(core.clients().get(id).await?) }).map(Client::from)
    }

    /// A client by id or by name (exact first, then ignoring case).
    fn find(&self, py: Python<'_>, id_or_name: String) -> PyResult<Client> {
        let core = self.handle.core()?;
        block_on(
            py,
            async move { Ok(core.clients().find(&id_or_name).await?) },
        )
        .map(Client::from)
    }

    /// Every client, by name.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<Client>> {
        let core = self.handle.core()?;
        let clients = block_on(py, async move { Ok(core.clients().list().await?) })?;
        Ok(clients.into_iter().map(Client::from).collect())
    }

    /// Changes the name and/or email (None keeps the current value).
    #[pyo3(signature = (client_id, *, name=None, email=None))]
    fn update(
        &self,
        py: Python<'_>,
        client_id: &Bound<'_, PyAny>,
        name: Option<String>,
        email: Option<String>,
    ) -> PyResult<Client> {
        let id = crate::stack::client_id(py, client_id)?;
        let core = self.handle.core()?;
        block_on(py, async move {
            Ok(core
                .clients()
                .update(
                    id,
                    ClientUpdate {
                        name,
                        email,
                        ..ClientUpdate::default()
                    },
                )
                .await?)
        })
        .map(Client::from)
    }

    /// Deletes a client with its credentials (without revoking them at Google: call
    /// `stack.oauth.revoke` first for that).
    fn delete(&self, py: Python<'_>, client_id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = crate::stack::client_id(py, client_id)?;
        let core = self.handle.core()?;
        block_on(py, async move { Ok(core.clients().delete(id).await?) })
    }
}

/// `stack.oauth`: each client's Google OAuth apps and grants.
#[pyclass(module = "calstack", name = "OAuth", frozen)]
pub(crate) struct OAuth {
    handle: Handle,
}

#[pymethods]
impl OAuth {
    /// Registers a client's Google OAuth app. The credential is invalid until consent
    /// completes. Scopes may be short (`calendar.events`) or full URLs.
    #[pyo3(signature = (client_id, *, google_client_id, google_client_secret, scopes, redirect_uri, account_email=None))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        client_id: &Bound<'_, PyAny>,
        google_client_id: String,
        google_client_secret: String,
        scopes: Vec<String>,
        redirect_uri: String,
        account_email: Option<String>,
    ) -> PyResult<OAuthCredential> {
        let client_id = crate::stack::client_id(py, client_id)?;
        let core = self.handle.core()?;
        let new = NewCredential {
            client_id,
            google_client_id,
            client_secret: ClientSecret::new(google_client_secret),
            scopes,
            redirect_uri,
            account_email,
        };
        credential_call(py, async move { Ok(core.oauth().register(new).await?) }).map(view)
    }

    /// The credential with this id, or `NotFoundError`.
    fn get(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<OAuthCredential> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let core = self.handle.core()?;
        block_on(
            py,
            async move { Ok(core.oauth().get_credential(id).await?) },
        )
        .map(view)
    }

    /// Credentials of one client, or of every client, oldest first.
    #[pyo3(signature = (client_id=None))]
    fn list(
        &self,
        py: Python<'_>,
        client_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<OAuthCredential>> {
        let client = client_id
            .filter(|c| !c.is_none())
            .map(|c| crate::stack::client_id(py, c))
            .transpose()?;
        let core = self.handle.core()?;
        let records = block_on(py, async move {
            Ok(core.oauth().list_credentials(client).await?)
        })?;
        Ok(records.into_iter().map(view).collect())
    }

    /// Changes the app settings (None keeps a value; `account_email=""` clears it). The tokens
    /// are kept.
    #[pyo3(signature = (credential_id, *, google_client_id=None, google_client_secret=None, scopes=None, redirect_uri=None, account_email=None))]
    #[allow(clippy::too_many_arguments)]
    fn update(
        &self,
        py: Python<'_>,
        credential_id: &Bound<'_, PyAny>,
        google_client_id: Option<String>,
        google_client_secret: Option<String>,
        scopes: Option<Vec<String>>,
        redirect_uri: Option<String>,
        account_email: Option<String>,
    ) -> PyResult<OAuthCredential> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let core = self.handle.core()?;
        let update = CredentialUpdate {
            google_client_id,
            client_secret: google_client_secret.map(ClientSecret::new),
            scopes,
            redirect_uri,
            account_email: account_email.map(|e| Some(e).filter(|e| !e.trim().is_empty())),
        };
        credential_call(py, async move {
            Ok(core.oauth().update_credential(id, update).await?)
        })
        .map(view)
    }

    /// Deletes a credential (without revoking it at Google: call `revoke` first for that).
    fn delete(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let core = self.handle.core()?;
        block_on(
            py,
            async move { Ok(core.oauth().delete_credential(id).await?) },
        )
    }

    /// The Google consent URL to send the user to. Its `state` is stored server-side, works
    /// once and expires after 10 minutes.
    #[pyo3(signature = (credential_id, *, login_hint=None, redirect_uri=None))]
    fn authorize_url(
        &self,
        py: Python<'_>,
        credential_id: &Bound<'_, PyAny>,
        login_hint: Option<String>,
        redirect_uri: Option<String>,
    ) -> PyResult<String> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let core = self.handle.core()?;
        let options = AuthorizeOptions {
            login_hint,
            redirect_uri,
        };
        block_on(py, async move {
            Ok(core.oauth().authorize_url_with(id, options).await?)
        })
        .map(|request| request.url.to_string())
    }

    /// Finishes consent with the `code` and `state` Google sent to the redirect URI: exchanges
    /// the code and stores the (encrypted) tokens. `AuthorizationError` for an unknown,
    /// expired or replayed state.
    #[pyo3(signature = (*, code, state))]
    fn complete(&self, py: Python<'_>, code: String, state: String) -> PyResult<OAuthCredential> {
        let core = self.handle.core()?;
        block_on(py, async move {
            Ok(core.oauth().complete(&code, &state).await?)
        })
        .map(view)
    }

    /// Finishes consent from the callback's query parameters, as a mapping (e.g. Flask's
    /// `request.args`) or a query string. Handles `error=access_denied` too (raising
    /// `AuthorizationError` with `code == "access_denied"`).
    fn complete_callback(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
    ) -> PyResult<OAuthCredential> {
        let core = self.handle.core()?;
        if let Ok(query) = params.cast::<PyString>() {
            let query = query.to_cow()?.into_owned();
            return block_on(py, async move {
                Ok(core.oauth().complete_callback_query(&query).await?)
            })
            .map(view);
        }
        let Ok(mapping) = params.cast::<PyMapping>() else {
            return Err(errors::validation(
                py,
                "params",
                "expected a mapping or a query string",
            ));
        };
        let mut pairs = Vec::new();
        for key in mapping.keys()?.iter() {
            let value = mapping.get_item(&key)?;
            pairs.push((
                key.str()?.to_cow()?.into_owned(),
                value.str()?.to_cow()?.into_owned(),
            ));
        }
        block_on(py, async move {
            Ok(core.oauth().complete_callback(pairs).await?)
        })
        .map(view)
    }

    /// Revokes the grant at Google, then clears the stored tokens and marks the credential
    /// invalid.
    fn revoke(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let core = self.handle.core()?;
        block_on(py, async move { Ok(core.oauth().revoke(id).await?) })
    }

    /// A valid access token for the credential (refreshed first if about to expire), for use
    /// with another HTTP client. This returns a secret: never log it.
    fn access_token(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<String> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let core = self.handle.core()?;
        block_on(py, async move { Ok(core.oauth().access_token(id).await?) })
            .map(|token| token.into_secret())
    }
}

/// `calstack.generate_key()`: a new random encryption key, as base64 (keep it secret).
#[pyfunction]
pub(crate) fn generate_key() -> String {
    EncryptionKey::generate().to_base64_secret()
}
