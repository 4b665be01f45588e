//! Criterion benchmark: expanding 1,000 recurring series over one week, as a cold agenda of
//! 1,000 clients does (each client's weekday standup), for series begun four weeks before the
//! week and five years before it, weekly and daily. Plain daily and weekly rules are walked
//! without the `rrule` crate, from the window on; the same weekday rule with a `BYHOUR` part
//! goes through `rrule` (started whole periods before the window), side by side. A series'
//! age should not show.

#![allow(missing_docs)]

use std::hint::black_box;

use calstack_core::calendar::{Event, EventDateTime};
use calstack_core::stack::expand::expand;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{Criterion, criterion_group, criterion_main};

const SERIES: usize = 1_000;

/// Monday 3 March 2031, midnight UTC: the week expanded.
fn week() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 3, 0, 0, 0)
        .single()
        .expect("a date")
}

/// `SERIES` series with `rule`, begun `days_before` the week, at 09:00 in Zurich.
fn series(days_before: i64, rule: &str) -> Vec<Event> {
    let zone = "Europe/Zurich";
    let tz: Tz = zone.parse().expect("zone");
    let first = (week() - TimeDelta::days(days_before))
        .with_timezone(&tz)
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_local_timezone(tz)
        .earliest()
        .expect("exists");
    (0..SERIES)
        .map(|n| {
            let at = |t: DateTime<Tz>| {
                let mut at = EventDateTime::timed(t.fixed_offset(), None);
                at.time_zone = Some(zone.to_owned());
                at
            };
            let mut master = Event::new(
                format!("Standup {n}"),
                at(first),
                at(first + TimeDelta::minutes(15)),
            )
            .with_recurrence(rule);
            master.id = Some(format!("standup{n:05}"));
            master
        })
        .collect()
}

fn expansion(c: &mut Criterion) {
    let (from, to) = (week(), week() + TimeDelta::days(7));
    let mut group = c.benchmark_group("expand_1000_series_one_week");
    group.sample_size(20);
    for (name, days_before, rule) in [
        (
            "weekdays_begun_4_weeks_before",
            28,
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ),
        (
            "weekdays_begun_5_years_before",
            5 * 365,
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ),
        ("daily_begun_5_years_before", 5 * 365, "RRULE:FREQ=DAILY"),
        // The same occurrences through the rrule crate (a BYHOUR part is not plain).
        (
            "weekdays_begun_5_years_before_through_rrule",
            5 * 365,
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9",
        ),
        (
            "daily_5_years_counted",
            5 * 365,
            "RRULE:FREQ=DAILY;COUNT=3000",
        ),
    ] {
        let masters = series(days_before, rule);
        group.bench_function(name, |b| {
            b.iter(|| {
                let out = expand(black_box(masters.clone()), from, to, Tz::UTC).expect("expands");
                assert!(out.len() >= SERIES * 5);
                black_box(out)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, expansion);
criterion_main!(benches);
