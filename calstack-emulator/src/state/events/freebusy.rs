//! `freebusy.query`: the merged busy intervals of the requested calendars within a window.
//! Busy means what Google counts: events that are not cancelled, not transparent and not
//! declined by the calendar's owner (the attendee with the calendar's address, marked `self`,
//! with `responseStatus: declined`); someone else's decline leaves the time busy.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::state::events::query::ListQuery;
use crate::state::events::walk::{Item, walk};
use crate::state::model::calendar::Calendar;
use crate::state::world::State;
use crate::time::{format_in_zone, parse_event_time, parse_tz};

impl State {
    /// `freebusy.query`.
    pub(crate) fn freebusy(&self, account: &str, body: &Value) -> Result<Value, ApiError> {
        let time = |field: &str| -> Result<DateTime<Utc>, ApiError> {
            let text = body
                .get(field)
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::required(format!("Missing {field}.")))?;
            crate::time::parse_rfc3339(text)
                .ok_or_else(|| ApiError::invalid(format!("Invalid {field}.")))
        };
        let (min, max) = (time("timeMin")?, time("timeMax")?);
        if min >= max {
            return Err(ApiError::time_range_empty("timeMax"));
        }
        let zone = match body.get("timeZone").and_then(Value::as_str) {
            Some(name) => parse_tz(name)
                .ok_or_else(|| ApiError::invalid(format!("Invalid timeZone: {name}")))?,
            None => Tz::UTC,
        };
        let ids: Vec<&str> =
            body.get("items")
                .and_then(Value::as_array)
                .map_or_else(Vec::new, |items| {
                    items
                        .iter()
                        .filter_map(|i| i.get("id").and_then(Value::as_str))
                        .collect()
                });
        if ids.len() > 50 {
            return Err(ApiError::invalid(
                "Too many calendars requested; at most 50 are allowed.",
            ));
        }
        let mut calendars = Map::new();
        for requested in ids {
            let cal_id = self.resolve(account, requested);
            let entry = match self
                .role(account, cal_id)
                .and_then(|_| self.calendar(cal_id))
            {
                Ok(cal) => {
                    let busy = busy_intervals(cal, min, max);
                    let busy: Vec<Value> = busy
                        .into_iter()
                        .map(|(s, e)| json!({"start": format_in_zone(s, zone), "end": format_in_zone(e, zone)}))
                        .collect();
                    json!({ "busy": busy })
                }
                Err(_) => {
                    json!({"busy": [], "errors": [{"domain": "global", "reason": "notFound"}]})
                }
            };
            calendars.insert(requested.to_owned(), entry);
        }
        Ok(json!({
            "kind": "calendar#freeBusy",
            "timeMin": format_in_zone(min, zone),
            "timeMax": format_in_zone(max, zone),
            "calendars": calendars,
        }))
    }
}

/// Whether the event is marked `transparency: transparent` (it does not block time).
fn is_transparent(body: &Map<String, Value>) -> bool {
    body.get("transparency").and_then(Value::as_str) == Some("transparent")
}

/// Whether the owner of calendar `cal_id` declined the event: the attendee with the
/// calendar's address (the one marked `self`) answered `declined`.
fn declined_by_owner(body: &Map<String, Value>, cal_id: &str) -> bool {
    let Some(Value::Array(attendees)) = body.get("attendees") else {
        return false;
    };
    attendees.iter().any(|a| {
        let is_owner = a
            .get("email")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case(cal_id));
        is_owner && a.get("responseStatus").and_then(Value::as_str) == Some("declined")
    })
}

/// Busy intervals of a calendar within `[min, max)`, merged and clipped.
fn busy_intervals(
    cal: &Calendar,
    min: DateTime<Utc>,
    max: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let q = ListQuery {
        single: true,
        time_min: Some(min),
        time_max: Some(max),
        ..ListQuery::default()
    };
    let mut spans = Vec::new();
    walk(cal, &q, None, |_, item| {
        let free = |b: &Map<String, Value>| is_transparent(b) || declined_by_owner(b, &cal.id);
        let span = match &item {
            Item::Stored(ev) if ev.cancelled || free(&ev.body) => None,
            Item::Stored(ev) => Some(ev.span(cal.tz)),
            Item::Owned(Value::Object(b)) if !free(b) => {
                let parse = |f: &str| {
                    b.get(f)
                        .and_then(|v| parse_event_time(v, f).ok())
                        .map(|t| t.instant(cal.tz))
                };
                parse("start").zip(parse("end"))
            }
            Item::Owned(_) => None,
        };
        if let Some((s, e)) = span
            && e > min
            && s < max
        {
            spans.push((s.max(min), e.min(max)));
        }
        true
    });
    spans.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}
