//! Revocation: tell Google to drop the grant, then clear the tokens and mark the credential
//! invalid. A plain form POST (`token=…`), because `oauth2` only accepts HTTPS revocation
//! endpoints and local emulators speak HTTP.

use super::http::{transport_message, truncate_body};
use super::manager::OAuthManager;
use crate::crypto::aad;
use crate::error::{ApiError, Error, Result};
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
            let config = &self.inner.config;
            let mut attempt = 0;
            loop {
                match self.post_revoke(token.secret()).await {
                    Ok(()) => break,
                    Err(e) if e.is_retryable() && attempt < config.max_retries => {
                        let delay = self.backoff(attempt);
                        attempt += 1;
                        tracing::warn!(credential_id = %id, error = %e, attempt, "revoke failed; retrying");
                        self.inner.clock.sleep(delay).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        self.modify(id, |c| {
            c.access_token = None;
            c.refresh_token = None;
            c.expires_at = None;
            c.is_valid = false;
            c.last_error = Some("revoked".into());
            Ok(true)
        })
        .await?;
        tracing::info!(credential_id = %id, "credential revoked");
        Ok(())
    }

    async fn post_revoke(&self, token: &str) -> Result<()> {
        let response = self
            .inner
            .http
            .client
            .post(self.inner.endpoints.revoke_url.clone())
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|e| Error::transport(format!("revoke endpoint: {}", transport_message(e))))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.bytes().await.unwrap_or_default();
        let error_code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        if status.as_u16() == 400 && error_code.as_deref() == Some("invalid_token") {
            tracing::info!("Google says the token is already revoked");
            return Ok(());
        }
        Err(Error::Api(Box::new(ApiError {
            status: status.as_u16(),
            reason: error_code,
            message: format!("revoke endpoint answered HTTP {}", status.as_u16()),
            body: truncate_body(&body),
        })))
    }
}
