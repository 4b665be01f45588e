//! Write-through: the [`EventWriteObserver`] that [`crate::Calstack::calendar`] installs on
//! every Calendar client it hands out, so an event written through calstack is in the mirror
//! as soon as the write returns (a read after a write sees it). Calendars that are not
//! mirrored are left alone; a mirror write that fails makes the calendar due, so the next sync
//! repairs it.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::rows::{Change, change_for};
use crate::calendar::{Event, EventWriteObserver};
use crate::clock::Clock;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::{CalendarKey, ClientId, CredentialId, MirrorSelection, MirroredCalendar, Store};

/// Applies one credential's event writes to the mirror.
pub(crate) struct WriteThrough {
    store: Arc<dyn Store>,
    keyring: Keyring,
    clock: Arc<dyn Clock>,
    credential: CredentialId,
    client: OnceCell<ClientId>,
}

impl WriteThrough {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        keyring: Keyring,
        clock: Arc<dyn Clock>,
        credential: CredentialId,
    ) -> Self {
        Self {
            store,
            keyring,
            clock,
            credential,
            client: OnceCell::new(),
        }
    }

    async fn client(&self) -> Result<ClientId> {
        self.client
            .get_or_try_init(|| async {
                let credential = self.store.get_credential(self.credential).await?;
                credential
                    .map(|c| c.client_id)
                    .ok_or_else(|| Error::NotFound {
                        what: format!("credential {}", self.credential),
                    })
            })
            .await
            .copied()
    }

    /// The mirrored calendar `calendar_id` names (`primary` = the client's primary one).
    async fn mirrored(&self, calendar_id: &str) -> Result<Option<MirroredCalendar>> {
        let client = self.client().await?;
        if calendar_id == "primary" {
            let all = self
                .store
                .list_calendars(&MirrorSelection::clients([client]))
                .await?;
            return Ok(all.into_iter().find(|c| c.meta.primary));
        }
        Ok(self
            .store
            .get_calendar(&CalendarKey::new(client, calendar_id))
            .await?)
    }

    async fn apply(&self, calendar: &MirroredCalendar, change: Change) -> Result<()> {
        let (upserts, deletes) = match change {
            Change::Upsert(row) => (vec![*row], Vec::new()),
            Change::Delete(id) => (Vec::new(), vec![id]),
        };
        self.store
            .write_events(calendar.key(), calendar.generation, &upserts, &deletes)
            .await?;
        Ok(())
    }

    /// Logs a failed mirror write and makes the calendar due so a sync repairs it.
    async fn repair_later(&self, calendar: Option<&MirroredCalendar>, error: &Error) {
        tracing::warn!(%error, "write-through to the mirror failed");
        if let Some(calendar) = calendar {
            let _ = self.store.mark_due(calendar.key(), self.clock.now()).await;
        }
    }
}

#[async_trait]
impl EventWriteObserver for WriteThrough {
    async fn event_written(&self, calendar_id: &str, event: &Event) {
        let calendar = match self.mirrored(calendar_id).await {
            Ok(Some(calendar)) => calendar,
            Ok(None) => return,
            Err(e) => return self.repair_later(None, &e).await,
        };
        let change = change_for(
            &self.keyring,
            calendar.key(),
            calendar.meta.credential_id,
            event,
        );
        let outcome = match change {
            Ok(Some(change)) => self.apply(&calendar, change).await,
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            self.repair_later(Some(&calendar), &e).await;
        }
    }

    async fn event_removed(&self, calendar_id: &str, event_id: &str) {
        let calendar = match self.mirrored(calendar_id).await {
            Ok(Some(calendar)) => calendar,
            Ok(None) => return,
            Err(e) => return self.repair_later(None, &e).await,
        };
        if let Err(e) = self
            .apply(&calendar, Change::Delete(event_id.to_owned()))
            .await
        {
            return self.repair_later(Some(&calendar), &e).await;
        }
        // Deleting one instance of a series leaves a cancelled exception at Google, which the
        // mirror keeps: fetch it with the next sync, now.
        if event_id.contains('_') {
            let _ = self.store.mark_due(calendar.key(), self.clock.now()).await;
        }
    }
}
