//! The few fields of an event the stacked views read, decoded without the rest.
//!
//! An agenda over a large mirror opens tens of thousands of single events, and shows of each
//! only its title and times until someone looks closer. [`decode_head`] reads a stored
//! event's JSON for the fields that place it and decide whether it blocks time, steps over
//! every other value without building it, and leaves the rest to a full decode on first use
//! (see [`super::LazyEvent`]).

use super::event::{Event, EventAttendee};
use super::fast::{Fast, Read, Reader};

/// The event in `text` with only the fields the stacked views read: `id`, `status`,
/// `summary`, `start`, `end`, `transparency`, `iCalUID`, `recurrence`, `recurringEventId`,
/// `originalStartTime`, and of `attendees` only the one marked `self` (with its `self` and
/// `responseStatus`). `None` when the text is not one JSON object or one of those fields does
/// not decode; the caller then decodes it in full, which names the problem.
pub(crate) fn decode_head(text: &str) -> Option<Event> {
    let mut reader = Reader::new(text);
    let mut head = Event::default();
    reader
        .object(|reader, key| {
            match &*key {
                "id" => head.id = Fast::read(reader)?,
                "status" => head.status = Fast::read(reader)?,
                "summary" => head.summary = Fast::read(reader)?,
                "start" => head.start = Fast::read(reader)?,
                "end" => head.end = Fast::read(reader)?,
                "transparency" => head.transparency = Fast::read(reader)?,
                "iCalUID" => head.ical_uid = Fast::read(reader)?,
                "recurrence" => head.recurrence = Fast::read(reader)?,
                "recurringEventId" => head.recurring_event_id = Fast::read(reader)?,
                "originalStartTime" => head.original_start_time = Fast::read(reader)?,
                "attendees" => head.attendees = own_attendance(reader)?,
                _ => {
                    reader.raw()?;
                }
            }
            Ok(())
        })
        .ok()?;
    reader.at_end().then_some(head)
}

/// Of an `attendees` list, only the attendee marked `self`, with only its `self` and
/// `responseStatus` (what decides whether the owner declined).
fn own_attendance(reader: &mut Reader<'_>) -> Read<Option<Vec<EventAttendee>>> {
    if reader.null()? {
        return Ok(None);
    }
    let mut own = Vec::new();
    reader.array(|reader| {
        if reader.null()? {
            return Ok(());
        }
        let mut attendee = EventAttendee::default();
        reader.object(|reader, key| {
            match &*key {
                "self" => attendee.is_self = Fast::read(reader)?,
                "responseStatus" => attendee.response_status = Fast::read(reader)?,
                _ => {
                    reader.raw()?;
                }
            }
            Ok(())
        })?;
        if attendee.is_self == Some(true) {
            own.push(attendee);
        }
        Ok(())
    })?;
    Ok(Some(own))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::calendar::model::{EventStatus, ResponseStatus, Transparency};

    #[test]
    fn reads_the_views_fields_and_steps_over_the_rest() {
        let text = json!({
            "id": "e1", "status": "confirmed", "summary": "Board \"review\"",
            "description": "private notes", "location": "Room 4",
            "start": {"dateTime": "2026-03-02T09:00:00+01:00", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2026-03-02T10:00:00+01:00"},
            "transparency": "transparent", "iCalUID": "uid-1@x",
            "attendees": [
                {"email": "a@x.test", "responseStatus": "accepted", "nested": {"x": [1, "]}"]}},
                {"email": "me@x.test", "self": true, "responseStatus": "declined"}
            ],
            "reminders": {"useDefault": false, "overrides": [{"method": "popup", "minutes": 5}]},
            "extendedProperties": {"private": {"k": "v"}}
        })
        .to_string();
        let head = decode_head(&text).expect("decodes");
        let full: Event = serde_json::from_str(&text).expect("full");
        assert_eq!(head.id, full.id);
        assert_eq!(head.status, Some(EventStatus::Confirmed));
        assert_eq!(head.summary.as_deref(), Some("Board \"review\""));
        assert_eq!(head.start, full.start);
        assert_eq!(head.end, full.end);
        assert_eq!(head.transparency, Some(Transparency::Transparent));
        assert_eq!(head.ical_uid.as_deref(), Some("uid-1@x"));
        let own = head.attendees.as_deref().unwrap_or_default();
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].is_self, Some(true));
        assert_eq!(own[0].response_status, Some(ResponseStatus::Declined));
        assert_eq!(own[0].email, None);
        assert_eq!(head.description, None);
        assert_eq!(head.location, None);
        assert!(head.reminders.is_none() && head.extra.is_empty());
    }

    #[test]
    fn refuses_what_is_not_one_object_or_a_bad_view_field() {
        for bad in [
            "",
            "[]",
            "{\"id\": \"e\"",
            "{\"id\": \"e\"} x",
            "{\"start\": {\"dateTime\": \"tomorrow\"}}",
            "{\"status\": 5}",
            "{\"attendees\": {\"self\": true}}",
            "{\"description\": \"unterminated}",
        ] {
            assert!(decode_head(bad).is_none(), "{bad:?} was accepted");
        }
    }
}
