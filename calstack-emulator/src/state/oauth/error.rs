//! The OAuth error shape of Google's token, revoke and authorization endpoints.

use serde_json::{Value, json};

/// An OAuth error as Google's token/revoke/authorization endpoints report it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OAuthError {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) description: String,
}

impl OAuthError {
    pub(super) fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub(super) fn invalid_grant(description: &str) -> Self {
        Self::new(400, "invalid_grant", description)
    }

    pub(super) fn invalid_client() -> Self {
        Self::new(401, "invalid_client", "The OAuth client was not found.")
    }

    pub(crate) fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}
