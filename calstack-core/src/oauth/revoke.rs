//! Revocation: tell Google to drop the grant (through the token endpoint's HTTP client and
//! retry engine), then clear the tokens, mark the credential invalid and forget its cached
//! token. A plain form POST (`token=…`), because `oauth2` only accepts HTTPS revocation
//! endpoints and local emulators speak HTTP.

use super::manager::OAuthManager;
use crate::crypto::aad;
use crate::error::Result;
use crate::store::CredentialId;

impl OAuthManager {
    /// Revokes the credential's grant at Google (sending the refresh token, or the access token
    /// when there is none), then clears its tokens and marks it invalid. Google answering 400
    /// `invalid_token` counts as already revoked. 5xx, 429 and network failures are retried;
    /// if they persist the credential is left unchanged and the error returned.
    pub async fn revoke(&self, credential_id: CredentialId) -> Result<()> {
        let id = credential_id;
        let credential = self.load(id).await?;
        let token = match (&credential.refresh_token, &credential.access_token) {
            (Some(sealed), _) => Some(self.open(id, aad::REFRESH_TOKEN, sealed)?),
            (None, Some(sealed)) => Some(self.open(id, aad::ACCESS_TOKEN, sealed)?),
            (None, None) => None,
        };
        if let Some(token) = token {
            self.inner.tokens.endpoint().revoke(token.secret()).await?;
        }
        self.inner.tokens.invalidate(id);
        self.modify(id, |c| {
            c.access_token = None;
            c.refresh_token = None;
            c.expires_at = None;
            c.is_valid = false;
            c.last_error = Some("revoked".into());
            Ok(true)
        })
        .await?;
        self.inner.tokens.invalidate(id);
        tracing::info!(credential_id = %id, "credential revoked");
        Ok(())
    }
}
