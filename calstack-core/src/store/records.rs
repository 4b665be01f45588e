//! The records calstack persists: clients, their OAuth credentials (secrets sealed), and
//! pending authorizations (consent started, callback not yet seen).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a [`Client`].
    ClientId
);
id_type!(
    /// Identifies an [`OAuthCredential`].
    CredentialId
);

/// A secret sealed by [`crate::crypto`]: opaque text (`<key id>:<nonce+ciphertext>`), safe to
/// store. Only a keyring holding its key can open it, and only for the row and field it was
/// sealed for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(String);

impl Sealed {
    /// Wraps sealed text read from a store.
    pub fn from_stored(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The sealed text, to write to a store.
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealed(..)")
    }
}

/// Someone whose calendars you run: a person or a business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Stable id.
    pub id: ClientId,
    /// Display name, trimmed, 1–200 characters.
    pub name: String,
    /// Contact email; unique across clients (compared case-insensitively by validation,
    /// stored as given).
    pub email: String,
    /// When the client was created (UTC, microseconds).
    pub created_at: DateTime<Utc>,
    /// When the client was last changed (UTC, microseconds).
    pub updated_at: DateTime<Utc>,
}

/// One Google OAuth grant for a client: the Google OAuth app it uses, and the tokens it got.
/// A client may hold several (several Google accounts).
///
/// Secrets are [`Sealed`]; the OAuth manager opens them when it needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCredential {
    /// Stable id.
    pub id: CredentialId,
    /// The client this credential belongs to (deleting the client deletes it).
    pub client_id: ClientId,
    /// The Google OAuth client id (`….apps.googleusercontent.com`).
    pub google_client_id: String,
    /// The Google OAuth client secret, sealed.
    pub client_secret: Sealed,
    /// Scopes asked for at consent, as full URLs.
    pub scopes: Vec<String>,
    /// Scopes Google actually granted (may be narrower than `scopes`); empty until consent.
    pub granted_scopes: Vec<String>,
    /// The redirect URI registered with Google for this app.
    pub redirect_uri: String,
    /// The Google account this grant is for, when known (from `login_hint` or the token).
    pub account_email: Option<String>,
    /// The current access token, sealed.
    pub access_token: Option<Sealed>,
    /// The refresh token, sealed.
    pub refresh_token: Option<Sealed>,
    /// When the access token expires; `None` counts as expired.
    pub expires_at: Option<DateTime<Utc>>,
    /// False once Google refused the refresh token (`invalid_grant`) or the grant was revoked.
    pub is_valid: bool,
    /// Why the credential is invalid (or the last refresh failure), never containing a secret.
    pub last_error: Option<String>,
    /// When created (UTC, microseconds).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC, microseconds).
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version: starts at 1, incremented by every successful
    /// [`crate::store::CredentialStore::update_credential`].
    pub version: i64,
}

/// A consent in progress: created with the authorization URL, taken exactly once by the
/// callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAuthorization {
    /// The random `state` sent to Google and echoed back (CSRF protection). Unique.
    pub state: String,
    /// The credential being authorized.
    pub credential_id: CredentialId,
    /// The PKCE code verifier, sealed.
    pub pkce_verifier: Sealed,
    /// The redirect URI used in the authorization request (the token request must repeat it).
    pub redirect_uri: String,
    /// When created (UTC, microseconds).
    pub created_at: DateTime<Utc>,
    /// After this the callback is refused.
    pub expires_at: DateTime<Utc>,
}
