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
    let tz = cal.tz;
    let start_id = resume_from.map(|k| k.split('\0').next().unwrap_or("").to_owned());
    let range = match &start_id {
        Some(id) => cal.events.range::<str, _>((
            std::ops::Bound::Included(id.as_str()),
            std::ops::Bound::Unbounded,
        )),
        None => cal.events.range::<str, _>(..),
    };
    let changed = |ev: &StoredEvent| q.since.is_none_or(|s| ev.seq > s);
    let updated_ok = |ev: &StoredEvent| q.updated_min.is_none_or(|m| ev.updated >= m);
    let after = |key: &str| resume_from.is_some_and(|r| key <= r);
    for (id, ev) in range {
        // Exceptions of a series are produced by their master in single-events mode.
        if let Some((master_id, _)) = &ev.master {
            let master = cal.events.get(master_id).filter(|m| m.series.is_some());
            if q.single && master.is_some_and(|m| changed(m) || q.since.is_none()) {
                continue;
            }
            if ev.cancelled && !q.wants_deleted() {
                let live_master = master.is_some_and(|m| !m.cancelled);
                if q.single || !live_master {
                    continue;
                }
            }
        } else if ev.cancelled && !q.wants_deleted() {
            continue;
        }
        if let (true, Some(series)) = (q.single, &ev.series) {
            if !changed(ev) || !updated_ok(ev) {
                continue;
            }
            if ev.cancelled {
                let key = page_key(id, "");
                if !after(&key) && !emit(key, Item::Stored(ev)) {
                    return;
                }
                continue;
            }
            if !ev.matches_text(q) {
                continue;
            }
            for occ in walked_occurrences(cal, id, series, q) {
                let inst_id = instance_id(id, occ);
                let key = page_key(id, &inst_id);
                if after(&key) {
                    continue;
                }
                let item = match cal.events.get(&inst_id) {
                    Some(exc) if exc.cancelled && !q.wants_deleted() => continue,
                    Some(exc) => {
                        let (s, e) = exc.span(tz);
                        if !exc.cancelled && (!q.overlaps(s, e) || !exc.matches_text(q)) {
                            continue;
                        }
                        Item::Stored(exc)
                    }
                    None => Item::Owned(Value::Object(make_instance(ev, occ, tz))),
                };
                if !emit(key, item) {
                    return;
                }
            }
            continue;
        }
        let key = page_key(id, "");
        if after(&key) || !changed(ev) || !updated_ok(ev) || !ev.matches_text(q) {
            continue;
        }
        if !ev.cancelled {
            let in_window = match &ev.series {
                Some(series) if q.time_min.is_some() || q.time_max.is_some() => {
                    !series.occurrences(tz, q.time_min, q.time_max, 1).is_empty()
                }
                Some(_) => true,
                None => {
                    let (s, e) = ev.span(tz);
                    q.overlaps(s, e)
                }
            };
            if !in_window {
                continue;
            }
        }
        if !emit(key, Item::Stored(ev)) {
            return;
        }
    }
}
