//! Criterion benchmark: `find_slots` for 20 clients over four weeks from in-memory events, the
//! work the mirror source will leave to the stack: expanding each client's recurring series,
//! taking busy intervals across its two calendars, merging them, and searching 45-minute slots
//! inside each client's working hours (three zones) on a 15-minute grid with a 10-minute buffer.

#![allow(missing_docs)]

use std::hint::black_box;

use calstack_core::calendar::{Event, EventDateTime};
use calstack_core::stack::expand::expand;
use calstack_core::stack::free_busy::{busy_intervals, merge};
use calstack_core::stack::slots::{Availability, SlotRules, find_slots};
use calstack_core::validate::working_hours;
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{Criterion, criterion_group, criterion_main};

const CLIENTS: usize = 20;
const ZONES: [Tz; 3] = [
    Tz::Europe__Zurich,
    Tz::America__New_York,
    Tz::Asia__Singapore,
];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .expect("valid")
}

/// Two calendars for client `n`: a daily standup series plus five meetings every weekday, and
/// an all-day event every Friday.
fn calendars(n: usize) -> [Vec<Event>; 2] {
    let zone = ZONES[n % ZONES.len()];
    let local = |d: u32, h: u32, m: u32| {
        EventDateTime::zoned(
            zone.with_ymd_and_hms(2026, 3, d, h, m, 0)
                .single()
                .expect("valid"),
        )
    };
    let mut work = vec![
        Event::new("Standup", local(2, 9, 0), local(2, 9, 15))
            .with_id(format!("standup{n}"))
            .with_recurrence("RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ];
    let mut other = Vec::new();
    for week in 0..4u32 {
        for weekday in 0..5u32 {
            let day = 2 + week * 7 + weekday;
            for k in 0..5u32 {
                let hour = 10 + k + u32::try_from(n % 2).unwrap_or(0);
                let minute = (15 * (k + u32::try_from(n).unwrap_or(0))) % 60;
                work.push(Event::new(
                    "Meeting",
                    local(day, hour, minute),
                    local(day, hour, (minute + 40).min(59)),
                ));
            }
        }
        let friday = NaiveDate::from_ymd_opt(2026, 3, 6 + week * 7).expect("valid");
        other.push(Event::new(
            "Offsite",
            EventDateTime::all_day(friday),
            EventDateTime::all_day(friday + TimeDelta::days(1)),
        ));
    }
    [work, other]
}

fn bench(c: &mut Criterion) {
    let (from, to) = (start(), start() + TimeDelta::days(28));
    let data: Vec<[Vec<Event>; 2]> = (0..CLIENTS).map(calendars).collect();
    let hours: Vec<_> = (0..CLIENTS)
        .map(|n| {
            working_hours::parse("mon-fri 09:00-17:00", ZONES[n % ZONES.len()].name())
                .expect("valid hours")
        })
        .collect();
    let rules = SlotRules {
        from,
        to,
        duration: TimeDelta::minutes(45),
        buffer: TimeDelta::minutes(10),
        step: TimeDelta::minutes(15),
        zone: Tz::Europe__Zurich,
    };
    c.bench_function("find_slots_20_clients_4_weeks_in_memory", |b| {
        b.iter(|| {
            let clients: Vec<Availability> = data
                .iter()
                .zip(&hours)
                .map(|(cals, h)| {
                    let zone = h.time_zone;
                    let mut busy = Vec::new();
                    for events in cals {
                        let expanded = expand(events.clone(), from, to, zone).expect("expands");
                        busy.extend(busy_intervals(&expanded, zone, from, to));
                    }
                    Availability {
                        busy: merge(busy),
                        working_hours: Some(h.clone()),
                    }
                })
                .collect();
            black_box(find_slots(black_box(&clients), &rules).len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
