//! Syncing a client's calendar list and a calendar's events into the mirror.
//!
//! Events come page by page (`maxResults=2500`, the next page fetched while this one is
//! written); each page is converted and sealed on the blocking pool and written in one
//! transaction, so memory holds about two pages whatever the calendar's size.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::{Stream, StreamExt};

use super::CalendarSync;
use super::run::Lease;
use crate::calendar::{CalendarClient, CalendarListEntry, Event, Page};
use crate::error::{Error, Result};
use crate::facade::Calstack;
use crate::mirror::rows::{Change, change_for};
use crate::store::{
    CalendarKey, CalendarListState, CalendarMetadata, ClientId, CredentialId, MirroredCalendar,
    StoreError, TokenUpdate,
};

/// Events per list page (Google's maximum).
const PAGE_SIZE: u32 = 2500;

/// What a calendar-list sync changed.
#[derive(Debug, Default)]
pub(crate) struct ListChanges {
    /// Calendars mirrored for the first time.
    pub(crate) added: Vec<CalendarKey>,
    /// Calendars no longer on the list (removed with their events).
    pub(crate) removed: Vec<MirroredCalendar>,
}

/// Syncs `client`'s calendar list: new calendars are added (due at once), changed ones
/// updated, removed ones returned for the caller to drop. A stale token runs a full listing.
pub(crate) async fn sync_list(cs: &Calstack, client: ClientId) -> Result<ListChanges> {
    let credential = cs.credential_for(client).await?;
    let api = cs.calendar_for_credential(credential.id)?;
    let store = cs.store();
    let state = match store.get_list_state(client).await? {
        Some(state) => state,
        None => first_list_state(cs, client, credential.id).await?,
    };
    let (listing, full) = match state.sync_token.as_deref() {
        Some(token) => match api.calendar_list().sync(Some(token)).await {
            Err(Error::SyncTokenExpired) => (api.calendar_list().sync(None).await?, true),
            other => (other?, false),
        },
        None => (api.calendar_list().sync(None).await?, true),
    };
    let now = cs.clock().now();
    let mut changes = ListChanges::default();
    let mut listed = BTreeSet::new();
    for entry in &listing.items {
        let Some(id) = entry.id.clone() else { continue };
        let key = CalendarKey::new(client, id.clone());
        if entry.deleted == Some(true) {
            changes.removed.extend(store.get_calendar(&key).await?);
            continue;
        }
        listed.insert(id);
        if store
            .upsert_calendar(&metadata(&key, credential.id, entry), now)
            .await?
        {
            changes.added.push(key);
        }
    }
    if full {
        let mirrored = store
            .list_calendars(&crate::store::MirrorSelection::clients([client]))
            .await?;
        changes.removed.extend(
            mirrored
                .into_iter()
                .filter(|c| !listed.contains(&c.meta.key.calendar_id)),
        );
    }
    store
        .update_list_state(&CalendarListState {
            client_id: client,
            credential_id: credential.id,
            sync_token: Some(listing.next_sync_token),
            last_synced: Some(now),
        })
        .await?;
    Ok(changes)
}

/// Records a client's list state for the first time (another process may have just done so).
async fn first_list_state(
    cs: &Calstack,
    client: ClientId,
    credential: CredentialId,
) -> Result<CalendarListState> {
    let state = CalendarListState {
        client_id: client,
        credential_id: credential,
        sync_token: None,
        last_synced: None,
    };
    match cs.store().insert_list_state(&state).await {
        Ok(()) | Err(StoreError::Conflict { .. }) => Ok(state),
        Err(e) => Err(e.into()),
    }
}

fn metadata(
    key: &CalendarKey,
    credential: CredentialId,
    entry: &CalendarListEntry,
) -> CalendarMetadata {
    CalendarMetadata {
        key: key.clone(),
        credential_id: credential,
        summary: entry
            .summary_override
            .clone()
            .or_else(|| entry.summary.clone()),
        time_zone: entry.time_zone.clone(),
        access_role: entry.access_role.as_ref().map(|r| r.as_str().to_owned()),
        color_id: entry.color_id.clone(),
        background_color: entry.background_color.clone(),
        foreground_color: entry.foreground_color.clone(),
        primary: entry.primary == Some(true),
        selected: entry.selected == Some(true),
    }
}

/// Syncs one calendar's events. Returns what it did and how the stored token changes (a full
/// sync stores its token itself, atomically with the rows).
///
/// A token Google refuses as malformed (400) is [`Error::Validation`] on `syncToken`; the
/// caller clears it so the next sync is a full one. Rows are never lost: incremental changes
/// apply in place, and a full resync swaps only once complete.
pub(crate) async fn sync_events(
    cs: &Calstack,
    calendar: &MirroredCalendar,
    lease: &Lease,
) -> Result<(CalendarSync, TokenUpdate)> {
    let api = cs.calendar_for_credential(calendar.meta.credential_id)?;
    if let Some(token) = calendar.sync_token.as_deref() {
        match incremental(cs, &api, calendar, token, lease).await {
            Err(Error::SyncTokenExpired) => {
                tracing::info!(calendar = %calendar.key(), "sync token expired: full resync");
            }
            Err(Error::Api(api)) if api.status == 400 => {
                return Err(Error::validation(
                    "syncToken",
                    format!(
                        "Google refused the stored sync token of {} ({}); the next sync is a \
                         full resync",
                        calendar.key(),
                        api.message
                    ),
                ));
            }
            other => return other,
        }
    }
    full(cs, &api, calendar, lease).await
}

async fn incremental(
    cs: &Calstack,
    api: &CalendarClient,
    calendar: &MirroredCalendar,
    token: &str,
    lease: &Lease,
) -> Result<(CalendarSync, TokenUpdate)> {
    let pages = api
        .events()
        .list(&calendar.meta.key.calendar_id)
        .sync_token(token)
        .max_results(PAGE_SIZE)
        .pages_as::<Event>();
    let (outcome, next) = apply_pages(cs, calendar, calendar.generation, pages, lease).await?;
    Ok((outcome, TokenUpdate::Set(next)))
}

async fn full(
    cs: &Calstack,
    api: &CalendarClient,
    calendar: &MirroredCalendar,
    lease: &Lease,
) -> Result<(CalendarSync, TokenUpdate)> {
    let key = calendar.key();
    let generation = cs.store().begin_full_sync(key).await?;
    let pages = api
        .events()
        .list(&key.calendar_id)
        .max_results(PAGE_SIZE)
        .pages_as::<Event>();
    let (mut outcome, token) = apply_pages(cs, calendar, generation, pages, lease).await?;
    cs.store()
        .complete_full_sync(key, generation, &token)
        .await?;
    outcome.full = true;
    Ok((outcome, TokenUpdate::Keep))
}

/// Writes every page into `generation` as it arrives; returns the final `nextSyncToken`.
async fn apply_pages(
    cs: &Calstack,
    calendar: &MirroredCalendar,
    generation: i64,
    pages: impl Stream<Item = Result<Page<Event>>> + Send,
    lease: &Lease,
) -> Result<(CalendarSync, String)> {
    let mut pages = std::pin::pin!(pages);
    let mut outcome = CalendarSync::default();
    let mut token = None;
    while let Some(page) = pages.next().await {
        let page = page?;
        outcome.pages += 1;
        if page.next_page_token.is_none() {
            token.clone_from(&page.next_sync_token);
        }
        let (upserts, deletes) = convert(cs, calendar, page.items).await?;
        let key = calendar.key();
        cs.store()
            .write_events(key, generation, &upserts, &deletes)
            .await?;
        outcome.upserted += upserts.len() as u64;
        outcome.deleted += deletes.len() as u64;
        extend_lease(cs, key, lease).await?;
    }
    let token = token.ok_or_else(|| Error::Decode {
        path: "nextSyncToken".to_owned(),
        message: "the last page carried no nextSyncToken".to_owned(),
    })?;
    Ok((outcome, token))
}

/// Keeps the calendar's lease while a long sync runs.
async fn extend_lease(cs: &Calstack, key: &CalendarKey, lease: &Lease) -> Result<()> {
    let now = cs.clock().now();
    let until = now + lease.duration;
    if cs
        .store()
        .lease_calendar(key, &lease.holder, now, until)
        .await?
    {
        Ok(())
    } else {
        Err(Error::Store(StoreError::conflict(format!(
            "the sync lease of {key} was lost to another worker"
        ))))
    }
}

/// Converts and seals a page's events on the blocking pool.
/// Puts a page's rows in the order a stacked view's window read visits them: single events
/// and exceptions by end, then start; recurring masters after them. SQLite (and PostgreSQL's
/// heap) keep rows in the order they were written, so a calendar's rows in a window are then
/// next to each other in the table, and the read steps from one to the next instead of
/// seeking each from the top of the table.
fn in_window_read_order(rows: &mut [crate::store::MirrorEventRow]) {
    rows.sort_by(|a, b| {
        (a.is_recurring_master, a.end_utc, a.start_utc).cmp(&(
            b.is_recurring_master,
            b.end_utc,
            b.start_utc,
        ))
    });
}

async fn convert(
    cs: &Calstack,
    calendar: &MirroredCalendar,
    items: Vec<Event>,
) -> Result<(Vec<crate::store::MirrorEventRow>, Vec<String>)> {
    let keyring = Arc::new(cs.oauth().keyring().clone());
    let key = calendar.key().clone();
    let credential = calendar.meta.credential_id;
    tokio::task::spawn_blocking(move || {
        let mut upserts = Vec::with_capacity(items.len());
        let mut deletes = Vec::new();
        for event in &items {
            match change_for(&keyring, &key, credential, event)? {
                Some(Change::Upsert(row)) => upserts.push(*row),
                Some(Change::Delete(id)) => deletes.push(id),
                None => {}
            }
        }
        in_window_read_order(&mut upserts);
        Ok((upserts, deletes))
    })
    .await
    .map_err(|e| Error::transport(format!("the page conversion task failed: {e}")))?
}
