//! `events.move`: an event (with its exceptions, same ids) leaves one calendar for another.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::state::events::validate::{html_link, mark_self, organizer};
use crate::state::model::calendar::Calendar;
use crate::state::model::event::{Resource, StoredEvent};
use crate::state::world::State;

impl State {
    /// `events.move`: the event (same id) leaves `calendar_id` for `destination`.
    pub(crate) fn event_move(
        &mut self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        destination: &str,
    ) -> Result<Resource, ApiError> {
        let src = self.resolve(account, calendar_id).to_owned();
        let dst = self.resolve(account, destination).to_owned();
        self.require_writer(account, &src)?;
        self.require_writer(account, &dst)?;
        let source = self.calendar(&src)?;
        let ev = source
            .events
            .get(event_id)
            .filter(|e| !e.cancelled)
            .ok_or_else(ApiError::not_found)?;
        check_movable(ev)?;
        if src == dst {
            return Ok(Resource::of(ev));
        }
        let mut moved: Vec<(String, StoredEvent)> = vec![(event_id.to_owned(), ev.clone())];
        moved.extend(
            source
                .events
                .iter()
                .filter(|(_, e)| e.master.as_ref().is_some_and(|(m, _)| m == event_id))
                .map(|(k, e)| (k.clone(), e.clone())),
        );
        if self.calendar(&dst)?.events.contains_key(event_id) {
            return Err(ApiError::duplicate());
        }
        let dst_summary = self.calendar(&dst)?.summary().to_owned();
        let seq = self.next_seq();
        let now = self.now();
        let organizer = organizer(&dst, account, &dst_summary);
        let source = self.calendar_mut(&src)?;
        for (id, _) in &moved {
            if let Some(e) = source.events.get_mut(id) {
                e.cancel(now, seq);
            }
        }
        source.touch(seq, now);
        let target = self.calendar_mut(&dst)?;
        let result = move_into(target, moved, event_id, &organizer, (now, seq));
        result.ok_or_else(ApiError::not_found)
    }
}

/// Only a whole event of the default type moves (not an instance of a series).
fn check_movable(ev: &StoredEvent) -> Result<(), ApiError> {
    if ev.master.is_some() {
        return Err(ApiError::bad_request(
            "Cannot move an instance of a recurring event; move the series instead.",
        ));
    }
    if ev
        .body
        .get("eventType")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "default")
    {
        return Err(ApiError::bad_request(
            "Only events of type default can be moved.",
        ));
    }
    Ok(())
}

/// Stores the `moved` events (an event and its exceptions) in `target` under their ids, with
/// the target's organizer and links, and `self` on the target's own attendee; answers the
/// event `event_id` as it now is.
fn move_into(
    target: &mut Calendar,
    moved: Vec<(String, StoredEvent)>,
    event_id: &str,
    organizer: &Value,
    (now, seq): (DateTime<Utc>, u64),
) -> Option<Resource> {
    let mut result = None;
    for (id, mut e) in moved {
        e.body.insert("organizer".into(), organizer.clone());
        mark_self(&mut e.body, &target.id);
        e.body
            .insert("htmlLink".into(), json!(html_link(&id, &target.id)));
        e.stamp(now, seq);
        if id == event_id {
            result = Some(Resource::of(&e));
            if let Some(uid) = e.body.get("iCalUID").and_then(Value::as_str) {
                target.ical_index.insert(uid.to_owned(), id.clone());
            }
        }
        target.events.insert(id, e);
    }
    target.touch(seq, now);
    result
}
