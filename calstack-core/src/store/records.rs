//! The records calstack persists: clients, their OAuth credentials (secrets sealed), and
//! pending authorizations (consent started, callback not yet seen).

use std::borrow::Cow;

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

/// A secret sealed by [`crate::crypto`]: opaque text (`v1:<key id>:<nonce+ciphertext>`), safe
/// to store. Only a keyring holding its key can open it, and only for the row and field it was
/// sealed for.
///
/// A store with binary columns may keep it as bytes instead ([`Sealed::to_stored_bytes`],
/// [`Sealed::from_stored_bytes`]): the same value in three quarters of the space, opened
/// without decoding base64. Both forms of one value are equal, and serialize as its text.
#[derive(Clone)]
pub struct Sealed(pub(crate) SealedForm);

/// How a [`Sealed`] value is held: as its text, or as its stored bytes.
#[derive(Clone)]
pub(crate) enum SealedForm {
    /// `v1:<key id>:<base64url of nonce ‖ ciphertext ‖ tag>` (or any text a store gave).
    Text(String),
    /// `v1:<key id>:` then nonce ‖ ciphertext ‖ tag, raw (checked to start so when made).
    Bytes(Vec<u8>),
}

impl Sealed {
    /// Wraps sealed text read from a store.
    pub fn from_stored(text: impl Into<String>) -> Self {
        Self(SealedForm::Text(text.into()))
    }

    /// The sealed text, to write to a store (a value read as bytes is turned back into its
    /// text here).
    pub fn as_stored(&self) -> Cow<'_, str> {
        match &self.0 {
            SealedForm::Text(text) => Cow::Borrowed(text),
            SealedForm::Bytes(bytes) => Cow::Owned(crate::crypto::sealed_bytes_to_text(bytes)),
        }
    }
}

impl Sealed {
    /// This value borrowed, as [`SealedRef`].
    pub fn as_sealed_ref(&self) -> SealedRef<'_> {
        match &self.0 {
            SealedForm::Text(text) => SealedRef(SealedRefForm::Text(text)),
            SealedForm::Bytes(bytes) => SealedRef(SealedRefForm::Bytes(bytes)),
        }
    }
}

/// A [`Sealed`] value borrowed from where a store keeps it, such as a database page while a
/// [`crate::store::WindowVisitor`] looks at a row: opened in place, never copied. Made from
/// text, or from the bytes of [`Sealed::to_stored_bytes`].
#[derive(Clone, Copy)]
pub struct SealedRef<'a>(pub(crate) SealedRefForm<'a>);

/// How a [`SealedRef`] is held.
#[derive(Clone, Copy)]
pub(crate) enum SealedRefForm<'a> {
    /// As [`SealedForm::Text`].
    Text(&'a str),
    /// As [`SealedForm::Bytes`].
    Bytes(&'a [u8]),
}

impl<'a> SealedRef<'a> {
    /// Sealed text as a store keeps it.
    pub fn from_stored(text: &'a str) -> Self {
        Self(SealedRefForm::Text(text))
    }

    /// Bytes a store kept ([`Sealed::to_stored_bytes`]); `None` when they do not start with
    /// `v1:<key id>:`.
    pub fn from_stored_bytes(bytes: &'a [u8]) -> Option<Self> {
        crate::crypto::is_sealed_bytes(bytes).then_some(Self(SealedRefForm::Bytes(bytes)))
    }

    /// The value, owned.
    pub fn to_sealed(self) -> Sealed {
        Sealed(match self.0 {
            SealedRefForm::Text(text) => SealedForm::Text(text.to_owned()),
            SealedRefForm::Bytes(bytes) => SealedForm::Bytes(bytes.to_vec()),
        })
    }
}

impl std::fmt::Debug for SealedRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedRef(..)")
    }
}

impl PartialEq for Sealed {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (SealedForm::Bytes(a), SealedForm::Bytes(b)) => a == b,
            _ => self.as_stored() == other.as_stored(),
        }
    }
}

impl Eq for Sealed {}

impl Serialize for Sealed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_stored())
    }
}

impl<'de> Deserialize<'de> for Sealed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from_stored)
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
