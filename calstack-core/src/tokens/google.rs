//! Google's flavour of the token response: the standard fields plus the `id_token` Google adds
//! when `openid`/`email` was requested, from which the account's email is read.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    EndpointNotSet, EndpointSet, ExtraTokenFields, StandardRevocableToken, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};

/// Extra fields of Google's token response. `Debug` never shows the ID token.
#[derive(Clone, Default, Deserialize, Serialize)]
pub(crate) struct GoogleTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl std::fmt::Debug for GoogleTokenFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GoogleTokenFields { id_token: [redacted] }")
    }
}

impl ExtraTokenFields for GoogleTokenFields {}

impl GoogleTokenFields {
    /// The verified email in the ID token, if there is one. The token came straight from
    /// Google's token endpoint over TLS, so its claims are read without checking the signature
    /// (as Google's OpenID Connect guide allows for that case).
    pub(crate) fn verified_email(&self) -> Option<String> {
        let payload = self.id_token.as_deref()?.split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let verified = match claims.get("email_verified") {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => false,
        };
        verified
            .then(|| claims.get("email")?.as_str().map(str::to_owned))
            .flatten()
    }
}

/// Google's token response.
pub(crate) type GoogleTokenResponse = StandardTokenResponse<GoogleTokenFields, BasicTokenType>;

/// An `oauth2` client configured for one credential's Google app (auth and token endpoints).
pub(crate) type GoogleClient = oauth2::Client<
    BasicErrorResponse,
    GoogleTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(claims: serde_json::Value) -> GoogleTokenFields {
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        GoogleTokenFields {
            id_token: Some(format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln")),
        }
    }

    #[test]
    fn verified_email_is_read_from_the_id_token() {
        let f = fields(serde_json::json!({"email": "owner@acme.example", "email_verified": true}));
        assert_eq!(f.verified_email().as_deref(), Some("owner@acme.example"));
        assert!(!format!("{f:?}").contains("eyJ"));
    }

    #[test]
    fn unverified_or_missing_email_is_ignored() {
        let f = fields(serde_json::json!({"email": "x@acme.example", "email_verified": false}));
        assert_eq!(f.verified_email(), None);
        let f = fields(serde_json::json!({"sub": "1101"}));
        assert_eq!(f.verified_email(), None);
        let garbage = GoogleTokenFields {
            id_token: Some("not-a-jwt".into()),
        };
        assert_eq!(garbage.verified_email(), None);
        assert_eq!(GoogleTokenFields::default().verified_email(), None);
    }
}
