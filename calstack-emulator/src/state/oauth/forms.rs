//! What the OAuth endpoints receive (the authorization query, the token form) and what the
//! authorization endpoint answers. The token form's `Debug` hides its secrets.

use serde::Deserialize;

use crate::state::oauth::error::OAuthError;

/// Query parameters of `/o/oauth2/v2/auth`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthorizeParams {
    pub(super) client_id: Option<String>,
    pub(super) redirect_uri: Option<String>,
    pub(super) response_type: Option<String>,
    pub(super) scope: Option<String>,
    pub(super) state: Option<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) code_challenge_method: Option<String>,
    pub(super) login_hint: Option<String>,
    pub(super) access_type: Option<String>,
    pub(super) include_granted_scopes: Option<String>,
}

/// Form fields of `/token`.
#[derive(Default, Deserialize)]
pub(crate) struct TokenForm {
    pub(super) grant_type: Option<String>,
    pub(super) code: Option<String>,
    pub(super) redirect_uri: Option<String>,
    pub(super) code_verifier: Option<String>,
    pub(super) refresh_token: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(super) scope: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
