//! calstack's own records (`Client`, `OAuthCredential`) and the result of an incremental sync.

use std::collections::BTreeMap;

use calstack_core::{Client as CoreClient, OAuthCredential as CoreCredential};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::macros::record;

record! {
    /// Someone whose calendars you run.
    "Client" => Client {
        /// Stable id of the client.
        id: String,
        /// Display name.
        name: String,
        /// Contact email (unique among clients).
        email: String,
        /// When created.
        created_at: DateTime<Utc>,
        /// When last changed.
        updated_at: DateTime<Utc>,
    }
    repr(id, name, email)
}

impl From<CoreClient> for Client {
    fn from(c: CoreClient) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            email: c.email,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

record! {
    /// A client's Google OAuth grant. Never holds or shows the client secret or the tokens.
    "OAuthCredential" => OAuthCredential {
        /// Stable id of the credential.
        id: String,
        /// The client this credential belongs to.
        client_id: String,
        /// The Google OAuth client id (`….apps.googleusercontent.com`).
        google_client_id: String,
        /// Scopes asked for at consent.
        scopes: Vec<String>,
        /// Scopes Google granted (empty until consent).
        granted_scopes: Vec<String>,
        /// The redirect URI registered with Google.
        redirect_uri: String,
        /// The Google account, when known.
        account_email: Option<String>,
        /// Whether the credential holds a usable grant (consent done, not revoked or refused).
        is_valid: bool,
        /// Whether a refresh token is stored (its value is never exposed).
        has_refresh_token: bool,
        /// When the current access token expires.
        expires_at: Option<DateTime<Utc>>,
        /// Why the credential is invalid (or the last refresh failure).
        last_error: Option<String>,
        /// When created.
        created_at: DateTime<Utc>,
        /// When last changed.
        updated_at: DateTime<Utc>,
    }
    repr(id, client_id, google_client_id, is_valid, scopes)
}

impl From<CoreCredential> for OAuthCredential {
    /// Everything but the secrets (the client secret and tokens are dropped here).
    fn from(record: CoreCredential) -> Self {
        Self {
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
        }
    }
}

/// The changes an incremental sync found: changed and cancelled (deleted) events, and the
/// token to pass to the next sync.
#[pyclass(module = "calstack", name = "SyncResult", frozen)]
pub(crate) struct SyncResult {
    events: Py<PyList>,
    next_sync_token: Option<String>,
}

impl SyncResult {
    /// Wraps the events (already Python `Event`s) and the next token.
    pub(crate) fn new(events: Py<PyList>, next_sync_token: Option<String>) -> Self {
        Self {
            events,
            next_sync_token,
        }
    }
}

#[pymethods]
impl SyncResult {
    /// Changed events, cancelled ones included (`event.is_cancelled`).
    #[getter]
    fn events(&self, py: Python<'_>) -> Py<PyList> {
        self.events.clone_ref(py)
    }

    /// Pass this to the next `sync_events` call to get only later changes.
    #[getter]
    fn next_sync_token(&self) -> Option<String> {
        self.next_sync_token.clone()
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.events.bind(py).len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SyncResult(events=<{} events>, next_sync_token={})",
            self.events.bind(py).len(),
            if self.next_sync_token.is_some() {
                "'…'"
            } else {
                "None"
            }
        )
    }
}

record! {
    /// What `stack.rotate_keys()` did: how many credentials it looked at and how many secrets
    /// it re-sealed under the current key.
    "RotationReport" => RotationReport {
        /// Credentials looked at.
        examined: usize,
        /// Credentials with at least one secret re-sealed under the current key.
        resealed: usize,
        /// Consents in progress whose PKCE verifier was re-sealed.
        pending_resealed: usize,
    }
    repr(examined, resealed, pending_resealed)
}

impl From<calstack_core::oauth::RotationReport> for RotationReport {
    fn from(r: calstack_core::oauth::RotationReport) -> Self {
        Self {
            examined: r.examined,
            resealed: r.resealed,
            pending_resealed: r.pending_resealed,
        }
    }
}

record! {
    /// The Calendar request counters of a stack (`stack.metrics()`), added up over its
    /// credentials.
    "Metrics" => Metrics {
        /// HTTP requests sent (every attempt counts).
        requests: u64,
        /// Attempts that retried an earlier failed attempt.
        retries: u64,
        /// Times a request waited for the client-side throttle.
        throttled_waits: u64,
        /// Times a 401 was healed by a fresh token and the request re-sent.
        unauthorized_refreshes: u64,
        /// Failed attempts by reason (Google's reason, `http_<status>` or `transport`).
        errors: BTreeMap<String, u64>,
    }
    repr(requests, retries, throttled_waits, unauthorized_refreshes)
}

impl From<calstack_core::MetricsSnapshot> for Metrics {
    fn from(m: calstack_core::MetricsSnapshot) -> Self {
        Self {
            requests: m.requests,
            retries: m.retries,
            throttled_waits: m.throttled_waits,
            unauthorized_refreshes: m.unauthorized_refreshes,
            errors: m.errors,
        }
    }
}
