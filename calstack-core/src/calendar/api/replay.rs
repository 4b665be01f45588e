//! Retried writes whose answer only makes sense if an earlier attempt already applied: the
//! decisions documented in `docs/calendar.md` ("Retries that meet their own earlier attempt").
//!
//! - A DELETE retried after an attempt that may have reached Google, answered 404 or 410: the
//!   earlier attempt deleted it → success.
//! - An If-Match update or patch retried the same way, answered 412: the event is read back;
//!   if it holds everything that was sent, the earlier attempt applied → that event; otherwise
//!   someone else changed it → [`Error::PreconditionFailed`].
//! - An update or patch that emails attendees and has no If-Match is not repeated once it may
//!   have reached Google (a repeat would email them twice).

use reqwest::Method;
use serde_json::Value;

use super::{Call, decode};
use crate::calendar::model::Event;
use crate::error::{Error, Result};
use crate::transport::Idempotency;

/// Fields Google sets on every write, so they never match what was sent.
const SERVER_SET: [&str; 6] = ["etag", "updated", "sequence", "created", "kind", "htmlLink"];

/// Whether a DELETE that was retried (`retries` > 0) and failed with `error` in fact succeeded.
pub(crate) fn delete_already_applied(retries: u32, error: &Error) -> bool {
    retries > 0 && matches!(error.status(), Some(404 | 410))
}

/// Makes an update or patch that notifies attendees without If-Match repeat only when the
/// connection failed before it was sent.
pub(crate) fn guard_notifying_write(call: &mut Call) {
    let notifies = call.request.query.iter().any(|(name, value)| match *name {
        "sendUpdates" => value != "none",
        "sendNotifications" => value == "true",
        _ => false,
    });
    if notifies && call.request.if_match.is_none() {
        call.request.idempotency = Idempotency::ConnectOnly;
    }
}

/// Sends an update or patch; a 412 met by a retry is resolved by reading the event back.
/// The client's write observer (the mirror) hears of the written event.
pub(crate) async fn send_write(call: Call) -> Result<Event> {
    let outcome = call.execute().await;
    let event = match outcome.result {
        Ok(response) => decode(&response.body)?,
        Err(Error::PreconditionFailed)
            if outcome.retries > 0 && call.request.if_match.is_some() =>
        {
            applied_or_precondition_failed(&call).await?
        }
        Err(e) => return Err(e),
    };
    call.notify_written(&event).await;
    Ok(event)
}

/// Reads the event `call` wrote; returns it if it holds everything `call` sent.
async fn applied_or_precondition_failed(call: &Call) -> Result<Event> {
    let sent: Value = match call.request.body.as_deref() {
        Some(body) => decode(body)?,
        None => return Err(Error::PreconditionFailed),
    };
    let mut read = call.clone();
    read.request.method = Method::GET;
    read.request.body = None;
    read.request.if_match = None;
    read.request.query.clear();
    read.request.idempotency = Idempotency::Safe;
    let stored: Value = read.send_json().await?;
    if holds(&stored, &sent) {
        tracing::debug!(
            path = %call.request.display_path(),
            "a retried If-Match write met 412, and the event holds what was sent: the first attempt applied"
        );
        decode(&serde_json::to_vec(&stored).map_err(|e| Error::validation("body", e.to_string()))?)
    } else {
        Err(Error::PreconditionFailed)
    }
}

/// Whether `stored` holds every field of `sent` (recursively; a `null` sent means absent or
/// `null`; arrays element by element; times compared as instants).
pub(crate) fn holds(stored: &Value, sent: &Value) -> bool {
    match (stored, sent) {
        (Value::Object(stored), Value::Object(sent)) => sent.iter().all(|(key, want)| {
            if SERVER_SET.contains(&key.as_str()) {
                return true;
            }
            match stored.get(key) {
                Some(have) => holds(have, want),
                None => want.is_null(),
            }
        }),
        (Value::Array(stored), Value::Array(sent)) => {
            stored.len() == sent.len() && stored.iter().zip(sent).all(|(s, w)| holds(s, w))
        }
        (Value::String(have), Value::String(want)) => have == want || same_instant(have, want),
        (have, want) => have == want,
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_stored_event_holds_what_was_sent_despite_server_set_fields() {
        let sent = json!({"summary": "Planning", "etag": "\"old\"", "location": null,
            "start": {"dateTime": "2024-05-01T10:00:00+02:00"},
            "attendees": [{"email": "a@example.com"}]});
        let stored = json!({"id": "e1", "summary": "Planning", "etag": "\"new\"", "sequence": 2,
            "start": {"dateTime": "2024-05-01T08:00:00Z", "timeZone": "Europe/Zurich"},
            "attendees": [{"email": "a@example.com", "responseStatus": "needsAction"}]});
        assert!(holds(&stored, &sent));
    }

    #[test]
    fn a_different_value_or_a_missing_attendee_does_not_hold() {
        let stored = json!({"summary": "Planning", "attendees": [{"email": "a@example.com"}]});
        assert!(!holds(&stored, &json!({"summary": "Review"})));
        assert!(!holds(
            &stored,
            &json!({"attendees": [{"email": "a@example.com"}, {"email": "b@example.com"}]})
        ));
        assert!(!holds(&stored, &json!({"location": "Room 1"})));
    }
}
