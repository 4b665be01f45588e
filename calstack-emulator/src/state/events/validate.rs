//! What makes an event body acceptable, the way Google checks it, and the ids and links a new
//! event gets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::recurrence::Series;
use crate::time::{EventTime, parse_event_time};

/// Fields a client cannot set (they are carried over from the stored event).
pub(super) const READ_ONLY: [&str; 9] = [
    "kind",
    "etag",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "recurringEventId",
    "originalStartTime",
    "iCalUID",
];

/// A validated event body.
pub(super) struct Prepared {
    pub(super) body: Map<String, Value>,
    pub(super) start: EventTime,
    pub(super) end: EventTime,
    pub(super) series: Option<Series>,
}

fn one_of(body: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid value for {field}: {other}"
        ))),
    }
}

/// Validates an event body for calendar `calendar_id` the way Google does, parses its timing,
/// and marks the attendee that is the calendar `self`.
pub(super) fn prepare(
    mut body: Map<String, Value>,
    calendar_id: &str,
    calendar_tz: Tz,
    is_instance: bool,
) -> Result<Prepared, ApiError> {
    let (start, end) = parse_timing(&body, calendar_tz)?;
    check_choices(&body)?;
    check_attendees(&body)?;
    mark_self(&mut body, calendar_id);
    check_reminders(&body)?;
    let series = parse_series(&mut body, start, end, calendar_tz, is_instance)?;
    Ok(Prepared {
        body,
        start,
        end,
        series,
    })
}

/// The event's `start` and `end`: both present, of one kind (date or dateTime), in order.
fn parse_timing(
    body: &Map<String, Value>,
    calendar_tz: Tz,
) -> Result<(EventTime, EventTime), ApiError> {
    let start_v = body
        .get("start")
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::required("Missing start time."))?;
    let end_v = body
        .get("end")
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::required("Missing end time."))?;
    let start = parse_event_time(start_v, "start").map_err(map_time_error)?;
    let end = parse_event_time(end_v, "end").map_err(map_time_error)?;
    if start.is_all_day() != end.is_all_day() {
        return Err(ApiError::invalid(
            "Start and end times must either both be date or both be dateTime.",
        ));
    }
    if end.instant(calendar_tz) < start.instant(calendar_tz) {
        return Err(ApiError::time_range_empty("end"));
    }
    Ok((start, end))
}

/// The fields that take one of a fixed set of values, and `colorId`.
fn check_choices(body: &Map<String, Value>) -> Result<(), ApiError> {
    one_of(body, "status", &["confirmed", "tentative", "cancelled"])?;
    one_of(body, "transparency", &["opaque", "transparent"])?;
    one_of(
        body,
        "visibility",
        &["default", "public", "private", "confidential"],
    )?;
    one_of(
        body,
        "eventType",
        &[
            "default",
            "birthday",
            "focusTime",
            "fromGmail",
            "outOfOffice",
            "workingLocation",
        ],
    )?;
    if let Some(color) = body.get("colorId").and_then(Value::as_str)
        && !color.parse::<u8>().is_ok_and(|n| (1..=11).contains(&n))
    {
        return Err(ApiError::invalid(format!(
            "Invalid value for colorId: {color}"
        )));
    }
    Ok(())
}

/// Every attendee needs an email address.
fn check_attendees(body: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(attendees) = body.get("attendees").filter(|v| !v.is_null()) {
        let list = attendees
            .as_array()
            .ok_or_else(|| ApiError::invalid("attendees must be a list."))?;
        for a in list {
            match a.get("email").and_then(Value::as_str) {
                Some(e) if e.contains('@') => {}
                Some(e) => return Err(ApiError::invalid(format!("Invalid attendee email: {e}"))),
                None => return Err(ApiError::required("Missing attendee email.")),
            }
        }
    }
    Ok(())
}

/// At most five reminder overrides, each by email or popup, up to four weeks ahead.
fn check_reminders(body: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(overrides) = body
        .get("reminders")
        .and_then(|r| r.get("overrides"))
        .and_then(Value::as_array)
    {
        if overrides.len() > 5 {
            return Err(ApiError::invalid(
                "Too many reminder overrides; at most 5 are allowed.",
            ));
        }
        for o in overrides {
            let minutes = o.get("minutes").and_then(Value::as_i64).unwrap_or(-1);
            if !(0..=40320).contains(&minutes) {
                return Err(ApiError::invalid(
                    "Invalid reminder minutes: must be within [0, 40320].",
                ));
            }
            if !matches!(
                o.get("method").and_then(Value::as_str),
                Some("email" | "popup")
            ) {
                return Err(ApiError::invalid(
                    "Invalid reminder method: must be email or popup.",
                ));
            }
        }
    }
    Ok(())
}

/// The recurrence of the event, parsed in the calendar's zone. An instance carries none (its
/// `recurrence` is dropped), nor does an empty list.
fn parse_series(
    body: &mut Map<String, Value>,
    start: EventTime,
    end: EventTime,
    calendar_tz: Tz,
    is_instance: bool,
) -> Result<Option<Series>, ApiError> {
    let series = match body.get("recurrence").filter(|v| !v.is_null()) {
        Some(_) if is_instance => {
            body.remove("recurrence");
            None
        }
        Some(Value::Array(lines)) if !lines.is_empty() => {
            let lines: Vec<String> = lines
                .iter()
                .map(|l| {
                    l.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| ApiError::invalid("Invalid recurrence rule."))
                })
                .collect::<Result<_, _>>()?;
            Some(Series::parse(start, end, &lines, calendar_tz).map_err(|m| {
                if m.starts_with("Missing") {
                    ApiError::required(m)
                } else {
                    ApiError::invalid(m)
                }
            })?)
        }
        Some(Value::Array(_)) => {
            body.remove("recurrence");
            None
        }
        Some(_) => return Err(ApiError::invalid("Invalid recurrence rule.")),
        None => None,
    };
    Ok(series)
}

fn map_time_error(message: String) -> ApiError {
    if message.starts_with("Missing") {
        ApiError::required(message)
    } else {
        ApiError::invalid(message)
    }
}

/// Client-chosen ids: base32hex characters (`a`–`v`, `0`–`9`), 5–1024 long.
pub(crate) fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
}

/// Marks `self: true` on the attendee whose address is the calendar's, as Google does on the
/// copy of an event a calendar holds (`self` is how a reader finds the owner's answer); `self`
/// is read-only, so a client's `self` on any other attendee is dropped.
pub(super) fn mark_self(body: &mut Map<String, Value>, calendar_id: &str) {
    let Some(Value::Array(attendees)) = body.get_mut("attendees") else {
        return;
    };
    for a in attendees.iter_mut().filter_map(Value::as_object_mut) {
        let is_calendar = a
            .get("email")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case(calendar_id));
        if is_calendar {
            a.insert("self".into(), json!(true));
        } else {
            a.remove("self");
        }
    }
}

pub(super) fn new_event_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub(super) fn html_link(id: &str, calendar_id: &str) -> String {
    format!(
        "https://www.google.com/calendar/event?eid={}",
        URL_SAFE_NO_PAD.encode(format!("{id} {calendar_id}"))
    )
}

/// The organizer of an event on calendar `cal_id` created by `account`: the calendar itself,
/// named by its summary when it is not the account's primary calendar.
pub(super) fn organizer(cal_id: &str, account: &str, cal_summary: &str) -> Value {
    let mut organizer = json!({"email": cal_id, "self": true});
    if cal_id != account {
        organizer["displayName"] = json!(cal_summary);
    }
    organizer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_must_be_base32hex() {
        assert!(valid_event_id("abcde"));
        assert!(valid_event_id("0123456789abcdefghijklmnopqrstuv"));
        assert!(!valid_event_id("abcd"), "too short");
        assert!(!valid_event_id("abcdw"), "w is not base32hex");
        assert!(!valid_event_id("ABCDE"), "upper case is not allowed");
    }
}
