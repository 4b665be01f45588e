//! The refresh itself, run while holding the store lease: the refresh grant through the retry
//! engine (the lease extended before every retry), `invalid_grant` → credential marked invalid,
//! other refusals noted on the credential, and the new tokens sealed, stored and cached.

use oauth2::TokenResponse as _;

use super::cache::Slot;
use super::google::GoogleTokenResponse;
use super::{Ahead, TokenPipeline, Want, reauthorization};
use crate::crypto::aad;
use crate::error::{Error, Result};
use crate::secret::AccessToken;
use crate::store::CredentialId;

impl TokenPipeline {
    /// Refreshes while holding the lease. Re-checks first: another process may have finished
    /// between our read and taking the lease.
    pub(super) async fn refresh_with_lease(
        &self,
        id: CredentialId,
        want: Want<'_>,
        slot: &Slot,
        generation: u64,
    ) -> Result<AccessToken> {
        let vault = &self.vault;
        let credential = vault.load(id).await?;
        if let Some(token) = self.usable(&credential, want, Ahead::Yes, slot, generation)? {
            return Ok(token);
        }
        let Some(sealed_refresh) = &credential.refresh_token else {
            let reason = "no refresh token: complete consent first".to_owned();
            self.mark_invalid(id, &reason).await?;
            return Err(Error::ReauthorizationRequired {
                credential_id: id.to_string(),
                reason,
            });
        };
        let refresh = oauth2::RefreshToken::new(
            vault
                .open(id, aad::REFRESH_TOKEN, sealed_refresh)?
                .into_secret(),
        );
        let secret = vault.open(id, aad::CLIENT_SECRET, &credential.client_secret)?;
        let client = self.endpoint.client(
            &credential.google_client_id,
            Some(&secret),
            &credential.redirect_uri,
        )?;
        let mut attempt = 0u32;
        let result = self
            .endpoint
            .engine()
            .run("oauth.refresh", || {
                attempt += 1;
                let retry = attempt > 1;
                let client = &client;
                let refresh = &refresh;
                async move {
                    if retry {
                        self.extend_lease(id).await?;
                    }
                    self.endpoint.refresh_once(client, refresh).await
                }
            })
            .await;
        let response = match result {
            Ok(response) => response,
            Err(error) => return Err(self.refresh_failed(id, error).await),
        };

        self.store_refreshed(id, &response, slot, generation).await
    }

    /// Seals and stores what the token endpoint answered (keeping the refresh token when Google
    /// sent none), caches the new access token and returns it.
    async fn store_refreshed(
        &self,
        id: CredentialId,
        response: &GoogleTokenResponse,
        slot: &Slot,
        generation: u64,
    ) -> Result<AccessToken> {
        let vault = &self.vault;
        let token = AccessToken::new(response.access_token().secret().clone());
        let access = vault.seal(id, aad::ACCESS_TOKEN, token.secret())?;
        let new_refresh = response
            .refresh_token()
            .map(|t| vault.seal(id, aad::REFRESH_TOKEN, t.secret()))
            .transpose()?;
        let expires_at = response.expires_in().map(|d| vault.token_expiry(d));
        let granted: Option<Vec<String>> = response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect());
        vault
            .modify(id, |c| {
                if !c.is_valid {
                    // Revoked or invalidated while we refreshed: do not resurrect it.
                    return Err(reauthorization(c));
                }
                c.access_token = Some(access.clone());
                if let Some(r) = &new_refresh {
                    c.refresh_token = Some(r.clone());
                }
                c.expires_at = expires_at;
                if let Some(g) = &granted {
                    c.granted_scopes.clone_from(g);
                }
                c.last_error = None;
                Ok(true)
            })
            .await?;
        if let Some(expires_at) = expires_at {
            slot.put(
                generation,
                token.clone(),
                self.refresh_from(expires_at),
                expires_at,
            );
        }
        crate::metrics::refresh("ok", None);
        tracing::info!(credential_id = %id, rotated_refresh_token = new_refresh.is_some(), "access token refreshed");
        Ok(token)
    }

    /// Keeps the lease ours for the next attempt.
    async fn extend_lease(&self, id: CredentialId) -> Result<()> {
        let until = self.vault.after(self.timing.lease_ttl);
        if !self
            .vault
            .store
            .try_acquire_lease(id, &self.holder, self.vault.now(), until)
            .await?
        {
            tracing::warn!(credential_id = %id, "refresh lease expired during retries; another process may refresh too");
        }
        Ok(())
    }

    /// What a failed refresh means for the credential, and the error to return.
    async fn refresh_failed(&self, id: CredentialId, error: Error) -> Error {
        match error {
            Error::Authorization { code, reason } if code == "invalid_grant" => {
                crate::metrics::refresh("invalid_grant", None);
                let reason = if reason == code {
                    code
                } else {
                    format!("invalid_grant: {reason}")
                };
                tracing::warn!(credential_id = %id, reason = %reason, "refresh token refused; credential marked invalid");
                if let Err(e) = self.mark_invalid(id, &reason).await {
                    return e;
                }
                Error::ReauthorizationRequired {
                    credential_id: id.to_string(),
                    reason,
                }
            }
            Error::Authorization { code, reason } => {
                crate::metrics::refresh("refused", None);
                tracing::warn!(credential_id = %id, error = %code, "token endpoint refused the refresh");
                // Not a dead grant (e.g. invalid_client: the app's id or secret is wrong): keep
                // the credential valid but say why refreshing fails.
                let note = format!("refresh refused: {code}");
                let noted = self
                    .vault
                    .modify(id, |c| {
                        c.last_error = Some(note.clone());
                        Ok(true)
                    })
                    .await;
                match noted {
                    Ok(_) => Error::Authorization { code, reason },
                    Err(e) => e,
                }
            }
            other => {
                crate::metrics::refresh("error", None);
                tracing::warn!(credential_id = %id, error = %other, "token refresh failed");
                other
            }
        }
    }

    /// Marks the credential invalid with `reason` and forgets its cached token.
    pub(crate) async fn mark_invalid(&self, id: CredentialId, reason: &str) -> Result<()> {
        self.cache.invalidate(id);
        self.vault
            .modify(id, |c| {
                c.is_valid = false;
                c.last_error = Some(reason.to_owned());
                Ok(true)
            })
            .await?;
        self.cache.invalidate(id);
        Ok(())
    }
}
