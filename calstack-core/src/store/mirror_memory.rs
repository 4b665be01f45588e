//! [`MirrorStore`] for [`MemoryStore`]: the mirror's tables as ordered maps under the memory
//! store's one mutex, so every operation is atomic.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::memory::Tables;
use super::mirror::MirrorStore;
use super::mirror_records::{
    CalendarKey, CalendarListState, CalendarMetadata, MirrorEventRow, MirrorSelection,
    MirroredCalendar, PushChannel, SyncFinish, TokenUpdate,
};
use super::{ClientId, CredentialId, MemoryStore, StoreError};

/// Event rows by calendar, generation and event id.
type EventKey = (CalendarKey, i64, String);

/// The mirror's part of the memory store.
#[derive(Debug, Default)]
pub(super) struct MirrorTables {
    lists: BTreeMap<ClientId, CalendarListState>,
    calendars: BTreeMap<CalendarKey, MirroredCalendar>,
    events: BTreeMap<EventKey, MirrorEventRow>,
}

impl MirrorTables {
    /// Drops everything of a deleted client.
    pub(super) fn forget_client(&mut self, client: ClientId) {
        self.lists.remove(&client);
        self.calendars.retain(|k, _| k.client_id != client);
        self.events.retain(|(k, _, _), _| k.client_id != client);
    }

    /// Drops everything read with a deleted credential.
    pub(super) fn forget_credential(&mut self, credential: CredentialId) {
        self.lists.retain(|_, l| l.credential_id != credential);
        let gone: Vec<CalendarKey> = self
            .calendars
            .values()
            .filter(|c| c.meta.credential_id == credential)
            .map(|c| c.key().clone())
            .collect();
        for key in gone {
            self.drop_calendar(&key);
        }
    }

    fn drop_calendar(&mut self, key: &CalendarKey) -> bool {
        self.events.retain(|(k, _, _), _| k != key);
        self.calendars.remove(key).is_some()
    }

    fn generation_rows(&self, key: &CalendarKey, generation: i64) -> Vec<&MirrorEventRow> {
        let from = (key.clone(), generation, String::new());
        self.events
            .range(from..)
            .take_while(|((k, g, _), _)| k == key && *g == generation)
            .map(|(_, row)| row)
            .collect()
    }

    fn calendar_mut(&mut self, key: &CalendarKey) -> Result<&mut MirroredCalendar, StoreError> {
        self.calendars
            .get_mut(key)
            .ok_or_else(|| StoreError::not_found(key.to_string()))
    }
}

fn check_owner(t: &Tables, client: ClientId, credential: CredentialId) -> Result<(), StoreError> {
    if !t.clients.contains_key(&client) {
        return Err(StoreError::not_found(format!("client {client}")));
    }
    match t.credentials.get(&credential) {
        Some(c) if c.client_id == client => Ok(()),
        _ => Err(StoreError::not_found(format!("credential {credential}"))),
    }
}

fn lease_free(c: &MirroredCalendar, now: DateTime<Utc>) -> bool {
    c.lease_holder.is_none() || c.lease_until.is_none_or(|until| until <= now)
}

/// Whether a row may matter for `[from, to)` (the rule [`MirrorStore::events_between`] states).
pub(crate) fn row_in_window(row: &MirrorEventRow, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    crate::mirror::cache::RowTimes::of(row).may_matter(from, to)
}

#[async_trait]
impl MirrorStore for MemoryStore {
    async fn get_list_state(
        &self,
        client: ClientId,
    ) -> Result<Option<CalendarListState>, StoreError> {
        Ok(self.tables().mirror.lists.get(&client).cloned())
    }

    async fn insert_list_state(&self, state: &CalendarListState) -> Result<(), StoreError> {
        let mut t = self.tables();
        check_owner(&t, state.client_id, state.credential_id)?;
        if t.mirror.lists.contains_key(&state.client_id) {
            return Err(StoreError::conflict(format!(
                "calendar list state of client {} already exists",
                state.client_id
            )));
        }
        t.mirror.lists.insert(state.client_id, state.clone());
        Ok(())
    }

    async fn update_list_state(&self, state: &CalendarListState) -> Result<(), StoreError> {
        let mut t = self.tables();
        match t.mirror.lists.get_mut(&state.client_id) {
            Some(stored) => {
                *stored = state.clone();
                Ok(())
            }
            None => Err(StoreError::not_found(format!(
                "calendar list state of client {}",
                state.client_id
            ))),
        }
    }

    async fn upsert_calendar(
        &self,
        meta: &CalendarMetadata,
        due: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables();
        check_owner(&t, meta.key.client_id, meta.credential_id)?;
        if let Some(stored) = t.mirror.calendars.get_mut(&meta.key) {
            stored.meta = meta.clone();
            return Ok(false);
        }
        t.mirror.calendars.insert(
            meta.key.clone(),
            MirroredCalendar {
                meta: meta.clone(),
                sync_token: None,
                generation: 0,
                revision: super::mirror_records::initial_revision(),
                last_synced: None,
                next_sync_due: due,
                failures: 0,
                last_error: None,
                parked_reason: None,
                channel: None,
                lease_holder: None,
                lease_until: None,
            },
        );
        Ok(true)
    }

    async fn get_calendar(
        &self,
        key: &CalendarKey,
    ) -> Result<Option<MirroredCalendar>, StoreError> {
        Ok(self.tables().mirror.calendars.get(key).cloned())
    }

    async fn list_calendars(
        &self,
        selection: &MirrorSelection,
    ) -> Result<Vec<MirroredCalendar>, StoreError> {
        Ok(self
            .tables()
            .mirror
            .calendars
            .values()
            .filter(|c| selection.contains(c.key()))
            .cloned()
            .collect())
    }

    async fn delete_calendar(&self, key: &CalendarKey) -> Result<bool, StoreError> {
        Ok(self.tables().mirror.drop_calendar(key))
    }

    async fn calendar_by_channel(
        &self,
        channel_id: &str,
    ) -> Result<Option<MirroredCalendar>, StoreError> {
        Ok(self
            .tables()
            .mirror
            .calendars
            .values()
            .find(|c| c.channel.as_ref().is_some_and(|ch| ch.id == channel_id))
            .cloned())
    }

    async fn set_channel(
        &self,
        key: &CalendarKey,
        channel: Option<&PushChannel>,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables();
        Ok(match t.mirror.calendars.get_mut(key) {
            Some(c) => {
                c.channel = channel.cloned();
                true
            }
            None => false,
        })
    }

    async fn mark_due(&self, key: &CalendarKey, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut t = self.tables();
        Ok(match t.mirror.calendars.get_mut(key) {
            Some(c) => {
                c.next_sync_due = at;
                true
            }
            None => false,
        })
    }

    async fn claim_due_calendars(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MirroredCalendar>, StoreError> {
        let mut t = self.tables();
        let mut due: Vec<&mut MirroredCalendar> = t
            .mirror
            .calendars
            .values_mut()
            .filter(|c| c.next_sync_due <= now && c.parked_reason.is_none() && lease_free(c, now))
            .collect();
        due.sort_by(|a, b| (a.next_sync_due, a.key()).cmp(&(b.next_sync_due, b.key())));
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|c| {
                c.lease_holder = Some(holder.to_owned());
                c.lease_until = Some(until);
                c.clone()
            })
            .collect())
    }

    async fn lease_calendar(
        &self,
        key: &CalendarKey,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables();
        let Some(c) = t.mirror.calendars.get_mut(key) else {
            return Ok(false);
        };
        let free = lease_free(c, now) || c.lease_holder.as_deref() == Some(holder);
        if !free || c.parked_reason.is_some() {
            return Ok(false);
        }
        c.lease_holder = Some(holder.to_owned());
        c.lease_until = Some(until);
        Ok(true)
    }

    async fn finish_sync(
        &self,
        key: &CalendarKey,
        holder: &str,
        finish: &SyncFinish,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables();
        let Some(c) = t.mirror.calendars.get_mut(key) else {
            return Ok(false);
        };
        if c.lease_holder.as_deref() != Some(holder) {
            return Ok(false);
        }
        match &finish.token {
            TokenUpdate::Keep => {}
            TokenUpdate::Set(token) => c.sync_token = Some(token.clone()),
            TokenUpdate::Clear => c.sync_token = None,
        }
        if finish.synced_at.is_some() {
            c.last_synced = finish.synced_at;
        }
        c.next_sync_due = finish.next_sync_due;
        c.failures = finish.failures;
        c.last_error.clone_from(&finish.last_error);
        c.lease_holder = None;
        c.lease_until = None;
        Ok(true)
    }

    async fn park_credential(
        &self,
        credential: CredentialId,
        reason: &str,
    ) -> Result<u64, StoreError> {
        let mut t = self.tables();
        let mut parked = 0;
        for c in t.mirror.calendars.values_mut() {
            if c.meta.credential_id == credential {
                c.parked_reason = Some(reason.to_owned());
                c.lease_holder = None;
                c.lease_until = None;
                parked += 1;
            }
        }
        Ok(parked)
    }

    async fn unpark_credential(
        &self,
        credential: CredentialId,
        due: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut t = self.tables();
        let mut unparked = 0;
        for c in t.mirror.calendars.values_mut() {
            if c.meta.credential_id == credential && c.parked_reason.is_some() {
                c.parked_reason = None;
                c.next_sync_due = due;
                unparked += 1;
            }
        }
        Ok(unparked)
    }

    async fn parked_credentials(&self) -> Result<Vec<CredentialId>, StoreError> {
        let t = self.tables();
        let mut found: Vec<CredentialId> = t
            .mirror
            .calendars
            .values()
            .filter(|c| c.parked_reason.is_some())
            .map(|c| c.meta.credential_id)
            .collect();
        found.sort();
        found.dedup();
        Ok(found)
    }

    async fn write_events(
        &self,
        key: &CalendarKey,
        generation: i64,
        upserts: &[MirrorEventRow],
        deletes: &[String],
    ) -> Result<(), StoreError> {
        let mut t = self.tables();
        t.mirror.calendar_mut(key)?.revision += 1;
        for row in upserts {
            t.mirror
                .events
                .insert((key.clone(), generation, row.event_id.clone()), row.clone());
        }
        if !deletes.is_empty() {
            t.mirror.events.retain(|(k, g, id), row| {
                k != key
                    || *g != generation
                    || !(deletes.contains(id)
                        || row
                            .recurring_event_id
                            .as_ref()
                            .is_some_and(|m| deletes.contains(m)))
            });
        }
        Ok(())
    }

    async fn begin_full_sync(&self, key: &CalendarKey) -> Result<i64, StoreError> {
        let mut t = self.tables();
        let current = t.mirror.calendar_mut(key)?.generation;
        t.mirror
            .events
            .retain(|(k, g, _), _| k != key || *g == current);
        Ok(current + 1)
    }

    async fn complete_full_sync(
        &self,
        key: &CalendarKey,
        generation: i64,
        sync_token: &str,
    ) -> Result<(), StoreError> {
        let mut t = self.tables();
        let calendar = t.mirror.calendar_mut(key)?;
        calendar.generation = generation;
        calendar.revision += 1;
        calendar.sync_token = Some(sync_token.to_owned());
        t.mirror
            .events
            .retain(|(k, g, _), _| k != key || *g == generation);
        Ok(())
    }

    async fn events_between(
        &self,
        selection: &MirrorSelection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MirrorEventRow>, StoreError> {
        let t = self.tables();
        let mut found: Vec<MirrorEventRow> = Vec::new();
        for calendar in t.mirror.calendars.values() {
            if !selection.contains(calendar.key()) {
                continue;
            }
            let rows = t
                .mirror
                .generation_rows(calendar.key(), calendar.generation);
            found.extend(
                rows.into_iter()
                    .filter(|r| row_in_window(r, from, to))
                    .cloned(),
            );
        }
        found.sort_by(|a, b| {
            (&a.key, a.start_utc, &a.event_id).cmp(&(&b.key, b.start_utc, &b.event_id))
        });
        Ok(found)
    }

    async fn list_events(&self, key: &CalendarKey) -> Result<Vec<MirrorEventRow>, StoreError> {
        let t = self.tables();
        let Some(calendar) = t.mirror.calendars.get(key) else {
            return Ok(Vec::new());
        };
        Ok(t.mirror
            .generation_rows(key, calendar.generation)
            .into_iter()
            .cloned()
            .collect())
    }

    async fn count_events(&self, key: &CalendarKey) -> Result<u64, StoreError> {
        let t = self.tables();
        let Some(calendar) = t.mirror.calendars.get(key) else {
            return Ok(0);
        };
        Ok(t.mirror.generation_rows(key, calendar.generation).len() as u64)
    }
}
