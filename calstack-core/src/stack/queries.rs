//! The stacked-view queries on [`Calstack`]: `agenda`, `conflicts`, `free_busy` and
//! `find_slots`. Each checks its parameters, resolves the clients, reads the source, expands
//! recurring series and hands the events to the pure functions of this module's siblings.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use foldhash::fast::RandomState;
use serde::Serialize;

use super::agenda::{Agenda, AgendaEntry};
use super::conflicts::{Conflict, stack_counted};
use super::expand::expand_shared;
use super::free_busy::{ClientBusy, FreeBusy, Interval, busy_intervals, merge};
use super::parallel::map_runs;
use super::params::{SlotQuery, StackQuery};
use super::slots::{Availability, SlotRules, find_slots};
use super::source::live::LiveSource;
use super::source::mirror::MirrorSource;
use super::source::{
    CalendarEvents, CalendarRef, EventSource, Fetched, Problem, Selection, SourceChoice,
};
use crate::calendar::LazyEvent;
use crate::error::{Error, Result};
use crate::facade::{Calstack, pick_client};
use crate::mirror::cache::Expanded;
use crate::store::{Client, ClientId, MirrorSelection, MirroredCalendar};

/// The answer of `conflicts`: every overlapping pair once, and what could not be read.
#[derive(Debug, Serialize)]
pub struct Conflicts {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// The pairs, ordered by the first event's start.
    pub conflicts: Vec<Conflict>,
    /// Clients or calendars that could not be read.
    pub problems: Vec<Problem>,
}

impl Calstack {
    /// Every selected client's events over the window on one time-ordered list, recurring
    /// series expanded, with conflicts flagged (busy, timed, overlapping; back-to-back is no
    /// conflict). Calendars that cannot be read are listed in `problems`; the rest is still
    /// answered.
    ///
    /// ```no_run
    /// # async fn demo(calstack: calstack_core::Calstack) -> calstack_core::Result<()> {
    /// use calstack_core::stack::StackQuery;
    /// let now = chrono::Utc::now();
    /// let query = StackQuery::new(now, now + chrono::TimeDelta::days(7)).live(true);
    /// for entry in calstack.agenda(&query).await?.entries {
    ///     println!("{} {} {}", entry.start, entry.client, entry.summary);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn agenda(&self, query: &StackQuery) -> Result<Agenda> {
        let zone = query.check()?;
        let fetched = self.read(query).await?;
        Ok(agenda_of(fetched, query.from, query.to, zone))
    }

    /// The double bookings over the window, each pair once (see [`Calstack::agenda`] for the
    /// rules).
    pub async fn conflicts(&self, query: &StackQuery) -> Result<Conflicts> {
        let agenda = self.agenda(query).await?;
        let mut conflicts = Vec::new();
        for (i, entry) in agenda.entries.iter().enumerate() {
            for j in entry.conflicts_with.iter().map(|&j| j as usize) {
                if j > i {
                    conflicts.push(Conflict::between(entry, &agenda.entries[j]));
                }
            }
        }
        Ok(Conflicts {
            from: agenda.from,
            to: agenda.to,
            conflicts,
            problems: agenda.problems,
        })
    }

    /// Each selected client's busy intervals over the window, merged across its calendars:
    /// what Google's `freebusy.query` answers for the same calendars. Fails if any calendar
    /// cannot be read (a free/busy answer with a hole would say "free" wrongly).
    pub async fn free_busy(&self, query: &StackQuery) -> Result<FreeBusy> {
        query.check()?;
        let (clients, listed) = self.clients_and_listing(query).await?;
        let fetched = strict(self.fetch(query, clients.clone(), listed).await?)?;
        let mut per_client: Vec<ClientBusy> = clients
            .iter()
            .map(|c| ClientBusy {
                client_id: c.id,
                client: c.name.clone(),
                busy: Vec::new(),
            })
            .collect();
        let index: HashMap<ClientId, usize> = per_client
            .iter()
            .enumerate()
            .map(|(i, c)| (c.client_id, i))
            .collect();
        for calendar in &fetched.calendars {
            if let Some(target) = index
                .get(&calendar.calendar.client_id)
                .map(|&i| &mut per_client[i])
            {
                let zone = calendar.calendar.time_zone;
                target.busy.extend(busy_intervals(
                    calendar.events.iter().map(LazyEvent::head),
                    zone,
                    query.from,
                    query.to,
                ));
            }
        }
        for client in &mut per_client {
            client.busy = merge(std::mem::take(&mut client.busy));
        }
        Ok(FreeBusy {
            from: query.from,
            to: query.to,
            clients: per_client,
        })
    }

    /// The slots of the given length when every selected client is free, inside each client's
    /// working hours (the query's, else each client's own), with the buffer kept around busy
    /// times, on the step grid. Fails if any calendar cannot be read.
    pub async fn find_slots(&self, query: &SlotQuery) -> Result<Vec<Interval>> {
        let zone = query.check()?;
        let q = &query.query;
        let busy = self.free_busy(q).await?;
        // Each client's own working hours, read at once rather than one after another.
        let hours = futures::future::try_join_all(busy.clients.iter().map(|client| async {
            match &query.working_hours {
                Some(hours) => Ok::<_, Error>(Some(hours.clone())),
                None => Ok(self
                    .store()
                    .get_client_settings(client.client_id)
                    .await?
                    .and_then(|s| s.working_hours)),
            }
        }))
        .await?;
        let clients: Vec<Availability> = busy
            .clients
            .into_iter()
            .zip(hours)
            .map(|(client, working_hours)| Availability {
                busy: client.busy,
                working_hours,
            })
            .collect();
        let rules = SlotRules {
            from: q.from,
            to: q.to,
            duration: query.duration,
            buffer: query.buffer,
            step: query.effective_step(),
            zone,
        };
        Ok(find_slots(&clients, &rules))
    }

    /// Resolves client handles (ids or names); `None` = every client, by name.
    pub(super) async fn resolve_clients(&self, handles: Option<&[String]>) -> Result<Vec<Client>> {
        let Some(handles) = handles else {
            return self.clients().list().await;
        };
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let all = self.clients().list().await?;
        for handle in handles {
            let client = pick_client(&all, handle).map_err(|e| match e {
                Error::NotFound { .. } => {
                    Error::validation("clients", format!("no client {:?}", handle.trim()))
                }
                Error::Validation { reason, .. } => Error::validation("clients", reason),
                other => other,
            })?;
            if seen.insert(client.id) {
                out.push(client);
            }
        }
        Ok(out)
    }

    /// Reads the selected clients' calendars over the query's window and expands series.
    async fn read(&self, query: &StackQuery) -> Result<Fetched> {
        let (clients, listed) = self.clients_and_listing(query).await?;
        self.fetch(query, clients, listed).await
    }

    /// The query's clients, resolved. For a mirror read of every client, the mirror's
    /// calendars are listed at the same time: that listing does not depend on which clients
    /// there are, and on a large mirror it takes longer than reading them.
    async fn clients_and_listing(
        &self,
        query: &StackQuery,
    ) -> Result<(Vec<Client>, Option<Vec<MirroredCalendar>>)> {
        if query.clients.is_some() || query.source != SourceChoice::Mirror {
            let clients = self.resolve_clients(query.clients.as_deref()).await?;
            return Ok((clients, None));
        }
        let store = self.store();
        let (clients, listed) = futures::future::join(
            self.resolve_clients(None),
            store.list_calendars(&MirrorSelection::all()),
        )
        .await;
        Ok((clients?, Some(listed?)))
    }

    /// Reads the calendars of `clients` over the query's window and expands series; `listed`
    /// is the mirror's calendar listing when it was read already (every client's).
    pub(super) async fn fetch(
        &self,
        query: &StackQuery,
        clients: Vec<Client>,
        listed: Option<Vec<MirroredCalendar>>,
    ) -> Result<Fetched> {
        let selection = Selection {
            clients,
            every_client: query.clients.is_none(),
            calendars: query.calendars.clone(),
        };
        let source: Box<dyn EventSource> = match query.source {
            SourceChoice::Live => Box::new(LiveSource::new(self, query.concurrency)),
            SourceChoice::Mirror => Box::new(MirrorSource::new(
                self,
                query.max_staleness,
                query.concurrency,
                listed,
            )),
        };
        let fetched = source.fetch(&selection, query.from, query.to).await?;
        let cache = self.opened_cache();
        // Series are expanded calendar by calendar; a large read is split over the cores.
        let expand_run = |calendars: Vec<CalendarEvents>| {
            let mut kept = Vec::with_capacity(calendars.len());
            let mut problems = Vec::new();
            for mut calendar in calendars {
                if calendar.expanded {
                    kept.push(calendar);
                    continue;
                }
                let events = std::mem::take(&mut calendar.events);
                let zone = calendar.calendar.time_zone;
                match expand_shared(events, query.from, query.to, zone) {
                    Ok(expanded) => {
                        if let Some((key, version)) = &calendar.cached {
                            let expansion = Expanded {
                                from: query.from,
                                to: query.to,
                                zone,
                                events: expanded.iter().cloned().collect(),
                            };
                            cache.keep_expanded(key, *version, expansion);
                        }
                        calendar.events = expanded;
                        calendar.expanded = true;
                        kept.push(calendar);
                    }
                    Err(error) => problems.push(Problem {
                        client_id: calendar.calendar.client_id,
                        client: calendar.calendar.client.to_string(),
                        calendar_id: Some(calendar.calendar.calendar_id.to_string()),
                        error,
                    }),
                }
            }
            (kept, problems)
        };
        let Fetched {
            calendars,
            mut problems,
        } = fetched;
        let unexpanded = |c: &CalendarEvents| if c.expanded { 0 } else { c.events.len() };
        let mut fetched = Fetched::default();
        for (kept, failed) in map_runs(calendars, unexpanded, |_, _| true, expand_run) {
            fetched.calendars.extend(kept);
            problems.extend(failed);
        }
        fetched.problems = problems;
        Ok(fetched)
    }
}

/// The first problem as the error, if any.
fn strict(fetched: Fetched) -> Result<Fetched> {
    let mut fetched = fetched;
    if fetched.problems.is_empty() {
        return Ok(fetched);
    }
    let first = fetched.problems.swap_remove(0);
    tracing::warn!(client_id = %first.client_id, calendar = ?first.calendar_id, "stacked view could not read a calendar");
    Err(first.error)
}

/// The agenda entries of what was read that `keep` accepts: one per meeting per client, even
/// when it sits on several of the client's calendars (same iCalUID and start), unordered.
/// A large read is split over the cores between clients (each client's calendars on one
/// thread), when each client's calendars come together.
pub(super) fn entries_of(
    calendars: Vec<CalendarEvents>,
    zone: Tz,
    keep: impl Fn(&AgendaEntry, &CalendarRef) -> bool + Sync,
) -> Vec<AgendaEntry> {
    if !clients_together(&calendars) {
        return entries_of_run(calendars, zone, &keep, false);
    }
    let run = |calendars: Vec<CalendarEvents>| entries_of_run(calendars, zone, &keep, true);
    let runs = map_runs(
        calendars,
        |c| c.events.len(),
        |before, after| before.calendar.client_id != after.calendar.client_id,
        run,
    );
    let mut entries = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for run in runs {
        entries.extend(run);
    }
    entries
}

/// Whether each client's calendars follow one another (no client comes back later).
fn clients_together(calendars: &[CalendarEvents]) -> bool {
    let mut seen = HashSet::new();
    calendars.iter().enumerate().all(|(i, c)| {
        let id = c.calendar.client_id;
        (i > 0 && calendars[i - 1].calendar.client_id == id) || seen.insert(id)
    })
}

/// [`entries_of`] on one thread. With `together` (each client's calendars follow one
/// another), the meetings seen are forgotten at each new client: the set stays the size of
/// one client's week and in the cache, instead of growing to the whole agenda.
// A `Meeting` holds a `LazyEvent`, whose whole event is filled in on first use; its hash and
// equality read only the event's head, which never changes.
#[allow(clippy::mutable_key_type)]
fn entries_of_run(
    calendars: Vec<CalendarEvents>,
    zone: Tz,
    keep: &impl Fn(&AgendaEntry, &CalendarRef) -> bool,
    together: bool,
) -> Vec<AgendaEntry> {
    let total = calendars.iter().map(|c| c.events.len()).sum();
    let mut entries = Vec::with_capacity(total);
    let mut seen = HashSet::with_capacity_and_hasher(
        if together { 64 } else { total },
        RandomState::default(),
    );
    let mut client = None;
    for calendar in calendars {
        let id = calendar.calendar.client_id;
        if together && client.replace(id) != Some(id) {
            seen.clear();
        }
        for event in calendar.events {
            let Some(entry) = AgendaEntry::from_owned(&calendar.calendar, event, zone) else {
                continue;
            };
            if !keep(&entry, &calendar.calendar) {
                continue;
            }
            if seen.insert(Meeting(entry.client_id, entry.event.clone(), entry.start)) {
                entries.push(entry);
            }
        }
    }
    entries
}

/// One meeting of one client: its iCalUID (else its id) and start, read from the shared
/// event rather than copied.
struct Meeting(ClientId, LazyEvent, DateTime<Utc>);

impl Meeting {
    fn uid(&self) -> Option<&str> {
        let head = self.1.head();
        head.ical_uid.as_deref().or(head.id.as_deref())
    }
}

impl PartialEq for Meeting {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 && self.2 == other.2 && self.uid() == other.uid()
    }
}

impl Eq for Meeting {}

impl std::hash::Hash for Meeting {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        self.uid().hash(state);
        self.2.hash(state);
    }
}

/// The agenda of what was read: entries ordered, with conflicts.
fn agenda_of(fetched: Fetched, from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> Agenda {
    let Fetched {
        calendars,
        mut problems,
    } = fetched;
    let mut entries = entries_of(calendars, zone, |_, _| true);
    let conflicts = stack_counted(&mut entries);
    problems.sort_by(|a, b| (&a.client, &a.calendar_id).cmp(&(&b.client, &b.calendar_id)));
    Agenda {
        from,
        to,
        entries,
        conflicts,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::calendar::{Event, EventDateTime};
    use chrono::TimeDelta;

    fn calendar(client_id: ClientId, client: &str, calendar_id: &str, n: usize) -> CalendarEvents {
        let start = DateTime::parse_from_rfc3339("2026-12-07T08:00:00Z").expect("valid");
        let events = (0..n)
            .map(|i| {
                let at = |minutes: i64| EventDateTime {
                    date_time: Some(start + TimeDelta::minutes(minutes)),
                    ..EventDateTime::default()
                };
                // The same meeting (iCalUID and start) sits on every calendar of a client.
                LazyEvent::new(Event {
                    id: Some(format!("{calendar_id}-{i}")),
                    ical_uid: Some(format!("{client}-{i}@test")),
                    summary: Some(format!("Meeting {i}")),
                    start: Some(at(i as i64 * 7)),
                    end: Some(at(i as i64 * 7 + 30)),
                    ..Event::default()
                })
            })
            .collect();
        CalendarEvents::new(
            CalendarRef {
                client_id,
                client: client.into(),
                calendar_id: calendar_id.into(),
                name: calendar_id.into(),
                time_zone: Tz::UTC,
            },
            events,
        )
    }

    fn read(clients: &[(ClientId, &str)], order: &[usize]) -> Vec<CalendarEvents> {
        order
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                let (id, name) = clients[c];
                calendar(id, name, &format!("{name}-cal{k}"), 2_000)
            })
            .collect()
    }

    fn seen(entries: &[AgendaEntry]) -> Vec<(ClientId, Arc<str>, String)> {
        entries
            .iter()
            .map(|e| (e.client_id, e.calendar_id.clone(), e.event_id.clone()))
            .collect()
    }

    #[test]
    fn a_large_read_gives_the_entries_one_thread_gives() {
        let clients: Vec<(ClientId, &str)> = ["ann", "bob", "cat"]
            .into_iter()
            .map(|name| (ClientId::new(), name))
            .collect();
        // Each client's calendars together (split between clients), then one client coming
        // back after another (not split): both answer as one thread does, one entry per
        // meeting per client.
        for order in [vec![0, 0, 1, 1, 2, 2], vec![0, 1, 0, 2, 1, 2]] {
            let split = entries_of(read(&clients, &order), Tz::UTC, |_, _| true);
            let single = entries_of_run(read(&clients, &order), Tz::UTC, &|_, _| true, false);
            assert_eq!(seen(&split), seen(&single));
            assert_eq!(
                split.len(),
                3 * 2_000,
                "duplicates across a client's calendars"
            );
        }
    }
}
