//! The OAuth credential manager: consent URL with PKCE and single-use state, code exchange,
//! single-flight refresh, revocation.
//!
//! [`OAuthManager`] keeps one Google OAuth grant per [`OAuthCredential`](crate::OAuthCredential)
//! fresh and valid:
//!
//! - [`OAuthManager::register`] stores a client's Google OAuth app (client id, sealed client
//!   secret, scopes, redirect URI).
//! - [`OAuthManager::authorize_url`] builds the consent URL (`access_type=offline`,
//!   `prompt=consent`, `include_granted_scopes=true`, PKCE S256) and stores a random,
//!   single-use, expiring `state` server-side.
//! - [`OAuthManager::complete`] / [`OAuthManager::complete_callback`] take that state exactly
//!   once, exchange the code and seal the tokens.
//! - [`OAuthManager::access_token`] hands out a valid token through the [token
//!   pipeline](crate::tokens): from memory while fresh, else refreshed ahead of expiry, with one
//!   refresh per credential at a time across tasks *and* across processes sharing a store
//!   (through [`LeaseStore`](crate::store::LeaseStore)).
//! - [`OAuthManager::token_source`] adapts a credential to the Calendar client's
//!   [`TokenSource`](crate::TokenSource).
//! - [`OAuthManager::revoke`] revokes the grant at Google and marks the credential invalid.
//! - [`OAuthManager::rotate_keys`] re-seals every stored secret under the keyring's current key.
//!
//! Built on the `oauth2` crate for the consent URL and token requests; revocation is a plain
//! form POST because `oauth2` refuses non-HTTPS revocation endpoints (which local emulators use).
//! Token and revoke requests use the transport's HTTP client and retry engine.

mod authorize;
mod config;
mod manager;
mod refresh;
mod revoke;
mod scopes;

pub use crate::tokens::CredentialTokenSource;
pub use authorize::{AuthorizationRequest, AuthorizeOptions};
pub use config::{
    GOOGLE_API_BASE, GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL, GoogleEndpoints,
    OAuthConfig,
};
pub(crate) use manager::BeforeDelete;
pub use manager::{CredentialUpdate, NewCredential, OAuthManager, RotationReport};
pub use scopes::CredentialExt;

#[cfg(test)]
mod tests;
