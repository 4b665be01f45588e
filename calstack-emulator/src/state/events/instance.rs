//! The instances of a recurring series that are not stored: built from the master event for
//! one occurrence.

use chrono::TimeDelta;
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::recurrence::{Occ, instance_id, parse_instance_id};
use crate::state::model::calendar::Calendar;
use crate::state::model::event::StoredEvent;
use crate::time::{EventTime, render_like};

/// Builds an instance of `master` for occurrence `occ`.
pub(super) fn make_instance(master: &StoredEvent, occ: Occ, tz: Tz) -> Map<String, Value> {
    let mut body = master.body.clone();
    body.remove("recurrence");
    let master_id = master.id().to_owned();
    let all_day = master.start.is_all_day();
    let duration = master
        .series
        .as_ref()
        .map_or(TimeDelta::zero(), |s| s.duration());
    let begin = occ.instant(tz);
    let start_template = master.body.get("start").cloned().unwrap_or(Value::Null);
    let end_template = master.body.get("end").cloned().unwrap_or(Value::Null);
    // All-day instances last whole days, whatever DST does to the hours in between.
    let end = match (occ, master.start, master.end) {
        (Occ::Date(d), EventTime::Date(first), EventTime::Date(last)) => d
            .checked_add_signed(last - first)
            .map_or(begin + duration, |e| crate::time::midnight(e, tz)),
        _ => begin + duration,
    };
    let start = render_like(&start_template, begin, all_day, tz);
    body.insert("id".into(), json!(instance_id(&master_id, occ)));
    body.insert("end".into(), render_like(&end_template, end, all_day, tz));
    body.insert("originalStartTime".into(), start.clone());
    body.insert("start".into(), start);
    body.insert("recurringEventId".into(), json!(master_id));
    body
}

/// The generated instance `event_id` of a live series, if it is one.
pub(super) fn generated_instance(cal: &Calendar, event_id: &str) -> Option<Map<String, Value>> {
    let (master_id, occ) = parse_instance_id(event_id)?;
    let master = cal.events.get(master_id).filter(|m| !m.cancelled)?;
    let series = master.series.as_ref()?;
    series
        .contains(occ, cal.tz)
        .then(|| make_instance(master, occ, cal.tz))
}

/// The series an event stored as `id` is an exception of: the master its body names, and the
/// occurrence its instance id stands for.
pub(super) fn exception_of(body: &Map<String, Value>, id: &str) -> Option<(String, Occ)> {
    match (
        body.get("recurringEventId").and_then(Value::as_str),
        parse_instance_id(id),
    ) {
        (Some(m), Some((_, occ))) => Some((m.to_owned(), occ)),
        _ => None,
    }
}
