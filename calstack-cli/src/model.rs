//! The Calendar v3 model types the CLI works with.
//!
//! TEMPORARY: a field-compatible subset of `calstack_core::calendar` until the client branch
//! lands; then this module becomes a re-export.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// `Event.status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventStatus {
    /// Confirmed.
    Confirmed,
    /// Tentative.
    Tentative,
    /// Cancelled.
    Cancelled,
}

/// `Event.transparency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Transparency {
    /// Busy.
    Opaque,
    /// Free.
    Transparent,
}

/// `EventAttendee.responseStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseStatus {
    /// No answer.
    NeedsAction,
    /// Declined.
    Declined,
    /// Tentative.
    Tentative,
    /// Accepted.
    Accepted,
}

impl ResponseStatus {
    /// API spelling.
    pub fn as_str(&self) -> &str {
        match self {
            ResponseStatus::NeedsAction => "needsAction",
            ResponseStatus::Declined => "declined",
            ResponseStatus::Tentative => "tentative",
            ResponseStatus::Accepted => "accepted",
        }
    }
}

/// A calendar event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Id.
    pub id: Option<String>,
    /// Status.
    pub status: Option<EventStatus>,
    /// Title.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Start.
    pub start: Option<EventDateTime>,
    /// End.
    pub end: Option<EventDateTime>,
    /// Recurrence lines.
    pub recurrence: Option<Vec<String>>,
    /// Series id of an instance.
    pub recurring_event_id: Option<String>,
    /// Transparency.
    pub transparency: Option<Transparency>,
    /// UID.
    #[serde(rename = "iCalUID")]
    pub ical_uid: Option<String>,
    /// Sequence.
    pub sequence: Option<i32>,
    /// Attendees.
    pub attendees: Option<Vec<EventAttendee>>,
    /// Last change.
    pub updated: Option<DateTime<Utc>>,
}

/// Start or end of an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDateTime {
    /// All-day date.
    pub date: Option<NaiveDate>,
    /// Timed instant.
    pub date_time: Option<DateTime<FixedOffset>>,
    /// IANA zone.
    pub time_zone: Option<String>,
}

/// What an [`EventDateTime`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// All-day.
    AllDay(NaiveDate),
    /// Timed.
    Timed {
        /// Instant.
        at: DateTime<FixedOffset>,
        /// Zone.
        time_zone: Option<Tz>,
    },
}

impl When {
    /// Instant (all-day at midnight UTC).
    pub fn to_utc(&self) -> DateTime<Utc> {
        match self {
            When::AllDay(date) => date.and_time(chrono::NaiveTime::MIN).and_utc(),
            When::Timed { at, .. } => at.with_timezone(&Utc),
        }
    }
}

impl EventDateTime {
    /// All-day.
    pub fn all_day(date: NaiveDate) -> Self {
        Self {
            date: Some(date),
            ..Self::default()
        }
    }

    /// Timed.
    pub fn timed(at: DateTime<FixedOffset>, time_zone: Option<Tz>) -> Self {
        Self {
            date_time: Some(at),
            time_zone: time_zone.map(|tz| tz.name().to_owned()),
            ..Self::default()
        }
    }

    /// Typed view.
    pub fn when(&self) -> Result<When, String> {
        let time_zone = self.time_zone.as_deref().and_then(|t| t.parse::<Tz>().ok());
        match (self.date, self.date_time) {
            (Some(d), None) => Ok(When::AllDay(d)),
            (None, Some(at)) => Ok(When::Timed { at, time_zone }),
            _ => Err("bad".into()),
        }
    }
}

/// An attendee.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAttendee {
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub display_name: Option<String>,
    /// Self.
    #[serde(rename = "self")]
    pub is_self: Option<bool>,
    /// Optional.
    pub optional: Option<bool>,
    /// Response.
    pub response_status: Option<ResponseStatus>,
}

/// A calendar on the list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarListEntry {
    /// Id.
    pub id: Option<String>,
    /// Title.
    pub summary: Option<String>,
    /// Override.
    pub summary_override: Option<String>,
    /// Zone.
    pub time_zone: Option<String>,
    /// Primary.
    pub primary: Option<bool>,
}
