//! A calendar: its metadata, time zone, events and access rules. Secondary calendars get
//! `…@group.calendar.google.com` ids.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::state::model::acl::{AclRule, role_rank};
use crate::state::model::event::StoredEvent;

/// The calendar fields a client writes and calendar list entries copy.
pub(crate) const CALENDAR_FIELDS: [&str; 4] = ["summary", "description", "location", "timeZone"];

/// A calendar with its events.
#[derive(Debug)]
pub(crate) struct Calendar {
    pub(crate) id: String,
    pub(crate) owner: String,
    pub(crate) meta: Map<String, Value>,
    pub(crate) etag: String,
    pub(crate) tz: Tz,
    pub(crate) seq: u64,
    /// When an event of the calendar last changed.
    pub(crate) updated: DateTime<Utc>,
    pub(crate) sync_epoch: u64,
    pub(crate) deleted: bool,
    pub(crate) events: BTreeMap<String, StoredEvent>,
    pub(crate) ical_index: HashMap<String, String>,
    /// Access control rules by rule id (`user:alice@example.com`, `default`), tombstones kept.
    pub(crate) acl: BTreeMap<String, AclRule>,
}

impl Calendar {
    /// The calendar in Google's `calendar#calendar` shape.
    pub(crate) fn render(&self) -> Value {
        let mut out = self.meta.clone();
        out.insert("kind".into(), json!("calendar#calendar"));
        out.insert("etag".into(), json!(self.etag));
        out.insert("id".into(), json!(self.id));
        out.insert(
            "conferenceProperties".into(),
            json!({"allowedConferenceSolutionTypes": ["hangoutsMeet"]}),
        );
        Value::Object(out)
    }

    /// Records that an event changed with change `seq` at `now`.
    pub(crate) fn touch(&mut self, seq: u64, now: DateTime<Utc>) {
        self.seq = seq;
        self.updated = now;
    }

    /// The calendar's title, for list responses.
    pub(crate) fn summary(&self) -> &str {
        self.meta
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or(&self.id)
    }

    /// The strongest role any live rule grants `account` (`none` when no rule does).
    pub(crate) fn access_role(&self, account: &str) -> &'static str {
        let domain = account.rsplit_once('@').map(|(_, d)| d);
        self.acl
            .values()
            .filter(|r| !r.deleted && r.covers(account, domain))
            .map(|r| r.role)
            .max_by_key(|r| role_rank(r))
            .unwrap_or("none")
    }
}
