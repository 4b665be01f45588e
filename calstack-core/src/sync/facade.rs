//! The sync engine's and mirror's methods on [`Calstack`].

use std::time::Duration;

use super::push::{self, Notification};
use super::{CalendarSync, SyncOptions, SyncReport, Syncer};
use crate::error::Result;
use crate::facade::Calstack;
use crate::mirror::Mirror;
use crate::store::{CalendarKey, ClientId, MirrorSelection};

impl Calstack {
    /// Reads the local mirror (events in a window, mirrored calendars, sync status).
    pub fn mirror(&self) -> Mirror {
        Mirror::new(self.store().clone(), self.oauth().keyring().clone())
    }

    /// Sync workers paced by `options` (see [`Syncer`]).
    pub fn syncer(&self, options: SyncOptions) -> Syncer {
        Syncer::new(self.clone(), options)
    }

    /// Syncs every client's calendar list and calendars now. Per-client and per-calendar
    /// failures are in the report.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.syncer(SyncOptions::default()).sync_clients(None).await
    }

    /// Syncs one client's calendar list and calendars now. Unknown client →
    /// [`crate::Error::NotFound`]; no valid credential → [`crate::Error::ReauthorizationRequired`] (its
    /// calendars are parked until it is authorized again).
    pub async fn sync_client(&self, client: ClientId) -> Result<SyncReport> {
        self.syncer(SyncOptions::default())
            .sync_client(client)
            .await
    }

    /// Syncs one mirrored calendar now. Not mirrored → [`crate::Error::NotFound`].
    pub async fn sync_calendar(&self, client: ClientId, calendar_id: &str) -> Result<CalendarSync> {
        self.clients().get(client).await?;
        self.syncer(SyncOptions::default())
            .sync_calendar(&CalendarKey::new(client, calendar_id))
            .await
    }

    /// Syncs the selected calendars whose last sync is older than `max_staleness` (or that
    /// never synced), so a read that follows sees data at most that old.
    pub async fn sync_stale(
        &self,
        selection: &MirrorSelection,
        max_staleness: Duration,
    ) -> Result<SyncReport> {
        let oldest = self.clock().now() - super::run::delta(max_staleness);
        let stale: Vec<CalendarKey> = self
            .store()
            .list_calendars(selection)
            .await?
            .into_iter()
            .filter(|c| c.parked_reason.is_none() && c.last_synced.is_none_or(|t| t < oldest))
            .map(|c| c.meta.key)
            .collect();
        self.syncer(SyncOptions::default()).sync_keys(&stale).await
    }

    /// Checks a push notification (its `X-Goog-*` headers; names in any case) against the
    /// stored channel — channel id, verification token, resource id — and makes that one
    /// calendar due at once. Returns without syncing. A forged, malformed or unknown
    /// notification is [`crate::Error::Validation`] naming the header, and changes nothing.
    pub async fn handle_notification<K, V>(
        &self,
        headers: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Notification>
    where
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        push::handle(self, headers).await
    }
}
