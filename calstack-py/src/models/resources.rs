//! Google resources other than events: calendar list entries, calendars, ACL rules, colors,
//! free/busy answers and push-notification channels.

use std::collections::BTreeMap;

use calstack_core::calendar::{
    AclRule as CoreAclRule, Calendar as CoreCalendar, CalendarListEntry as CoreEntry,
    Channel as CoreChannel, Colors as CoreColors, FreeBusyResponse,
};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;

use super::JsonValue;
use super::macros::google_model;
use crate::convert::object_from_py;

/// An enum field as its wire text (`owner`, `reader`).
pub(crate) fn text<T: std::fmt::Display>(value: Option<&T>) -> Option<String> {
    value.map(ToString::to_string)
}

google_model! {
    /// A calendar on the user's calendar list (Google's `CalendarListEntry`).
    #[pyclass(module = "calstack", name = "CalendarListEntry", frozen)]
    "CalendarListEntry" => CalendarListEntry {
        inner: CoreEntry, core: CoreEntry, param: "calendar_list_entry", from: object_from_py
    }
    fields {
        /// The calendar id (`primary` is an alias for the user's main calendar).
        id: Option<String> = |m| m.id.clone();
        /// Title of the calendar.
        summary: Option<String> = |m| m.summary.clone();
        /// The title the user set for themselves, if any.
        summary_override: Option<String> = |m| m.summary_override.clone();
        /// Description of the calendar.
        description: Option<String> = |m| m.description.clone();
        /// The calendar's IANA time zone.
        time_zone: Option<String> = |m| m.time_zone.clone();
        /// `freeBusyReader`, `reader`, `writer` or `owner`.
        access_role: Option<String> = |m| text(m.access_role.as_ref());
        /// Whether this is the user's primary calendar.
        primary: bool = |m| m.primary.unwrap_or(false);
        /// Whether the calendar is shown in the UI.
        selected: bool = |m| m.selected.unwrap_or(false);
        /// Whether the calendar is hidden from the list.
        hidden: bool = |m| m.hidden.unwrap_or(false);
        /// Colour id (a key of `colors().calendar`).
        color_id: Option<String> = |m| m.color_id.clone();
        /// Background colour (`#0088aa`).
        background_color: Option<String> = |m| m.background_color.clone();
        /// Foreground colour (`#ffffff`).
        foreground_color: Option<String> = |m| m.foreground_color.clone();
        /// ETag of the entry.
        etag: Option<String> = |m| m.etag.clone();
    }
    repr(id, summary, access_role)
    methods {
        /// From a dict in Google's shape.
        #[new]
        fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
            Self::from_dict(data)
        }
    }
}

google_model! {
    /// A calendar's own metadata (Google's `Calendar` resource): title, description, location,
    /// time zone. `Calendar` (the API handle) returns it from `get_calendar` / `create_calendar`.
    #[pyclass(module = "calstack", name = "CalendarResource", frozen)]
    "CalendarResource" => CalendarResource {
        inner: CoreCalendar, core: CoreCalendar, param: "calendar", from: object_from_py
    }
    fields {
        /// The calendar id.
        id: Option<String> = |m| m.id.clone();
        /// Title of the calendar.
        summary: Option<String> = |m| m.summary.clone();
        /// Description of the calendar.
        description: Option<String> = |m| m.description.clone();
        /// Geographic location, free-form.
        location: Option<String> = |m| m.location.clone();
        /// The calendar's IANA time zone.
        time_zone: Option<String> = |m| m.time_zone.clone();
        /// ETag of the calendar.
        etag: Option<String> = |m| m.etag.clone();
    }
    repr(id, summary, time_zone)
    methods {
        /// From a dict in Google's shape (`{"summary": ..., "timeZone": ...}`).
        #[new]
        fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
            Self::from_dict(data)
        }
    }
}

google_model! {
    /// Who a calendar is shared with, and how (Google's `AclRule`).
    #[pyclass(module = "calstack", name = "AclRule", frozen)]
    "AclRule" => AclRule {
        inner: CoreAclRule, core: CoreAclRule, param: "rule", from: object_from_py
    }
    fields {
        /// The rule id (`user:alice@example.com`, `domain:example.com`, `default`).
        id: Option<String> = |m| m.id.clone();
        /// `none` (a deleted rule), `freeBusyReader`, `reader`, `writer` or `owner`.
        role: Option<String> = |m| text(m.role.as_ref());
        /// `default` (public), `user`, `group` or `domain`.
        scope_type: Option<String> = |m| text(m.scope.as_ref().and_then(|s| s.kind.as_ref()));
        /// The email address or domain the rule applies to (None for `default`).
        scope_value: Option<String> = |m| m.scope.as_ref().and_then(|s| s.value.clone());
        /// ETag of the rule.
        etag: Option<String> = |m| m.etag.clone();
    }
    repr(id, role)
    methods {
        /// From a dict in Google's shape (`{"scope": {"type": "user", "value": ...}, "role": ...}`).
        #[new]
        fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
            Self::from_dict(data)
        }
    }
}

google_model! {
    /// The colour palettes of calendars and events (Google's `Colors`): colour id →
    /// `{"background": "#rrggbb", "foreground": "#rrggbb"}`.
    #[pyclass(module = "calstack", name = "Colors", frozen)]
    "Colors" => Colors {
        inner: CoreColors, core: CoreColors, param: "colors", from: object_from_py
    }
    fields {
        /// Calendar colours by colour id (`CalendarListEntry.color_id`).
        calendar: JsonValue = |m| JsonValue::of(&m.calendar.clone().unwrap_or_default());
        /// Event colours by colour id (an event's `colorId`).
        event: JsonValue = |m| JsonValue::of(&m.event.clone().unwrap_or_default());
        /// When the palettes last changed.
        updated: Option<DateTime<Utc>> = |m| m.updated;
    }
    methods {
        fn __repr__(&self) -> String {
            let count = |m: &Option<BTreeMap<String, _>>| m.as_ref().map_or(0, BTreeMap::len);
            format!(
                "Colors(<{} calendar colors>, <{} event colors>)",
                count(&self.inner.calendar),
                count(&self.inner.event)
            )
        }
    }
}

/// A busy period as a `(start, end)` pair of aware datetimes.
type Period = (DateTime<Utc>, DateTime<Utc>);

google_model! {
    /// The answer to a free/busy query (Google's `FreeBusyResponse`).
    #[pyclass(module = "calstack", name = "FreeBusy", frozen)]
    "FreeBusy" => FreeBusy {
        inner: FreeBusyResponse, core: FreeBusyResponse, param: "free_busy", from: object_from_py
    }
    fields {
        /// Start of the interval asked about.
        time_min: Option<DateTime<Utc>> = |m| m.time_min;
        /// End of the interval asked about.
        time_max: Option<DateTime<Utc>> = |m| m.time_max;
        /// Busy periods per calendar id, as `(start, end)` pairs (end exclusive).
        busy: BTreeMap<String, Vec<Period>> = |m| busy_periods(m);
        /// Per calendar id, the reasons Google could not answer for it (`notFound`, ...);
        /// calendars answered without error are absent.
        errors: BTreeMap<String, Vec<String>> = |m| calendar_errors(m);
    }
    methods {
        fn __repr__(&self) -> String {
            format!("FreeBusy(<{} calendars>)", self.inner.calendars.as_ref().map_or(0, BTreeMap::len))
        }
    }
}

fn busy_periods(m: &FreeBusyResponse) -> BTreeMap<String, Vec<Period>> {
    m.calendars
        .iter()
        .flatten()
        .map(|(id, cal)| {
            let periods = cal
                .busy
                .iter()
                .flatten()
                .filter_map(|p| Some((p.start?, p.end?)))
                .collect();
            (id.clone(), periods)
        })
        .collect()
}

fn calendar_errors(m: &FreeBusyResponse) -> BTreeMap<String, Vec<String>> {
    m.calendars
        .iter()
        .flatten()
        .filter_map(|(id, cal)| {
            let errors: Vec<String> = cal
                .errors
                .iter()
                .flatten()
                .map(|e| e.reason.clone().unwrap_or_else(|| "unknown".to_owned()))
                .collect();
            (!errors.is_empty()).then(|| (id.clone(), errors))
        })
        .collect()
}

google_model! {
    /// A push-notification channel (Google's `Channel`), as `watch_events` opened it. Keep it
    /// to stop the notifications with `stop_channel`. Its `token` is never shown in `repr`.
    #[pyclass(module = "calstack", name = "Channel", frozen)]
    "Channel" => Channel {
        inner: CoreChannel, core: CoreChannel, param: "channel", from: object_from_py
    }
    fields {
        /// The channel id you chose.
        id: Option<String> = |m| m.id.clone();
        /// Google's id of the watched resource (needed to stop the channel).
        resource_id: Option<String> = |m| m.resource_id.clone();
        /// Google's URI of the watched resource.
        resource_uri: Option<String> = |m| m.resource_uri.clone();
        /// Where notifications are delivered.
        address: Option<String> = |m| m.address.clone();
        /// When the channel expires (aware datetime), if Google said.
        expiration: Option<DateTime<Utc>> = |m| m.expiration.and_then(DateTime::from_timestamp_millis);
    }
    repr(id, resource_id, address)
    methods {
        /// From a dict in Google's shape (`{"id": ..., "resourceId": ...}`).
        #[new]
        fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
            Self::from_dict(data)
        }
    }
}
