//! Secrets at rest: AES-256-GCM sealing bound to row and field, with a keyring for key rotation.
//!
//! Every secret calstack stores (client secret, access token, refresh token, PKCE verifier) is
//! sealed by a [`Keyring`] before it reaches a store, as text of the form
//! `v1:<key id>:<base64url(nonce ‖ ciphertext)>`. The key id is derived from the key itself (the
//! first 8 hex characters of its SHA-256), so nothing but the key needs configuring, and a
//! keyring holding old keys still opens values sealed under them.
//!
//! Each value is sealed with *associated data* naming the row and field it belongs to (see
//! [`aad`]), so a ciphertext copied to another credential or another column fails to open.
//!
//! ```
//! use calstack_core::crypto::{aad, EncryptionKey, Keyring};
//! use calstack_core::CredentialId;
//!
//! let keyring = Keyring::new(EncryptionKey::generate());
//! let id = CredentialId::new();
//! let sealed = keyring.seal("1//refresh", &aad::credential(id, aad::REFRESH_TOKEN))?;
//! let opened = keyring.open(&sealed, &aad::credential(id, aad::REFRESH_TOKEN))?;
//! assert_eq!(opened.secret(), "1//refresh");
//! # Ok::<(), calstack_core::Error>(())
//! ```

mod key;
mod keyring;

pub use key::EncryptionKey;
pub use keyring::{KEY_ENV_VAR, Keyring, Plaintext};
pub(crate) use keyring::{is_sealed_bytes, sealed_bytes_to_text};

/// Associated-data strings that bind a sealed value to the row and field it was sealed for.
pub mod aad {
    use crate::store::CredentialId;

    /// Field name of a credential's client secret.
    pub const CLIENT_SECRET: &str = "client_secret";
    /// Field name of a credential's access token.
    pub const ACCESS_TOKEN: &str = "access_token";
    /// Field name of a credential's refresh token.
    pub const REFRESH_TOKEN: &str = "refresh_token";

    /// Associated data for `field` of credential `id`:
    /// `calstack:v1:credential:<id>:<field>`.
    pub fn credential(id: CredentialId, field: &str) -> String {
        format!("calstack:v1:credential:{id}:{field}")
    }

    /// Associated data for the PKCE verifier of the pending authorization with `state`, for
    /// credential `id`: `calstack:v1:pending:<id>:<state>:pkce_verifier`.
    pub fn pending_verifier(id: CredentialId, state: &str) -> String {
        format!("calstack:v1:pending:{id}:{state}:pkce_verifier")
    }
}
