//! An in-memory [`Store`](super::Store): for tests, demos and single-process tools that keep
//! nothing. One mutex guards everything, so every operation is atomic.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::settings::{ClientSettings, ClientSettingsStore};
use super::traits::{AuthorizationStore, ClientStore, CredentialStore, LeaseStore};
use super::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, StoreError,
};

/// A store that lives in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Tables>,
}

#[derive(Debug, Default)]
pub(super) struct Tables {
    pub(super) clients: BTreeMap<ClientId, Client>,
    pub(super) credentials: BTreeMap<CredentialId, OAuthCredential>,
    pending: HashMap<String, PendingAuthorization>,
    leases: HashMap<CredentialId, (String, DateTime<Utc>)>,
    pub(super) mirror: super::mirror_memory::MirrorTables,
    settings: HashMap<ClientId, ClientSettings>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn tables(&self) -> MutexGuard<'_, Tables> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Tables {
    fn email_taken(&self, email: &str, except: Option<ClientId>) -> bool {
        self.clients
            .values()
            .any(|c| Some(c.id) != except && c.email.eq_ignore_ascii_case(email))
    }

    fn drop_credential(&mut self, id: CredentialId) -> bool {
        self.pending.retain(|_, p| p.credential_id != id);
        self.leases.remove(&id);
        self.mirror.forget_credential(id);
        self.credentials.remove(&id).is_some()
    }
}

#[async_trait]
impl ClientStore for MemoryStore {
    async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
        let mut t = self.tables();
        if t.clients.contains_key(&client.id) {
            return Err(StoreError::conflict(format!(
                "client {} already exists",
                client.id
            )));
        }
        if t.email_taken(&client.email, None) {
            return Err(StoreError::conflict(format!(
                "client email {} already exists",
                client.email
            )));
        }
        t.clients.insert(client.id, client.clone());
        Ok(())
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, StoreError> {
        Ok(self.tables().clients.get(&id).cloned())
    }

    async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
        let mut all: Vec<Client> = self.tables().clients.values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    async fn update_client(&self, client: &Client) -> Result<(), StoreError> {
        let mut t = self.tables();
        if !t.clients.contains_key(&client.id) {
            return Err(StoreError::not_found(format!("client {}", client.id)));
        }
        if t.email_taken(&client.email, Some(client.id)) {
            return Err(StoreError::conflict(format!(
                "client email {} already exists",
                client.email
            )));
        }
        if let Some(stored) = t.clients.get_mut(&client.id) {
            stored.name.clone_from(&client.name);
            stored.email.clone_from(&client.email);
            stored.updated_at = client.updated_at;
        }
        Ok(())
    }

    async fn delete_client(&self, id: ClientId) -> Result<bool, StoreError> {
        let mut t = self.tables();
        let owned: Vec<CredentialId> = t
            .credentials
            .values()
            .filter(|c| c.client_id == id)
            .map(|c| c.id)
            .collect();
        for cred in owned {
            t.drop_credential(cred);
        }
        t.mirror.forget_client(id);
        t.settings.remove(&id);
        Ok(t.clients.remove(&id).is_some())
    }
}

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn insert_credential(&self, credential: &OAuthCredential) -> Result<(), StoreError> {
        let mut t = self.tables();
        if !t.clients.contains_key(&credential.client_id) {
            return Err(StoreError::not_found(format!(
                "client {}",
                credential.client_id
            )));
        }
        if t.credentials.contains_key(&credential.id) {
            return Err(StoreError::conflict(format!(
                "credential {} already exists",
                credential.id
            )));
        }
        t.credentials.insert(credential.id, credential.clone());
        Ok(())
    }

    async fn get_credential(
        &self,
        id: CredentialId,
    ) -> Result<Option<OAuthCredential>, StoreError> {
        Ok(self.tables().credentials.get(&id).cloned())
    }

    async fn list_credentials(
        &self,
        client_id: Option<ClientId>,
    ) -> Result<Vec<OAuthCredential>, StoreError> {
        let mut found: Vec<OAuthCredential> = self
            .tables()
            .credentials
            .values()
            .filter(|c| client_id.is_none_or(|id| c.client_id == id))
            .cloned()
            .collect();
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    async fn update_credential(
        &self,
        credential: &OAuthCredential,
    ) -> Result<OAuthCredential, StoreError> {
        let mut t = self.tables();
        let Some(stored) = t.credentials.get_mut(&credential.id) else {
            return Err(StoreError::not_found(format!(
                "credential {}",
                credential.id
            )));
        };
        if stored.version != credential.version {
            return Err(StoreError::conflict(format!(
                "credential {} was modified concurrently (expected version {}, found {})",
                credential.id, credential.version, stored.version
            )));
        }
        let mut next = credential.clone();
        next.client_id = stored.client_id;
        next.created_at = stored.created_at;
        next.version = stored.version + 1;
        *stored = next.clone();
        Ok(next)
    }

    async fn delete_credential(&self, id: CredentialId) -> Result<bool, StoreError> {
        Ok(self.tables().drop_credential(id))
    }
}

#[async_trait]
impl AuthorizationStore for MemoryStore {
    async fn insert_pending(&self, pending: &PendingAuthorization) -> Result<(), StoreError> {
        let mut t = self.tables();
        if !t.credentials.contains_key(&pending.credential_id) {
            return Err(StoreError::not_found(format!(
                "credential {}",
                pending.credential_id
            )));
        }
        if t.pending.contains_key(&pending.state) {
            return Err(StoreError::conflict("authorization state already exists"));
        }
        t.pending.insert(pending.state.clone(), pending.clone());
        Ok(())
    }

    async fn take_pending(&self, state: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        Ok(self.tables().pending.remove(state))
    }

    async fn purge_expired_pending(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut t = self.tables();
        let before = t.pending.len();
        t.pending.retain(|_, p| p.expires_at >= now);
        Ok((before - t.pending.len()) as u64)
    }

    async fn list_pending(&self) -> Result<Vec<PendingAuthorization>, StoreError> {
        let mut all: Vec<PendingAuthorization> = self.tables().pending.values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, &a.state).cmp(&(b.created_at, &b.state)));
        Ok(all)
    }

    async fn reseal_pending(
        &self,
        state: &str,
        old: &Sealed,
        new: &Sealed,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables();
        match t.pending.get_mut(state) {
            Some(p) if p.pkce_verifier.as_stored() == old.as_stored() => {
                p.pkce_verifier = new.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl LeaseStore for MemoryStore {
    async fn try_acquire_lease(
        &self,
        credential: CredentialId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables();
        if !t.credentials.contains_key(&credential) {
            return Err(StoreError::not_found(format!("credential {credential}")));
        }
        let free = match t.leases.get(&credential) {
            None => true,
            Some((owner, expires)) => owner == holder || *expires <= now,
        };
        if free {
            t.leases.insert(credential, (holder.to_owned(), until));
        }
        Ok(free)
    }

    async fn release_lease(
        &self,
        credential: CredentialId,
        holder: &str,
    ) -> Result<(), StoreError> {
        let mut t = self.tables();
        if t.leases
            .get(&credential)
            .is_some_and(|(owner, _)| owner == holder)
        {
            t.leases.remove(&credential);
        }
        Ok(())
    }
}

#[async_trait]
impl ClientSettingsStore for MemoryStore {
    async fn get_client_settings(
        &self,
        client: ClientId,
    ) -> Result<Option<ClientSettings>, StoreError> {
        Ok(self.tables().settings.get(&client).cloned())
    }

    async fn put_client_settings(
        &self,
        client: ClientId,
        settings: &ClientSettings,
    ) -> Result<(), StoreError> {
        let mut t = self.tables();
        if !t.clients.contains_key(&client) {
            return Err(StoreError::not_found(format!("client {client}")));
        }
        t.settings.insert(client, settings.clone());
        Ok(())
    }
}
