//! The in-memory access-token cache: per credential, the current token with its expiry and the
//! instant to refresh from, a single-flight lock, and a generation that invalidation bumps so a
//! load that started before an invalidation cannot put a stale token back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::secret::AccessToken;
use crate::store::CredentialId;

/// One credential's cache slot.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    current: Mutex<Option<Cached>>,
    /// Held by the one task loading or refreshing this credential's token.
    pub(crate) flight: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

#[derive(Debug, Clone)]
struct Cached {
    token: AccessToken,
    refresh_from: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl Slot {
    /// The token if it is not yet due for refresh at `now`.
    pub(crate) fn fresh(&self, now: DateTime<Utc>) -> Option<AccessToken> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|c| now < c.refresh_from)
            .map(|c| c.token.clone())
    }

    /// The token if it has not expired at `now` (due for refresh or not).
    pub(crate) fn unexpired(&self, now: DateTime<Utc>) -> Option<AccessToken> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|c| now < c.expires_at)
            .map(|c| c.token.clone())
    }

    /// The generation to pass to [`Slot::put`] for a load starting now.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Caches `token` unless the slot was invalidated since `generation` was read.
    pub(crate) fn put(
        &self,
        generation: u64,
        token: AccessToken,
        refresh_from: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            *current = Some(Cached {
                token,
                refresh_from,
                expires_at,
            });
        }
    }

    /// Forgets the token; loads already under way will not cache theirs.
    pub(crate) fn invalidate(&self) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        *current = None;
    }
}

/// The slots of every credential this process has served.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<CredentialId, Arc<Slot>>>,
}

impl TokenCache {
    /// The slot of `id`, made on first use.
    pub(crate) fn slot(&self, id: CredentialId) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_default()
            .clone()
    }

    /// Forgets the token of `id`.
    pub(crate) fn invalidate(&self, id: CredentialId) {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        if let Some(slot) = slot {
            slot.invalidate();
        }
    }

    /// Forgets every token (key rotation).
    pub(crate) fn invalidate_all(&self) {
        let slots: Vec<Arc<Slot>> = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for slot in slots {
            slot.invalidate();
        }
    }

    /// Drops the slot of a deleted credential.
    pub(crate) fn remove(&self, id: CredentialId) {
        if let Some(slot) = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id)
        {
            slot.invalidate();
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(seconds)
    }

    #[test]
    fn a_token_is_fresh_until_its_refresh_point_and_usable_until_it_expires() {
        let cache = TokenCache::default();
        let id = CredentialId::new();
        let slot = cache.slot(id);
        slot.put(slot.generation(), AccessToken::new("t"), at(100), at(160));
        assert!(slot.fresh(at(99)).is_some());
        assert!(slot.fresh(at(100)).is_none());
        assert!(slot.unexpired(at(159)).is_some());
        assert!(slot.unexpired(at(160)).is_none());
    }

    #[test]
    fn a_load_that_started_before_an_invalidation_caches_nothing() {
        let cache = TokenCache::default();
        let id = CredentialId::new();
        let slot = cache.slot(id);
        let generation = slot.generation();
        cache.invalidate(id);
        slot.put(generation, AccessToken::new("stale"), at(100), at(160));
        assert!(slot.fresh(at(0)).is_none());
        slot.put(slot.generation(), AccessToken::new("new"), at(100), at(160));
        assert!(slot.fresh(at(0)).is_some());
        cache.invalidate_all();
        assert!(slot.fresh(at(0)).is_none());
    }
}
