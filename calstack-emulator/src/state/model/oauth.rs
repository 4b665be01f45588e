//! OAuth bookkeeping: registered clients, authorization codes, grants (what a refresh token
//! stands for), access tokens, and what the emulated user answers on the consent screen.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the emulated user answers on the consent screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "scopes", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Consent {
    /// Grant every requested scope (the default).
    #[default]
    Grant,
    /// Refuse: the redirect carries `error=access_denied`.
    Deny,
    /// Grant only the requested scopes that are also in this list (the user unticked the rest).
    GrantOnly(Vec<String>),
}

/// A registered (or first-use-bound) OAuth client. `Debug` leaves the secret out.
#[derive(Clone, Default)]
pub(crate) struct ClientReg {
    pub(crate) secret: Option<String>,
    pub(crate) redirect_uris: Vec<String>,
}

impl std::fmt::Debug for ClientReg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientReg")
            .field("secret", &super::channel::redacted(self.secret.as_ref()))
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

/// An authorization code waiting to be exchanged (single use, ten minutes).
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) account: String,
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) offline: bool,
    pub(crate) used: bool,
}

/// One user's consent to one client: what a refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) account: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) revoked: bool,
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

impl Grant {
    pub(crate) fn alive(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.expires_at.is_none_or(|at| now < at)
    }
}

/// What an issued access token stands for, until it expires.
#[derive(Debug, Clone)]
pub(crate) struct AccessTokenRecord {
    pub(crate) account: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) grant: Option<u64>,
}

/// OAuth bookkeeping. Its `Debug` shows counts only: it holds client secrets and tokens.
#[derive(Default)]
pub(crate) struct OAuthState {
    pub(crate) clients: HashMap<String, ClientReg>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) grants: HashMap<u64, Grant>,
    pub(crate) by_refresh: HashMap<String, u64>,
    pub(crate) access: HashMap<String, AccessTokenRecord>,
    pub(crate) next_grant: u64,
    pub(crate) consent: Consent,
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthState")
            .field("clients", &self.clients.len())
            .field("grants", &self.grants.len())
            .field("access_tokens", &self.access.len())
            .field("consent", &self.consent)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_client_secret() {
        let reg = ClientReg {
            secret: Some("secret-hunter2".into()),
            redirect_uris: vec!["http://127.0.0.1/cb".into()],
        };
        let shown = format!("{reg:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
