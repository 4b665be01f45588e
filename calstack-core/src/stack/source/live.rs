//! The live source: Google itself. Per client, `calendarList.list`, then per chosen calendar
//! `events.list` with `singleEvents=true` over the window, every request of every client
//! sharing one bound on how many are in flight.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::TryStreamExt;
use futures::future::join_all;
use tokio::sync::Semaphore;

use super::{CalendarEvents, CalendarRef, EventSource, Fetched, Problem, Selection};
use crate::calendar::{CalendarClient, CalendarListEntry, LazyEvent};
use crate::error::{Error, Result};
use crate::facade::Calstack;
use crate::store::Client;

/// Reads Google live through a [`Calstack`], at most `concurrency` requests at once.
pub(crate) struct LiveSource {
    calstack: Calstack,
    permits: Arc<Semaphore>,
}

impl LiveSource {
    pub(crate) fn new(calstack: &Calstack, concurrency: usize) -> Self {
        Self {
            calstack: calstack.clone(),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    async fn client(
        &self,
        client: &Client,
        wanted: Option<&[String]>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Fetched {
        let problem = |calendar_id: Option<String>, error: Error| Problem {
            client_id: client.id,
            client: client.name.clone(),
            calendar_id,
            error,
        };
        let listed = async {
            let api = self.calstack.calendar(client.id).await?;
            let _permit = self.permit().await?;
            let entries = api.calendar_list().list().collect_all().await?;
            Ok::<_, Error>((api, entries))
        }
        .await;
        let (api, entries) = match listed {
            Ok(found) => found,
            Err(e) => {
                return Fetched {
                    calendars: Vec::new(),
                    problems: vec![problem(None, e)],
                };
            }
        };
        let chosen = entries
            .iter()
            .filter(|e| chosen(e, wanted))
            .map(|e| calendar_ref(client, e));
        let reads = chosen.map(|calendar| {
            let api = api.clone();
            async move {
                let events = self.events(&api, &calendar.calendar_id, from, to).await;
                (calendar, events)
            }
        });
        let mut fetched = Fetched::default();
        for (calendar, events) in join_all(reads).await {
            match events {
                Ok(events) => fetched.calendars.push(CalendarEvents::new(
                    calendar,
                    events.into_iter().map(LazyEvent::new).collect(),
                )),
                Err(e) => fetched
                    .problems
                    .push(problem(Some(calendar.calendar_id.to_string()), e)),
            }
        }
        fetched
    }

    async fn events(
        &self,
        api: &CalendarClient,
        calendar_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::calendar::Event>> {
        let _permit = self.permit().await?;
        api.events()
            .list(calendar_id)
            .single_events(true)
            .time_min(from)
            .time_max(to)
            .max_results(2500)
            .stream()
            .try_collect()
            .await
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.permits
            .acquire()
            .await
            .map_err(|_| Error::transport("the request limiter was closed"))
    }
}

#[async_trait]
impl EventSource for LiveSource {
    async fn fetch(
        &self,
        selection: &Selection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Fetched> {
        let wanted = selection.calendars.as_deref();
        let per_client = selection
            .clients
            .iter()
            .map(|client| self.client(client, wanted, from, to));
        let mut all = Fetched::default();
        for fetched in join_all(per_client).await {
            all.calendars.extend(fetched.calendars);
            all.problems.extend(fetched.problems);
        }
        Ok(all)
    }
}

/// Whether a calendar-list entry is read: the ones asked for, else every selected (or
/// primary) calendar that is neither hidden nor deleted.
fn chosen(entry: &CalendarListEntry, wanted: Option<&[String]>) -> bool {
    if entry.deleted == Some(true) {
        return false;
    }
    let primary = entry.primary == Some(true);
    match wanted {
        Some(ids) => ids
            .iter()
            .any(|id| entry.id.as_deref() == Some(id.as_str()) || (primary && id == "primary")),
        None => entry.hidden != Some(true) && (primary || entry.selected != Some(false)),
    }
}

fn calendar_ref(client: &Client, entry: &CalendarListEntry) -> CalendarRef {
    let id = entry.id.clone().unwrap_or_default();
    let name = entry
        .summary_override
        .clone()
        .or_else(|| entry.summary.clone())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| id.clone());
    CalendarRef {
        client_id: client.id,
        client: client.name.as_str().into(),
        calendar_id: id.into(),
        name: name.into(),
        time_zone: entry
            .time_zone
            .as_deref()
            .and_then(|z| z.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC),
    }
}
