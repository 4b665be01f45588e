//! The one token pipeline: per credential, an in-memory cache of the current access token in
//! front of the store, single-flight loading and refreshing, and the store's refresh lease for
//! coordination across processes.
//!
//! A request whose credential has a fresh token in the cache touches neither the store nor the
//! cipher (a map lookup and a clock read). Otherwise one task per credential (the others wait
//! for it, or use a token that has not expired yet) reads the store; if the stored token is due
//! for refresh it takes the store lease (one refresh across processes), asks Google through the
//! transport's HTTP client and retry engine, seals and stores the result, and caches it.
//!
//! Revocation, marking invalid, key rotation, credential updates, consent and deletion
//! invalidate the cache (see [`crate::oauth::OAuthManager`]). A credential revoked by *another
//! process* is noticed when the cached token expires or the API answers 401, whichever is first.

mod cache;
mod endpoint;
mod google;
mod refresh;
mod source;
mod vault;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

pub use source::CredentialTokenSource;

pub(crate) use endpoint::TokenEndpoint;
pub(crate) use vault::{Vault, not_found, reauthorization};

use crate::crypto::aad;
use crate::error::{Error, Result};
use crate::secret::AccessToken;
use crate::store::{CredentialId, OAuthCredential};
use cache::{Slot, TokenCache};

/// The pipeline's timing, taken from [`crate::oauth::OAuthConfig`].
#[derive(Debug, Clone)]
pub(crate) struct TokenTiming {
    pub(crate) refresh_skew: Duration,
    pub(crate) refresh_jitter: Duration,
    pub(crate) lease_ttl: Duration,
    pub(crate) lease_poll_interval: Duration,
    pub(crate) lease_wait_max: Duration,
}

/// What a caller needs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Want<'a> {
    /// A token not about to expire.
    Fresh,
    /// A token other than this one, which the API just rejected with 401.
    Replacing(&'a AccessToken),
}

/// Whether a token close to expiry counts as usable.
#[derive(Debug, Clone, Copy)]
enum Ahead {
    /// Refresh ahead: a token within the skew of its expiry is not usable.
    Yes,
    /// Only an expired token is unusable (someone else is already refreshing).
    No,
}

/// Per-credential token cache, single flight, lease and refresh. One per OAuth manager.
pub(crate) struct TokenPipeline {
    vault: Vault,
    endpoint: TokenEndpoint,
    cache: TokenCache,
    timing: TokenTiming,
    /// Identifies this pipeline as a lease holder (unique per instance).
    holder: String,
}

impl std::fmt::Debug for TokenPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPipeline")
            .field("holder", &self.holder)
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

impl TokenPipeline {
    pub(crate) fn new(vault: Vault, endpoint: TokenEndpoint, timing: TokenTiming) -> Self {
        Self {
            vault,
            endpoint,
            cache: TokenCache::default(),
            timing,
            holder: format!("calstack-{}", uuid::Uuid::new_v4()),
        }
    }

    pub(crate) fn vault(&self) -> &Vault {
        &self.vault
    }

    pub(crate) fn endpoint(&self) -> &TokenEndpoint {
        &self.endpoint
    }

    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }

    /// Forgets the cached token of `id`.
    pub(crate) fn invalidate(&self, id: CredentialId) {
        self.cache.invalidate(id);
    }

    /// Forgets every cached token.
    pub(crate) fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }

    /// Forgets a deleted credential.
    pub(crate) fn forget(&self, id: CredentialId) {
        self.cache.remove(id);
    }

    /// A token satisfying `want`: from the cache when it holds one, else loaded (and refreshed
    /// if due) by one task per credential.
    pub(crate) async fn obtain(&self, id: CredentialId, want: Want<'_>) -> Result<AccessToken> {
        let slot = self.cache.slot(id);
        if let Some(token) = cached(&slot, want, self.vault.now()) {
            crate::metrics::token_lookup(true);
            return Ok(token);
        }
        let _guard = match slot.flight.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Another task is loading or refreshing. A token that has not expired yet is
                // still good: serve it rather than wait.
                if let (Want::Fresh, Some(token)) = (want, slot.unexpired(self.vault.now())) {
                    return Ok(token);
                }
                slot.flight.lock().await
            }
        };
        if let Some(token) = cached(&slot, want, self.vault.now()) {
            crate::metrics::token_lookup(true);
            return Ok(token);
        }
        crate::metrics::token_lookup(false);
        self.load_or_refresh(id, &slot, want).await
    }

    /// With the flight held: the stored token if usable, else a refresh under the store lease
    /// (or, while another process holds it, its unexpired token or a wait for its result).
    async fn load_or_refresh(
        &self,
        id: CredentialId,
        slot: &Slot,
        want: Want<'_>,
    ) -> Result<AccessToken> {
        let generation = slot.generation();
        let started = self.vault.now();
        loop {
            // Re-read: another process may have refreshed already.
            let credential = self.vault.load(id).await?;
            if let Some(token) = self.usable(&credential, want, Ahead::Yes, slot, generation)? {
                return Ok(token);
            }
            let now = self.vault.now();
            let until = self.vault.after(self.timing.lease_ttl);
            if self
                .vault
                .store
                .try_acquire_lease(id, &self.holder, now, until)
                .await?
            {
                let result = self.refresh_with_lease(id, want, slot, generation).await;
                if let Err(e) = self.vault.store.release_lease(id, &self.holder).await {
                    tracing::warn!(credential_id = %id, error = %e, "could not release the refresh lease");
                }
                return result;
            }
            // Another process is refreshing; until the old token actually expires, use it.
            if let Some(token) = self.usable(&credential, want, Ahead::No, slot, generation)? {
                return Ok(token);
            }
            let waited = now - started;
            if waited >= TimeDelta::from_std(self.timing.lease_wait_max).unwrap_or(TimeDelta::MAX) {
                return Err(Error::transport(format!(
                    "timed out waiting for another process to refresh credential {id}"
                )));
            }
            tracing::debug!(credential_id = %id, "another process is refreshing; waiting");
            self.vault
                .clock
                .sleep(self.timing.lease_poll_interval)
                .await;
        }
    }

    /// The stored token if it satisfies `want` (and then cached); `Err` if the credential is
    /// invalid. With [`Ahead::Yes`] a token within the refresh skew (plus jitter) of its expiry
    /// is not usable; with [`Ahead::No`] only an expired one is not.
    fn usable(
        &self,
        credential: &OAuthCredential,
        want: Want<'_>,
        ahead: Ahead,
        slot: &Slot,
        generation: u64,
    ) -> Result<Option<AccessToken>> {
        if !credential.is_valid {
            return Err(reauthorization(credential));
        }
        let (Some(sealed), Some(expires_at)) = (&credential.access_token, credential.expires_at)
        else {
            return Ok(None);
        };
        let now = self.vault.now();
        let refresh_from = self.refresh_from(expires_at);
        let usable_until = match (want, ahead) {
            (Want::Fresh, Ahead::Yes) => refresh_from,
            _ => expires_at,
        };
        if usable_until <= now {
            return Ok(None);
        }
        let token = AccessToken::new(
            self.vault
                .open(credential.id, aad::ACCESS_TOKEN, sealed)?
                .into_secret(),
        );
        slot.put(generation, token.clone(), refresh_from, expires_at);
        match want {
            Want::Replacing(rejected) if token == *rejected => Ok(None),
            _ => Ok(Some(token)),
        }
    }

    /// When a token expiring at `expires_at` is due for refresh: the skew plus a random part of
    /// the jitter before, so many processes do not refresh at the same instant.
    fn refresh_from(&self, expires_at: DateTime<Utc>) -> DateTime<Utc> {
        let margin =
            self.timing.refresh_skew + self.timing.refresh_jitter.mul_f64(rand::random::<f64>());
        TimeDelta::from_std(margin)
            .ok()
            .and_then(|m| expires_at.checked_sub_signed(m))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// The cached token if it satisfies `want`.
fn cached(slot: &Slot, want: Want<'_>, now: DateTime<Utc>) -> Option<AccessToken> {
    match want {
        Want::Fresh => slot.fresh(now),
        // Someone already replaced the rejected token: use theirs.
        Want::Replacing(rejected) => slot.fresh(now).filter(|t| t != rejected),
    }
}
