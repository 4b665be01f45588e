//! The authorization endpoint: client registration, request validation like Google's, the
//! emulated user's consent, and the authorization code the browser is redirected with.

use std::collections::BTreeSet;

use chrono::TimeDelta;

use crate::state::model::oauth::{AuthCode, ClientReg, Consent};
use crate::state::oauth::error::OAuthError;
use crate::state::oauth::forms::{AuthorizeOutcome, AuthorizeParams};
use crate::state::oauth::values::{random_string, scope_is_known, valid_challenge};
use crate::state::world::State;

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
