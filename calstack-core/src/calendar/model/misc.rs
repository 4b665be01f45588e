//! Smaller resources: `Colors`, free/busy queries and push-notification `Channel`s.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::serde_util::{int64_string, utc_millis};

/// The color palettes (`calendar#colors`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Colors {
    /// Resource kind, `calendar#colors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// When the palettes last changed.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// Calendar colors by color id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<BTreeMap<String, ColorDefinition>>,
    /// Event colors by color id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<BTreeMap<String, ColorDefinition>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One color pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColorDefinition {
    /// Background `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// Foreground `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreground: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of a free/busy query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBusyRequest {
    /// Start of the interval.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub time_min: Option<DateTime<Utc>>,
    /// End of the interval.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub time_max: Option<DateTime<Utc>>,
    /// Time zone of the response (default UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Max calendars per group expanded (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_expansion_max: Option<i32>,
    /// Max calendars returned (at most 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_expansion_max: Option<i32>,
    /// Calendars and groups to query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<FreeBusyRequestItem>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FreeBusyRequest {
    /// A query over `[time_min, time_max)` for the given calendar ids.
    pub fn new<I, S>(time_min: DateTime<Utc>, time_max: DateTime<Utc>, calendar_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            time_min: Some(time_min),
            time_max: Some(time_max),
            items: Some(
                calendar_ids
                    .into_iter()
                    .map(|id| FreeBusyRequestItem {
                        id: Some(id.into()),
                        ..FreeBusyRequestItem::default()
                    })
                    .collect(),
            ),
            ..Self::default()
        }
    }
}

/// A calendar or group to query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBusyRequestItem {
    /// Calendar or group id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Answer to a free/busy query (`calendar#freeBusy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBusyResponse {
    /// Resource kind, `calendar#freeBusy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Start of the interval.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub time_min: Option<DateTime<Utc>>,
    /// End of the interval.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub time_max: Option<DateTime<Utc>>,
    /// Busy periods per calendar id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendars: Option<BTreeMap<String, FreeBusyCalendar>>,
    /// Group expansions per group id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<BTreeMap<String, FreeBusyGroup>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Free/busy of one calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBusyCalendar {
    /// Busy periods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<Vec<TimePeriod>>,
    /// Errors computing this calendar's free/busy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FreeBusyError>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Expansion of a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBusyGroup {
    /// Calendar ids in the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendars: Option<Vec<String>>,
    /// Errors expanding the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FreeBusyError>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An error inside a free/busy answer (`Error` in the discovery document).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBusyError {
    /// Error domain, e.g. `global`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Reason, e.g. `notFound`, `internalError`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A busy interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimePeriod {
    /// Inclusive start.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    /// Exclusive end.
    #[serde(default, with = "utc_millis", skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A push-notification channel (`api#channel`), for `events.watch` and `channels.stop`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Resource kind, `api#channel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Client-chosen channel id (UUID recommended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Opaque id of the watched resource (from the watch answer; needed to stop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Version-specific id of the watched resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_uri: Option<String>,
    /// Arbitrary string delivered with each notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Expiration as Unix milliseconds (a JSON string on the wire).
    #[serde(
        default,
        with = "int64_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration: Option<i64>,
    /// Delivery type, `web_hook`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind_of_delivery: Option<String>,
    /// HTTPS address notifications are delivered to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Whether payload is wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<bool>,
    /// Delivery parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, String>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Channel {
    /// [`Channel::web_hook`], checked as Google checks it: `id` is 1–64 characters of
    /// `A-Za-z0-9-_+/=`, `address` as [`crate::validate::webhook::webhook_address`] accepts
    /// it (`https`; plain `http` only on a loopback host, for local testing). Errors name `id`
    /// or `address`.
    pub fn checked_web_hook(id: &str, address: &str) -> crate::Result<Self> {
        let id_ok = (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '='));
        if !id_ok {
            return Err(crate::Error::validation(
                "id",
                "a channel id is 1-64 characters of A-Z, a-z, 0-9, -, _, +, / and =",
            ));
        }
        let url = crate::validate::webhook::webhook_address("address", address)?;
        Ok(Self::web_hook(id, url.as_str()))
    }

    /// A web-hook channel with the given id delivering to `address`.
    pub fn web_hook(id: impl Into<String>, address: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            address: Some(address.into()),
            kind_of_delivery: Some("web_hook".to_owned()),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Channel;
    use crate::Error;

    fn field(result: crate::Result<Channel>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_web_hook_needs_a_sane_id_and_an_https_address() {
        let ok = Channel::checked_web_hook("chan-1", "https://example.test/hook").expect("valid");
        assert_eq!(ok.kind_of_delivery.as_deref(), Some("web_hook"));
        assert!(Channel::checked_web_hook("c", "http://127.0.0.1:8080/hook").is_ok());
        assert_eq!(
            field(Channel::checked_web_hook("", "https://x.test/")),
            "id"
        );
        assert_eq!(
            field(Channel::checked_web_hook("a b", "https://x.test/")),
            "id"
        );
        assert_eq!(
            field(Channel::checked_web_hook("c", "http://x.test/")),
            "address"
        );
        assert_eq!(
            field(Channel::checked_web_hook("c", "not a url")),
            "address"
        );
    }
}
