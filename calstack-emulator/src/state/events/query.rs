//! The filters and order of one events list: time window, changes since a sync token, text,
//! iCalUID, event types and extended properties.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::model::calendar::Calendar;
use crate::state::model::event::StoredEvent;
use crate::tokens::{self, SyncToken};

/// Parameters Google refuses next to a `syncToken`.
const SYNC_CONFLICTS: [&str; 8] = [
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
];

/// How an events list is ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Order {
    Stored,
    StartTime,
    Updated,
}

/// The filters of one `events.list` call.
#[derive(Debug, Default)]
pub(super) struct ListQuery {
    pub(super) since: Option<u64>,
    pub(super) single: bool,
    pub(super) show_deleted: bool,
    pub(super) time_min: Option<DateTime<Utc>>,
    pub(super) time_max: Option<DateTime<Utc>>,
    pub(super) updated_min: Option<DateTime<Utc>>,
    pub(super) text: Option<String>,
    pub(super) ical_uid: Option<String>,
    pub(super) private_props: Vec<(String, String)>,
    pub(super) shared_props: Vec<(String, String)>,
    pub(super) event_types: Vec<String>,
}

impl ListQuery {
    /// Reads the filters and order of an `events.list` call on `cal`, checking them in the
    /// order Google does; `now` bounds `updatedMin`.
    pub(super) fn parse(
        params: &Params,
        cal: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<(Self, Order), ApiError> {
        let mut q = Self {
            single: params.bool("singleEvents", false)?,
            show_deleted: params.bool("showDeleted", false)?,
            ..Self::default()
        };
        q.since = since_sync_token(params, cal)?;
        let order = parse_order(params, q.single)?;
        q.time_min = params.time("timeMin")?;
        q.time_max = params.time("timeMax")?;
        if let (Some(min), Some(max)) = (q.time_min, q.time_max)
            && min >= max
        {
            return Err(ApiError::time_range_empty("timeMax"));
        }
        q.updated_min = params.time("updatedMin")?;
        if q.updated_min.is_some_and(|m| m < now - TimeDelta::days(28)) {
            return Err(ApiError::updated_min_too_long_ago());
        }
        q.read_filters(params)?;
        Ok((q, order))
    }

    /// Reads the text, iCalUID, extended property and event type filters.
    fn read_filters(&mut self, params: &Params) -> Result<(), ApiError> {
        self.text = params
            .get("q")
            .map(str::to_lowercase)
            .filter(|s| !s.trim().is_empty());
        self.ical_uid = params.get("iCalUID").map(str::to_owned);
        self.private_props = pairs(
            params.all("privateExtendedProperty"),
            "privateExtendedProperty",
        )?;
        self.shared_props = pairs(
            params.all("sharedExtendedProperty"),
            "sharedExtendedProperty",
        )?;
        self.event_types = params
            .all("eventTypes")
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(())
    }

    /// Whether an event spanning `[start, end)` falls in the query's time window.
    pub(super) fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        // Zero-length events count as occupying their start instant.
        let end = if end == start {
            end + TimeDelta::milliseconds(1)
        } else {
            end
        };
        self.time_min.is_none_or(|min| end > min) && self.time_max.is_none_or(|max| start < max)
    }

    /// Whether cancelled events belong in the answer.
    pub(super) fn wants_deleted(&self) -> bool {
        self.since.is_some() || self.show_deleted || self.updated_min.is_some()
    }
}

/// The change number of the request's sync token, if it carries a valid one for `cal`.
fn since_sync_token(params: &Params, cal: &Calendar) -> Result<Option<u64>, ApiError> {
    let Some(sync) = params.get("syncToken") else {
        return Ok(None);
    };
    if SYNC_CONFLICTS.iter().any(|p| params.has(p)) {
        return Err(ApiError::invalid_param(
            "syncToken",
            "Sync token cannot be used with other request restrictions.",
        ));
    }
    let token: SyncToken = tokens::decode(sync)
        .ok_or_else(|| ApiError::invalid_param("syncToken", "Invalid sync token value."))?;
    if token.collection != cal.id || token.epoch != cal.sync_epoch {
        return Err(ApiError::full_sync_required());
    }
    Ok(Some(token.seq))
}

/// The list's `orderBy`; `startTime` needs `singleEvents`.
fn parse_order(params: &Params, single: bool) -> Result<Order, ApiError> {
    match params.get("orderBy") {
        None => Ok(Order::Stored),
        Some("startTime") if single => Ok(Order::StartTime),
        Some("startTime") => Err(ApiError::invalid_param(
            "orderBy",
            "The requested ordering is not available for the particular query.",
        )),
        Some("updated") => Ok(Order::Updated),
        Some(other) => Err(ApiError::invalid_param(
            "orderBy",
            format!("Invalid value '{other}'."),
        )),
    }
}

impl StoredEvent {
    /// Whether the event passes the query's text, iCalUID, type and property filters.
    pub(super) fn matches_text(&self, q: &ListQuery) -> bool {
        let body = &self.body;
        if let Some(uid) = &q.ical_uid
            && body.get("iCalUID").and_then(Value::as_str) != Some(uid.as_str())
        {
            return false;
        }
        if !q.event_types.is_empty() {
            let kind = body
                .get("eventType")
                .and_then(Value::as_str)
                .unwrap_or("default");
            if !q.event_types.iter().any(|t| t == kind) {
                return false;
            }
        }
        for (scope, props) in [("private", &q.private_props), ("shared", &q.shared_props)] {
            for (k, v) in props {
                if body
                    .get("extendedProperties")
                    .and_then(|e| e.get(scope))
                    .and_then(|p| p.get(k))
                    .and_then(Value::as_str)
                    != Some(v.as_str())
                {
                    return false;
                }
            }
        }
        if let Some(needle) = &q.text {
            let field = |name: &str| {
                body.get(name)
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
            };
            let mut hay: Vec<String> = ["summary", "description", "location"]
                .iter()
                .filter_map(|f| field(f))
                .collect();
            if let Some(Value::Array(attendees)) = body.get("attendees") {
                for a in attendees {
                    for f in ["email", "displayName"] {
                        if let Some(s) = a.get(f).and_then(Value::as_str) {
                            hay.push(s.to_lowercase());
                        }
                    }
                }
            }
            if !needle
                .split_whitespace()
                .all(|word| hay.iter().any(|h| h.contains(word)))
            {
                return false;
            }
        }
        true
    }
}

/// `name=value` pairs of a repeated extended-property parameter.
fn pairs(values: Vec<&str>, param: &str) -> Result<Vec<(String, String)>, ApiError> {
    values
        .into_iter()
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    ApiError::invalid_param(
                        param,
                        format!("Invalid value '{v}': expected name=value."),
                    )
                })
        })
        .collect()
}
