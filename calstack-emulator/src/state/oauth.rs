//! Google OAuth 2.0 as the emulator plays it: client registration (bind-on-first-use or strict),
//! authorization codes with PKCE, grants holding refresh tokens, short-lived access tokens,
//! revocation and expiry. Error shapes follow Google's token endpoint (`{"error", "error_description"}`).

use std::collections::{BTreeSet, HashMap};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::State;
use crate::api_error::ApiError;

/// What the emulated user answers on the consent screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "scopes", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Consent {
    /// Grant every requested scope (the default).
    #[default]
    Grant,
    /// Refuse: the redirect carries `error=access_denied`.
    Deny,
    /// Grant only the requested scopes that are also in this list (the user unticked the rest).
    GrantOnly(Vec<String>),
}

/// An OAuth error as Google's token/revoke/authorization endpoints report it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OAuthError {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    fn invalid_grant(description: &str) -> Self {
        Self::new(400, "invalid_grant", description)
    }

    fn invalid_client() -> Self {
        Self::new(401, "invalid_client", "The OAuth client was not found.")
    }

    pub(crate) fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// A registered (or first-use-bound) OAuth client.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientReg {
    secret: Option<String>,
    redirect_uris: Vec<String>,
}

#[derive(Debug, Clone)]
struct AuthCode {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    account: String,
    challenge: Option<(String, String)>,
    expires_at: DateTime<Utc>,
    offline: bool,
    used: bool,
}

/// One user's consent to one client: what a refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) account: String,
    pub(crate) scopes: Vec<String>,
    revoked: bool,
    expires_at: Option<DateTime<Utc>>,
}

impl Grant {
    fn alive(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.expires_at.is_none_or(|at| now < at)
    }
}

#[derive(Debug, Clone)]
struct AccessTokenRecord {
    account: String,
    scopes: Vec<String>,
    expires_at: DateTime<Utc>,
    grant: Option<u64>,
}

/// OAuth bookkeeping. Its `Debug` shows counts only: it holds client secrets and tokens.
#[derive(Default)]
pub(crate) struct OAuthState {
    clients: HashMap<String, ClientReg>,
    codes: HashMap<String, AuthCode>,
    grants: HashMap<u64, Grant>,
    by_refresh: HashMap<String, u64>,
    access: HashMap<String, AccessTokenRecord>,
    next_grant: u64,
    pub(crate) consent: Consent,
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthState")
            .field("clients", &self.clients.len())
            .field("grants", &self.grants.len())
            .field("access_tokens", &self.access.len())
            .field("consent", &self.consent)
            .finish_non_exhaustive()
    }
}

/// Scopes the authorization endpoint accepts.
fn scope_is_known(scope: &str) -> bool {
    matches!(scope, "openid" | "email" | "profile")
        || scope.starts_with("https://www.googleapis.com/auth/")
}

fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Expands a short scope name (`calendar.readonly`) to its URL; full URLs and the OpenID
/// scopes are kept as they are.
pub(crate) fn full_scope(scope: &str) -> String {
    if scope.contains("://") || matches!(scope, "openid" | "email" | "profile") {
        scope.to_owned()
    } else {
        format!("https://www.googleapis.com/auth/{scope}")
    }
}

/// A stable numeric subject id for an account, like Google's `sub`.
pub(crate) fn subject_id(email: &str) -> String {
    let digest = Sha256::digest(email.as_bytes());
    let mut n: u64 = 0;
    for b in &digest[..8] {
        n = (n << 8) | u64::from(*b);
    }
    format!("1{n:020}")
}

/// Query parameters of `/o/oauth2/v2/auth`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_hint: Option<String>,
    access_type: Option<String>,
    include_granted_scopes: Option<String>,
}

/// Form fields of `/token`.
#[derive(Default, Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    scope: Option<String>,
}

impl std::fmt::Debug for TokenForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenForm")
            .field("grant_type", &self.grant_type)
            .field("client_id", &self.client_id)
            .field("secrets", &"[redacted]")
            .finish()
    }
}

/// Where the browser is sent after the authorization endpoint, or the error page it shows.
#[derive(Debug)]
pub(crate) enum AuthorizeOutcome {
    Redirect(url::Url),
    ErrorPage(OAuthError),
}

fn valid_challenge(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl State {
    /// Registers (or re-registers) a client; needed in strict mode.
    pub(crate) fn register_client(
        &mut self,
        client_id: &str,
        secret: Option<String>,
        redirect_uris: Vec<String>,
    ) {
        self.oauth.clients.insert(
            client_id.to_owned(),
            ClientReg {
                secret,
                redirect_uris,
            },
        );
    }

    /// Handles the authorization endpoint: validates like Google, then auto-consents.
    pub(crate) fn authorize(&mut self, p: AuthorizeParams) -> AuthorizeOutcome {
        use AuthorizeOutcome::ErrorPage;
        let Some(client_id) = p.client_id.filter(|c| !c.is_empty()) else {
            return ErrorPage(OAuthError::invalid_request(
                "Missing required parameter: client_id",
            ));
        };
        let registered = self.oauth.clients.get(&client_id).cloned();
        if registered.is_none() && self.config.strict_clients {
            return ErrorPage(OAuthError::invalid_client());
        }
        let Some(redirect_uri) = p.redirect_uri.filter(|r| !r.is_empty()) else {
            return ErrorPage(OAuthError::invalid_request(
                "Missing required parameter: redirect_uri",
            ));
        };
        if redirect_uri.starts_with("urn:ietf:wg:oauth:2.0:oob") || redirect_uri == "oob" {
            return ErrorPage(OAuthError::invalid_request(
                "The out-of-band (OOB) flow has been blocked in order to keep users secure.",
            ));
        }
        let Ok(mut redirect) = url::Url::parse(&redirect_uri) else {
            return ErrorPage(OAuthError::invalid_request(
                "Invalid parameter value for redirect_uri",
            ));
        };
        if let Some(reg) = &registered
            && !reg.redirect_uris.is_empty()
            && !reg.redirect_uris.contains(&redirect_uri)
        {
            return ErrorPage(OAuthError::new(
                400,
                "redirect_uri_mismatch",
                "redirect_uri does not match a registered redirect URI",
            ));
        }
        match p.response_type.as_deref() {
            None | Some("") => {
                return ErrorPage(OAuthError::invalid_request(
                    "Missing required parameter: response_type",
                ));
            }
            Some("code") => {}
            Some(_) => {
                return ErrorPage(OAuthError::new(
                    400,
                    "unsupported_response_type",
                    "Only response_type=code is supported",
                ));
            }
        }
        let requested: Vec<String> = p
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if requested.is_empty() {
            return ErrorPage(OAuthError::invalid_request(
                "Missing required parameter: scope",
            ));
        }
        let unknown: Vec<&str> = requested
            .iter()
            .map(String::as_str)
            .filter(|s| !scope_is_known(s))
            .collect();
        if !unknown.is_empty() {
            return ErrorPage(OAuthError::new(
                400,
                "invalid_scope",
                format!("Some requested scopes were invalid. {{invalid={unknown:?}}}"),
            ));
        }
        let challenge = match (p.code_challenge, p.code_challenge_method) {
            (None, None) => None,
            (None, Some(_)) => {
                return ErrorPage(OAuthError::invalid_request(
                    "Missing required parameter: code_challenge",
                ));
            }
            (Some(c), method) => {
                let method = method.unwrap_or_else(|| "plain".to_owned());
                if method != "S256" && method != "plain" {
                    return ErrorPage(OAuthError::invalid_request("Invalid code_challenge_method"));
                }
                if !valid_challenge(&c) {
                    return ErrorPage(OAuthError::invalid_request("Invalid code_challenge"));
                }
                Some((c, method))
            }
        };
        let account = p
            .login_hint
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| self.config.default_account.clone());
        self.ensure_account(&account);

        let mut pairs: Vec<(&str, String)> = Vec::new();
        let granted: Vec<String> = match &self.oauth.consent {
            Consent::Grant => requested.clone(),
            Consent::Deny => Vec::new(),
            Consent::GrantOnly(allowed) => requested
                .iter()
                .filter(|s| allowed.contains(s))
                .cloned()
                .collect(),
        };
        if granted.is_empty() {
            pairs.push(("error", "access_denied".to_owned()));
        } else {
            let mut scopes: BTreeSet<String> = granted.into_iter().collect();
            if p.include_granted_scopes.as_deref() == Some("true") {
                for g in self.oauth.grants.values() {
                    if g.client_id == client_id && g.account == account && !g.revoked {
                        scopes.extend(g.scopes.iter().cloned());
                    }
                }
            }
            let scopes: Vec<String> = scopes.into_iter().collect();
            let code = format!("4/0{}", random_string(60));
            let now = self.now();
            self.oauth.codes.insert(
                code.clone(),
                AuthCode {
                    client_id,
                    redirect_uri,
                    scopes: scopes.clone(),
                    account,
                    challenge,
                    expires_at: now + TimeDelta::minutes(10),
                    offline: p.access_type.as_deref() != Some("online"),
                    used: false,
                },
            );
            pairs.push(("code", code));
            pairs.push(("scope", scopes.join(" ")));
        }
        {
            let mut query = redirect.query_pairs_mut();
            for (k, v) in &pairs {
                query.append_pair(k, v);
            }
            if let Some(state) = &p.state {
                query.append_pair("state", state);
            }
        }
        AuthorizeOutcome::Redirect(redirect)
    }
}

impl State {
    /// Authenticates the client of a token request, binding an unknown client to its secret on
    /// first use unless strict mode is on.
    fn authenticate_client(
        &mut self,
        client_id: Option<&str>,
        secret: Option<&str>,
    ) -> Result<String, OAuthError> {
        let Some(client_id) = client_id.filter(|c| !c.is_empty()) else {
            return Err(OAuthError::new(
                400,
                "invalid_request",
                "Could not determine client ID from request.",
            ));
        };
        match self.oauth.clients.get_mut(client_id) {
            None if self.config.strict_clients => Err(OAuthError::invalid_client()),
            None => {
                self.oauth.clients.insert(
                    client_id.to_owned(),
                    ClientReg {
                        secret: secret.map(str::to_owned),
                        redirect_uris: Vec::new(),
                    },
                );
                Ok(client_id.to_owned())
            }
            Some(reg) => match (&reg.secret, secret) {
                (Some(expected), Some(given)) if expected != given => {
                    Err(OAuthError::new(401, "invalid_client", "Unauthorized"))
                }
                (None, Some(given)) => {
                    reg.secret = Some(given.to_owned());
                    Ok(client_id.to_owned())
                }
                _ => Ok(client_id.to_owned()),
            },
        }
    }

    fn issue_access_token(
        &mut self,
        account: &str,
        scopes: &[String],
        grant: Option<u64>,
        lifetime: TimeDelta,
    ) -> String {
        let token = format!("ya29.a0{}", random_string(100));
        let expires_at = self.now() + lifetime;
        self.oauth.access.insert(
            token.clone(),
            AccessTokenRecord {
                account: account.to_owned(),
                scopes: scopes.to_vec(),
                expires_at,
                grant,
            },
        );
        token
    }

    fn token_lifetime(&self) -> TimeDelta {
        TimeDelta::from_std(self.config.access_token_lifetime)
            .map_or(TimeDelta::seconds(3599), crate::time::clamp_delta)
    }

    /// Handles `POST /token`.
    pub(crate) fn token(&mut self, form: TokenForm) -> Result<Value, OAuthError> {
        let client_id =
            self.authenticate_client(form.client_id.as_deref(), form.client_secret.as_deref())?;
        match form.grant_type.as_deref() {
            None | Some("") => Err(OAuthError::invalid_request(
                "Missing required parameter: grant_type",
            )),
            Some("authorization_code") => self.exchange_code(&client_id, form),
            Some("refresh_token") => self.refresh(&client_id, form),
            Some(_) => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "Invalid grant_type",
            )),
        }
    }

    fn exchange_code(&mut self, client_id: &str, form: TokenForm) -> Result<Value, OAuthError> {
        let Some(code) = form.code.filter(|c| !c.is_empty()) else {
            return Err(OAuthError::invalid_request(
                "Missing required parameter: code",
            ));
        };
        let now = self.now();
        let Some(record) = self.oauth.codes.get_mut(&code) else {
            return Err(OAuthError::invalid_grant("Malformed auth code."));
        };
        if record.used || now >= record.expires_at || record.client_id != client_id {
            return Err(OAuthError::invalid_grant("Bad Request"));
        }
        record.used = true;
        let record = record.clone();
        if form.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
            return Err(OAuthError::new(400, "redirect_uri_mismatch", "Bad Request"));
        }
        if let Some((challenge, method)) = &record.challenge {
            let Some(verifier) = form.code_verifier.as_deref() else {
                return Err(OAuthError::invalid_grant("Missing code verifier."));
            };
            let computed = if method == "S256" {
                URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
            } else {
                verifier.to_owned()
            };
            if &computed != challenge {
                return Err(OAuthError::invalid_grant("Invalid code verifier."));
            }
        }
        let grant_id = self.oauth.next_grant;
        self.oauth.next_grant += 1;
        let refresh_token = record.offline.then(|| format!("1//0{}", random_string(96)));
        let grant_expiry = self
            .config
            .refresh_token_lifetime
            .and_then(|d| TimeDelta::from_std(d).ok())
            .map(crate::time::clamp_delta);
        self.oauth.grants.insert(
            grant_id,
            Grant {
                client_id: client_id.to_owned(),
                account: record.account.clone(),
                scopes: record.scopes.clone(),
                revoked: false,
                expires_at: grant_expiry.map(|d| now + d),
            },
        );
        let lifetime = self.token_lifetime();
        let access =
            self.issue_access_token(&record.account, &record.scopes, Some(grant_id), lifetime);
        let mut body = json!({
            "access_token": access,
            "expires_in": lifetime.num_seconds(),
            "scope": record.scopes.join(" "),
            "token_type": "Bearer",
        });
        if let Some(refresh) = refresh_token {
            self.oauth.by_refresh.insert(refresh.clone(), grant_id);
            body["refresh_token"] = json!(refresh);
            if let Some(d) = grant_expiry {
                body["refresh_token_expires_in"] = json!(d.num_seconds());
            }
        }
        if record
            .scopes
            .iter()
            .any(|s| matches!(s.as_str(), "openid" | "email" | "profile"))
        {
            body["id_token"] = json!(self.id_token(client_id, &record.account));
        }
        Ok(body)
    }

    fn id_token(&self, client_id: &str, account: &str) -> String {
        let now = self.now().timestamp();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = json!({
            "iss": "https://accounts.google.com", "aud": client_id, "azp": client_id,
            "sub": subject_id(account), "email": account, "email_verified": true,
            "iat": now, "exp": now + 3600,
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{header}.{payload}.emulator")
    }

    fn refresh(&mut self, client_id: &str, form: TokenForm) -> Result<Value, OAuthError> {
        let Some(refresh) = form.refresh_token.filter(|r| !r.is_empty()) else {
            return Err(OAuthError::invalid_request(
                "Missing required parameter: refresh_token",
            ));
        };
        let now = self.now();
        let Some(grant_id) = self.oauth.by_refresh.get(&refresh).copied() else {
            return Err(OAuthError::invalid_grant("Bad Request"));
        };
        let Some(grant) = self.oauth.grants.get(&grant_id).cloned() else {
            return Err(OAuthError::invalid_grant("Bad Request"));
        };
        if !grant.alive(now) {
            return Err(OAuthError::invalid_grant(
                "Token has been expired or revoked.",
            ));
        }
        if grant.client_id != client_id {
            return Err(OAuthError::new(400, "unauthorized_client", "Unauthorized"));
        }
        let scopes = match form.scope.as_deref().map(str::split_whitespace) {
            Some(asked) => {
                let asked: Vec<String> = asked.map(str::to_owned).collect();
                if let Some(extra) = asked.iter().find(|s| !grant.scopes.contains(s)) {
                    return Err(OAuthError::new(
                        400,
                        "invalid_scope",
                        format!("Scope not granted: {extra}"),
                    ));
                }
                asked
            }
            None => grant.scopes.clone(),
        };
        let lifetime = self.token_lifetime();
        let access = self.issue_access_token(&grant.account, &scopes, Some(grant_id), lifetime);
        Ok(json!({
            "access_token": access,
            "expires_in": lifetime.num_seconds(),
            "scope": scopes.join(" "),
            "token_type": "Bearer",
        }))
    }

    /// Handles `POST /revoke`: either token kills the whole grant.
    pub(crate) fn revoke(&mut self, token: &str) -> Result<(), OAuthError> {
        let grant = if let Some(id) = self.oauth.by_refresh.get(token) {
            Some(*id)
        } else if let Some(record) = self.oauth.access.get(token) {
            record.grant
        } else {
            return Err(OAuthError::new(
                400,
                "invalid_token",
                "Token expired or revoked",
            ));
        };
        match grant {
            Some(id) => self.revoke_grant_id(id),
            None => {
                self.oauth.access.remove(token);
            }
        }
        Ok(())
    }

    fn revoke_grant_id(&mut self, id: u64) {
        if let Some(grant) = self.oauth.grants.get_mut(&id) {
            grant.revoked = true;
        }
        self.oauth
            .access
            .retain(|_, record| record.grant != Some(id));
    }

    fn grant_id_for(&self, refresh_token: &str) -> Option<u64> {
        self.oauth.by_refresh.get(refresh_token).copied()
    }

    /// Admin: revokes the grant behind a refresh token.
    pub(crate) fn admin_revoke_grant(&mut self, refresh_token: &str) -> bool {
        match self.grant_id_for(refresh_token) {
            Some(id) => {
                self.revoke_grant_id(id);
                true
            }
            None => false,
        }
    }

    /// Admin: revokes every grant an account gave (optionally only to one client).
    pub(crate) fn admin_revoke_account(&mut self, account: &str, client_id: Option<&str>) -> usize {
        let ids: Vec<u64> = self
            .oauth
            .grants
            .iter()
            .filter(|(_, g)| {
                g.account == account && client_id.is_none_or(|c| g.client_id == c) && !g.revoked
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            self.revoke_grant_id(*id);
        }
        ids.len()
    }

    /// Admin: makes a refresh token expire now (Google's 7-day testing-mode expiry); access
    /// tokens already issued stay valid until their own expiry, as with Google.
    pub(crate) fn admin_expire_refresh_token(&mut self, refresh_token: &str) -> bool {
        let now = self.now();
        match self
            .grant_id_for(refresh_token)
            .and_then(|id| self.oauth.grants.get_mut(&id))
        {
            Some(grant) => {
                grant.expires_at = Some(now);
                true
            }
            None => false,
        }
    }

    /// Admin: makes every issued access token expire now.
    pub(crate) fn admin_expire_access_tokens(&mut self) {
        let now = self.now();
        for record in self.oauth.access.values_mut() {
            record.expires_at = now;
        }
    }

    /// Admin: mints an access token for an account without the OAuth dance.
    pub(crate) fn mint_access_token(
        &mut self,
        account: &str,
        scopes: &[String],
        lifetime: Option<TimeDelta>,
    ) -> (String, TimeDelta) {
        self.ensure_account(account);
        let lifetime = lifetime.map_or_else(|| self.token_lifetime(), crate::time::clamp_delta);
        let scopes: Vec<String> = scopes.iter().map(|s| full_scope(s)).collect();
        (
            self.issue_access_token(account, &scopes, None, lifetime),
            lifetime,
        )
    }

    /// Resolves a bearer token to its account and scopes.
    pub(crate) fn check_bearer(&self, token: &str) -> Result<(String, Vec<String>), ApiError> {
        let record = self
            .oauth
            .access
            .get(token)
            .ok_or_else(ApiError::invalid_credentials)?;
        let now = self.now();
        if now >= record.expires_at {
            return Err(ApiError::invalid_credentials());
        }
        if let Some(grant) = record.grant.and_then(|id| self.oauth.grants.get(&id))
            && grant.revoked
        {
            return Err(ApiError::invalid_credentials());
        }
        Ok((record.account.clone(), record.scopes.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Config;

    fn authorize(state: &mut State, challenge: &str) -> String {
        let outcome = state.authorize(AuthorizeParams {
            client_id: Some("cid".into()),
            redirect_uri: Some("http://127.0.0.1:9/cb".into()),
            response_type: Some("code".into()),
            scope: Some("https://www.googleapis.com/auth/calendar".into()),
            state: Some("xyz".into()),
            code_challenge: Some(challenge.into()),
            code_challenge_method: Some("S256".into()),
            ..AuthorizeParams::default()
        });
        let AuthorizeOutcome::Redirect(url) = outcome else {
            panic!("expected a redirect, got {outcome:?}")
        };
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("code in redirect")
    }

    fn exchange(state: &mut State, code: &str, verifier: &str) -> Result<Value, OAuthError> {
        state.token(TokenForm {
            grant_type: Some("authorization_code".into()),
            code: Some(code.into()),
            redirect_uri: Some("http://127.0.0.1:9/cb".into()),
            code_verifier: Some(verifier.into()),
            client_id: Some("cid".into()),
            client_secret: Some("secret".into()),
            ..TokenForm::default()
        })
    }

    #[test]
    fn code_is_single_use_and_checks_pkce_verifier() {
        let mut state = State::new(Config::default());
        let verifier = "v".repeat(50);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let code = authorize(&mut state, &challenge);
        let body = exchange(&mut state, &code, &verifier).expect("first exchange works");
        assert!(
            body["access_token"]
                .as_str()
                .is_some_and(|t| t.starts_with("ya29."))
        );
        assert!(
            body["refresh_token"]
                .as_str()
                .is_some_and(|t| t.starts_with("1//"))
        );
        assert_eq!(
            exchange(&mut state, &code, &verifier).map_err(|e| e.error),
            Err("invalid_grant")
        );

        let code = authorize(&mut state, &challenge);
        assert_eq!(
            exchange(&mut state, &code, "wrong-verifier").map_err(|e| e.error),
            Err("invalid_grant")
        );
    }

    #[test]
    fn state_debug_hides_secrets_and_tokens() {
        let mut state = State::new(Config::default());
        state.register_client("cid", Some("hunter2".into()), Vec::new());
        let (token, _) = state.mint_access_token("a@example.com", &["x".into()], None);
        let shown = format!("{state:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains(&token));
    }

    #[test]
    fn token_form_debug_hides_secrets() {
        let form = TokenForm {
            client_secret: Some("hunter2".into()),
            refresh_token: Some("1//refresh".into()),
            ..TokenForm::default()
        };
        let shown = format!("{form:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("1//refresh"));
    }
}
