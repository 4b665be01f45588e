//! The authorization endpoint: client registration, request validation like Google's, the
//! emulated user's consent, and the authorization code the browser is redirected with.

use std::collections::BTreeSet;

use chrono::TimeDelta;

use crate::state::model::oauth::{AuthCode, ClientReg, Consent};
use crate::state::oauth::error::OAuthError;
use crate::state::oauth::forms::{AuthorizeOutcome, AuthorizeParams};
use crate::state::oauth::values::{random_string, scope_is_known, valid_challenge};
use crate::state::world::State;

/// An authorization request that passed every check.
struct Checked {
    client_id: String,
    redirect_uri: String,
    redirect: url::Url,
    requested: Vec<String>,
    /// The PKCE challenge and its method.
    challenge: Option<(String, String)>,
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
    pub(crate) fn authorize(&mut self, mut p: AuthorizeParams) -> AuthorizeOutcome {
        let checked = match self.check_authorization(&mut p) {
            Ok(checked) => checked,
            Err(error) => return AuthorizeOutcome::ErrorPage(error),
        };
        let account = p
            .login_hint
            .take()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| self.config.default_account.clone());
        self.ensure_account(&account);
        let mut redirect = checked.redirect.clone();
        let pairs = self.consent(checked, account, &p);
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

    /// Checks an authorization request in the order Google does: client, redirect URI,
    /// response type, scopes, PKCE challenge.
    fn check_authorization(&self, p: &mut AuthorizeParams) -> Result<Checked, OAuthError> {
        let Some(client_id) = p.client_id.take().filter(|c| !c.is_empty()) else {
            return Err(OAuthError::invalid_request(
                "Missing required parameter: client_id",
            ));
        };
        let registered = self.oauth.clients.get(&client_id);
        if registered.is_none() && self.config.strict_clients {
            return Err(OAuthError::invalid_client());
        }
        let Some(redirect_uri) = p.redirect_uri.take().filter(|r| !r.is_empty()) else {
            return Err(OAuthError::invalid_request(
                "Missing required parameter: redirect_uri",
            ));
        };
        let redirect = check_redirect(registered, &redirect_uri)?;
        check_response_type(p.response_type.as_deref())?;
        let requested = requested_scopes(p.scope.as_deref())?;
        let challenge = check_challenge(p.code_challenge.take(), p.code_challenge_method.take())?;
        Ok(Checked {
            client_id,
            redirect_uri,
            redirect,
            requested,
            challenge,
        })
    }

    /// The emulated user's answer as redirect query pairs: `error=access_denied` when nothing
    /// is granted, else a new authorization code and the granted scopes (with the scopes
    /// granted before, when the request asks to include them).
    fn consent(
        &mut self,
        checked: Checked,
        account: String,
        p: &AuthorizeParams,
    ) -> Vec<(&'static str, String)> {
        let granted: Vec<String> = match &self.oauth.consent {
            Consent::Grant => checked.requested.clone(),
            Consent::Deny => Vec::new(),
            Consent::GrantOnly(allowed) => checked
                .requested
                .iter()
                .filter(|s| allowed.contains(s))
                .cloned()
                .collect(),
        };
        if granted.is_empty() {
            return vec![("error", "access_denied".to_owned())];
        }
        let mut scopes: BTreeSet<String> = granted.into_iter().collect();
        if p.include_granted_scopes.as_deref() == Some("true") {
            for g in self.oauth.grants.values() {
                if g.client_id == checked.client_id && g.account == account && !g.revoked {
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
                client_id: checked.client_id,
                redirect_uri: checked.redirect_uri,
                scopes: scopes.clone(),
                account,
                challenge: checked.challenge,
                expires_at: now + TimeDelta::minutes(10),
                offline: p.access_type.as_deref() != Some("online"),
                used: false,
            },
        );
        vec![("code", code), ("scope", scopes.join(" "))]
    }
}

/// The redirect URI as a URL: no out-of-band flow, and one of the client's registered URIs
/// when it registered any.
fn check_redirect(
    registered: Option<&ClientReg>,
    redirect_uri: &str,
) -> Result<url::Url, OAuthError> {
    if redirect_uri.starts_with("urn:ietf:wg:oauth:2.0:oob") || redirect_uri == "oob" {
        return Err(OAuthError::invalid_request(
            "The out-of-band (OOB) flow has been blocked in order to keep users secure.",
        ));
    }
    let Ok(redirect) = url::Url::parse(redirect_uri) else {
        return Err(OAuthError::invalid_request(
            "Invalid parameter value for redirect_uri",
        ));
    };
    if let Some(reg) = registered
        && !reg.redirect_uris.is_empty()
        && !reg.redirect_uris.iter().any(|r| r == redirect_uri)
    {
        return Err(OAuthError::new(
            400,
            "redirect_uri_mismatch",
            "redirect_uri does not match a registered redirect URI",
        ));
    }
    Ok(redirect)
}

/// Only the authorization code flow (`response_type=code`) is served.
fn check_response_type(response_type: Option<&str>) -> Result<(), OAuthError> {
    match response_type {
        None | Some("") => Err(OAuthError::invalid_request(
            "Missing required parameter: response_type",
        )),
        Some("code") => Ok(()),
        Some(_) => Err(OAuthError::new(
            400,
            "unsupported_response_type",
            "Only response_type=code is supported",
        )),
    }
}

/// The requested scopes: at least one, each one Google knows.
fn requested_scopes(scope: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let requested: Vec<String> = scope
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if requested.is_empty() {
        return Err(OAuthError::invalid_request(
            "Missing required parameter: scope",
        ));
    }
    let unknown: Vec<&str> = requested
        .iter()
        .map(String::as_str)
        .filter(|s| !scope_is_known(s))
        .collect();
    if !unknown.is_empty() {
        return Err(OAuthError::new(
            400,
            "invalid_scope",
            format!("Some requested scopes were invalid. {{invalid={unknown:?}}}"),
        ));
    }
    Ok(requested)
}

/// The PKCE challenge and its method (`plain` unless given), when the request carries one.
fn check_challenge(
    challenge: Option<String>,
    method: Option<String>,
) -> Result<Option<(String, String)>, OAuthError> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "Missing required parameter: code_challenge",
        )),
        (Some(c), method) => {
            let method = method.unwrap_or_else(|| "plain".to_owned());
            if method != "S256" && method != "plain" {
                return Err(OAuthError::invalid_request("Invalid code_challenge_method"));
            }
            if !valid_challenge(&c) {
                return Err(OAuthError::invalid_request("Invalid code_challenge"));
            }
            Ok(Some((c, method)))
        }
    }
}
