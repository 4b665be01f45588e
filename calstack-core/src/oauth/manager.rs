//! [`OAuthManager`]: construction, credential registration and CRUD, the optimistic-update
//! helper every write goes through, and key rotation.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::config::{GoogleEndpoints, OAuthConfig};
use crate::clock::Clock;
use crate::crypto::{Keyring, Plaintext, aad};
use crate::error::{Error, Result};
use crate::secret::ClientSecret;
use crate::store::{ClientId, CredentialId, OAuthCredential, Sealed, Store, StoreError};
use crate::tokens::{TokenEndpoint, TokenPipeline, TokenTiming, Vault, not_found};
use crate::transport::{RetryBudget, RetryEngine, RetryPolicy};
use crate::validate::client as validate;

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
    pub(crate) config: OAuthConfig,
    /// The token pipeline: cache, single flight, lease, token endpoint.
    pub(crate) tokens: Arc<TokenPipeline>,
    /// Run (best effort) before a credential is deleted; set by [`crate::Calstack`].
    pub(crate) before_delete: std::sync::OnceLock<BeforeDelete>,
}

/// What runs before a credential is deleted, while it can still call Google (the sync engine
/// stops the credential's push channels).
pub(crate) type BeforeDelete = Arc<
    dyn Fn(OAuthManager, CredentialId) -> futures::future::BoxFuture<'static, ()> + Send + Sync,
>;

impl std::fmt::Debug for OAuthManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthManager")
            .field("holder", &self.inner.tokens.holder())
            .field("endpoints", &self.inner.endpoints)
            .field("keyring", &self.inner.keyring)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl OAuthManager {
    /// A manager over `store`, sealing with `keyring`, talking to `endpoints`, reading time from
    /// `clock`, with its own HTTP client and retry engine ([`RetryPolicy::default`], a
    /// [`RetryBudget::default`]). [`crate::Calstack`] builds its manager over the HTTP client and
    /// retry engine its Calendar clients use instead.
    pub fn new(
        store: Arc<dyn Store>,
        keyring: Keyring,
        endpoints: GoogleEndpoints,
        clock: Arc<dyn Clock>,
        config: OAuthConfig,
    ) -> Result<Self> {
        let engine = RetryEngine::new(
            RetryPolicy::default(),
            Arc::new(RetryBudget::default()),
            clock.clone(),
            None,
        );
        let http = crate::transport::default_http_client()?;
        Ok(Self::with_transport(
            store, keyring, endpoints, clock, config, http, engine,
        ))
    }

    /// A manager whose token requests go through `http` and `engine` (capped at
    /// `config.max_retries` retries).
    pub(crate) fn with_transport(
        store: Arc<dyn Store>,
        keyring: Keyring,
        endpoints: GoogleEndpoints,
        clock: Arc<dyn Clock>,
        config: OAuthConfig,
        http: reqwest::Client,
        engine: RetryEngine,
    ) -> Self {
        let endpoint = TokenEndpoint::new(
            http,
            config.http_timeout,
            engine.capped(config.max_retries.saturating_add(1)),
            [
                &endpoints.auth_url,
                &endpoints.token_url,
                &endpoints.revoke_url,
            ],
        );
        let timing = TokenTiming {
            refresh_skew: config.refresh_skew,
            refresh_jitter: config.refresh_jitter,
            lease_ttl: config.lease_ttl,
            lease_poll_interval: config.lease_poll_interval,
            lease_wait_max: config.lease_wait_max,
        };
        let vault = Vault {
            store: store.clone(),
            keyring: keyring.clone(),
            clock,
        };
        Self {
            inner: Arc::new(Inner {
                store,
                keyring,
                endpoints,
                config,
                tokens: Arc::new(TokenPipeline::new(vault, endpoint, timing)),
                before_delete: std::sync::OnceLock::new(),
            }),
        }
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
        self.inner.tokens.invalidate(id);
        let updated = self
            .modify(id, |c| {
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
            .await;
        self.inner.tokens.invalidate(id);
        updated
    }

    /// Deletes a credential (its pending consents and lease too). Its push channels are
    /// stopped at Google first (best effort). Does not revoke it at Google: call
    /// [`OAuthManager::revoke`] first for that. [`Error::NotFound`] if it does not exist.
    pub async fn delete_credential(&self, id: CredentialId) -> Result<()> {
        self.before_delete(id).await;
        if !self.inner.store.delete_credential(id).await? {
            return Err(not_found(id));
        }
        self.inner.tokens.forget(id);
        tracing::info!(credential_id = %id, "deleted OAuth credential");
        Ok(())
    }

    /// Sets what runs before a credential is deleted (once; later calls are ignored).
    pub(crate) fn set_before_delete(&self, hook: BeforeDelete) {
        let _ = self.inner.before_delete.set(hook);
    }

    /// Runs the before-delete work for `id`, if any (best effort: it never fails the delete).
    pub(crate) async fn before_delete(&self, id: CredentialId) {
        if let Some(hook) = self.inner.before_delete.get() {
            hook(self.clone(), id).await;
        }
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
        self.inner.tokens.invalidate_all();
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

    pub(crate) fn vault(&self) -> &Vault {
        self.inner.tokens.vault()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.vault().now()
    }

    pub(crate) async fn load(&self, id: CredentialId) -> Result<OAuthCredential> {
        self.vault().load(id).await
    }

    pub(crate) fn seal(&self, id: CredentialId, field: &str, plaintext: &str) -> Result<Sealed> {
        self.vault().seal(id, field, plaintext)
    }

    pub(crate) fn open(&self, id: CredentialId, field: &str, sealed: &Sealed) -> Result<Plaintext> {
        self.vault().open(id, field, sealed)
    }

    fn reseal(&self, id: CredentialId, field: &str, sealed: &Sealed) -> Result<Sealed> {
        self.vault().reseal(id, field, sealed)
    }

    /// See [`Vault::modify`].
    pub(crate) async fn modify<F>(&self, id: CredentialId, change: F) -> Result<OAuthCredential>
    where
        F: FnMut(&mut OAuthCredential) -> Result<bool>,
    {
        self.vault().modify(id, change).await
    }

    /// See [`Vault::modify_if`].
    pub(crate) async fn modify_if<F>(
        &self,
        id: CredentialId,
        change: F,
    ) -> Result<Option<OAuthCredential>>
    where
        F: FnMut(&mut OAuthCredential) -> Result<bool>,
    {
        self.vault().modify_if(id, change).await
    }

    /// `now + d` (see [`Vault::after`]).
    pub(crate) fn after(&self, d: std::time::Duration) -> DateTime<Utc> {
        self.vault().after(d)
    }
}
