//! Credential records as the token pipeline and the OAuth manager both need them: read one,
//! seal and open its secrets bound to row and field, and change it with optimistic concurrency.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::{Clock, truncate_to_micros};
use crate::crypto::{Keyring, Plaintext, aad};
use crate::error::{Error, Result};
use crate::store::{CredentialId, OAuthCredential, Sealed, Store, StoreError};

/// How many times an optimistic update is retried after version conflicts before giving up.
const MAX_CONFLICT_RETRIES: usize = 16;

/// The longest access-token lifetime believed from a token endpoint.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The store, the keyring and the clock, with the record-level operations on credentials.
#[derive(Clone)]
pub(crate) struct Vault {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keyring: Keyring,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Vault {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The credential, or [`Error::NotFound`].
    pub(crate) async fn load(&self, id: CredentialId) -> Result<OAuthCredential> {
        self.store
            .get_credential(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub(crate) fn seal(&self, id: CredentialId, field: &str, plaintext: &str) -> Result<Sealed> {
        self.keyring.seal(plaintext, &aad::credential(id, field))
    }

    /// Opens a sealed field; a crypto error names the credential and the field.
    pub(crate) fn open(&self, id: CredentialId, field: &str, sealed: &Sealed) -> Result<Plaintext> {
        self.keyring
            .open(sealed, &aad::credential(id, field))
            .map_err(|e| match e {
                Error::Crypto(message) => {
                    Error::Crypto(format!("credential {id} field {field}: {message}"))
                }
                other => other,
            })
    }

    pub(crate) fn reseal(&self, id: CredentialId, field: &str, sealed: &Sealed) -> Result<Sealed> {
        let plain = self.open(id, field, sealed)?;
        self.seal(id, field, plain.secret())
    }

    /// Reads, changes and writes a credential with its version, re-reading and re-applying
    /// `change` on every [`StoreError::Conflict`]. `change` returns whether anything changed;
    /// `updated_at` is set for it.
    pub(crate) async fn modify<F>(&self, id: CredentialId, change: F) -> Result<OAuthCredential>
    where
        F: FnMut(&mut OAuthCredential) -> Result<bool>,
    {
        match self.modify_if(id, change).await? {
            Some(stored) => Ok(stored),
            None => self.load(id).await,
        }
    }

    /// Like [`Self::modify`], but returns `None` (and writes nothing) when `change` reports no
    /// change.
    pub(crate) async fn modify_if<F>(
        &self,
        id: CredentialId,
        mut change: F,
    ) -> Result<Option<OAuthCredential>>
    where
        F: FnMut(&mut OAuthCredential) -> Result<bool>,
    {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut credential = self.load(id).await?;
            if !change(&mut credential)? {
                return Ok(None);
            }
            credential.updated_at = self.now();
            match self.store.update_credential(&credential).await {
                Ok(stored) => return Ok(Some(stored)),
                Err(StoreError::Conflict { .. }) => {
                    tracing::debug!(credential_id = %id, "credential changed concurrently; re-reading");
                }
                Err(StoreError::NotFound { .. }) => return Err(not_found(id)),
                Err(other) => return Err(other.into()),
            }
        }
        Err(Error::Store(StoreError::conflict(format!(
            "credential {id} kept changing concurrently; gave up after {MAX_CONFLICT_RETRIES} attempts"
        ))))
    }

    /// When a token with `expires_in` expires. Lifetimes beyond a day (Google's are an hour)
    /// are capped, so a bogus answer cannot produce a timestamp a database refuses and only
    /// makes us refresh sooner.
    pub(crate) fn token_expiry(&self, expires_in: Duration) -> DateTime<Utc> {
        self.after(expires_in.min(MAX_TOKEN_LIFETIME))
    }

    /// `now + d`, truncated to microseconds (what every store keeps) and saturating instead of
    /// overflowing (a token endpoint may send an absurd `expires_in`).
    pub(crate) fn after(&self, d: Duration) -> DateTime<Utc> {
        let delta = TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        truncate_to_micros(
            self.now()
                .checked_add_signed(delta)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }
}

pub(crate) fn not_found(id: CredentialId) -> Error {
    Error::NotFound {
        what: format!("credential {id}"),
    }
}

/// The error for a credential that is no longer valid.
pub(crate) fn reauthorization(credential: &OAuthCredential) -> Error {
    Error::ReauthorizationRequired {
        credential_id: credential.id.to_string(),
        reason: credential
            .last_error
            .clone()
            .unwrap_or_else(|| "credential is not valid".into()),
    }
}
