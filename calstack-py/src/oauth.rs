//! `stack.oauth`: each client's Google OAuth apps (credentials), consent, revocation and
//! access tokens (the core's OAuth manager).

use calstack_core::ClientSecret;
use calstack_core::oauth::{AuthorizeOptions, CredentialUpdate, NewCredential};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};

use crate::errors::{self, CallError};
use crate::handle::Handle;
use crate::models::OAuthCredential;

/// Names the secret field as the Python API does (`google_client_secret`, where the core says
/// `client_secret`).
fn python_field(e: CallError) -> CallError {
    match e {
        CallError::Core(calstack_core::Error::Validation { field, reason })
            if field == "client_secret" =>
        {
            CallError::Core(calstack_core::Error::Validation {
                field: "google_client_secret".to_owned(),
                reason,
            })
        }
        other => other,
    }
}

/// `stack.oauth`: each client's Google OAuth apps and grants.
#[pyclass(module = "calstack", name = "OAuth", frozen)]
pub(crate) struct OAuth {
    handle: Handle,
}

impl OAuth {
    /// The service over a stack's handle.
    pub(crate) fn new(handle: Handle) -> Self {
        Self { handle }
    }
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
    ) -> PyResult<Py<PyAny>> {
        let new = NewCredential {
            client_id: crate::stack::client_id(py, client_id)?,
            google_client_id,
            client_secret: ClientSecret::new(google_client_secret),
            scopes,
            redirect_uri,
            account_email,
        };
        self.handle.call(py, |core| async move {
            let record = core
                .oauth()
                .register(new)
                .await
                .map_err(|e| python_field(e.into()))?;
            Ok(OAuthCredential::from(record))
        })
    }

    /// The credential with this id, or `NotFoundError`.
    fn get(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id = crate::stack::credential_id(py, credential_id)?;
        self.handle.call(py, move |core| async move {
            Ok(OAuthCredential::from(
                core.oauth().get_credential(id).await?,
            ))
        })
    }

    /// Credentials of one client, or of every client, oldest first.
    #[pyo3(signature = (client_id=None))]
    fn list(&self, py: Python<'_>, client_id: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let client = client_id
            .filter(|c| !c.is_none())
            .map(|c| crate::stack::client_id(py, c))
            .transpose()?;
        self.handle.call(py, move |core| async move {
            let records = core.oauth().list_credentials(client).await?;
            Ok(records
                .into_iter()
                .map(OAuthCredential::from)
                .collect::<Vec<_>>())
        })
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
    ) -> PyResult<Py<PyAny>> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let update = CredentialUpdate {
            google_client_id,
            client_secret: google_client_secret.map(ClientSecret::new),
            scopes,
            redirect_uri,
            account_email: account_email.map(|e| Some(e).filter(|e| !e.trim().is_empty())),
        };
        self.handle.call(py, move |core| async move {
            let record = core
                .oauth()
                .update_credential(id, update)
                .await
                .map_err(|e| python_field(e.into()))?;
            Ok(OAuthCredential::from(record))
        })
    }

    /// Deletes a credential (without revoking it at Google: call `revoke` first for that).
    fn delete(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id = crate::stack::credential_id(py, credential_id)?;
        self.handle.call(py, move |core| async move {
            Ok(core.oauth().delete_credential(id).await?)
        })
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
    ) -> PyResult<Py<PyAny>> {
        let id = crate::stack::credential_id(py, credential_id)?;
        let options = AuthorizeOptions {
            login_hint,
            redirect_uri,
        };
        self.handle.call(py, move |core| async move {
            let request = core.oauth().authorize_url_with(id, options).await?;
            Ok(request.url.to_string())
        })
    }

    /// Finishes consent with the `code` and `state` Google sent to the redirect URI: exchanges
    /// the code and stores the (encrypted) tokens. `AuthorizationError` for an unknown,
    /// expired or replayed state.
    #[pyo3(signature = (*, code, state))]
    fn complete(&self, py: Python<'_>, code: String, state: String) -> PyResult<Py<PyAny>> {
        self.handle.call(py, |core| async move {
            Ok(OAuthCredential::from(
                core.oauth().complete(&code, &state).await?,
            ))
        })
    }

    /// Finishes consent from the callback's query parameters, as a mapping (e.g. Flask's
    /// `request.args`) or a query string. Handles `error=access_denied` too (raising
    /// `AuthorizationError` with `code == "access_denied"`).
    fn complete_callback(&self, py: Python<'_>, params: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(query) = params.cast::<PyString>() {
            let query = query.to_cow()?.into_owned();
            return self.handle.call(py, |core| async move {
                let record = core.oauth().complete_callback_query(&query).await?;
                Ok(OAuthCredential::from(record))
            });
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
        self.handle.call(py, |core| async move {
            Ok(OAuthCredential::from(
                core.oauth().complete_callback(pairs).await?,
            ))
        })
    }

    /// Revokes the grant at Google, then clears the stored tokens and marks the credential
    /// invalid.
    fn revoke(&self, py: Python<'_>, credential_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id = crate::stack::credential_id(py, credential_id)?;
        self.handle.call(
            py,
            move |core| async move { Ok(core.oauth().revoke(id).await?) },
        )
    }

    /// A valid access token for the credential (refreshed first if about to expire), for use
    /// with another HTTP client. This returns a secret: never log it.
    fn access_token(
        &self,
        py: Python<'_>,
        credential_id: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let id = crate::stack::credential_id(py, credential_id)?;
        self.handle.call(py, move |core| async move {
            Ok(core.oauth().access_token(id).await?.into_secret())
        })
    }
}
