//! Per-account user settings: `settings.list` / `settings.get`. Every account has Google's
//! defaults; `timezone` follows the account's primary calendar zone (the only setting that
//! changes, so the only one an incremental sync reports).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::State;
use super::calendars::etag;
use super::listing::{Listing, list_etag};
use crate::api_error::ApiError;
use crate::params::Params;

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
    fn render(&self, id: &str) -> Value {
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

impl State {
    /// `settings.list`.
    pub(crate) fn settings_list(&self, account: &str, params: &Params) -> Result<Value, ApiError> {
        let acct = self.accounts.get(account).ok_or_else(ApiError::not_found)?;
        let listing = Listing::parse(
            params,
            format!("settings:{account}"),
            acct.list_epoch,
            self.current_seq(),
            &[],
        )?;
        let newest = acct.settings.values().map(|s| s.seq).max().unwrap_or(0);
        Ok(listing.respond(
            "calendar#settings",
            list_etag(newest),
            acct.settings.iter().map(|(id, s)| (id.as_str(), s)),
            |setting| setting.seq,
            |_| true,
            |id, setting| setting.render(id),
        ))
    }

    /// `settings.get`; an unknown setting is `404`.
    pub(crate) fn settings_get(&self, account: &str, id: &str) -> Result<Value, ApiError> {
        self.accounts
            .get(account)
            .and_then(|a| a.settings.get(id))
            .map(|s| s.render(id))
            .ok_or_else(ApiError::not_found)
    }
}
