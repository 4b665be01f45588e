//! Walks a calendar's events in page order: stored events by id, and (for single-events
//! lists) each series expanded into its instances, filtered by a list query.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::recurrence::{Occ, Series, instance_id};
use crate::state::events::instance::make_instance;
use crate::state::events::query::ListQuery;
use crate::state::model::calendar::Calendar;
use crate::state::model::event::StoredEvent;
use crate::time::parse_event_time;

/// An item of a list page before rendering.
pub(super) enum Item<'a> {
    Stored(&'a StoredEvent),
    Owned(Value),
}

impl Item<'_> {
    /// About how long the rendered item is (exact for stored live events).
    pub(super) fn size_hint(&self) -> usize {
        match self {
            Item::Stored(ev) => ev.json.len(),
            Item::Owned(_) => 512,
        }
    }

    pub(super) fn render(&self, out: &mut String) {
        match self {
            Item::Stored(ev) if ev.cancelled => out.push_str(&ev.tombstone().to_string()),
            Item::Stored(ev) => out.push_str(&ev.json),
            Item::Owned(v) => out.push_str(&v.to_string()),
        }
    }

    pub(super) fn start(&self, tz: Tz) -> DateTime<Utc> {
        match self {
            Item::Stored(ev) => ev.start.instant(tz),
            Item::Owned(v) => v
                .get("start")
                .and_then(|s| parse_event_time(s, "start").ok())
                .map_or(DateTime::<Utc>::MIN_UTC, |t| t.instant(tz)),
        }
    }
}

/// The key a list walk resumes from: the stored id, NUL, and the instance id (if any).
/// Built by hand: `format!` cost more than the rest of a list page together.
pub(super) fn page_key(id: &str, instance: &str) -> String {
    let mut key = String::with_capacity(id.len() + 1 + instance.len());
    key.push_str(id);
    key.push('\0');
    key.push_str(instance);
    key
}

/// The occurrences a single-events walk visits for the series `master_id`: those whose
/// original start falls in the window, plus instances moved into the window from outside it
/// (Google filters instances by their actual time), in instance-id order.
fn walked_occurrences(cal: &Calendar, master_id: &str, series: &Series, q: &ListQuery) -> Vec<Occ> {
    let mut occs = series.occurrences(cal.tz, q.time_min, q.time_max, usize::MAX);
    if q.time_min.is_none() && q.time_max.is_none() {
        return occs;
    }
    let prefix = format!("{master_id}_");
    let exceptions = cal
        .events
        .range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(key, _)| key.starts_with(&prefix));
    let mut moved_in = false;
    for (_, exc) in exceptions {
        if let Some((master, occ)) = &exc.master
            && master == master_id
            && !exc.cancelled
            && !occs.contains(occ)
        {
            let (s, e) = exc.span(cal.tz);
            if q.overlaps(s, e) {
                occs.push(*occ);
                moved_in = true;
            }
        }
    }
    if moved_in {
        occs.sort_by_cached_key(|o| instance_id(master_id, *o));
    }
    occs
}

/// Walks a calendar's events in stored order, expanding series when `single`, and hands each
/// matching item with its sort key to `emit` until it returns false.
pub(super) fn walk<'a>(
    cal: &'a Calendar,
    q: &ListQuery,
    resume_from: Option<&str>,
    mut emit: impl FnMut(String, Item<'a>) -> bool,
) {
    let walker = Walker {
        cal,
        q,
        resume_from,
    };
    let start_id = resume_from.map(|k| k.split('\0').next().unwrap_or("").to_owned());
    let range = match &start_id {
        Some(id) => cal.events.range::<str, _>((
            std::ops::Bound::Included(id.as_str()),
            std::ops::Bound::Unbounded,
        )),
        None => cal.events.range::<str, _>(..),
    };
    for (id, ev) in range {
        if walker.hidden(ev) {
            continue;
        }
        if let (true, Some(series)) = (q.single, &ev.series) {
            if !walker.series(id, ev, series, &mut emit) {
                return;
            }
            continue;
        }
        let key = page_key(id, "");
        if walker.after(&key)
            || !walker.changed(ev)
            || !walker.updated_ok(ev)
            || !ev.matches_text(q)
        {
            continue;
        }
        if !ev.cancelled && !walker.in_window(ev) {
            continue;
        }
        if !emit(key, Item::Stored(ev)) {
            return;
        }
    }
}

/// One walk over a calendar: the query it answers and the page key it resumes after.
struct Walker<'a, 'q> {
    cal: &'a Calendar,
    q: &'q ListQuery,
    resume_from: Option<&'q str>,
}

impl<'a> Walker<'a, '_> {
    /// Whether the event changed after the sync token (always, without one).
    fn changed(&self, ev: &StoredEvent) -> bool {
        self.q.since.is_none_or(|s| ev.seq > s)
    }

    /// Whether the event changed at or after `updatedMin` (always, without it).
    fn updated_ok(&self, ev: &StoredEvent) -> bool {
        self.q.updated_min.is_none_or(|m| ev.updated >= m)
    }

    /// Whether a previous page already carried the item with this key.
    fn after(&self, key: &str) -> bool {
        self.resume_from.is_some_and(|r| key <= r)
    }

    /// Whether a stored event stays out of the walk whatever its time: in single-events mode
    /// the exceptions of a series come from their master, and cancelled events show only when
    /// the query wants deleted ones (or, outside single-events mode, as exceptions of a live
    /// series).
    fn hidden(&self, ev: &StoredEvent) -> bool {
        let q = self.q;
        let Some((master_id, _)) = &ev.master else {
            return ev.cancelled && !q.wants_deleted();
        };
        let master = self
            .cal
            .events
            .get(master_id)
            .filter(|m| m.series.is_some());
        if q.single && master.is_some_and(|m| self.changed(m) || q.since.is_none()) {
            return true;
        }
        if ev.cancelled && !q.wants_deleted() {
            let live_master = master.is_some_and(|m| !m.cancelled);
            return q.single || !live_master;
        }
        false
    }

    /// Whether a live stored event (a series: any of its occurrences) meets the time window.
    fn in_window(&self, ev: &StoredEvent) -> bool {
        let (q, tz) = (self.q, self.cal.tz);
        match &ev.series {
            Some(series) if q.time_min.is_some() || q.time_max.is_some() => {
                !series.occurrences(tz, q.time_min, q.time_max, 1).is_empty()
            }
            Some(_) => true,
            None => {
                let (s, e) = ev.span(tz);
                q.overlaps(s, e)
            }
        }
    }

    /// Visits series `id` in single-events mode: its tombstone when it is cancelled, else its
    /// instances in the window. False when `emit` asked to stop.
    fn series(
        &self,
        id: &str,
        ev: &'a StoredEvent,
        series: &Series,
        emit: &mut impl FnMut(String, Item<'a>) -> bool,
    ) -> bool {
        if !self.changed(ev) || !self.updated_ok(ev) {
            return true;
        }
        if ev.cancelled {
            let key = page_key(id, "");
            return self.after(&key) || emit(key, Item::Stored(ev));
        }
        if !ev.matches_text(self.q) {
            return true;
        }
        for occ in walked_occurrences(self.cal, id, series, self.q) {
            let inst_id = instance_id(id, occ);
            let key = page_key(id, &inst_id);
            if self.after(&key) {
                continue;
            }
            let Some(item) = self.instance(ev, occ, &inst_id) else {
                continue;
            };
            if !emit(key, item) {
                return false;
            }
        }
        true
    }

    /// Occurrence `occ` of `master` as the walk shows it: its stored exception when there is
    /// one (if it passes the query), else the generated instance.
    fn instance(&self, master: &'a StoredEvent, occ: Occ, inst_id: &str) -> Option<Item<'a>> {
        let q = self.q;
        match self.cal.events.get(inst_id) {
            Some(exc) if exc.cancelled && !q.wants_deleted() => None,
            Some(exc) => {
                let (s, e) = exc.span(self.cal.tz);
                if !exc.cancelled && (!q.overlaps(s, e) || !exc.matches_text(q)) {
                    return None;
                }
                Some(Item::Stored(exc))
            }
            None => Some(Item::Owned(Value::Object(make_instance(
                master,
                occ,
                self.cal.tz,
            )))),
        }
    }
}
