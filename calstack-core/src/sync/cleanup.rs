//! Stopping a credential's push channels at Google before the credential (or its client) is
//! deleted: after the delete nothing could authenticate the `channels.stop` calls, and Google
//! would keep posting notifications nobody can check until the channels expire. Best effort:
//! a failure is logged (no secrets) and the delete goes on.

use std::sync::Arc;

use url::Url;

use crate::calendar::CalendarClient;
use crate::calendar::model::Channel;
use crate::clock::Clock;
use crate::oauth::{BeforeDelete, OAuthManager};
use crate::store::{CredentialId, MirrorSelection, PushChannel, Store};
use crate::transport::RetryPolicy;

/// What the hook needs to call Google as the credential being deleted.
#[derive(Clone)]
pub(crate) struct ChannelStopper {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) api_base: Url,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
}

impl ChannelStopper {
    /// The hook [`OAuthManager`] runs before deleting a credential.
    pub(crate) fn hook(self) -> BeforeDelete {
        Arc::new(move |manager, credential| {
            let stopper = self.clone();
            Box::pin(async move { stopper.stop(&manager, credential).await })
        })
    }

    async fn stop(&self, manager: &OAuthManager, credential: CredentialId) {
        let Ok(Some(owner)) = self.store.get_credential(credential).await else {
            return;
        };
        let Ok(calendars) = self
            .store
            .list_calendars(&MirrorSelection::clients([owner.client_id]))
            .await
        else {
            return;
        };
        let watched: Vec<_> = calendars
            .into_iter()
            .filter(|c| {
                c.meta.credential_id == credential
                    && c.channel.as_ref().is_some_and(PushChannel::confirmed)
            })
            .collect();
        if watched.is_empty() {
            return;
        }
        let api = CalendarClient::builder(manager.token_source(credential))
            .base_url(self.api_base.clone())
            .clock(self.clock.clone())
            .retry(self.retry)
            .http_client(self.http.clone())
            .build();
        let Ok(api) = api else { return };
        for calendar in watched {
            let Some(channel) = &calendar.channel else {
                continue;
            };
            let stop = Channel {
                id: Some(channel.id.clone()),
                resource_id: Some(channel.resource_id.clone()),
                ..Channel::default()
            };
            if let Err(error) = api.channels().stop(&stop).send().await {
                tracing::warn!(calendar = %calendar.meta.key, %error,
                    "could not stop a push channel of a credential being deleted");
            }
        }
    }
}
