//! [`CredentialExt`]: questions about a stored credential's scopes and state.

use crate::store::OAuthCredential;
use crate::validate::client::scope_covered;

/// Convenience queries on an [`OAuthCredential`].
pub trait CredentialExt {
    /// Scopes asked for at consent that Google did not grant (the user can untick some).
    /// Before consent, every requested scope is missing.
    fn missing_scopes(&self) -> Vec<String>;

    /// Whether `scope` (a full URL or `openid`/`email`/`profile`) was granted.
    fn has_scope(&self, scope: &str) -> bool;

    /// Whether consent has completed and the credential can be refreshed.
    fn is_authorized(&self) -> bool;
}

impl CredentialExt for OAuthCredential {
    fn missing_scopes(&self) -> Vec<String> {
        self.scopes
            .iter()
            .filter(|wanted| !scope_covered(wanted, &self.granted_scopes))
            .cloned()
            .collect()
    }

    fn has_scope(&self, scope: &str) -> bool {
        scope_covered(scope, &self.granted_scopes)
    }

    fn is_authorized(&self) -> bool {
        self.is_valid && self.refresh_token.is_some()
    }
}
