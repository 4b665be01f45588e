//! One user setting and Google's defaults for a new account. `timezone` follows the
//! account's primary calendar zone.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::state::model::etag::etag;

/// Google's default value of every setting except `timezone`.
const DEFAULTS: [(&str, &str); 11] = [
    ("autoAddHangouts", "false"),
    ("dateFieldOrder", "MDY"),
    ("defaultEventLength", "60"),
    ("format24HourTime", "false"),
    ("hideInvitations", "false"),
    ("hideWeekends", "false"),
    ("locale", "en"),
    ("remindOnRespondedEventsOnly", "false"),
    ("showDeclinedEvents", "true"),
    ("useKeyboardShortcuts", "true"),
    ("weekStart", "0"),
];

/// The id of the time zone setting.
pub(crate) const TIMEZONE: &str = "timezone";

/// One user setting.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    pub(crate) value: String,
    pub(crate) seq: u64,
}

impl Setting {
    pub(crate) fn render(&self, id: &str) -> Value {
        json!({"kind": "calendar#setting", "etag": etag(self.seq), "id": id, "value": self.value})
    }
}

/// A new account's settings, changed at `seq`, in time zone `time_zone`.
pub(crate) fn defaults(time_zone: &str, seq: u64) -> BTreeMap<String, Setting> {
    DEFAULTS
        .iter()
        .map(|(id, value)| (*id, *value))
        .chain([(TIMEZONE, time_zone)])
        .map(|(id, value)| {
            let setting = Setting {
                value: value.to_owned(),
                seq,
            };
            (id.to_owned(), setting)
        })
        .collect()
}
