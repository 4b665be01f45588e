//! Handing out valid access tokens: refresh ahead of expiry, one refresh per credential at a
//! time (a per-credential async mutex in-process, the store's refresh lease across processes),
//! retries of transient token-endpoint failures, `invalid_grant` → invalid credential, and the
//! [`TokenSource`] adapter for the Calendar client.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use oauth2::TokenResponse as _;

use super::http::{TokenFailure, classify};
use super::manager::OAuthManager;
use crate::auth::TokenSource;
use crate::crypto::aad;
use crate::error::{Error, Result};
use crate::secret::AccessToken;
use crate::store::{CredentialId, OAuthCredential};

/// Whether a token close to expiry counts as usable.
#[derive(Debug, Clone, Copy)]
enum Ahead {
    /// Refresh ahead: a token within the skew of its expiry is not usable.
    Yes,
    /// Only an expired token is unusable (someone else is already refreshing).
    No,
}

/// What a caller needs from the stored token.
enum Want<'a> {
    /// A token not about to expire.
    Fresh,
    /// A token other than this one, which the API just rejected with 401.
    Replacing(&'a AccessToken),
}

impl OAuthManager {
    /// A valid access token for the credential, refreshed first if it expires within
    /// [`super::OAuthConfig::refresh_skew`] (plus jitter) or has no expiry.
    ///
    /// Concurrent callers for one credential share one refresh, in this process and across
    /// processes sharing the store. An invalid credential fails with
    /// [`Error::ReauthorizationRequired`] without touching the network.
    pub async fn access_token(&self, credential_id: CredentialId) -> Result<AccessToken> {
        self.obtain(credential_id, Want::Fresh).await
    }

    /// Forces a refresh unless the stored token already differs from `rejected` (someone else
    /// refreshed after the 401). Used by [`CredentialTokenSource`].
    pub async fn refresh_after_unauthorized(
        &self,
        credential_id: CredentialId,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        self.obtain(credential_id, Want::Replacing(rejected)).await
    }

    /// The Calendar client's auth hook for one credential.
    pub fn token_source(&self, credential_id: CredentialId) -> Arc<dyn TokenSource> {
        Arc::new(CredentialTokenSource {
            manager: self.clone(),
            credential_id,
        })
    }

    async fn obtain(&self, id: CredentialId, want: Want<'_>) -> Result<AccessToken> {
        let credential = self.load(id).await?;
        if let Some(token) = self.usable(&credential, &want, Ahead::Yes)? {
            return Ok(token);
        }
        let flight = self.flight(id);
        let _guard = match flight.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Another task is refreshing. A token that has not actually expired yet is
                // still good: serve it rather than wait.
                if let Some(token) = self.usable(&credential, &want, Ahead::No)? {
                    return Ok(token);
                }
                flight.lock().await
            }
        };
        let started = self.now();
        let config = &self.inner.config;
        loop {
            // Re-read: whoever held the lock (or another process) may have refreshed already.
            let credential = self.load(id).await?;
            if let Some(token) = self.usable(&credential, &want, Ahead::Yes)? {
                return Ok(token);
            }
            let now = self.now();
            let until = self.after(config.lease_ttl);
            if self
                .inner
                .store
                .try_acquire_lease(id, &self.inner.holder, now, until)
                .await?
            {
                let result = self.refresh_with_lease(id, &want).await;
                if let Err(e) = self.inner.store.release_lease(id, &self.inner.holder).await {
                    tracing::warn!(credential_id = %id, error = %e, "could not release the refresh lease");
                }
                return result;
            }
            // Another process is refreshing; until the old token actually expires, use it.
            if let Some(token) = self.usable(&credential, &want, Ahead::No)? {
                return Ok(token);
            }
            let waited = now - started;
            if waited >= TimeDelta::from_std(config.lease_wait_max).unwrap_or(TimeDelta::MAX) {
                return Err(Error::transport(format!(
                    "timed out waiting for another process to refresh credential {id}"
                )));
            }
            tracing::debug!(credential_id = %id, "another process is refreshing; waiting");
            self.inner.clock.sleep(config.lease_poll_interval).await;
        }
    }

    /// The stored token if it satisfies `want`; `Err` if the credential is invalid. With
    /// [`Ahead::Yes`] a token within the refresh skew (plus jitter) of its expiry is not
    /// usable; with [`Ahead::No`] only an expired one is not.
    fn usable(
        &self,
        credential: &OAuthCredential,
        want: &Want<'_>,
        ahead: Ahead,
    ) -> Result<Option<AccessToken>> {
        if !credential.is_valid {
            return Err(reauthorization(credential));
        }
        let (Some(sealed), Some(expires_at)) = (&credential.access_token, credential.expires_at)
        else {
            return Ok(None);
        };
        let now = self.now();
        let config = &self.inner.config;
        let margin = match (want, ahead) {
            (Want::Fresh, Ahead::Yes) => {
                config.refresh_skew + config.refresh_jitter.mul_f64(rand::random::<f64>())
            }
            _ => std::time::Duration::ZERO,
        };
        let refresh_from = TimeDelta::from_std(margin)
            .ok()
            .and_then(|m| expires_at.checked_sub_signed(m))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        if refresh_from <= now {
            return Ok(None);
        }
        let token = AccessToken::new(
            self.open(credential.id, aad::ACCESS_TOKEN, sealed)?
                .into_secret(),
        );
        match want {
            Want::Replacing(rejected) if token == **rejected => Ok(None),
            _ => Ok(Some(token)),
        }
    }

    /// Refreshes while holding the lease. Re-checks first: another process may have finished
    /// between our read and taking the lease.
    async fn refresh_with_lease(&self, id: CredentialId, want: &Want<'_>) -> Result<AccessToken> {
        let credential = self.load(id).await?;
        if let Some(token) = self.usable(&credential, want, Ahead::Yes)? {
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
            self.open(id, aad::REFRESH_TOKEN, sealed_refresh)?
                .into_secret(),
        );
        let secret = self.open(id, aad::CLIENT_SECRET, &credential.client_secret)?;
        let client = self.oauth_client(&credential, Some(&secret), &credential.redirect_uri)?;
        let config = &self.inner.config;
        let mut attempt = 0;
        let response = loop {
            let result = client
                .exchange_refresh_token(&refresh)
                .request_async(&self.inner.http)
                .await;
            match result {
                Ok(response) => break response,
                Err(e) => match classify(e, "token endpoint") {
                    TokenFailure::Refused { code, description } if code == "invalid_grant" => {
                        let reason = match description {
                            Some(d) => format!("invalid_grant: {d}"),
                            None => "invalid_grant".to_owned(),
                        };
                        tracing::warn!(credential_id = %id, reason = %reason, "refresh token refused; credential marked invalid");
                        self.mark_invalid(id, &reason).await?;
                        return Err(Error::ReauthorizationRequired {
                            credential_id: id.to_string(),
                            reason,
                        });
                    }
                    TokenFailure::Refused { code, description } => {
                        tracing::warn!(credential_id = %id, error = %code, "token endpoint refused the refresh");
                        // Not a dead grant (e.g. invalid_client: the app's id or secret is
                        // wrong): keep the credential valid but say why refreshing fails.
                        let note = format!("refresh refused: {code}");
                        self.modify(id, |c| {
                            c.last_error = Some(note.clone());
                            Ok(true)
                        })
                        .await?;
                        return Err(Error::Authorization {
                            reason: description.unwrap_or_else(|| code.clone()),
                            code,
                        });
                    }
                    TokenFailure::Transient(e) if attempt < config.max_retries => {
                        let delay = self.backoff(attempt);
                        attempt += 1;
                        tracing::warn!(credential_id = %id, error = %e, attempt, delay_ms = delay.as_millis() as u64, "token refresh failed; retrying");
                        self.inner.clock.sleep(delay).await;
                        // Keep the lease ours for the next attempt.
                        let until = self.after(config.lease_ttl);
                        if !self
                            .inner
                            .store
                            .try_acquire_lease(id, &self.inner.holder, self.now(), until)
                            .await?
                        {
                            tracing::warn!(credential_id = %id, "refresh lease expired during retries; another process may refresh too");
                        }
                    }
                    TokenFailure::Transient(e) | TokenFailure::Fatal(e) => {
                        tracing::warn!(credential_id = %id, error = %e, "token refresh failed");
                        return Err(e);
                    }
                },
            }
        };

        let token = AccessToken::new(response.access_token().secret().clone());
        let access = self.seal(id, aad::ACCESS_TOKEN, token.secret())?;
        let new_refresh = response
            .refresh_token()
            .map(|t| self.seal(id, aad::REFRESH_TOKEN, t.secret()))
            .transpose()?;
        let expires_at = response.expires_in().map(|d| self.token_expiry(d));
        let granted: Option<Vec<String>> = response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect());
        self.modify(id, |c| {
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
        tracing::info!(credential_id = %id, rotated_refresh_token = new_refresh.is_some(), "access token refreshed");
        Ok(token)
    }

    pub(crate) async fn mark_invalid(&self, id: CredentialId, reason: &str) -> Result<()> {
        self.modify(id, |c| {
            c.is_valid = false;
            c.last_error = Some(reason.to_owned());
            Ok(true)
        })
        .await?;
        Ok(())
    }
}

fn reauthorization(credential: &OAuthCredential) -> Error {
    Error::ReauthorizationRequired {
        credential_id: credential.id.to_string(),
        reason: credential
            .last_error
            .clone()
            .unwrap_or_else(|| "credential is not valid".into()),
    }
}

/// A [`TokenSource`] for one stored credential, backed by an [`OAuthManager`]. Made by
/// [`OAuthManager::token_source`].
#[derive(Debug, Clone)]
pub struct CredentialTokenSource {
    manager: OAuthManager,
    credential_id: CredentialId,
}

impl CredentialTokenSource {
    /// The credential this source serves.
    pub fn credential_id(&self) -> CredentialId {
        self.credential_id
    }
}

#[async_trait]
impl TokenSource for CredentialTokenSource {
    async fn access_token(&self) -> Result<AccessToken> {
        self.manager.access_token(self.credential_id).await
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>> {
        self.manager
            .refresh_after_unauthorized(self.credential_id, rejected)
            .await
            .map(Some)
    }
}
