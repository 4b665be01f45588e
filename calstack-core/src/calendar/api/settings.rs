//! Builders for the `settings` resource: the user's Calendar preferences (read-only).

use futures::Stream;
use reqwest::Method;

use super::{Call, IfNoneMatch, query_setters};
use crate::calendar::client::CalendarClient;
use crate::calendar::model::{Channel, Setting, Settings, SyncResult};
use crate::error::Result;
use crate::transport::Idempotency;

/// The `settings` resource. Made by [`CalendarClient::settings`].
#[derive(Debug, Clone)]
pub struct SettingsApi {
    client: CalendarClient,
}

impl SettingsApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    fn call(&self, method: Method, segments: &[&str], idempotency: Idempotency) -> Call {
        Call::new(self.client.clone(), method, segments, idempotency)
    }

    /// `settings.list`: every setting of the user.
    pub fn list(&self) -> ListSettings {
        ListSettings {
            call: self.call(Method::GET, &["users", "me", "settings"], Idempotency::Safe),
        }
    }

    /// `settings.get`: one setting, by id (`timezone`, `weekStart`, `format24HourTime`, …).
    pub fn get(&self, setting_id: &str) -> GetSetting {
        GetSetting {
            call: self.call(
                Method::GET,
                &["users", "me", "settings", setting_id],
                Idempotency::Safe,
            ),
        }
    }

    /// `settings.watch`: asks Google to push a notification to `channel.address` whenever a
    /// setting changes.
    pub fn watch(&self, channel: Channel) -> WatchSettings {
        WatchSettings {
            call: self.call(
                Method::POST,
                &["users", "me", "settings", "watch"],
                Idempotency::ConnectOnly,
            ),
            channel,
        }
    }

    /// Incremental sync of the settings: every setting changed since `sync_token` and the
    /// token for next time. `None` = full sync.
    pub async fn sync(&self, sync_token: Option<&str>) -> Result<SyncResult<Setting>> {
        let mut list = self.list();
        if let Some(token) = sync_token {
            list = list.sync_token(token);
        }
        list.send_sync().await
    }
}

/// Expands the query setters shared by `settings.list` and `settings.watch`.
macro_rules! settings_list_setters {
    () => {
        query_setters! {
            /// Page size (default 100, at most 250).
            max_results: u32 => "maxResults",
            /// Continue from this page.
            page_token: str => "pageToken",
            /// Only changes since this token (see also [`SettingsApi::sync`]).
            sync_token: str => "syncToken",
        }
    };
}

/// `settings.list`. Made by [`SettingsApi::list`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ListSettings {
    call: Call,
}

impl ListSettings {
    settings_list_setters!();

    /// Sends the request and returns one page.
    pub async fn send(self) -> Result<Settings> {
        self.call.send_json().await
    }

    /// Every setting of every page, fetched as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<Setting>> + Send + 'static {
        self.call.items::<Setting>()
    }

    /// Every page.
    pub fn pages(self) -> impl Stream<Item = Result<Settings>> + Send + 'static {
        self.call.pages::<Setting>()
    }

    /// Every setting of every page, collected.
    pub async fn collect_all(self) -> Result<Vec<Setting>> {
        futures::TryStreamExt::try_collect(self.stream()).await
    }

    /// Every page, collected into the changed settings plus the final `nextSyncToken`.
    pub async fn send_sync(self) -> Result<SyncResult<Setting>> {
        self.call.sync_all().await
    }
}

/// `settings.watch`. Made by [`SettingsApi::watch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct WatchSettings {
    call: Call,
    channel: Channel,
}

impl WatchSettings {
    settings_list_setters!();

    /// Sends the request; the answer carries the `resourceId` needed to stop the channel.
    pub async fn send(mut self) -> Result<Channel> {
        self.call.json_body(&self.channel)?;
        self.call.send_json().await
    }
}

/// `settings.get`. Made by [`SettingsApi::get`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct GetSetting {
    call: Call,
}

impl GetSetting {
    /// Only fetch the setting if its etag differs from `etag` (HTTP 304 otherwise).
    pub fn if_none_match(self, etag: impl Into<String>) -> IfNoneMatch<Setting> {
        IfNoneMatch::new(self.call, etag.into())
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Setting> {
        self.call.send_json().await
    }
}
