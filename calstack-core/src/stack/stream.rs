//! The agenda as a stream, for ranges too large to hold at once: the window is read chunk by
//! chunk, and each entry is handed out, in agenda order and with its final `conflicts_with`
//! (indexes into the whole stream), as soon as no later entry can still collide with it. What
//! is held at any time is one chunk plus the entries still open across its end.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use futures::Stream;

use super::agenda::AgendaEntry;
use super::busy::span;
use super::conflicts;
use super::params::StackQuery;
use super::queries::entries_of;
use super::source::{CalendarRef, Problem};
use crate::error::Result;
use crate::facade::Calstack;
use crate::store::Client;

/// How much more than a chunk is read on each side.
const MARGIN: TimeDelta = TimeDelta::days(1);

/// Whether Google would list `entry` (by its span in its calendar's zone) for `[from, to)`.
fn in_window(
    entry: &AgendaEntry,
    calendar: &CalendarRef,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    span(entry.event.head(), calendar.time_zone).is_some_and(|s| {
        let end = if s.end == s.start {
            s.end + TimeDelta::milliseconds(1)
        } else {
            s.end
        };
        end > from && s.start < to
    })
}

/// One item of [`Calstack::agenda_stream`].
#[derive(Debug)]
pub enum AgendaItem {
    /// The next entry of the agenda.
    Entry(Box<AgendaEntry>),
    /// A client or calendar that could not be read for one chunk of the window.
    Problem(Problem),
}

/// The sweep across chunks.
struct Sweep {
    calstack: Calstack,
    query: StackQuery,
    clients: Vec<Client>,
    zone: Tz,
    chunk: TimeDelta,
    /// Where the next chunk starts; `None` once the window is read.
    next: Option<DateTime<Utc>>,
    /// Entries not handed out yet, in agenda order; the front has index `emitted`.
    pending: VecDeque<AgendaEntry>,
    emitted: usize,
    /// Indexes of busy timed entries whose end is after the latest start seen.
    open: Vec<usize>,
    ready: VecDeque<AgendaItem>,
}

impl Sweep {
    fn entry_mut(&mut self, index: usize) -> Option<&mut AgendaEntry> {
        index
            .checked_sub(self.emitted)
            .and_then(|i| self.pending.get_mut(i))
    }

    /// Reads the next chunk, sweeps its new entries in, and readies what is final.
    async fn advance(&mut self) -> Result<()> {
        let Some(start) = self.next else {
            while let Some(entry) = self.pending.pop_front() {
                self.ready.push_back(AgendaItem::Entry(Box::new(entry)));
            }
            return Ok(());
        };
        let end = (start + self.chunk).min(self.query.to);
        self.next = (end < self.query.to).then_some(end);
        let (first, last) = (start == self.query.from, end == self.query.to);
        // Each entry belongs to the chunk holding its start on the agenda. All-day events sit
        // on the agenda in the viewer's zone but are listed by Google in their calendar's, up
        // to a day apart: read a day more on both sides, keep what belongs here.
        let mut window = self.query.clone();
        window.from = (start - MARGIN).max(self.query.from);
        window.to = (end + MARGIN).min(self.query.to);
        let fetched = self
            .calstack
            .fetch(&window, self.clients.clone(), None)
            .await?;
        // Synced (if it had to be) for the first chunk: later chunks read what is there.
        self.query.max_staleness = None;
        let (from, to) = (self.query.from, self.query.to);
        let mut fresh = entries_of(fetched.calendars, self.zone, |entry, calendar| {
            let here = (first || entry.start >= start) && (last || entry.start < end);
            here && in_window(entry, calendar, from, to)
        });
        fresh.sort_by(|a, b| {
            (a.start, a.end, &a.client, &a.summary).cmp(&(b.start, b.end, &b.client, &b.summary))
        });
        self.ready
            .extend(fetched.problems.into_iter().map(AgendaItem::Problem));
        for entry in fresh {
            self.push(entry);
        }
        self.release(end);
        Ok(())
    }

    fn push(&mut self, mut entry: AgendaEntry) {
        let index = self.emitted + self.pending.len();
        entry.conflicts_with.clear();
        if entry.takes_part_in_conflicts() {
            let start = entry.start;
            let mut still_open = Vec::with_capacity(self.open.len());
            for j in std::mem::take(&mut self.open) {
                let Some(other) = self.entry_mut(j) else {
                    continue;
                };
                if other.end > start {
                    other.conflicts_with.push(conflicts::index(index));
                    entry.conflicts_with.push(conflicts::index(j));
                    still_open.push(j);
                }
            }
            still_open.push(index);
            self.open = still_open;
        }
        self.pending.push_back(entry);
    }

    /// Hands out, in order, the entries no entry starting at or after `read_until` can touch.
    fn release(&mut self, read_until: DateTime<Utc>) {
        while let Some(front) = self.pending.front() {
            let settled = !front.takes_part_in_conflicts() || front.end <= read_until;
            if !settled {
                break;
            }
            if let Some(entry) = self.pending.pop_front() {
                self.emitted += 1;
                self.ready.push_back(AgendaItem::Entry(Box::new(entry)));
            }
        }
    }
}

impl Calstack {
    /// [`Calstack::agenda`] as a stream, reading the window `chunk` at a time (at least an
    /// hour; a week is a good size): the same entries in the same order with the same
    /// `conflicts_with`, without holding the whole range. Bad parameters fail the first item.
    pub fn agenda_stream(
        &self,
        query: StackQuery,
        chunk: TimeDelta,
    ) -> impl Stream<Item = Result<AgendaItem>> + Send + '_ {
        let start = async move {
            let zone = query.check()?;
            let clients = self.resolve_clients(query.clients.as_deref()).await?;
            Ok::<_, crate::Error>(Sweep {
                calstack: self.clone(),
                next: Some(query.from),
                query,
                clients,
                zone,
                chunk: chunk.max(TimeDelta::hours(1)),
                pending: VecDeque::new(),
                emitted: 0,
                open: Vec::new(),
                ready: VecDeque::new(),
            })
        };
        futures::stream::unfold(
            (Some(start), None::<Sweep>, false),
            |(start, sweep, done)| async move {
                if done {
                    return None;
                }
                let mut sweep = match (start, sweep) {
                    (Some(start), _) => match start.await {
                        Ok(s) => s,
                        Err(e) => return Some((Err(e), (None, None, true))),
                    },
                    (None, Some(s)) => s,
                    (None, None) => return None,
                };
                loop {
                    if let Some(item) = sweep.ready.pop_front() {
                        return Some((Ok(item), (None, Some(sweep), false)));
                    }
                    if sweep.next.is_none() && sweep.pending.is_empty() {
                        return None;
                    }
                    if let Err(e) = sweep.advance().await {
                        return Some((Err(e), (None, None, true)));
                    }
                }
            },
        )
    }
}
