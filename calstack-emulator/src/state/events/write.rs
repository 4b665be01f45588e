//! Event writes that store a whole body: `events.insert`, `events.import`, `events.update`,
//! `events.patch` (on stored events, or on instances that become stored exceptions) and
//! `events.quickAdd`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::state::events::instance::{exception_of, generated_instance};
use crate::state::events::validate::{
    Prepared, READ_ONLY, html_link, new_event_id, organizer, prepare, valid_event_id,
};
use crate::state::model::calendar::Calendar;
use crate::state::model::etag::etag_matches;
use crate::state::model::event::{Resource, StoredEvent};
use crate::state::patch::merge_patch;
use crate::state::world::State;
use crate::time::{format_in_zone, format_ms};

impl State {
    /// Stores a new event `id` from a validated body, filling in what Google adds.
    fn store(&mut self, cal_id: &str, account: &str, prepared: Prepared, id: String) -> Resource {
        let seq = self.next_seq();
        let now = self.now();
        let Prepared {
            mut body,
            start,
            end,
            series,
        } = prepared;
        let cal_summary = self
            .calendars
            .get(cal_id)
            .map(|c| c.summary().to_owned())
            .unwrap_or_default();
        let creator = json!({"email": account, "self": true});
        fill_new_event(&mut body, &id, cal_id, creator, now);
        body.entry("organizer")
            .or_insert(organizer(cal_id, account, &cal_summary));
        fill_defaults(&mut body, &id);
        let master = exception_of(&body, &id);
        let ev = StoredEvent::stamped(body, (start, end), series, master, (now, seq));
        let resource = Resource::of(&ev);
        if let Some(cal) = self.calendars.get_mut(cal_id) {
            if let Some(uid) = ev.body.get("iCalUID").and_then(Value::as_str)
                && ev.master.is_none()
            {
                cal.ical_index.insert(uid.to_owned(), id.clone());
            }
            cal.events.insert(id, ev);
            cal.touch(seq, now);
        }
        resource
    }

    /// `events.insert`.
    pub(crate) fn event_insert(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: Value,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let Value::Object(mut body) = body else {
            return Err(ApiError::parse_error());
        };
        // The writer check has found the calendar live, so it cannot be missing here.
        let cal = self.calendar(&cal_id)?;
        let id = new_id(&body, cal)?;
        for key in READ_ONLY.iter().filter(|k| **k != "iCalUID") {
            body.remove(*key);
        }
        let prepared = prepare(body, &cal_id, cal.tz, false)?;
        Ok(self.store(&cal_id, account, prepared, id))
    }

    /// `events.import`: inserts, or updates the event with the same `iCalUID`.
    pub(crate) fn event_import(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: Value,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let Value::Object(body) = body else {
            return Err(ApiError::parse_error());
        };
        let Some(uid) = body
            .get("iCalUID")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err(ApiError::required("Missing iCalUID."));
        };
        let cal = self.calendar(&cal_id)?;
        match cal.ical_index.get(&uid).cloned() {
            Some(existing) => {
                let mut body = body;
                body.entry("status").or_insert(json!("confirmed"));
                self.event_write(account, &cal_id, &existing, Value::Object(body), true, None)
            }
            None => {
                let id = new_id(&body, cal)?;
                let mut body = body;
                for key in ["kind", "etag", "htmlLink", "created", "updated", "creator"] {
                    body.remove(key);
                }
                let prepared = prepare(body, &cal_id, cal.tz, false)?;
                Ok(self.store(&cal_id, account, prepared, id))
            }
        }
    }

    /// `events.update` (`replace`) and `events.patch`, on stored events or on instances
    /// (which become stored exceptions).
    pub(crate) fn event_write(
        &mut self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        body: Value,
        replace: bool,
        if_match: Option<&str>,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let Value::Object(patch) = body else {
            return Err(ApiError::parse_error());
        };
        let cal = self.calendar(&cal_id)?;
        let tz = cal.tz;
        let existing: Map<String, Value> = match cal.events.get(event_id) {
            Some(ev) => ev.body.clone(),
            None => generated_instance(cal, event_id).ok_or_else(ApiError::not_found)?,
        };
        let current_etag = existing.get("etag").and_then(Value::as_str).unwrap_or("");
        if if_match.is_some_and(|h| !etag_matches(h, current_etag)) {
            return Err(ApiError::condition_not_met());
        }
        if let Some(id) = patch.get("id").and_then(Value::as_str)
            && id != event_id
        {
            return Err(ApiError::invalid("The event id cannot be changed."));
        }
        let is_instance = existing.contains_key("recurringEventId");
        let prepared = prepare(
            next_body(&existing, &patch, replace),
            &cal_id,
            tz,
            is_instance,
        )?;
        let seq = self.next_seq();
        let now = self.now();
        let cal = self.calendar_mut(&cal_id)?;
        let master = exception_of(&prepared.body, event_id);
        let timing = (prepared.start, prepared.end);
        let ev = StoredEvent::stamped(prepared.body, timing, prepared.series, master, (now, seq));
        let resource = Resource::of(&ev);
        cal.events.insert(event_id.to_owned(), ev);
        cal.touch(seq, now);
        Ok(resource)
    }

    /// `events.quickAdd`.
    pub(crate) fn event_quick_add(
        &mut self,
        account: &str,
        calendar_id: &str,
        text: &str,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        let tz = self.calendar(&cal_id)?.tz;
        let parsed = crate::quickadd::parse(text, self.now(), tz);
        let body = json!({
            "summary": parsed.summary,
            "start": {"dateTime": format_in_zone(parsed.start, tz), "timeZone": tz.name()},
            "end": {"dateTime": format_in_zone(parsed.end, tz), "timeZone": tz.name()},
        });
        self.event_insert(account, &cal_id, body)
    }
}

/// The id of a new event on `cal`: the client's, when it is valid base32hex and free, else a
/// fresh one.
fn new_id(body: &Map<String, Value>, cal: &Calendar) -> Result<String, ApiError> {
    match body.get("id").and_then(Value::as_str) {
        Some(id) if !valid_event_id(id) => Err(ApiError::invalid("Invalid resource id value.")),
        Some(id) if cal.events.contains_key(id) => Err(ApiError::duplicate()),
        Some(id) => Ok(id.to_owned()),
        None => Ok(new_event_id()),
    }
}

/// What Google sets on every new event: kind, id, link, creation time and creator, and a
/// `confirmed` status unless the body says otherwise.
fn fill_new_event(
    body: &mut Map<String, Value>,
    id: &str,
    cal_id: &str,
    creator: Value,
    now: DateTime<Utc>,
) {
    body.insert("kind".into(), json!("calendar#event"));
    body.insert("id".into(), json!(id));
    body.entry("status").or_insert(json!("confirmed"));
    body.insert("htmlLink".into(), json!(html_link(id, cal_id)));
    body.insert("created".into(), json!(format_ms(now)));
    body.insert("creator".into(), creator);
}

/// The defaults of a new event's optional fields.
fn fill_defaults(body: &mut Map<String, Value>, id: &str) {
    body.entry("iCalUID")
        .or_insert_with(|| json!(format!("{id}@google.com")));
    body.entry("sequence").or_insert(json!(0));
    body.entry("reminders")
        .or_insert(json!({"useDefault": true}));
    body.entry("eventType").or_insert(json!("default"));
}

/// The body an update (`replace`) or patch leaves: the client's fields over (or instead of)
/// the stored ones, the read-only fields, id and (unless a patch sets it) organizer kept, and
/// `sequence` raised when the timing changed.
fn next_body(
    existing: &Map<String, Value>,
    patch: &Map<String, Value>,
    replace: bool,
) -> Map<String, Value> {
    let mut next = if replace {
        let mut next = patch.clone();
        next.entry("status").or_insert(json!("confirmed"));
        next
    } else {
        let mut next = existing.clone();
        let mut writable = patch.clone();
        for key in READ_ONLY {
            writable.remove(key);
        }
        merge_patch(&mut next, &writable);
        next
    };
    for key in READ_ONLY.iter().chain(["id", "organizer"].iter()) {
        match existing.get(*key) {
            Some(v) if *key != "organizer" || replace || !patch.contains_key("organizer") => {
                next.insert((*key).to_owned(), v.clone());
            }
            _ => {}
        }
    }
    let time_changed = next.get("start") != existing.get("start")
        || next.get("end") != existing.get("end")
        || next.get("recurrence") != existing.get("recurrence");
    let sequence = existing
        .get("sequence")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let asked = patch
        .get("sequence")
        .and_then(Value::as_i64)
        .unwrap_or(sequence);
    next.insert(
        "sequence".into(),
        json!(asked.max(sequence + i64::from(time_changed))),
    );
    next
}
