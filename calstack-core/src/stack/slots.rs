//! Free slots: the times when every chosen client is free, inside each client's working hours
//! (read in that client's own time zone), keeping a buffer around busy times, starting on a
//! step grid that restarts at every midnight of the query's zone (so 30-minute steps stay on
//! :00 and :30 across DST changes).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::busy::{local_instant, midnight};
use super::free_busy::{Interval, intersect, merge, subtract};
use crate::store::WorkingHours;

/// What one client contributes to a slot search.
#[derive(Debug, Clone)]
pub struct Availability {
    /// Busy intervals (any order; merged here).
    pub busy: Vec<Interval>,
    /// Working hours; `None` = around the clock.
    pub working_hours: Option<WorkingHours>,
}

/// How slots are laid out.
#[derive(Debug, Clone, Copy)]
pub struct SlotRules {
    /// Window start.
    pub from: DateTime<Utc>,
    /// Window end (exclusive).
    pub to: DateTime<Utc>,
    /// Slot length.
    pub duration: TimeDelta,
    /// Free time kept before and after each busy interval.
    pub buffer: TimeDelta,
    /// Grid step.
    pub step: TimeDelta,
    /// The zone whose midnights anchor the grid.
    pub zone: Tz,
}

/// Every slot `[start, start + duration)` on the grid where all `clients` are free.
pub fn find_slots(clients: &[Availability], rules: &SlotRules) -> Vec<Interval> {
    let mut free = vec![Interval::new(rules.from, rules.to)];
    for client in clients {
        let open = match &client.working_hours {
            Some(hours) => working_intervals(hours, rules.from, rules.to),
            None => vec![Interval::new(rules.from, rules.to)],
        };
        let blocked = merge(
            client
                .busy
                .iter()
                .map(|b| Interval::new(b.start - rules.buffer, b.end + rules.buffer))
                .collect(),
        );
        free = intersect(&free, &subtract(&open, &blocked));
        if free.is_empty() {
            return Vec::new();
        }
    }
    let mut slots = Vec::new();
    let mut k = 0;
    for start in grid(rules) {
        let end = start + rules.duration;
        while k < free.len() && free[k].end < end {
            k += 1;
        }
        let Some(window) = free.get(k) else { break };
        if window.start <= start && end <= window.end {
            slots.push(Interval::new(start, end));
        }
    }
    slots
}

/// Grid instants in `[from, to - duration]`: each local day of `zone` from its midnight, in
/// steps of `step`.
fn grid(rules: &SlotRules) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let first = rules.from.with_timezone(&rules.zone).date_naive();
    let last = rules.to.with_timezone(&rules.zone).date_naive();
    first
        .iter_days()
        .take_while(move |d| *d <= last)
        .flat_map(move |day| {
            let start = midnight(day, rules.zone);
            let end = day.succ_opt().map_or(rules.to, |n| midnight(n, rules.zone));
            std::iter::successors(Some(start), move |t| Some(*t + rules.step))
                .take_while(move |t| *t < end)
        })
        .filter(move |t| *t >= rules.from && *t + rules.duration <= rules.to)
}

/// The instants inside `hours` within `[from, to)`, sorted and merged.
pub fn working_intervals(
    hours: &WorkingHours,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Interval> {
    let zone = hours.time_zone;
    let first = from.with_timezone(&zone).date_naive();
    let last = to.with_timezone(&zone).date_naive();
    let days = first.iter_days().take_while(|d| *d <= last);
    let mut out = Vec::new();
    for day in days {
        for w in hours.on(day.weekday()) {
            let start = local_instant(day.and_time(w.start), zone);
            let end = match w.end {
                Some(end) => local_instant(day.and_time(end), zone),
                None => next_midnight(day, zone),
            };
            let (start, end) = (start.max(from), end.min(to));
            if start < end {
                out.push(Interval::new(start, end));
            }
        }
    }
    merge(out)
}

fn next_midnight(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    day.succ_opt()
        .map_or(DateTime::<Utc>::MAX_UTC, |next| midnight(next, zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::working_hours::parse;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn working_hours_follow_the_local_clock_across_the_dst_change() {
        let hours = parse("daily 09:00-17:00", "Europe/Zurich").expect("valid");
        let open = working_intervals(&hours, utc(2026, 3, 28, 0, 0), utc(2026, 3, 30, 0, 0));
        // Saturday at UTC+1, Sunday (the change) at UTC+2.
        assert_eq!(
            open,
            [
                Interval::new(utc(2026, 3, 28, 8, 0), utc(2026, 3, 28, 16, 0)),
                Interval::new(utc(2026, 3, 29, 7, 0), utc(2026, 3, 29, 15, 0)),
            ]
        );
    }

    #[test]
    fn hours_in_the_skipped_hour_start_when_the_clock_jumps() {
        let hours = parse("sun 02:30-04:00", "Europe/Zurich").expect("valid");
        let open = working_intervals(&hours, utc(2026, 3, 29, 0, 0), utc(2026, 3, 30, 0, 0));
        // 02:00 local does not exist on 29 March: the clock jumps from 02:00 (+01) to 03:00 (+02).
        assert_eq!(
            open,
            [Interval::new(
                utc(2026, 3, 29, 1, 0),
                utc(2026, 3, 29, 2, 0)
            )]
        );
    }

    #[test]
    fn grid_stays_on_the_half_hour_on_a_23_hour_day() {
        let zone = Tz::Europe__Zurich;
        let rules = SlotRules {
            from: utc(2026, 3, 28, 23, 0),
            to: utc(2026, 3, 29, 22, 0),
            duration: TimeDelta::minutes(30),
            buffer: TimeDelta::zero(),
            step: TimeDelta::minutes(30),
            zone,
        };
        let slots = find_slots(&[], &rules);
        assert_eq!(slots.len(), 46, "23 hours of half-hour slots");
        assert!(slots.iter().all(|s| {
            let local = s.start.with_timezone(&zone);
            chrono::Timelike::minute(&local) % 30 == 0
        }));
    }

    #[test]
    fn buffer_keeps_slots_away_from_busy_time_and_back_to_back_fits() {
        let busy = vec![Interval::new(
            utc(2026, 5, 4, 10, 0),
            utc(2026, 5, 4, 11, 0),
        )];
        let rules = SlotRules {
            from: utc(2026, 5, 4, 9, 0),
            to: utc(2026, 5, 4, 12, 0),
            duration: TimeDelta::minutes(30),
            buffer: TimeDelta::zero(),
            step: TimeDelta::minutes(30),
            zone: Tz::UTC,
        };
        let person = Availability {
            busy,
            working_hours: None,
        };
        let starts = |rules: &SlotRules| -> Vec<u32> {
            find_slots(std::slice::from_ref(&person), rules)
                .iter()
                .map(|s| {
                    chrono::Timelike::hour(&s.start) * 100 + chrono::Timelike::minute(&s.start)
                })
                .collect()
        };
        assert_eq!(starts(&rules), [900, 930, 1100, 1130]);
        let buffered = SlotRules {
            buffer: TimeDelta::minutes(15),
            ..rules
        };
        assert_eq!(starts(&buffered), [900, 1130]);
    }
}
