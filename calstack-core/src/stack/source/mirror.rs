//! The mirror source: the stacked views answered from the local mirror
//! ([`crate::Calstack::mirror`]) instead of Google. Single events and exceptions come back
//! as stored; recurring masters come back whole, and the stack expands them locally.
//!
//! Before reading, what is too old is synced (see [`super::fresh`]): clients whose calendar
//! list was never synced, calendars never synced, and — with `max_staleness` — everything
//! last synced longer ago than that. What cannot be synced then is a [`Problem`], and its
//! rows are not answered: the caller asked for data at most that old.
//!
//! Opened rows are kept per calendar in the [`Calstack`]'s cache (see
//! [`crate::mirror::cache`]) and reused while the calendar's revision is unchanged.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use foldhash::{HashMap, HashMapExt};

use super::fresh::{self, Wanted};
use super::{CalendarEvents, CalendarRef, EventSource, Fetched, Selection};
use crate::calendar::LazyEvent;
use crate::error::Result;
use crate::facade::Calstack;
use crate::mirror::cache::{OpenedRow, Version};
use crate::mirror::{KeepCalendar, padded, read_parts};
use crate::store::{CalendarKey, MirroredCalendar};

/// Reads the local mirror through a [`Calstack`], syncing what is too old first.
pub(crate) struct MirrorSource {
    calstack: Calstack,
    max_staleness: Option<Duration>,
    concurrency: usize,
    /// The mirror's calendar listing, when the caller read it already (taken by the read).
    listed: Mutex<Option<Vec<MirroredCalendar>>>,
}

impl MirrorSource {
    pub(crate) fn new(
        calstack: &Calstack,
        max_staleness: Option<Duration>,
        concurrency: usize,
        listed: Option<Vec<MirroredCalendar>>,
    ) -> Self {
        Self {
            calstack: calstack.clone(),
            max_staleness,
            concurrency: concurrency.max(1),
            listed: Mutex::new(listed),
        }
    }
}

#[async_trait]
impl EventSource for MirrorSource {
    async fn fetch(
        &self,
        selection: &Selection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Fetched> {
        let wanted = Wanted {
            clients: &selection.clients,
            every_client: selection.every_client,
            calendars: selection.calendars.as_deref(),
            max_staleness: self.max_staleness,
            concurrency: self.concurrency,
            listed: self
                .listed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        };
        let (calendars, problems) = fresh::prepare(&self.calstack, wanted).await?;
        let mut fetched = read(&self.calstack, selection, calendars, from, to).await?;
        fetched.problems.extend(problems);
        Ok(fetched)
    }
}

/// The events of `calendars` that may fall in `[from, to)`, per calendar, in selection order:
/// from the opened-events cache for calendars unchanged since it was filled, the others
/// read and opened in one store read (and kept for next time).
async fn read(
    calstack: &Calstack,
    selection: &Selection,
    calendars: Vec<MirroredCalendar>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Fetched> {
    if calendars.is_empty() {
        return Ok(Fetched::default());
    }
    let names: BTreeMap<_, _> = selection
        .clients
        .iter()
        .map(|c| (c.id, Arc::<str>::from(c.name.as_str())))
        .collect();
    let cache = calstack.opened_cache();
    let mut answered: Vec<CalendarEvents> = Vec::with_capacity(calendars.len());
    // The calendars to read: their version, and where they are in `answered`.
    let mut missed: HashMap<CalendarKey, (Version, usize)> = HashMap::new();
    for c in &calendars {
        let client = names
            .get(&c.meta.key.client_id)
            .map_or_else(|| Arc::from(""), Arc::clone);
        let mut events = calendar_events(client, c);
        let version = Version::of(c);
        let zone = events.calendar.time_zone;
        if let Some(expanded) = cache.expanded(c.key(), version, from, to, zone) {
            events.events = expanded.to_vec();
            events.expanded = true;
        } else if let Some(rows) = cache.get(c.key(), version, from, to) {
            fill(&mut events.events, &rows, from, to);
            events.cached = Some((c.key().clone(), version));
        } else {
            missed.insert(c.key().clone(), (version, answered.len()));
        }
        answered.push(events);
    }
    if !missed.is_empty() {
        // The store reads the clients' calendars by key prefix; the calendars not missed are
        // dropped before their events are opened. A large read goes in a few parts at once,
        // so one part's rows are opened while the next part is still being read (or, on a
        // store that opens rows where it reads them, so every core reads and opens).
        let every = selection.every_client && missed.len() == calendars.len();
        let mirror = calstack.mirror();
        let parts = read_parts(every, missed.keys(), mirror.read_spread());
        let missed = Arc::new(missed);
        let keep: KeepCalendar = {
            let missed = Arc::clone(&missed);
            Arc::new(move |key| missed.contains_key(key))
        };
        let opened = futures::future::try_join_all(
            parts
                .iter()
                .map(|part| mirror.opened_rows(part, from, to, Arc::clone(&keep))),
        )
        .await?;
        // The store sends each calendar's rows in a few runs, each opened and put in order
        // as it came: a calendar's runs are gathered at its place and merged.
        let mut grouped: Vec<Vec<OpenedRow>> = Vec::new();
        grouped.resize_with(answered.len(), Vec::new);
        for (key, rows) in opened.into_iter().flatten() {
            if let Some(&(_, at)) = missed.get(&key) {
                let held = &mut grouped[at];
                if held.is_empty() {
                    *held = rows;
                } else {
                    held.extend(rows);
                    held.sort_by(OpenedRow::by_start);
                }
            }
        }
        for (key, &(version, at)) in missed.iter() {
            let rows: Arc<[OpenedRow]> = std::mem::take(&mut grouped[at]).into();
            let calendar = &mut answered[at];
            fill(&mut calendar.events, &rows, from, to);
            calendar.cached = Some((key.clone(), version));
            cache.put(key.clone(), version, from, to, rows);
        }
    }
    Ok(Fetched {
        calendars: answered,
        ..Fetched::default()
    })
}

/// Copies the events of `rows` (kept for a window holding `[from, to)`) that may matter for
/// `[from, to)`.
fn fill(events: &mut Vec<LazyEvent>, rows: &[OpenedRow], from: DateTime<Utc>, to: DateTime<Utc>) {
    let (low, high) = padded(from, to);
    events.extend(
        rows.iter()
            .filter(|r| r.times.may_matter(low, high) && !r.times.timed_outside(from, to))
            .map(|r| r.event.clone()),
    );
}

fn calendar_events(client: Arc<str>, calendar: &MirroredCalendar) -> CalendarEvents {
    let key = &calendar.meta.key;
    CalendarEvents::new(
        CalendarRef {
            client_id: key.client_id,
            client,
            calendar_id: key.calendar_id.as_str().into(),
            name: calendar
                .meta
                .summary
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or(&key.calendar_id)
                .into(),
            time_zone: calendar
                .meta
                .time_zone
                .as_deref()
                .and_then(|z| z.parse::<Tz>().ok())
                .unwrap_or(Tz::UTC),
        },
        Vec::new(),
    )
}
