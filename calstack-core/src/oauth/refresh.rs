//! Handing out valid access tokens: the manager's door to the [token
//! pipeline](crate::tokens) (cache, single flight, store lease, refresh), and the
//! [`TokenSource`] adapter for the Calendar client.

use std::sync::Arc;

use super::manager::OAuthManager;
use crate::auth::TokenSource;
use crate::error::Result;
use crate::secret::AccessToken;
use crate::store::CredentialId;
use crate::tokens::{CredentialTokenSource, Want};

impl OAuthManager {
    /// A valid access token for the credential, refreshed first if it expires within
    /// [`super::OAuthConfig::refresh_skew`] (plus jitter) or has no expiry.
    ///
    /// A fresh token is served from memory (no store read, no decryption). Concurrent callers
    /// for one credential share one load or refresh, in this process and across processes
    /// sharing the store. An invalid credential fails with
    /// [`crate::Error::ReauthorizationRequired`] without touching the network.
    pub async fn access_token(&self, credential_id: CredentialId) -> Result<AccessToken> {
        self.inner.tokens.obtain(credential_id, Want::Fresh).await
    }

    /// Forces a refresh unless the current token already differs from `rejected` (someone else
    /// refreshed after the 401). Used by [`CredentialTokenSource`].
    pub async fn refresh_after_unauthorized(
        &self,
        credential_id: CredentialId,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        self.inner
            .tokens
            .obtain(credential_id, Want::Replacing(rejected))
            .await
    }

    /// The Calendar client's auth hook for one credential.
    pub fn token_source(&self, credential_id: CredentialId) -> Arc<dyn TokenSource> {
        Arc::new(CredentialTokenSource::new(
            self.inner.tokens.clone(),
            credential_id,
        ))
    }
}
