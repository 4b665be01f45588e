//! [`CredentialTokenSource`]: the Calendar client's auth hook for one stored credential.

use std::sync::Arc;

use async_trait::async_trait;

use super::{TokenPipeline, Want};
use crate::auth::TokenSource;
use crate::error::Result;
use crate::secret::AccessToken;
use crate::store::CredentialId;

/// A [`TokenSource`] for one stored credential, served by the token pipeline. Made by
/// [`crate::oauth::OAuthManager::token_source`].
#[derive(Debug, Clone)]
pub struct CredentialTokenSource {
    pipeline: Arc<TokenPipeline>,
    credential_id: CredentialId,
}

impl CredentialTokenSource {
    pub(crate) fn new(pipeline: Arc<TokenPipeline>, credential_id: CredentialId) -> Self {
        Self {
            pipeline,
            credential_id,
        }
    }

    /// The credential this source serves.
    pub fn credential_id(&self) -> CredentialId {
        self.credential_id
    }
}

#[async_trait]
impl TokenSource for CredentialTokenSource {
    async fn access_token(&self) -> Result<AccessToken> {
        self.pipeline.obtain(self.credential_id, Want::Fresh).await
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> Result<Option<AccessToken>> {
        self.pipeline
            .obtain(self.credential_id, Want::Replacing(rejected))
            .await
            .map(Some)
    }
}
