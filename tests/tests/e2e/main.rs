//! End to end: the real facade (SQLite store, OAuth manager, Calendar client) against the
//! stateful Google emulator. See `calstack_e2e::Harness` and docs/testing.md.

mod channel_cleanup;
mod consent;
mod events;
mod faults;
mod ics;
mod mirror;
mod push;
mod restart;
mod scenario;
mod sharing;
mod soak;
mod stack_views;
mod stacking;
mod sync;
mod tokens;
mod workers;

use calstack_core::{Event, EventDateTime};
use chrono::{TimeDelta, TimeZone, Utc};

/// A one-hour timed event in UTC on 2030-01-01 at `hour`.
fn event_at(summary: &str, hour: u32) -> Event {
    let start = Utc
        .with_ymd_and_hms(2030, 1, 1, hour, 0, 0)
        .single()
        .expect("a valid date");
    Event::new(
        summary,
        EventDateTime::utc(start),
        EventDateTime::utc(start + TimeDelta::hours(1)),
    )
}
