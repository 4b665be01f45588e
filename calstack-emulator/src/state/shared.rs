//! The handle every HTTP handler holds: the locked `State` plus the client that delivers push
//! notifications outside the lock.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::state::channels;
use crate::state::world::{Config, State};

/// The state shared by every handler.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    state: Arc<Mutex<State>>,
    /// Sends push notifications to watch channels.
    pub(crate) webhooks: reqwest::Client,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        let webhooks = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            state: Arc::new(Mutex::new(State::new(config))),
            webhooks,
        }
    }

    /// Sends every due push notification in the background.
    pub(crate) fn flush_notifications(&self) {
        let due = self.lock().due_notifications();
        for note in due {
            tokio::spawn(channels::deliver(self.webhooks.clone(), note));
        }
    }

    /// Locks the state. A panic while holding the lock cannot leave it half-written in a way that
    /// matters for a test fake, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
