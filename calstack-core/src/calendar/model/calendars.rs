//! Calendar-level resources: `CalendarListEntry` (a calendar as it appears in the user's list)
//! and `Calendar` (the calendar's own metadata).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::conference::ConferenceProperties;
use super::enums::{AccessRole, NotificationMethod, NotificationType};
use super::event::EventReminder;

/// A calendar on the user's calendar list (`calendar#calendarListEntry`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarListEntry {
    /// Resource kind, `calendar#calendarListEntry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ETag of the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Calendar id (required for insert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Title of the calendar (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The user's own title for the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary_override: Option<String>,
    /// Description (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Location (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// IANA time zone of the calendar (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Color id, a key of `colors.calendar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_id: Option<String>,
    /// Background color `#rrggbb` (writing needs `colorRgbFormat=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Foreground color `#rrggbb` (writing needs `colorRgbFormat=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreground_color: Option<String>,
    /// Whether the calendar is hidden from the list (only emitted when true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Whether the calendar's events show in the UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    /// The user's access to the calendar (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_role: Option<AccessRole>,
    /// The user's default reminders on this calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_reminders: Option<Vec<EventReminder>>,
    /// The user's notification settings on this calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_settings: Option<NotificationSettings>,
    /// Whether this is the user's primary calendar (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Whether the entry was deleted (sync tombstone, read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Conference settings (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_properties: Option<ConferenceProperties>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CalendarListEntry {
    /// An entry to add an existing calendar (by id) to the user's list.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::default()
        }
    }
}

/// `CalendarListEntry.notificationSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSettings {
    /// The notifications the user receives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<CalendarNotification>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One notification setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarNotification {
    /// `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<NotificationMethod>,
    /// `eventCreation`, `eventChange`, `eventCancellation`, `eventResponse`, `agenda`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<NotificationType>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A calendar's own metadata (`calendar#calendar`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calendar {
    /// Resource kind, `calendar#calendar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ETag of the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Calendar id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Title (required for insert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Geographic location, free-form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// IANA time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Conference settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_properties: Option<ConferenceProperties>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Calendar {
    /// A new secondary calendar with a title.
    pub fn new(summary: impl Into<String>) -> Self {
        Self {
            summary: Some(summary.into()),
            ..Self::default()
        }
    }
}
