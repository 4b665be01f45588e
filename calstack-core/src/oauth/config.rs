//! Where Google's OAuth and Calendar endpoints live, and the manager's timing knobs.

use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};

/// Google's endpoints, overridable so an emulator, wiremock or a proxy can stand in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleEndpoints {
    /// The consent page (`https://accounts.google.com/o/oauth2/v2/auth`).
    pub auth_url: Url,
    /// The token endpoint (`https://oauth2.googleapis.com/token`).
    pub token_url: Url,
    /// The revocation endpoint (`https://oauth2.googleapis.com/revoke`).
    pub revoke_url: Url,
    /// The Calendar v3 API base (`https://www.googleapis.com/calendar/v3/`).
    pub api_base: Url,
}

/// Google's consent page.
pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's revocation endpoint.
pub const GOOGLE_REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Google Calendar v3's base URL.
pub const GOOGLE_API_BASE: &str = "https://www.googleapis.com/calendar/v3/";

impl Default for GoogleEndpoints {
    fn default() -> Self {
        Self::google()
    }
}

impl GoogleEndpoints {
    /// Google's real endpoints.
    pub fn google() -> Self {
        Self {
            auth_url: fixed(GOOGLE_AUTH_URL),
            token_url: fixed(GOOGLE_TOKEN_URL),
            revoke_url: fixed(GOOGLE_REVOKE_URL),
            api_base: fixed(GOOGLE_API_BASE),
        }
    }

    /// Builds endpoints from four URLs. Errors name the field (`auth_url`, `token_url`,
    /// `revoke_url`, `api_base`). A missing trailing `/` on `api_base` is added, so relative
    /// paths join under it.
    pub fn new(auth_url: &str, token_url: &str, revoke_url: &str, api_base: &str) -> Result<Self> {
        let mut base = api_base.trim().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self {
            auth_url: parse("auth_url", auth_url)?,
            token_url: parse("token_url", token_url)?,
            revoke_url: parse("revoke_url", revoke_url)?,
            api_base: parse("api_base", &base)?,
        })
    }

    /// Google's endpoints, each overridden by its environment variable when set:
    /// `CALSTACK_GOOGLE_AUTH_URL`, `CALSTACK_GOOGLE_TOKEN_URL`, `CALSTACK_GOOGLE_REVOKE_URL`,
    /// `CALSTACK_GOOGLE_API_BASE`.
    pub fn from_env() -> Result<Self> {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        Self::new(
            &var("CALSTACK_GOOGLE_AUTH_URL", GOOGLE_AUTH_URL),
            &var("CALSTACK_GOOGLE_TOKEN_URL", GOOGLE_TOKEN_URL),
            &var("CALSTACK_GOOGLE_REVOKE_URL", GOOGLE_REVOKE_URL),
            &var("CALSTACK_GOOGLE_API_BASE", GOOGLE_API_BASE),
        )
    }
}

fn parse(field: &str, value: &str) -> Result<Url> {
    let url = Url::parse(value.trim())
        .map_err(|e| Error::validation(field, format!("not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::validation(field, "scheme must be http or https"));
    }
    Ok(url)
}

#[allow(clippy::expect_used)]
fn fixed(url: &str) -> Url {
    Url::parse(url).expect("Google's endpoint constants are valid URLs")
}

/// Timing knobs of the [`OAuthManager`](super::OAuthManager). The defaults suit Google.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// How long a consent `state` stays usable (default 10 minutes).
    pub state_ttl: Duration,
    /// Refresh this long before the access token expires (default 60 s).
    pub refresh_skew: Duration,
    /// Up to this much extra, chosen at random per check, so many processes do not refresh at
    /// the same instant (default 5 s).
    pub refresh_jitter: Duration,
    /// How long a refresh lease is held before other processes may take over (default 30 s).
    /// Extended before every retry.
    pub lease_ttl: Duration,
    /// How often to re-read the store while another process holds the lease (default 250 ms).
    pub lease_poll_interval: Duration,
    /// Give up waiting for another process's refresh after this long (default 60 s).
    pub lease_wait_max: Duration,
    /// At most this many retries of a token or revoke request after a 5xx, 429 or network
    /// failure (default 3). The delays, the jitter and the retry budget are the one
    /// [`crate::RetryPolicy`] and [`crate::RetryBudget`] set on the `Calstack` builder; this
    /// only caps the attempts of token requests further.
    pub max_retries: u32,
    /// Timeout of one HTTP request to the token or revoke endpoint (default 20 s).
    pub http_timeout: Duration,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            state_ttl: Duration::from_secs(600),
            refresh_skew: Duration::from_secs(60),
            refresh_jitter: Duration::from_secs(5),
            lease_ttl: Duration::from_secs(30),
            lease_poll_interval: Duration::from_millis(250),
            lease_wait_max: Duration::from_secs(60),
            max_retries: 3,
            http_timeout: Duration::from_secs(20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_googles_endpoints() {
        let e = GoogleEndpoints::default();
        assert_eq!(e.auth_url.as_str(), GOOGLE_AUTH_URL);
        assert_eq!(e.token_url.as_str(), GOOGLE_TOKEN_URL);
        assert_eq!(e.revoke_url.as_str(), GOOGLE_REVOKE_URL);
        assert_eq!(e.api_base.as_str(), GOOGLE_API_BASE);
    }

    #[test]
    fn custom_endpoints_name_the_bad_field_and_fix_the_base_slash() {
        let e = GoogleEndpoints::new(
            "http://127.0.0.1:1/auth",
            "http://127.0.0.1:1/token",
            "http://127.0.0.1:1/revoke",
            "http://127.0.0.1:1/calendar/v3",
        )
        .expect("valid URLs");
        assert_eq!(e.api_base.as_str(), "http://127.0.0.1:1/calendar/v3/");
        let err = GoogleEndpoints::new("x", "http://a/t", "http://a/r", "http://a/")
            .expect_err("relative auth url");
        assert!(matches!(err, Error::Validation { ref field, .. } if field == "auth_url"));
    }
}
