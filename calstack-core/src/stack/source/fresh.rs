//! Making the mirror fresh enough before a stacked view reads it.
//!
//! - A client whose calendar list was never synced has its list synced first (so a selection
//!   with nothing mirrored yet is synced, then answered — never answered empty).
//! - A chosen calendar never synced is synced first.
//! - With `max_staleness`, calendar lists and chosen calendars last synced longer ago than
//!   that are synced first too.
//!
//! What cannot be synced becomes a [`Problem`] and is left out of the answer.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use futures::StreamExt;

use super::Problem;
use crate::error::{Error, Result};
use crate::facade::Calstack;
use crate::store::{Client, ClientId, MirrorSelection, MirroredCalendar};
use crate::sync::SyncOptions;

/// How long a read waits for another worker's sync of a calendar it needs.
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(30);

/// What a mirror read asks for.
pub(crate) struct Wanted<'a> {
    /// The clients, resolved, in the order they were asked for.
    pub(crate) clients: &'a [Client],
    /// Whether `clients` is every client (none was named): their calendars are listed
    /// without naming each client to the store.
    pub(crate) every_client: bool,
    /// Only these calendar ids (`primary` = each client's primary); `None` = the selected ones.
    pub(crate) calendars: Option<&'a [String]>,
    /// Sync what was last synced longer ago than this.
    pub(crate) max_staleness: Option<Duration>,
    /// Syncs run at once.
    pub(crate) concurrency: usize,
    /// The mirror's whole calendar listing, when it was read already (only with
    /// `every_client`): the first listing uses it instead of reading the store again.
    pub(crate) listed: Option<Vec<MirroredCalendar>>,
}

/// Syncs what is missing or too old; returns the chosen calendars that can be read (by
/// client in the order asked, then calendar id) and what could not be made fresh.
pub(crate) async fn prepare(
    calstack: &Calstack,
    mut wanted: Wanted<'_>,
) -> Result<(Vec<MirroredCalendar>, Vec<Problem>)> {
    let oldest = wanted
        .max_staleness
        .map(|d| calstack.clock().now() - TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX / 2));
    let stale = |synced: Option<DateTime<Utc>>| match (synced, oldest) {
        (None, _) => true,
        (Some(at), Some(oldest)) => at < oldest,
        (Some(_), None) => false,
    };
    let syncer = calstack.syncer(SyncOptions::default().with_workers(wanted.concurrency));
    let ids: Vec<ClientId> = wanted.clients.iter().map(|c| c.id).collect();
    let mut mirrored = match wanted.listed.take() {
        Some(listed) if wanted.every_client => of_clients(listed, &ids),
        _ => list(calstack, &ids, wanted.every_client).await?,
    };
    let wanted = &wanted;
    let lists = stale_lists(calstack, wanted, &mirrored, &stale).await?;
    let mut problems = Vec::new();
    if !lists.is_empty() {
        let synced: Vec<(Client, Result<()>)> = futures::stream::iter(lists)
            .map(|client| {
                let syncer = syncer.clone();
                async move {
                    let outcome = syncer.sync_list(client.id).await;
                    (client, outcome)
                }
            })
            .buffer_unordered(wanted.concurrency)
            .collect()
            .await;
        let mut failed = Vec::new();
        for (client, outcome) in synced {
            if let Err(error) = outcome {
                failed.push(client.id);
                problems.push(problem(&client, None, error));
            }
        }
        mirrored = list(calstack, &ids, wanted.every_client).await?;
        mirrored.retain(|c| !failed.contains(&c.meta.key.client_id));
    }
    let mut chosen: Vec<MirroredCalendar> = mirrored
        .into_iter()
        .filter(|c| is_chosen(c, wanted.calendars))
        .collect();
    in_client_order(&mut chosen, &ids);
    let keys: Vec<_> = chosen
        .iter()
        .filter(|c| stale(c.last_synced))
        .map(|c| c.meta.key.clone())
        .collect();
    if !keys.is_empty() {
        let report = syncer.sync_keys(&keys).await?;
        let mut failed = report.failed;
        // Held by another worker (another process, or a concurrent read): wait for its sync.
        for (key, _) in report.synced.into_iter().filter(|(_, d)| d.skipped) {
            if let Err(error) = wait_for_sync(calstack, &key, &stale).await {
                failed.push((key, error));
            }
        }
        let names: HashMap<ClientId, &Client> = wanted.clients.iter().map(|c| (c.id, c)).collect();
        for (key, error) in failed {
            chosen.retain(|c| c.meta.key != key);
            if let Some(client) = names.get(&key.client_id) {
                problems.push(problem(client, Some(key.calendar_id), error));
            }
        }
        // The syncs changed revisions: what the read compares its cache to must be current.
        let now: HashMap<_, _> = list(calstack, &ids, wanted.every_client)
            .await?
            .into_iter()
            .map(|c| (c.meta.key.clone(), c))
            .collect();
        chosen = chosen
            .into_iter()
            .filter_map(|c| now.get(&c.meta.key).cloned())
            .collect();
    }
    Ok((chosen, problems))
}

/// Puts `calendars` (listed by client id, then calendar id) in the order of `ids`, keeping
/// each client's calendars in the order listed. Each calendar's place is looked up once, not
/// at every comparison, and only the small indexes move.
fn in_client_order(calendars: &mut Vec<MirroredCalendar>, ids: &[ClientId]) {
    let mut order: HashMap<ClientId, usize> = HashMap::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        order.entry(*id).or_insert(i);
    }
    let place = |c: &MirroredCalendar| order.get(&c.meta.key.client_id).copied();
    if calendars.is_sorted_by_key(place) {
        return;
    }
    let mut placed: Vec<(Option<usize>, MirroredCalendar)> =
        calendars.drain(..).map(|c| (place(&c), c)).collect();
    placed.sort_by_key(|(at, _)| *at);
    calendars.extend(placed.into_iter().map(|(_, c)| c));
}

/// Waits (polling, at most [`WAIT_FOR_OTHERS`]) until another worker's sync of `key` makes it
/// fresh enough, or that worker lets go of it without success.
async fn wait_for_sync(
    calstack: &Calstack,
    key: &crate::store::CalendarKey,
    stale: &impl Fn(Option<DateTime<Utc>>) -> bool,
) -> Result<()> {
    let started = tokio::time::Instant::now();
    loop {
        let calendar = calstack.store().get_calendar(key).await?;
        match calendar {
            Some(c) if !stale(c.last_synced) => return Ok(()),
            Some(c) if c.lease_holder.is_some() && started.elapsed() < WAIT_FOR_OTHERS => {}
            Some(c) => {
                return Err(Error::transport(c.last_error.unwrap_or_else(|| {
                    "another worker was syncing this calendar; try again".to_owned()
                })));
            }
            None => {
                return Err(Error::NotFound {
                    what: key.to_string(),
                });
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// The mirrored calendars of these clients; with `every` (they are every client), listed
/// without naming a thousand clients to the store, then kept to these.
async fn list(calstack: &Calstack, ids: &[ClientId], every: bool) -> Result<Vec<MirroredCalendar>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let store = calstack.store();
    if !every {
        return Ok(store
            .list_calendars(&MirrorSelection::clients(ids.iter().copied()))
            .await?);
    }
    let listed = store.list_calendars(&MirrorSelection::all()).await?;
    Ok(of_clients(listed, ids))
}

/// The calendars of a whole listing that belong to these clients (a client added since `ids`
/// was read is not part of this answer).
fn of_clients(mut listed: Vec<MirroredCalendar>, ids: &[ClientId]) -> Vec<MirroredCalendar> {
    if ids.is_empty() {
        return Vec::new();
    }
    let mut known: HashSet<ClientId> = HashSet::with_capacity(ids.len());
    known.extend(ids.iter().copied());
    listed.retain(|c| known.contains(&c.meta.key.client_id));
    listed
}

/// The clients whose calendar list must be synced first: those with nothing mirrored (every
/// account has a primary calendar, so their list was never synced) and, with
/// `max_staleness`, those whose list was last synced too long ago.
async fn stale_lists(
    calstack: &Calstack,
    wanted: &Wanted<'_>,
    mirrored: &[MirroredCalendar],
    stale: &(impl Fn(Option<DateTime<Utc>>) -> bool + Sync),
) -> Result<Vec<Client>> {
    let mut known: HashSet<ClientId> = HashSet::with_capacity(wanted.clients.len());
    known.extend(mirrored.iter().map(|c| c.meta.key.client_id));
    let (unknown, listed): (Vec<&Client>, Vec<&Client>) =
        wanted.clients.iter().partition(|c| !known.contains(&c.id));
    let mut out: Vec<Client> = unknown.into_iter().cloned().collect();
    if wanted.max_staleness.is_none() {
        return Ok(out);
    }
    let listed: Vec<Client> = listed.into_iter().cloned().collect();
    let states: Vec<(Client, Result<Option<DateTime<Utc>>>)> = futures::stream::iter(listed)
        .map(|client| {
            let calstack = calstack.clone();
            async move {
                let state = calstack.store().get_list_state(client.id).await;
                let synced = state.map(|s| s.and_then(|s| s.last_synced));
                (client, synced.map_err(Error::from))
            }
        })
        .buffer_unordered(wanted.concurrency)
        .collect()
        .await;
    for (client, synced) in states {
        if stale(synced?) {
            out.push(client);
        }
    }
    Ok(out)
}

/// Whether a mirrored calendar is read: the ones asked for, else every selected (or primary)
/// one — the mirror's view of what the live source picks from the calendar list.
fn is_chosen(calendar: &MirroredCalendar, wanted: Option<&[String]>) -> bool {
    let meta = &calendar.meta;
    match wanted {
        Some(ids) => ids
            .iter()
            .any(|id| *id == meta.key.calendar_id || (meta.primary && id == "primary")),
        None => meta.primary || meta.selected,
    }
}

fn problem(client: &Client, calendar_id: Option<String>, error: Error) -> Problem {
    Problem {
        client_id: client.id,
        client: client.name.clone(),
        calendar_id,
        error,
    }
}
