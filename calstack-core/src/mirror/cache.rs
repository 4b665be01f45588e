//! The opened-events cache of one [`crate::Calstack`]: per mirrored calendar, the rows a
//! window read returned that matter for its window (timed single events outside it are not
//! opened), opened (unsealed and decoded), with the clear columns the window rule reads. A
//! later read of that calendar over a window inside the cached one is answered from memory,
//! without reading or opening anything again: what it needs is a subset of what was kept.
//!
//! An entry is used only while the calendar's `(generation, revision)` — read from the store
//! with the calendar list, by every read — is the one it was filled at. Every change to a
//! calendar's event rows changes its revision in the same transaction (sync pages,
//! write-through, full-resync swaps; in this process or any other sharing the database), so a
//! stale entry is never answered: it is replaced by the next read. Nothing is written
//! anywhere; the opened events stay in this process's memory, bounded by a row budget (least
//! recently used calendars go first).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::LazyEvent;
use crate::store::{CalendarKey, MirrorEventRow, MirrorWindowRow, MirroredCalendar, WindowRowRef};

/// Rows kept by default (a few tens of megabytes of opened events).
pub const DEFAULT_CACHED_ROWS: usize = 50_000;

/// The version of a calendar's event rows: equal versions hold equal rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Version {
    generation: i64,
    revision: i64,
}

impl Version {
    pub(crate) fn of(calendar: &MirroredCalendar) -> Self {
        Self {
            generation: calendar.generation,
            revision: calendar.revision,
        }
    }
}

/// The clear columns of a mirrored row that decide whether it matters for a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowTimes {
    pub(crate) start_utc: Option<DateTime<Utc>>,
    pub(crate) end_utc: Option<DateTime<Utc>>,
    pub(crate) start_date: Option<NaiveDate>,
    pub(crate) is_recurring_master: bool,
    pub(crate) original_start_utc: Option<DateTime<Utc>>,
    pub(crate) series_end_utc: Option<DateTime<Utc>>,
}

/// The [`RowTimes`] of any row type carrying the same clear columns.
macro_rules! times_of {
    ($row:expr) => {
        RowTimes {
            start_utc: $row.start_utc,
            end_utc: $row.end_utc,
            start_date: $row.start_date,
            is_recurring_master: $row.is_recurring_master,
            original_start_utc: $row.original_start_utc,
            series_end_utc: $row.series_end_utc,
        }
    };
}

impl RowTimes {
    /// The clear columns of a full row.
    pub(crate) fn of(row: &MirrorEventRow) -> Self {
        times_of!(row)
    }

    /// [`RowTimes::of`] a window read's row.
    pub(crate) fn of_window(row: &MirrorWindowRow) -> Self {
        times_of!(row)
    }

    /// [`RowTimes::of`] a window read's row where the store read it.
    pub(crate) fn of_ref(row: &WindowRowRef<'_>) -> Self {
        times_of!(row)
    }

    /// Whether the store's window read returns the row for `[from, to)` (the rule
    /// [`crate::store::MirrorStore::events_between`] states).
    pub(crate) fn may_matter(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let starts_before_end = self.start_utc.is_some_and(|s| s < to);
        let by_time = if self.is_recurring_master {
            starts_before_end && self.series_end_utc.is_none_or(|e| e > from)
        } else {
            starts_before_end && self.end_utc.is_some_and(|e| e > from)
        };
        let by_original = self.original_start_utc.is_some_and(|o| o >= from && o < to);
        by_time || by_original
    }

    /// Whether the row is a timed single event (or moved instance) outside `[from, to)`,
    /// which no view of that window needs.
    pub(crate) fn timed_outside(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.start_date.is_none()
            && !self.is_recurring_master
            && self.original_start_utc.is_none()
            && (self.start_utc.is_none_or(|s| s >= to) || self.end_utc.is_none_or(|e| e <= from))
    }
}

/// One opened row.
#[derive(Clone)]
pub(crate) struct OpenedRow {
    pub(crate) times: RowTimes,
    /// Shared: the views hand it out without copying it.
    pub(crate) event: LazyEvent,
}

impl OpenedRow {
    /// The order a calendar's rows are kept in: by start, then event id, so equal starts
    /// always come out in the same order.
    pub(crate) fn by_start(a: &Self, b: &Self) -> std::cmp::Ordering {
        (a.times.start_utc, a.event.head().id.as_deref())
            .cmp(&(b.times.start_utc, b.event.head().id.as_deref()))
    }
}

/// A calendar's events as the stacked views last used them: its rows for the window
/// `[from, to)`, recurring series expanded with all-day dates in `zone`. Asking the same
/// window of an unchanged calendar again (an agenda refreshed, a week paged back to) reuses
/// it instead of expanding again.
#[derive(Clone)]
pub(crate) struct Expanded {
    pub(crate) from: DateTime<Utc>,
    pub(crate) to: DateTime<Utc>,
    pub(crate) zone: chrono_tz::Tz,
    pub(crate) events: Arc<[LazyEvent]>,
}

impl Expanded {
    fn answers(&self, from: DateTime<Utc>, to: DateTime<Utc>, zone: chrono_tz::Tz) -> bool {
        self.from == from && self.to == to && self.zone == zone
    }
}

/// What a calendar's entry holds: the rows that matter for the window `[from, to)` (the
/// padded window's rows but timed single events outside it), by start, and the last
/// expansion made of them.
struct Entry {
    version: Version,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    rows: Arc<[OpenedRow]>,
    expanded: Option<Expanded>,
    last_used: u64,
}

impl Entry {
    /// What the entry counts against the budget: its rows and its expanded events.
    fn size(&self) -> usize {
        self.rows.len() + self.expanded.as_ref().map_or(0, |e| e.events.len())
    }
}

#[derive(Default)]
struct State {
    calendars: HashMap<CalendarKey, Entry>,
    rows: usize,
    tick: u64,
}

/// The cache (see the module documentation). Cheap to share: clones of a [`crate::Calstack`]
/// share one.
pub(crate) struct OpenedCache {
    capacity: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for OpenedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("OpenedCache")
            .field("capacity", &self.capacity)
            .field("calendars", &state.calendars.len())
            .field("rows", &state.rows)
            .finish()
    }
}

impl OpenedCache {
    /// A cache holding at most `capacity` rows (0: nothing is kept).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::default(),
        }
    }

    /// The rows of `key` that matter for the window `[from, to)`, if an entry at `version`
    /// covers it (and maybe more: the caller filters).
    pub(crate) fn get(
        &self,
        key: &CalendarKey,
        version: Version,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<Arc<[OpenedRow]>> {
        if self.capacity == 0 {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tick += 1;
        let tick = state.tick;
        let entry = state.calendars.get_mut(key)?;
        if entry.version != version || from < entry.from || to > entry.to {
            return None;
        }
        entry.last_used = tick;
        Some(entry.rows.clone())
    }

    /// The expansion of `key` at `version` for exactly the window `[from, to)` and `zone`,
    /// if one is kept.
    pub(crate) fn expanded(
        &self,
        key: &CalendarKey,
        version: Version,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        zone: chrono_tz::Tz,
    ) -> Option<Arc<[LazyEvent]>> {
        if self.capacity == 0 {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tick += 1;
        let tick = state.tick;
        let entry = state.calendars.get_mut(key)?;
        let expanded = entry.expanded.as_ref()?;
        if entry.version != version || !expanded.answers(from, to, zone) {
            return None;
        }
        entry.last_used = tick;
        Some(expanded.events.clone())
    }

    /// Keeps `expanded` with the entry of `key` at `version` (replacing the expansion kept
    /// before); nothing is kept when there is no such entry, or when it would not fit.
    pub(crate) fn keep_expanded(&self, key: &CalendarKey, version: Version, expanded: Expanded) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let capacity = self.capacity;
        let Some(entry) = state.calendars.get_mut(key) else {
            return;
        };
        if entry.version != version {
            return;
        }
        let before = entry.size();
        let after = entry.rows.len() + expanded.events.len();
        if after > capacity {
            return;
        }
        entry.expanded = Some(expanded);
        state.rows = state.rows - before + after;
        self.evict(&mut state);
    }

    /// Keeps the rows of `key` read at `version` for the window `[from, to)`, in place of
    /// what was kept for it; then drops least recently used calendars beyond the budget.
    pub(crate) fn put(
        &self,
        key: CalendarKey,
        version: Version,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        rows: Arc<[OpenedRow]>,
    ) {
        if rows.len() > self.capacity {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tick += 1;
        let entry = Entry {
            version,
            from,
            to,
            last_used: state.tick,
            rows,
            expanded: None,
        };
        state.rows += entry.size();
        if let Some(old) = state.calendars.insert(key, entry) {
            state.rows -= old.size();
        }
        self.evict(&mut state);
    }

    /// Drops least recently used calendars until what is held fits the budget.
    fn evict(&self, state: &mut State) {
        if state.rows <= self.capacity {
            return;
        }
        let mut by_age: Vec<(u64, CalendarKey)> = state
            .calendars
            .iter()
            .map(|(k, e)| (e.last_used, k.clone()))
            .collect();
        by_age.sort_unstable();
        for (_, key) in by_age {
            if state.rows <= self.capacity {
                break;
            }
            if let Some(old) = state.calendars.remove(&key) {
                state.rows -= old.size();
            }
        }
    }

    /// Rows held now.
    #[cfg(test)]
    fn rows(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ClientId;
    use chrono::TimeDelta;

    fn row(start: DateTime<Utc>) -> OpenedRow {
        OpenedRow {
            times: RowTimes {
                start_utc: Some(start),
                end_utc: Some(start + TimeDelta::hours(1)),
                start_date: None,
                is_recurring_master: false,
                original_start_utc: None,
                series_end_utc: None,
            },
            event: LazyEvent::default(),
        }
    }

    fn rows(n: usize) -> Arc<[OpenedRow]> {
        (0..n).map(|_| row(DateTime::UNIX_EPOCH)).collect()
    }

    fn version(revision: i64) -> Version {
        Version {
            generation: 0,
            revision,
        }
    }

    #[test]
    fn an_entry_answers_only_its_version_and_windows_inside_its_own() {
        let cache = OpenedCache::new(100);
        let key = CalendarKey::new(ClientId::new(), "primary");
        let t = DateTime::UNIX_EPOCH;
        let day = TimeDelta::days(1);
        cache.put(key.clone(), version(7), t, t + day * 7, rows(3));
        assert_eq!(
            cache
                .get(&key, version(7), t + day, t + day * 2)
                .map(|r| r.len()),
            Some(3)
        );
        assert!(
            cache.get(&key, version(8), t, t + day).is_none(),
            "another revision"
        );
        let other_generation = Version {
            generation: 1,
            revision: 7,
        };
        assert!(cache.get(&key, other_generation, t, t + day).is_none());
        assert!(
            cache.get(&key, version(7), t - day, t + day).is_none(),
            "wider window"
        );
        assert!(
            cache.get(&key, version(7), t, t + day * 8).is_none(),
            "wider window"
        );
        cache.put(key.clone(), version(8), t, t + day, rows(2));
        assert_eq!(cache.rows(), 2, "the new version replaces the old");
    }

    #[test]
    fn least_recently_used_calendars_go_first_past_the_budget() {
        let cache = OpenedCache::new(10);
        let t = DateTime::UNIX_EPOCH;
        let until = t + TimeDelta::days(1);
        let keys: Vec<CalendarKey> = (0..3)
            .map(|_| CalendarKey::new(ClientId::new(), "primary"))
            .collect();
        cache.put(keys[0].clone(), version(1), t, until, rows(4));
        cache.put(keys[1].clone(), version(1), t, until, rows(4));
        assert!(cache.get(&keys[0], version(1), t, until).is_some());
        cache.put(keys[2].clone(), version(1), t, until, rows(4));
        assert!(
            cache.get(&keys[1], version(1), t, until).is_none(),
            "least recent"
        );
        assert!(cache.get(&keys[0], version(1), t, until).is_some());
        assert!(cache.get(&keys[2], version(1), t, until).is_some());
        assert_eq!(cache.rows(), 8);
        cache.put(keys[1].clone(), version(1), t, until, rows(11));
        assert!(
            cache.get(&keys[1], version(1), t, until).is_none(),
            "over the budget alone"
        );
        assert!(
            OpenedCache::new(0)
                .get(&keys[0], version(1), t, until)
                .is_none()
        );
    }

    #[test]
    fn window_rule_matches_the_store_for_masters_singles_and_moved_instances() {
        let t = DateTime::UNIX_EPOCH + TimeDelta::days(100);
        let (from, to) = (t, t + TimeDelta::days(1));
        let single = row(t - TimeDelta::hours(2)).times;
        assert!(!single.may_matter(from, to), "ended before the window");
        assert!(single.timed_outside(from, to));
        let master = RowTimes {
            is_recurring_master: true,
            series_end_utc: None,
            ..row(t - TimeDelta::days(30)).times
        };
        assert!(master.may_matter(from, to) && !master.timed_outside(from, to));
        let ended = RowTimes {
            series_end_utc: Some(t - TimeDelta::days(1)),
            ..master
        };
        assert!(!ended.may_matter(from, to));
        let moved_away = RowTimes {
            original_start_utc: Some(t + TimeDelta::hours(3)),
            ..row(t + TimeDelta::days(5)).times
        };
        assert!(moved_away.may_matter(from, to) && !moved_away.timed_outside(from, to));
    }

    fn expansion(from: DateTime<Utc>, to: DateTime<Utc>, n: usize) -> Expanded {
        Expanded {
            from,
            to,
            zone: chrono_tz::Tz::UTC,
            events: (0..n).map(|_| LazyEvent::default()).collect(),
        }
    }

    #[test]
    fn an_expansion_answers_only_its_window_zone_and_version_and_counts_in_the_budget() {
        let cache = OpenedCache::new(10);
        let key = CalendarKey::new(ClientId::new(), "primary");
        let t = DateTime::UNIX_EPOCH;
        let week = t + TimeDelta::days(7);
        let utc = chrono_tz::Tz::UTC;
        cache.keep_expanded(&key, version(1), expansion(t, week, 2));
        assert!(
            cache.expanded(&key, version(1), t, week, utc).is_none(),
            "nothing is kept without the calendar's rows"
        );
        cache.put(key.clone(), version(1), t, week, rows(3));
        cache.keep_expanded(&key, version(1), expansion(t, week, 4));
        assert_eq!(cache.rows(), 7, "rows and expanded events both count");
        assert_eq!(
            cache
                .expanded(&key, version(1), t, week, utc)
                .map(|e| e.len()),
            Some(4)
        );
        let day = t + TimeDelta::days(1);
        assert!(
            cache.expanded(&key, version(1), t, day, utc).is_none(),
            "another window"
        );
        let zurich = chrono_tz::Europe::Zurich;
        assert!(
            cache.expanded(&key, version(1), t, week, zurich).is_none(),
            "another zone"
        );
        assert!(
            cache.expanded(&key, version(2), t, week, utc).is_none(),
            "another version"
        );
        cache.keep_expanded(&key, version(1), expansion(t, week, 8));
        assert_eq!(cache.rows(), 7, "an expansion past the budget is not kept");
        cache.put(key.clone(), version(2), t, week, rows(3));
        assert!(
            cache.expanded(&key, version(2), t, week, utc).is_none(),
            "new rows drop the old expansion"
        );
        assert_eq!(cache.rows(), 3);
    }
}
