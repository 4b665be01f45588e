//! The `Event` resource and its parts (`EventDateTime`, attendees, reminders, extended
//! properties, attachments), named exactly as Calendar v3 names them.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};

use super::conference::ConferenceData;
use super::enums::{
    EventStatus, EventType, ReminderMethod, ResponseStatus, Transparency, Visibility,
};
use super::serde_util::{offset_auto, utc_millis};
use crate::error::{Error, Result};

/// A calendar event (`calendar#event`).
///
/// Every field is optional because Google omits what is not set (a cancelled tombstone carries
/// little more than `id` and `status`). Fields Google adds later land in [`Event::extra`] and are
/// written back unchanged, so a get → modify → update cycle never drops data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Resource kind, `calendar#event`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ETag of the resource, used with `If-Match` / `If-None-Match`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Opaque identifier; client-chosen ids use base32hex (`0-9a-v`), 5–1024 chars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `confirmed`, `tentative` or `cancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    /// Link to the event in the Google Calendar web UI (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_link: Option<String>,
    /// Creation time (read-only).
    #[serde(
        serialize_with = "utc_millis::serialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<Utc>>,
    /// Last modification time (read-only).
    #[serde(
        serialize_with = "utc_millis::serialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<DateTime<Utc>>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description; may contain HTML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free-form location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Color id, a key of `colors.event` (`"1"`–`"11"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_id: Option<String>,
    /// Who created the event (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<EventPerson>,
    /// The organizer (read-only except on import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<EventPerson>,
    /// Inclusive start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<EventDateTime>,
    /// Exclusive end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<EventDateTime>,
    /// Whether the end time is actually unspecified (an end is still returned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time_unspecified: Option<bool>,
    /// RFC 5545 `RRULE`, `EXRULE`, `RDATE` and `EXDATE` lines of a recurring event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Vec<String>>,
    /// For an instance of a recurring event: the id of the recurring event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_event_id: Option<String>,
    /// For an instance of a recurring event: the start it has in the series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_start_time: Option<EventDateTime>,
    /// `opaque` (busy, the default) or `transparent` (free).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transparency: Option<Transparency>,
    /// `default`, `public`, `private` or `confidential`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// RFC 5545 UID, shared by all instances of a recurring event.
    #[serde(rename = "iCalUID", skip_serializing_if = "Option::is_none")]
    pub ical_uid: Option<String>,
    /// iCalendar sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i32>,
    /// The attendees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<EventAttendee>>,
    /// Whether attendees were left out of this representation (see `maxAttendees`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees_omitted: Option<bool>,
    /// Private and shared key/value properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_properties: Option<ExtendedProperties>,
    /// Hangout link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hangout_link: Option<String>,
    /// Conference (e.g. Google Meet) details; sent only with `conferenceDataVersion=1`.
    /// Boxed, as are other large and rarely present parts, to keep every listed event small.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_data: Option<Box<ConferenceData>>,
    /// Deprecated gadget (boxed: large and rarely present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gadget: Option<Box<EventGadget>>,
    /// Deprecated: whether anyone can invite themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anyone_can_add_self: Option<bool>,
    /// Whether guests may invite others (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guests_can_invite_others: Option<bool>,
    /// Whether guests may modify the event (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guests_can_modify: Option<bool>,
    /// Whether guests see the other guests (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guests_can_see_other_guests: Option<bool>,
    /// Whether this is a private copy not synced with other copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_copy: Option<bool>,
    /// Whether this is a locked copy where only some fields may change (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Reminder settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders: Option<Reminders>,
    /// The source the event was created from (e.g. a web page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<EventSource>,
    /// File attachments (at most 25; writing them needs `supportsAttachments=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<EventAttachment>>,
    /// `default`, `birthday`, `focusTime`, `fromGmail`, `outOfOffice`, `workingLocation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    /// Fields this version of calstack does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Event {
    /// Decodes an event from its JSON, as Google sends it (the way listings and the mirror
    /// decode events: read directly, faster than `serde_json::from_str`, with the same result).
    /// Invalid input is an [`Error::Decode`] naming the field.
    ///
    /// ```
    /// use calstack_core::Event;
    ///
    /// let event = Event::from_json(r#"{"id": "e1", "summary": "Standup"}"#).expect("decodes");
    /// assert_eq!(event.summary.as_deref(), Some("Standup"));
    /// let err = Event::from_json(r#"{"summary": 3}"#).expect_err("a number is not a title");
    /// assert!(err.to_string().contains("summary"));
    /// ```
    pub fn from_json(text: &str) -> Result<Event> {
        match super::fast::decode(text) {
            Some(event) => Ok(event),
            None => crate::calendar::api::decode(text.as_bytes()),
        }
    }

    /// A new event with a title, a start and an end (exclusive).
    ///
    /// ```
    /// use calstack_core::{Event, EventDateTime};
    /// use chrono::NaiveDate;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 7, 4).expect("valid date");
    /// let next = NaiveDate::from_ymd_opt(2024, 7, 5).expect("valid date");
    /// let event = Event::new("Holiday", EventDateTime::all_day(day), EventDateTime::all_day(next));
    /// assert_eq!(event.summary.as_deref(), Some("Holiday"));
    /// ```
    pub fn new(summary: impl Into<String>, start: EventDateTime, end: EventDateTime) -> Self {
        Self {
            summary: Some(summary.into()),
            start: Some(start),
            end: Some(end),
            ..Self::default()
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the location.
    #[must_use]
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Adds an attendee by email.
    #[must_use]
    pub fn with_attendee(mut self, email: impl Into<String>) -> Self {
        self.attendees
            .get_or_insert_with(Vec::new)
            .push(EventAttendee::new(email));
        self
    }

    /// Adds one RFC 5545 recurrence line (`RRULE:FREQ=WEEKLY;BYDAY=MO`).
    #[must_use]
    pub fn with_recurrence(mut self, line: impl Into<String>) -> Self {
        self.recurrence
            .get_or_insert_with(Vec::new)
            .push(line.into());
        self
    }

    /// Sets a client-chosen id (base32hex: `0-9a-v`, 5–1024 characters).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Whether the event is a cancelled tombstone (as returned by sync).
    pub fn is_cancelled(&self) -> bool {
        self.status == Some(EventStatus::Cancelled)
    }
}

/// The creator or organizer of an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPerson {
    /// Profile id, if available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email address, if available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name, if available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether this is the calendar this copy of the event is on.
    #[serde(rename = "self", skip_serializing_if = "Option::is_none")]
    pub is_self: Option<bool>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Start, end or original start of an event: an all-day `date` or a `dateTime` with offset,
/// optionally with an IANA `timeZone` (required for recurring events).
///
/// Use [`EventDateTime::when`] rather than inspecting `date` / `date_time` by hand.
///
/// Decoding also accepts a `dateTime` without offset when `timeZone` names an IANA zone (as
/// Google does on input): the local time is resolved in that zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDateTime {
    /// All-day date (`yyyy-mm-dd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Timed instant, with its UTC offset.
    #[serde(
        serialize_with = "offset_auto::serialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_time: Option<DateTime<FixedOffset>>,
    /// IANA time zone name (`Europe/Zurich`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What an [`EventDateTime`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// An all-day date (end dates are exclusive: a one-day event ends the next day).
    AllDay(NaiveDate),
    /// A point in time, with its offset and, when given, its IANA zone.
    Timed {
        /// The instant, with the offset Google sent.
        at: DateTime<FixedOffset>,
        /// The zone the event is anchored in, if set.
        time_zone: Option<Tz>,
    },
}

impl When {
    /// The instant this starts at: timed values as they are, all-day dates at midnight UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        match self {
            When::AllDay(date) => date.and_time(chrono::NaiveTime::MIN).and_utc(),
            When::Timed { at, .. } => at.with_timezone(&Utc),
        }
    }

    /// Whether this is an all-day date.
    pub fn is_all_day(&self) -> bool {
        matches!(self, When::AllDay(_))
    }
}

impl EventDateTime {
    /// An all-day date.
    pub fn all_day(date: NaiveDate) -> Self {
        Self {
            date: Some(date),
            ..Self::default()
        }
    }

    /// A timed instant with its offset, optionally anchored in an IANA zone.
    pub fn timed(at: DateTime<FixedOffset>, time_zone: Option<Tz>) -> Self {
        Self {
            date_time: Some(at),
            time_zone: time_zone.map(|tz| tz.name().to_owned()),
            ..Self::default()
        }
    }

    /// A timed instant in an IANA zone: keeps the zone's offset and names the zone.
    pub fn zoned(at: DateTime<Tz>) -> Self {
        let zone = at.timezone();
        Self::timed(at.fixed_offset(), Some(zone))
    }

    /// A timed instant in UTC without a named zone.
    pub fn utc(at: DateTime<Utc>) -> Self {
        Self::timed(at.fixed_offset(), None)
    }

    /// Whether this is all-day (`date`) rather than timed (`dateTime`).
    pub fn when(&self) -> Result<When> {
        self.when_named("")
    }

    /// [`Self::when`], with field names in errors prefixed by `field` (e.g. `start`).
    pub(crate) fn when_named(&self, field: &str) -> Result<When> {
        let name = |leaf: &str| {
            if field.is_empty() {
                leaf.to_owned()
            } else {
                format!("{field}.{leaf}")
            }
        };
        let time_zone = match &self.time_zone {
            None => None,
            Some(name_) => Some(name_.parse::<Tz>().map_err(|_| {
                Error::validation(
                    name("timeZone"),
                    format!("{name_:?} is not an IANA time zone name"),
                )
            })?),
        };
        match (self.date, self.date_time) {
            (Some(_), Some(_)) => Err(Error::validation(
                name("date"),
                "set either date (all-day) or dateTime (timed), not both",
            )),
            (Some(date), None) => Ok(When::AllDay(date)),
            (None, Some(at)) => Ok(When::Timed { at, time_zone }),
            (None, None) => Err(Error::validation(
                if field.is_empty() {
                    "dateTime".to_owned()
                } else {
                    field.to_owned()
                },
                "neither date nor dateTime is set",
            )),
        }
    }
}

/// One attendee of an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAttendee {
    /// Profile id, if available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email address (required when adding an attendee).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name, if available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the attendee is the organizer (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<bool>,
    /// Whether this entry is the calendar this copy is on (read-only).
    #[serde(rename = "self", skip_serializing_if = "Option::is_none")]
    pub is_self: Option<bool>,
    /// Whether the attendee is a resource (a room).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<bool>,
    /// Whether the attendance is optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// `needsAction`, `declined`, `tentative` or `accepted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_status: Option<ResponseStatus>,
    /// The attendee's response comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Number of extra guests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_guests: Option<i32>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EventAttendee {
    /// An attendee identified by email.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            ..Self::default()
        }
    }
}

/// `Event.reminders`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reminders {
    /// Whether the calendar's default reminders apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_default: Option<bool>,
    /// Event-specific reminders (at most 5) when `use_default` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<EventReminder>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One reminder.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventReminder {
    /// `email` or `popup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<ReminderMethod>,
    /// Minutes before the start (0–40320).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i32>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Event.extendedProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedProperties {
    /// Properties private to this copy of the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<BTreeMap<String, String>>,
    /// Properties shared between all attendees' copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<BTreeMap<String, String>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Event.source`: where the event was created from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSource {
    /// Title of the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL of the source (http or https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A file attached to an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAttachment {
    /// Drive file id (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// URL of the file (required when adding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// URL of the file's icon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_link: Option<String>,
    /// Media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Deprecated `Event.gadget`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventGadget {
    /// Display mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Height in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    /// Icon URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_link: Option<String>,
    /// Gadget URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Preferences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferences: Option<BTreeMap<String, String>>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Width in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
