//! Admin seeding: many timed events inserted at once, for benchmarks and big-list tests.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::state::events::validate::{html_link, new_event_id};
use crate::state::model::event::StoredEvent;
use crate::state::world::State;
use crate::time::{EventTime, format_in_zone, format_ms};

/// Most events one seeding call may create.
const MAX_SEED: usize = 5_000_000;

/// Options of a seeding run.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub(crate) count: usize,
    pub(crate) start: DateTime<Utc>,
    pub(crate) spacing: TimeDelta,
    pub(crate) duration: TimeDelta,
    pub(crate) summary_prefix: String,
}

impl State {
    /// Admin: inserts `seed.count` timed events quickly (for benchmarks and big-list tests).
    pub(crate) fn seed_events(
        &mut self,
        account: &str,
        calendar_id: &str,
        seed: &Seed,
    ) -> Result<usize, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.role(account, &cal_id)?;
        if seed.count > MAX_SEED {
            return Err(ApiError::invalid(format!(
                "count: at most {MAX_SEED} events per seeding call"
            )));
        }
        if seed.duration < TimeDelta::zero()
            || seed.start_of(seed.count.saturating_sub(1)).is_none()
        {
            return Err(ApiError::invalid(
                "start, spacing and duration put events outside the supported time range",
            ));
        }
        let now = self.now();
        let first_seq = self.current_seq() + 1;
        for _ in 0..seed.count {
            self.next_seq();
        }
        let cal = self.calendar_mut(&cal_id)?;
        for n in 0..seed.count {
            let seq = first_seq + n as u64;
            let id = new_event_id();
            let ev = seed.event(n, &id, (&cal_id, cal.tz), account, (now, seq));
            cal.ical_index
                .insert(format!("{id}@google.com"), id.clone());
            cal.events.insert(id, ev);
        }
        cal.seq = first_seq + seed.count as u64 - 1;
        cal.updated = now;
        Ok(seed.count)
    }
}

impl Seed {
    /// When event `n` starts, if it and its end stay within the supported time range.
    fn start_of(&self, n: usize) -> Option<DateTime<Utc>> {
        let span = self.spacing.checked_mul(i32::try_from(n).ok()?)?;
        self.start
            .checked_add_signed(span)?
            .checked_add_signed(self.duration)?;
        self.start.checked_add_signed(span)
    }

    /// Seeded event `n` (numbered from 0) with id `id` on calendar `cal_id` in zone `zone`.
    fn event(
        &self,
        n: usize,
        id: &str,
        (cal_id, zone): (&str, Tz),
        account: &str,
        (now, seq): (DateTime<Utc>, u64),
    ) -> StoredEvent {
        let start = self.start_of(n).unwrap_or(self.start);
        let end = start + self.duration;
        let body = json!({
            "kind": "calendar#event",
            "id": id,
            "status": "confirmed",
            "htmlLink": html_link(id, cal_id),
            "created": format_ms(now),
            "summary": format!("{} {}", self.summary_prefix, n + 1),
            "creator": {"email": account, "self": true},
            "organizer": {"email": cal_id, "self": true},
            "start": {"dateTime": format_in_zone(start, zone), "timeZone": zone.name()},
            "end": {"dateTime": format_in_zone(end, zone), "timeZone": zone.name()},
            "iCalUID": format!("{id}@google.com"),
            "sequence": 0,
            "reminders": {"useDefault": true},
            "eventType": "default",
        });
        let body = match body {
            Value::Object(body) => body,
            _ => Map::new(),
        };
        let timing = (
            EventTime::DateTime(start, Some(zone)),
            EventTime::DateTime(end, Some(zone)),
        );
        StoredEvent::stamped(body, timing, None, None, (now, seq))
    }
}
