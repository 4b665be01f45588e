//! Where the transport gets bearer tokens from. The OAuth manager implements [`TokenSource`]
//! for a stored credential; [`StaticToken`] serves a fixed token (tests, scripts, a token
//! obtained elsewhere).

use async_trait::async_trait;

use crate::error::Result;
use crate::secret::AccessToken;

/// Supplies access tokens to a [`crate::CalendarClient`].
#[async_trait]
pub trait TokenSource: Send + Sync + std::fmt::Debug {
    /// A token believed valid now (refreshing first if it is about to expire).
    async fn access_token(&self) -> Result<AccessToken>;

    /// The API answered 401 to a request made with `rejected`. Return a different, fresh token
    /// to retry that request once, or `Ok(None)` when no better token can be had (the 401 is
    /// then returned to the caller). Implementations must not refresh again if another task
    /// already replaced `rejected`.
    async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>>;
}

/// A fixed access token. A 401 cannot be healed, so it is returned to the caller.
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// Serves `token` on every request.
    pub fn new(token: impl Into<String>) -> Self {
        Self(AccessToken::new(token))
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> Result<AccessToken> {
        Ok(self.0.clone())
    }

    async fn refresh_after_unauthorized(&self, _: &AccessToken) -> Result<Option<AccessToken>> {
        Ok(None)
    }
}
