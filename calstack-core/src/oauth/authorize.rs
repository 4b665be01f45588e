//! Consent: the authorization URL (PKCE S256, single-use expiring `state` stored server-side)
//! and the callback (state taken exactly once, code exchanged, tokens sealed).

use chrono::{DateTime, Utc};
use oauth2::{CsrfToken, PkceCodeChallenge, Scope, TokenResponse as _};
use url::Url;

use super::manager::OAuthManager;
use super::scopes::CredentialExt as _;
use crate::crypto::aad;
use crate::error::{Error, Result};
use crate::store::{CredentialId, OAuthCredential, PendingAuthorization};
use crate::validate::client as validate;

/// A consent URL to send the user to, and the state it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// Google's consent page with every parameter set.
    pub url: Url,
    /// The random single-use `state` (also in `url`); the callback must echo it.
    pub state: String,
    /// After this the callback is refused with `expired_state`.
    pub expires_at: DateTime<Utc>,
}

/// Options for [`OAuthManager::authorize_url_with`].
#[derive(Debug, Clone, Default)]
pub struct AuthorizeOptions {
    /// Pre-selects the Google account (email or `sub`). Defaults to the credential's
    /// `account_email`.
    pub login_hint: Option<String>,
    /// Overrides the credential's redirect URI for this consent only, e.g. a loopback
    /// `http://127.0.0.1:<port>/` with an ephemeral port for installed apps. The code exchange
    /// repeats it. Must be registered with Google like any redirect URI.
    pub redirect_uri: Option<String>,
}

impl OAuthManager {
    /// The consent URL for a credential: `response_type=code`, `access_type=offline`,
    /// `prompt=consent`, `include_granted_scopes=true`, PKCE S256, and a random `state` that is
    /// stored server-side, expires after [`super::OAuthConfig::state_ttl`] and can be used once.
    pub async fn authorize_url(&self, credential_id: CredentialId) -> Result<AuthorizationRequest> {
        self.authorize_url_with(credential_id, AuthorizeOptions::default())
            .await
    }

    /// [`OAuthManager::authorize_url`] with options (e.g. a `login_hint`).
    pub async fn authorize_url_with(
        &self,
        credential_id: CredentialId,
        options: AuthorizeOptions,
    ) -> Result<AuthorizationRequest> {
        let credential = self.load(credential_id).await?;
        let redirect_uri = match &options.redirect_uri {
            Some(uri) => validate::redirect_uri(uri)?,
            None => credential.redirect_uri.clone(),
        };
        let client = self.inner.tokens.endpoint().client(
            &credential.google_client_id,
            None,
            &redirect_uri,
        )?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let mut request = client
            .authorize_url(|| state.clone())
            .add_scopes(credential.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .add_extra_param("include_granted_scopes", "true");
        let login_hint = options
            .login_hint
            .or_else(|| credential.account_email.clone());
        if let Some(hint) = &login_hint {
            request = request.add_extra_param("login_hint", hint.clone());
        }
        let (url, state) = request.url();
        let state = state.secret().clone();

        let now = self.now();
        let expires_at = self.after(self.inner.config.state_ttl);
        let pending = PendingAuthorization {
            state: state.clone(),
            credential_id,
            pkce_verifier: self.inner.keyring.seal(
                verifier.secret(),
                &aad::pending_verifier(credential_id, &state),
            )?,
            redirect_uri,
            created_at: now,
            expires_at,
        };
        if let Err(e) = self.inner.store.purge_expired_pending(now).await {
            tracing::warn!(error = %e, "could not purge expired pending authorizations");
        }
        self.inner.store.insert_pending(&pending).await?;
        tracing::info!(credential_id = %credential_id, %expires_at, "consent started");
        Ok(AuthorizationRequest {
            url,
            state,
            expires_at,
        })
    }

    /// Finishes consent: takes the pending authorization for `state` exactly once, exchanges
    /// `code` (sending the PKCE verifier and the same redirect URI), and stores the sealed
    /// tokens, the granted scopes, `is_valid = true` and no `last_error`.
    ///
    /// Unknown or replayed state → [`Error::Authorization`] `invalid_state`; expired →
    /// `expired_state`; in both cases nothing else changes. Google refusing the code →
    /// [`Error::Authorization`] with Google's code (e.g. `invalid_grant`).
    pub async fn complete(&self, code: &str, state: &str) -> Result<OAuthCredential> {
        let pending = self.take_state(state).await?;
        let id = pending.credential_id;
        let credential = self.load(id).await?;
        let verifier = self
            .inner
            .keyring
            .open(&pending.pkce_verifier, &aad::pending_verifier(id, state))?;
        let secret = self.open(id, aad::CLIENT_SECRET, &credential.client_secret)?;
        let endpoint = self.inner.tokens.endpoint();
        let client = endpoint.client(
            &credential.google_client_id,
            Some(&secret),
            &pending.redirect_uri,
        )?;
        let response = match endpoint
            .exchange_code(&client, code, verifier.secret())
            .await
        {
            Ok(response) => response,
            Err(Error::Authorization { code, reason }) => {
                tracing::warn!(credential_id = %id, error = %code, "Google refused the authorization code");
                return Err(Error::Authorization { code, reason });
            }
            Err(e) => return Err(e),
        };

        let access = self.seal(id, aad::ACCESS_TOKEN, response.access_token().secret())?;
        let refresh = response
            .refresh_token()
            .map(|t| self.seal(id, aad::REFRESH_TOKEN, t.secret()))
            .transpose()?;
        let expires_at = response.expires_in().map(|d| self.vault().token_expiry(d));
        let granted: Option<Vec<String>> = response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect());
        let account_email = response.extra_fields().verified_email();
        let stored = self
            .modify(id, |c| {
                c.access_token = Some(access.clone());
                if let Some(r) = &refresh {
                    c.refresh_token = Some(r.clone());
                }
                c.expires_at = expires_at;
                c.granted_scopes = granted.clone().unwrap_or_else(|| c.scopes.clone());
                if let Some(email) = &account_email {
                    c.account_email = Some(email.clone());
                }
                c.is_valid = true;
                c.last_error = None;
                Ok(true)
            })
            .await?;
        self.inner.tokens.invalidate(id);
        if stored.refresh_token.is_none() {
            tracing::warn!(credential_id = %id, "Google returned no refresh token; the grant cannot be refreshed");
        }
        let missing = stored.missing_scopes();
        if missing.is_empty() {
            tracing::info!(credential_id = %id, "consent completed");
        } else {
            tracing::info!(credential_id = %id, missing = ?missing, "consent completed with fewer scopes than requested");
        }
        Ok(stored)
    }

    /// Handles the redirect's query parameters in either shape Google sends:
    /// `code=…&state=…` (→ [`OAuthManager::complete`]) or `error=access_denied&state=…`
    /// (→ [`Error::Authorization`] with Google's code, after consuming the state so it cannot be
    /// replayed).
    pub async fn complete_callback<I, K, V>(&self, params: I) -> Result<OAuthCredential>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (key, value) in params {
            let value = value.as_ref().to_owned();
            match key.as_ref() {
                "code" => code = Some(value),
                "state" => state = Some(value),
                "error" => error = Some(value),
                "error_description" => description = Some(value),
                _ => {}
            }
        }
        let state = state.ok_or_else(|| Error::Authorization {
            code: "invalid_state".into(),
            reason: "the callback carries no state".into(),
        })?;
        if let Some(error) = error {
            let pending = self.take_state(&state).await?;
            tracing::info!(credential_id = %pending.credential_id, error = %error, "consent refused");
            return Err(Error::Authorization {
                reason: description.unwrap_or_else(|| match error.as_str() {
                    "access_denied" => "the user denied consent".into(),
                    other => format!("Google refused consent: {other}"),
                }),
                code: error,
            });
        }
        match code {
            Some(code) => self.complete(&code, &state).await,
            None => {
                self.take_state(&state).await?;
                Err(Error::Authorization {
                    code: "invalid_request".into(),
                    reason: "the callback carries neither code nor error".into(),
                })
            }
        }
    }

    /// [`OAuthManager::complete_callback`] for a raw query string (`code=…&state=…`, with or
    /// without the leading `?`).
    pub async fn complete_callback_query(&self, query: &str) -> Result<OAuthCredential> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        self.complete_callback(pairs).await
    }

    /// Takes the pending authorization for `state` (once), refusing unknown and expired ones.
    async fn take_state(&self, state: &str) -> Result<PendingAuthorization> {
        let pending =
            self.inner
                .store
                .take_pending(state)
                .await?
                .ok_or_else(|| Error::Authorization {
                    code: "invalid_state".into(),
                    reason: "unknown or already used state".into(),
                })?;
        if pending.expires_at <= self.now() {
            return Err(Error::Authorization {
                code: "expired_state".into(),
                reason: format!("the consent request expired at {}", pending.expires_at),
            });
        }
        Ok(pending)
    }
}
