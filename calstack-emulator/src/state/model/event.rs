//! A stored event (a single event, a recurring master or a modified/cancelled instance) and
//! the resource form a read or write answers with.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::recurrence::{Occ, Series};
use crate::state::model::etag::etag;
use crate::time::{EventTime, format_ms};

/// A stored event (a single event, a recurring master or a modified/cancelled instance).
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub(crate) body: Map<String, Value>,
    /// `body` serialized once per write, so list pages are assembled without re-encoding.
    pub(crate) json: String,
    pub(crate) seq: u64,
    pub(crate) updated: DateTime<Utc>,
    pub(crate) start: EventTime,
    pub(crate) end: EventTime,
    pub(crate) cancelled: bool,
    pub(crate) series: Option<Box<Series>>,
    /// For an exception: the master's id and the original start it replaces.
    pub(crate) master: Option<(String, Occ)>,
}

impl StoredEvent {
    /// A stored event from a validated body, stamped with change `seq` at `now`; it counts as
    /// cancelled when its `status` says so. `master` names the series an exception belongs to.
    pub(crate) fn stamped(
        body: Map<String, Value>,
        (start, end): (EventTime, EventTime),
        series: Option<Series>,
        master: Option<(String, Occ)>,
        (now, seq): (DateTime<Utc>, u64),
    ) -> Self {
        let cancelled = body.get("status").and_then(Value::as_str) == Some("cancelled");
        let mut ev = Self {
            body,
            json: String::new(),
            seq,
            updated: now,
            start,
            end,
            cancelled,
            series: series.map(Box::new),
            master,
        };
        ev.stamp(now, seq);
        ev
    }

    pub(crate) fn etag(&self) -> &str {
        self.body.get("etag").and_then(Value::as_str).unwrap_or("")
    }

    pub(crate) fn id(&self) -> &str {
        self.body.get("id").and_then(Value::as_str).unwrap_or("")
    }

    pub(crate) fn stamp(&mut self, now: DateTime<Utc>, seq: u64) {
        self.seq = seq;
        self.updated = now;
        self.body.insert("etag".into(), json!(etag(seq)));
        self.body.insert("updated".into(), json!(format_ms(now)));
        self.json = serde_json::to_string(&self.body).unwrap_or_default();
    }

    /// Marks the event deleted (`status: cancelled`), keeping it as a tombstone for sync.
    pub(crate) fn cancel(&mut self, now: DateTime<Utc>, seq: u64) {
        self.cancelled = true;
        self.body.insert("status".into(), json!("cancelled"));
        self.stamp(now, seq);
    }

    /// The minimal form Google lists deleted events in.
    pub(crate) fn tombstone(&self) -> Value {
        let mut out = Map::new();
        for key in [
            "kind",
            "etag",
            "id",
            "status",
            "recurringEventId",
            "originalStartTime",
        ] {
            if let Some(v) = self.body.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        Value::Object(out)
    }

    pub(crate) fn span(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.start.instant(tz), self.end.instant(tz))
    }
}

/// A resource body with its etag, for conditional requests.
#[derive(Debug)]
pub(crate) struct Resource {
    pub(crate) etag: String,
    pub(crate) json: String,
}

impl Resource {
    pub(crate) fn of(ev: &StoredEvent) -> Self {
        Self {
            etag: ev.etag().to_owned(),
            json: ev.json.clone(),
        }
    }

    pub(crate) fn owned(body: Map<String, Value>) -> Self {
        let etag = body
            .get("etag")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        Self {
            etag,
            json: Value::Object(body).to_string(),
        }
    }
}
