//! Synthetic but Google-shaped event pages for the benchmarks.

use serde_json::{Value, json};

/// One realistic event (timed, with zone, attendees, reminders, extended properties).
pub(crate) fn event(i: usize) -> Value {
    let day = 1 + (i % 28);
    let hour = 8 + (i % 9);
    json!({
        "kind": "calendar#event",
        "etag": format!("\"34123456789{i:05}\""),
        "id": format!("ev{i:08}abcdefghijklmnop"),
        "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid=ZXZ{i:08}"),
        "created": "2024-03-01T09:12:44.000Z",
        "updated": "2024-03-01T09:12:44.512Z",
        "summary": format!("Client meeting #{i}"),
        "description": "Agenda: <b>quarterly review</b> and next steps",
        "location": "Room 4B",
        "creator": {"email": "alice@example.com", "self": true},
        "organizer": {"email": "alice@example.com", "self": true},
        "start": {"dateTime": format!("2024-05-{day:02}T{hour:02}:00:00+02:00"), "timeZone": "Europe/Zurich"},
        "end": {"dateTime": format!("2024-05-{day:02}T{hour:02}:45:00+02:00"), "timeZone": "Europe/Zurich"},
        "iCalUID": format!("ev{i:08}abcdefghijklmnop@google.com"),
        "sequence": 0,
        "attendees": [
            {"email": "alice@example.com", "organizer": true, "self": true, "responseStatus": "accepted"},
            {"email": format!("guest{i}@example.com"), "displayName": "Guest", "responseStatus": "needsAction"}
        ],
        "reminders": {"useDefault": false, "overrides": [{"method": "popup", "minutes": 10}]},
        "extendedProperties": {"private": {"appRef": format!("{i}")}},
        "eventType": "default"
    })
}

/// One `calendar#events` page with events `[first, first + count)`.
pub(crate) fn page(first: usize, count: usize, next_page_token: Option<&str>) -> Value {
    let mut page = json!({
        "kind": "calendar#events",
        "etag": "\"p32o9ptrv6ti8g0o\"",
        "summary": "alice@example.com",
        "updated": "2024-05-20T07:00:00.000Z",
        "timeZone": "Europe/Zurich",
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "items": (first..first + count).map(event).collect::<Vec<_>>()
    });
    match next_page_token {
        Some(token) => page["nextPageToken"] = json!(token),
        None => page["nextSyncToken"] = json!("CPDAlvWDx70CEPDAlvWDx70CGAU="),
    }
    page
}
