//! Admin seeding: many timed events inserted at once, for benchmarks and big-list tests.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

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
        let start_of = |n: usize| -> Option<DateTime<Utc>> {
            let span = seed.spacing.checked_mul(i32::try_from(n).ok()?)?;
            seed.start
                .checked_add_signed(span)?
                .checked_add_signed(seed.duration)?;
            seed.start.checked_add_signed(span)
        };
        if seed.duration < TimeDelta::zero() || start_of(seed.count.saturating_sub(1)).is_none() {
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
        let zone = cal.tz;
        for n in 0..seed.count {
            let seq = first_seq + n as u64;
            let id = new_event_id();
            let start = start_of(n).unwrap_or(seed.start);
            let end = start + seed.duration;
            let body = json!({
                "kind": "calendar#event",
                "id": id,
                "status": "confirmed",
                "htmlLink": html_link(&id, &cal_id),
                "created": format_ms(now),
                "summary": format!("{} {}", seed.summary_prefix, n + 1),
                "creator": {"email": account, "self": true},
                "organizer": {"email": cal_id, "self": true},
                "start": {"dateTime": format_in_zone(start, zone), "timeZone": zone.name()},
                "end": {"dateTime": format_in_zone(end, zone), "timeZone": zone.name()},
                "iCalUID": format!("{id}@google.com"),
                "sequence": 0,
                "reminders": {"useDefault": true},
                "eventType": "default",
            });
            let Value::Object(body) = body else { continue };
            let mut ev = StoredEvent {
                body,
                json: String::new(),
                seq,
                updated: now,
                start: EventTime::DateTime(start, Some(zone)),
                end: EventTime::DateTime(end, Some(zone)),
                cancelled: false,
                series: None,
                master: None,
            };
            ev.stamp(now, seq);
            cal.ical_index
                .insert(format!("{id}@google.com"), id.clone());
            cal.events.insert(id, ev);
        }
        cal.seq = first_seq + seed.count as u64 - 1;
        cal.updated = now;
        Ok(seed.count)
    }
}
