//! [`Syncer`]: workers that share the sync job through the store.
//!
//! Every mirrored calendar has a due time. A round claims due calendars one at a time through
//! a lease in the store (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MariaDB), syncs them and
//! records the next due time, with `workers` calendars in flight; any number of processes on
//! one database run rounds side by side, no calendar is synced by two at once, and a crashed
//! process's calendars are taken over when its leases end. A primary calendar's sync first
//! syncs its client's calendar list, so the list is covered by the same lease.

use std::sync::Arc;

use futures::future::join_all;

use super::engine;
use super::run::{self, Lease, delta};
use super::{CalendarSync, SyncOptions, SyncReport};
use crate::error::{Error, Result};
use crate::facade::Calstack;
use crate::store::{CalendarKey, ClientId, MirrorSelection, StoreError};

/// Called after each calendar a [`Syncer`] handles: the calendar, and whether it synced.
pub type Progress = Arc<dyn Fn(&CalendarKey, bool) + Send + Sync>;

/// What one round did (see [`Syncer::run_round`]).
pub type RoundReport = SyncReport;

/// Sync workers of one process. Cheap to clone.
#[derive(Clone)]
pub struct Syncer {
    cs: Calstack,
    options: SyncOptions,
    id: String,
    progress: Option<Progress>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("id", &self.id)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    /// Workers over `calstack`'s store, paced by `options`.
    pub fn new(calstack: Calstack, options: SyncOptions) -> Self {
        Self {
            cs: calstack,
            options,
            id: format!("syncer-{}", uuid::Uuid::new_v4().simple()),
            progress: None,
        }
    }

    /// Calls `progress` after each calendar (e.g. to move a progress bar).
    #[must_use]
    pub fn on_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// This process's holder name in the store's leases.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The options in use.
    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// Mirrors the calendar lists of clients that have none yet. Across processes, each new
    /// client is taken by one (the first to record its list state).
    pub async fn discover(&self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for client in self.cs.clients().list().await? {
            if self.cs.store().get_list_state(client.id).await?.is_some() {
                continue;
            }
            if let Err(e) = self.claim_new_client(client.id).await {
                report.failed_clients.push((client.id, e));
            }
        }
        Ok(report)
    }

    async fn claim_new_client(&self, client: ClientId) -> Result<()> {
        let credential = self.cs.credential_for(client).await?;
        let state = crate::store::CalendarListState {
            client_id: client,
            credential_id: credential.id,
            sync_token: None,
            last_synced: None,
        };
        match self.cs.store().insert_list_state(&state).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let changes = engine::sync_list(&self.cs, client).await?;
        run::drop_calendars(&self.cs, changes).await
    }

    /// Un-parks the calendars of credentials that are valid again (consent was given anew).
    /// Returns how many calendars are due again.
    pub async fn unpark(&self) -> Result<u64> {
        let mut unparked = 0;
        for credential in self.cs.store().parked_credentials().await? {
            let valid = match self.cs.oauth().get_credential(credential).await {
                Ok(c) => c.is_valid,
                Err(Error::NotFound { .. }) => false,
                Err(e) => return Err(e),
            };
            if valid {
                let now = self.cs.clock().now();
                unparked += self.cs.store().unpark_credential(credential, now).await?;
            }
        }
        Ok(unparked)
    }

    /// Syncs due calendars, `workers` at a time, until none is due. Failures are in the
    /// report (and backed off in the store); only a store failure ends the round early.
    pub async fn run_round(&self) -> Result<RoundReport> {
        let workers = self.options.workers.max(1);
        let results = join_all((0..workers).map(|n| self.work(format!("{}/{n}", self.id)))).await;
        let mut report = SyncReport::default();
        for result in results {
            report.merge(result?);
        }
        Ok(report)
    }

    /// One worker: claim, sync, repeat until nothing is due.
    async fn work(&self, holder: String) -> Result<SyncReport> {
        let lease = Lease::new(holder, &self.options);
        let mut report = SyncReport::default();
        loop {
            let now = self.cs.clock().now();
            let claimed = self
                .cs
                .store()
                .claim_due_calendars(&lease.holder, now, now + lease.duration, 1)
                .await?;
            let Some(calendar) = claimed.into_iter().next() else {
                return Ok(report);
            };
            let with_list = calendar.meta.primary;
            let outcome = run::sync_leased(&self.cs, &calendar, &self.options, &lease, with_list);
            let key = calendar.meta.key.clone();
            let result = outcome.await;
            if let Some(progress) = &self.progress {
                progress(&key, result.is_ok());
            }
            match result {
                Ok(done) => report.synced.push((key, done)),
                Err(e @ Error::Store(_)) => return Err(e),
                Err(e) => report.failed.push((key, e)),
            }
        }
    }

    /// Runs until `shutdown` resolves: discovers new clients every `discovery_interval`,
    /// un-parks re-authorized credentials, and runs a round whenever something is due (push
    /// notifications make calendars due at once; the store is checked every second).
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut last_discovery = None;
        loop {
            let now = self.cs.clock().now();
            let discover_due =
                last_discovery.is_none_or(|at| now - at >= delta(self.options.discovery_interval));
            if discover_due {
                last_discovery = Some(now);
                report_failures(&self.discover().await?);
                self.unpark().await?;
            }
            report_failures(&self.run_round().await?);
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = self.cs.clock().sleep(std::time::Duration::from_secs(1)) => {}
            }
        }
    }

    /// Syncs the calendar lists and then every calendar of `clients` (all clients with
    /// `None`), `workers` calendars at a time, whatever their due times.
    pub async fn sync_clients(&self, clients: Option<&[ClientId]>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for client in self.client_ids(clients).await? {
            match self.sync_client(client).await {
                Ok(done) => report.merge(done),
                Err(e) if fails_the_call(&e, clients) => return Err(e),
                Err(e) => report.failed_clients.push((client, e)),
            }
        }
        Ok(report)
    }

    /// Syncs only what may have changed among the calendars of `clients` (all clients with
    /// `None`), for callers that sync on demand (a periodic job, Python's
    /// `stack.sync(push_address=…)`) rather than run [`Syncer::run`]:
    ///
    /// - a client's calendar list when it was never listed, or last listed more than half a
    ///   poll interval ago;
    /// - the calendars that are due: never synced, made due by a push notification
    ///   ([`crate::Calstack::handle_notification`]), retrying after a failure, or past the
    ///   poll interval (the safety net);
    /// - with push options, the calendars not watched yet or whose channel expires within
    ///   [`super::PushOptions::renew_before`] (they are synced, then watched).
    ///
    /// A watched calendar nothing was heard about is left alone. Parked calendars are skipped,
    /// after un-parking those whose credential is valid again. Errors as
    /// [`Syncer::sync_clients`].
    pub async fn sync_due(&self, clients: Option<&[ClientId]>) -> Result<SyncReport> {
        self.unpark().await?;
        let mut report = SyncReport::default();
        let mut keys = Vec::new();
        for client in self.client_ids(clients).await? {
            match self.refresh_list(client).await {
                Ok(()) => keys.extend(self.wanted(client).await?),
                Err(e) if fails_the_call(&e, clients) => return Err(e),
                Err(e) => report.failed_clients.push((client, e)),
            }
        }
        report.merge(self.sync_keys(&keys).await?);
        Ok(report)
    }

    /// The given clients, or every client.
    async fn client_ids(&self, clients: Option<&[ClientId]>) -> Result<Vec<ClientId>> {
        Ok(match clients {
            Some(ids) => ids.to_vec(),
            None => self
                .cs
                .clients()
                .list()
                .await?
                .iter()
                .map(|c| c.id)
                .collect(),
        })
    }

    /// Syncs a client's calendar list unless it was listed within half a poll interval.
    async fn refresh_list(&self, client: ClientId) -> Result<()> {
        self.cs.clients().get(client).await?;
        if run::list_is_stale(&self.cs, client, &self.options).await? {
            self.sync_list(client).await?;
        }
        Ok(())
    }

    /// A client's calendars [`Syncer::sync_due`] syncs: due ones and, with push, unwatched
    /// ones or ones whose channel is to be renewed.
    async fn wanted(&self, client: ClientId) -> Result<Vec<CalendarKey>> {
        let now = self.cs.clock().now();
        let renew_by = self
            .options
            .push
            .as_ref()
            .map(|push| now + delta(push.renew_before));
        let calendars = self
            .cs
            .store()
            .list_calendars(&MirrorSelection::clients([client]))
            .await?;
        Ok(calendars
            .into_iter()
            .filter(|c| c.parked_reason.is_none())
            .filter(|c| {
                let unwatched = renew_by.is_some_and(|by| {
                    c.channel
                        .as_ref()
                        .is_none_or(|channel| channel.expires_at <= by)
                });
                c.next_sync_due <= now || unwatched
            })
            .map(|c| c.meta.key)
            .collect())
    }

    /// Syncs one client's calendar list, then each of its calendars. An unknown client is
    /// [`Error::NotFound`]; a credential needing consent is
    /// [`Error::ReauthorizationRequired`] (its calendars are parked).
    pub async fn sync_client(&self, client: ClientId) -> Result<SyncReport> {
        self.cs.clients().get(client).await?;
        self.sync_list(client).await?;
        let calendars = self
            .cs
            .store()
            .list_calendars(&MirrorSelection::clients([client]))
            .await?;
        let keys: Vec<CalendarKey> = calendars.into_iter().map(|c| c.meta.key).collect();
        self.sync_keys(&keys).await
    }

    /// Syncs one client's calendar list only: new calendars are added (due at once), removed
    /// ones dropped with their events. A credential needing consent parks its calendars.
    pub(crate) async fn sync_list(&self, client: ClientId) -> Result<()> {
        let changes = match engine::sync_list(&self.cs, client).await {
            Ok(changes) => changes,
            Err(e @ Error::ReauthorizationRequired { .. }) => {
                self.park_client(client, &e).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        run::drop_calendars(&self.cs, changes).await
    }

    async fn park_client(&self, client: ClientId, error: &Error) -> Result<()> {
        let reason = format!("{error}");
        let calendars = self
            .cs
            .store()
            .list_calendars(&MirrorSelection::clients([client]))
            .await?;
        let mut credentials: Vec<_> = calendars.iter().map(|c| c.meta.credential_id).collect();
        credentials.dedup();
        for credential in credentials {
            self.cs.store().park_credential(credential, &reason).await?;
        }
        Ok(())
    }

    /// Syncs these calendars now, `workers` at a time (each under its lease).
    pub(crate) async fn sync_keys(&self, keys: &[CalendarKey]) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for chunk in keys.chunks(self.options.workers.max(1)) {
            let results = join_all(chunk.iter().map(|k| self.sync_calendar(k))).await;
            for (key, result) in chunk.iter().zip(results) {
                match result {
                    Ok(done) => report.synced.push((key.clone(), done)),
                    Err(e @ Error::Store(_)) => return Err(e),
                    Err(e) => report.failed.push((key.clone(), e)),
                }
            }
        }
        Ok(report)
    }

    /// Syncs one mirrored calendar now. [`Error::NotFound`] if it is not mirrored; skipped
    /// (see [`CalendarSync::skipped`]) when another worker holds it.
    pub async fn sync_calendar(&self, key: &CalendarKey) -> Result<CalendarSync> {
        let lease = Lease::new(
            format!("{}/direct-{}", self.id, uuid::Uuid::new_v4().simple()),
            &self.options,
        );
        let now = self.cs.clock().now();
        let store = self.cs.store();
        if !store
            .lease_calendar(key, &lease.holder, now, now + lease.duration)
            .await?
        {
            return match store.get_calendar(key).await? {
                None => Err(Error::NotFound {
                    what: key.to_string(),
                }),
                Some(c) if c.parked_reason.is_some() => Err(Error::ReauthorizationRequired {
                    credential_id: c.meta.credential_id.to_string(),
                    reason: c.parked_reason.unwrap_or_default(),
                }),
                Some(_) => Ok(CalendarSync {
                    skipped: true,
                    ..CalendarSync::default()
                }),
            };
        }
        let calendar = store
            .get_calendar(key)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: key.to_string(),
            })?;
        if let Some(progress) = &self.progress {
            let result = run::sync_leased(&self.cs, &calendar, &self.options, &lease, false).await;
            progress(key, result.is_ok());
            return result;
        }
        run::sync_leased(&self.cs, &calendar, &self.options, &lease, false).await
    }
}

/// Whether a client's failure ends a sync of named `clients` (an unknown client, a broken
/// store) rather than being reported beside the others.
fn fails_the_call(error: &Error, clients: Option<&[ClientId]>) -> bool {
    clients.is_some() && matches!(error, Error::NotFound { .. } | Error::Store(_))
}

fn report_failures(report: &SyncReport) {
    for (key, error) in &report.failed {
        tracing::warn!(calendar = %key, %error, "sync failed");
    }
    for (client, error) in &report.failed_clients {
        tracing::warn!(client = %client, %error, "calendar list sync failed");
    }
}
