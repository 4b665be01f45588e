//! [`OAuthManager`]: construction, credential registration and CRUD, the optimistic-update
//! helper every write goes through, and key rotation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use oauth2::{AuthType, AuthUrl, RedirectUrl, TokenUrl};

use super::config::{GoogleEndpoints, OAuthConfig};
use super::google::GoogleClient;
use super::http::GoogleHttp;
use crate::clock::{Clock, truncate_to_micros};
use crate::crypto::{Keyring, Plaintext, aad};
use crate::error::{Error, Result};
use crate::secret::ClientSecret;
use crate::store::{ClientId, CredentialId, OAuthCredential, Sealed, Store, StoreError};
use crate::validate::client as validate;

/// How many times an optimistic update is retried after version conflicts before giving up.
const MAX_CONFLICT_RETRIES: usize = 16;

/// The longest access-token lifetime believed from a token endpoint.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// What [`OAuthManager::register`] needs to know about a client's Google OAuth app.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// The client the credential belongs to.
    pub client_id: ClientId,
    /// The Google OAuth client id (`….apps.googleusercontent.com`).
    pub google_client_id: String,
    /// The Google OAuth client secret (sealed before it is stored).
    pub client_secret: ClientSecret,
    /// Scopes to ask for: short Calendar names (`calendar.readonly`), full URLs, or
    /// `openid`/`email`/`profile`.
    pub scopes: Vec<String>,
    /// The redirect URI registered with Google for this app.
    pub redirect_uri: String,
    /// The Google account this grant is for, when known; used as the consent `login_hint`.
    pub account_email: Option<String>,
}

/// Changes to a credential's app settings; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct CredentialUpdate {
    /// New Google OAuth client id.
    pub google_client_id: Option<String>,
    /// New client secret.
    pub client_secret: Option<ClientSecret>,
    /// New scope list (takes effect at the next consent).
    pub scopes: Option<Vec<String>>,
    /// New redirect URI (takes effect at the next consent).
    pub redirect_uri: Option<String>,
    /// New account email (`Some(None)` clears it).
    pub account_email: Option<Option<String>>,
}

/// What [`OAuthManager::rotate_keys`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Credentials looked at.
    pub examined: usize,
    /// Credentials with at least one secret re-sealed under the current key.
    pub resealed: usize,
    /// Consents in progress whose PKCE verifier was re-sealed under the current key.
    pub pending_resealed: usize,
}

/// Keeps clients' Google OAuth credentials encrypted, fresh and valid. Cheap to clone (all
/// clones share state, including the per-credential refresh locks).
///
/// See the [module docs](super) for the flow.
#[derive(Clone)]
pub struct OAuthManager {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keyring: Keyring,
    pub(crate) endpoints: GoogleEndpoints,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: OAuthConfig,
    pub(crate) http: GoogleHttp,
    /// Identifies this manager instance as a lease holder (unique per instance).
    pub(crate) holder: String,
    /// Single-flight locks, one per credential.
    flights: Mutex<HashMap<CredentialId, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for OAuthManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthManager")
            .field("holder", &self.inner.holder)
            .field("endpoints", &self.inner.endpoints)
            .field("keyring", &self.inner.keyring)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl OAuthManager {
    /// A manager over `store`, sealing with `keyring`, talking to `endpoints`, reading time from
    /// `clock`. Builds one HTTP client (redirects disabled, `config.http_timeout`) reused for
    /// every token and revoke request.
    pub fn new(
        store: Arc<dyn Store>,
        keyring: Keyring,
        endpoints: GoogleEndpoints,
        clock: Arc<dyn Clock>,
        config: OAuthConfig,
    ) -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.http_timeout)
            .connect_timeout(config.http_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("calstack/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::transport(format!("could not build the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                keyring,
                endpoints,
                clock,
                config,
                http: GoogleHttp { client },
                holder: format!("calstack-{}", uuid::Uuid::new_v4()),
                flights: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The endpoints this manager talks to.
    pub fn endpoints(&self) -> &GoogleEndpoints {
        &self.inner.endpoints
    }

    /// The manager's timing settings.
    pub fn config(&self) -> &OAuthConfig {
        &self.inner.config
    }

    /// The keyring secrets are sealed with.
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// Registers a client's Google OAuth app. The credential starts invalid (`is_valid ==
    /// false`) until consent completes. Errors name the field (`google_client_id`,
    /// `client_secret`, `scopes[i]`, `redirect_uri`, `account_email`); an unknown client is
    /// [`Error::NotFound`].
    pub async fn register(&self, new: NewCredential) -> Result<OAuthCredential> {
        let google_client_id = validate::google_client_id(&new.google_client_id)?;
        validate::client_secret(new.client_secret.secret())?;
        let scopes = validate::scopes(&new.scopes)?;
        let redirect_uri = validate::redirect_uri(&new.redirect_uri)?;
        let account_email = new
            .account_email
            .as_deref()
            .map(|e| validate::email("account_email", e))
            .transpose()?;
        let id = CredentialId::new();
        let now = self.now();
        let credential = OAuthCredential {
            id,
            client_id: new.client_id,
            google_client_id,
            client_secret: self.seal(id, aad::CLIENT_SECRET, new.client_secret.secret())?,
            scopes,
            granted_scopes: Vec::new(),
            redirect_uri,
            account_email,
            access_token: None,
            refresh_token: None,
            expires_at: None,
            is_valid: false,
            last_error: Some("awaiting consent".into()),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.inner
            .store
            .insert_credential(&credential)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => Error::NotFound {
                    what: format!("client {}", new.client_id),
                },
                other => Error::Store(other),
            })?;
        tracing::info!(credential_id = %id, client_id = %new.client_id, "registered OAuth credential");
        Ok(credential)
    }

    /// The credential with this id, or [`Error::NotFound`].
    pub async fn get_credential(&self, id: CredentialId) -> Result<OAuthCredential> {
        self.load(id).await
    }

    /// Credentials of one client (`Some`) or of every client (`None`), oldest first. An
    /// unknown client is [`Error::NotFound`].
    pub async fn list_credentials(
        &self,
        client_id: Option<ClientId>,
    ) -> Result<Vec<OAuthCredential>> {
        let credentials = self.inner.store.list_credentials(client_id).await?;
        // No credentials for a client that does not exist is a mistake, not an empty answer.
        if let Some(client) = client_id
            && credentials.is_empty()
            && self.inner.store.get_client(client).await?.is_none()
        {
            return Err(Error::NotFound {
                what: format!("client {client}"),
            });
        }
        Ok(credentials)
    }

    /// Changes a credential's app settings. Changing the Google client id or secret keeps the
    /// tokens (Google ties them to the app, so a new app normally needs a new consent).
    pub async fn update_credential(
        &self,
        id: CredentialId,
        update: CredentialUpdate,
    ) -> Result<OAuthCredential> {
        let google_client_id = update
            .google_client_id
            .as_deref()
            .map(validate::google_client_id)
            .transpose()?;
        if let Some(secret) = &update.client_secret {
            validate::client_secret(secret.secret())?;
        }
        let scopes = update.scopes.as_deref().map(validate::scopes).transpose()?;
        let redirect_uri = update
            .redirect_uri
            .as_deref()
            .map(validate::redirect_uri)
            .transpose()?;
        let account_email = match &update.account_email {
            Some(Some(email)) => Some(Some(validate::email("account_email", email)?)),
            Some(None) => Some(None),
            None => None,
        };
        let sealed_secret = update
            .client_secret
            .as_ref()
            .map(|s| self.seal(id, aad::CLIENT_SECRET, s.secret()))
            .transpose()?;
        self.modify(id, |c| {
            if let Some(v) = &google_client_id {
                c.google_client_id.clone_from(v);
            }
            if let Some(v) = &sealed_secret {
                c.client_secret = v.clone();
            }
            if let Some(v) = &scopes {
                c.scopes.clone_from(v);
            }
            if let Some(v) = &redirect_uri {
                c.redirect_uri.clone_from(v);
            }
            if let Some(v) = &account_email {
                c.account_email.clone_from(v);
            }
            Ok(true)
        })
        .await
    }

    /// Deletes a credential (its pending consents and lease too). Does not revoke it at Google:
    /// call [`OAuthManager::revoke`] first for that. [`Error::NotFound`] if it does not exist.
    pub async fn delete_credential(&self, id: CredentialId) -> Result<()> {
        if !self.inner.store.delete_credential(id).await? {
            return Err(not_found(id));
        }
        self.inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        tracing::info!(credential_id = %id, "deleted OAuth credential");
        Ok(())
    }

    /// Re-seals every credential secret that is not sealed under the keyring's current key.
    ///
    /// Rotate by building a keyring whose current key is the new one and which still holds the
    /// old key ([`Keyring::rotated_to`], or `CALSTACK_ENCRYPTION_KEY=new,old`), running this,
    /// then dropping the old key. Consents in progress are re-sealed too (their PKCE
    /// verifiers), so one started before the rotation still completes after the old key is
    /// gone; expired ones are purged.
    pub async fn rotate_keys(&self) -> Result<RotationReport> {
        let mut report = RotationReport::default();
        for credential in self.inner.store.list_credentials(None).await? {
            report.examined += 1;
            let id = credential.id;
            let changed = self
                .modify_if(id, |c| {
                    let keyring = &self.inner.keyring;
                    let mut changed = false;
                    if keyring.needs_reseal(&c.client_secret) {
                        c.client_secret = self.reseal(id, aad::CLIENT_SECRET, &c.client_secret)?;
                        changed = true;
                    }
                    for (field, slot) in [
                        (aad::ACCESS_TOKEN, &mut c.access_token),
                        (aad::REFRESH_TOKEN, &mut c.refresh_token),
                    ] {
                        if let Some(sealed) = slot.as_ref().filter(|s| keyring.needs_reseal(s)) {
                            *slot = Some(self.reseal(id, field, sealed)?);
                            changed = true;
                        }
                    }
                    Ok(changed)
                })
                .await?;
            if changed.is_some() {
                report.resealed += 1;
            }
        }
        report.pending_resealed = self.reseal_pending().await?;
        tracing::info!(
            examined = report.examined,
            resealed = report.resealed,
            pending_resealed = report.pending_resealed,
            key_id = self.inner.keyring.current_key_id(),
            "re-sealed credentials under the current key"
        );
        Ok(report)
    }

    /// Re-seals the PKCE verifiers of consents in progress (expired ones are purged first), so
    /// a consent started before a rotation completes without the old key. Returns how many.
    async fn reseal_pending(&self) -> Result<usize> {
        let store = &self.inner.store;
        store.purge_expired_pending(self.now()).await?;
        let keyring = &self.inner.keyring;
        let mut resealed = 0;
        for pending in store.list_pending().await? {
            if !keyring.needs_reseal(&pending.pkce_verifier) {
                continue;
            }
            let aad = aad::pending_verifier(pending.credential_id, &pending.state);
            let verifier = keyring.open(&pending.pkce_verifier, &aad)?;
            let sealed = keyring.seal(verifier.secret(), &aad)?;
            // `false`: the consent completed meanwhile, and there is nothing left to re-seal.
            if store
                .reseal_pending(&pending.state, &pending.pkce_verifier, &sealed)
                .await?
            {
                resealed += 1;
            }
        }
        Ok(resealed)
    }

    // ----- helpers shared by the other oauth modules -----

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub(crate) async fn load(&self, id: CredentialId) -> Result<OAuthCredential> {
        self.inner
            .store
            .get_credential(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub(crate) fn seal(&self, id: CredentialId, field: &str, plaintext: &str) -> Result<Sealed> {
        self.inner
            .keyring
            .seal(plaintext, &aad::credential(id, field))
    }

    pub(crate) fn open(&self, id: CredentialId, field: &str, sealed: &Sealed) -> Result<Plaintext> {
        self.inner
            .keyring
            .open(sealed, &aad::credential(id, field))
            .map_err(|e| match e {
                Error::Crypto(message) => {
                    Error::Crypto(format!("credential {id} field {field}: {message}"))
                }
                other => other,
            })
    }

    fn reseal(&self, id: CredentialId, field: &str, sealed: &Sealed) -> Result<Sealed> {
        let plain = self.open(id, field, sealed)?;
        self.seal(id, field, plain.secret())
    }

    /// The `oauth2` client for a credential's Google app.
    pub(crate) fn oauth_client(
        &self,
        credential: &OAuthCredential,
        secret: Option<&Plaintext>,
        redirect_uri: &str,
    ) -> Result<GoogleClient> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| Error::validation("redirect_uri", e.to_string()))?;
        let mut client: GoogleClient =
            oauth2::Client::new(oauth2::ClientId::new(credential.google_client_id.clone()))
                .set_auth_uri(AuthUrl::from_url(self.inner.endpoints.auth_url.clone()))
                .set_token_uri(TokenUrl::from_url(self.inner.endpoints.token_url.clone()))
                .set_redirect_uri(redirect)
                .set_auth_type(AuthType::RequestBody);
        if let Some(secret) = secret {
            client =
                client.set_client_secret(oauth2::ClientSecret::new(secret.secret().to_owned()));
        }
        Ok(client)
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
            match self.inner.store.update_credential(&credential).await {
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

    /// The single-flight lock of one credential.
    pub(crate) fn flight(&self, id: CredentialId) -> Arc<tokio::sync::Mutex<()>> {
        self.inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_default()
            .clone()
    }

    /// Delay before retry number `attempt` (0-based): exponential, capped, the upper half
    /// randomized.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let config = &self.inner.config;
        let exp = config
            .retry_base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(config.retry_max);
        let half = exp / 2;
        half + half.mul_f64(rand::random::<f64>())
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
