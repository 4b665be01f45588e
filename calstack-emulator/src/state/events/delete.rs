//! `events.delete`: the event becomes a tombstone (and a series takes its exceptions with it);
//! deleting an instance stores a cancelled exception.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::recurrence::parse_instance_id;
use crate::state::events::instance::generated_instance;
use crate::state::events::validate::prepare;
use crate::state::model::calendar::Calendar;
use crate::state::model::etag::etag_matches;
use crate::state::model::event::StoredEvent;
use crate::state::world::State;

impl State {
    /// `events.delete`: 204, then 410 `deleted` on a second delete.
    pub(crate) fn event_delete(
        &mut self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        if_match: Option<&str>,
    ) -> Result<(), ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let seq = self.next_seq();
        let now = self.now();
        let cal = self.calendar_mut(&cal_id)?;
        if !cal.events.contains_key(event_id) {
            return cancel_generated(cal, event_id, if_match, (now, seq));
        }
        let Some(ev) = cal.events.get_mut(event_id) else {
            return Err(ApiError::not_found());
        };
        if ev.cancelled {
            return Err(ApiError::deleted());
        }
        if if_match.is_some_and(|h| !etag_matches(h, ev.etag())) {
            return Err(ApiError::condition_not_met());
        }
        ev.cancel(now, seq);
        if ev.series.is_some() {
            for exc in cal.events.values_mut() {
                if exc.master.as_ref().is_some_and(|(m, _)| m == event_id) && !exc.cancelled {
                    exc.cancel(now, seq);
                }
            }
        }
        cal.touch(seq, now);
        Ok(())
    }
}

/// Deletes generated instance `event_id`: it becomes a stored, cancelled exception.
fn cancel_generated(
    cal: &mut Calendar,
    event_id: &str,
    if_match: Option<&str>,
    (now, seq): (DateTime<Utc>, u64),
) -> Result<(), ApiError> {
    let instance = generated_instance(cal, event_id).ok_or_else(ApiError::not_found)?;
    let etag_now = instance.get("etag").and_then(Value::as_str).unwrap_or("");
    if if_match.is_some_and(|h| !etag_matches(h, etag_now)) {
        return Err(ApiError::condition_not_met());
    }
    let prepared = prepare(instance, &cal.id, cal.tz, true)?;
    let Some((master_id, occ)) = parse_instance_id(event_id) else {
        return Err(ApiError::not_found());
    };
    let master = Some((master_id.to_owned(), occ));
    let timing = (prepared.start, prepared.end);
    let mut ev = StoredEvent::stamped(prepared.body, timing, None, master, (now, seq));
    ev.cancel(now, seq);
    cal.events.insert(event_id.to_owned(), ev);
    cal.touch(seq, now);
    Ok(())
}
