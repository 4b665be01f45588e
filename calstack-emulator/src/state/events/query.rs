//! The filters and order of one events list: time window, changes since a sync token, text,
//! iCalUID, event types and extended properties.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::state::model::event::StoredEvent;

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
    pub(super) fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        // Zero-length events count as occupying their start instant.
        let end = if end == start {
            end + TimeDelta::milliseconds(1)
        } else {
            end
        };
        self.time_min.is_none_or(|min| end > min) && self.time_max.is_none_or(|max| start < max)
    }

    pub(super) fn wants_deleted(&self) -> bool {
        self.since.is_some() || self.show_deleted || self.updated_min.is_some()
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
pub(super) fn pairs(values: Vec<&str>, param: &str) -> Result<Vec<(String, String)>, ApiError> {
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
