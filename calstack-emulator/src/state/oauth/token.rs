//! The token endpoint: client authentication, the authorization-code exchange (with PKCE)
//! that creates a grant, refresh, and the access and ID tokens it issues.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::state::model::oauth::{AccessTokenRecord, AuthCode, ClientReg, Grant};
use crate::state::oauth::error::OAuthError;
use crate::state::oauth::forms::TokenForm;
use crate::state::oauth::values::{random_string, subject_id};
use crate::state::world::State;

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

    pub(super) fn issue_access_token(
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

    pub(super) fn token_lifetime(&self) -> TimeDelta {
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

    /// Exchanges an authorization code for tokens: a new grant (with a refresh token for
    /// offline access), an access token and, for OpenID scopes, an ID token.
    fn exchange_code(&mut self, client_id: &str, form: TokenForm) -> Result<Value, OAuthError> {
        let now = self.now();
        let record = self.redeem_code(client_id, &form, now)?;
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

    /// Marks authorization code `form.code` used (checked against `now`) and answers what it stood for, once the
    /// client, expiry, redirect URI and PKCE verifier all match.
    fn redeem_code(
        &mut self,
        client_id: &str,
        form: &TokenForm,
        now: DateTime<Utc>,
    ) -> Result<AuthCode, OAuthError> {
        let Some(code) = form.code.as_deref().filter(|c| !c.is_empty()) else {
            return Err(OAuthError::invalid_request(
                "Missing required parameter: code",
            ));
        };
        let Some(record) = self.oauth.codes.get_mut(code) else {
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
        Ok(record)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::oauth::forms::{AuthorizeOutcome, AuthorizeParams};
    use crate::state::world::Config;

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
}
