//! Local recurrence expansion: a recurring master plus its exceptions (as Google lists them
//! with `singleEvents=false`) turned into exactly the instances Google lists with
//! `singleEvents=true` over a window: RRULE/RDATE/EXDATE lines (with the `rrule` crate),
//! cancelled and moved instances, all-day series, series across DST changes, UNTIL and COUNT,
//! instance ids `<id>_<YYYYMMDDTHHMMSSZ>` (timed) or `<id>_<YYYYMMDD>` (all-day),
//! `originalStartTime` and `recurringEventId`.

mod series;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use foldhash::{HashMap, HashMapExt, HashSet};

use self::series::Series;
use super::busy::span;
use crate::calendar::{Event, LazyEvent, When};
use crate::error::Result;

/// One occurrence's original start: a date for all-day series, an instant for timed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Occurrence {
    /// All-day occurrence.
    Date(NaiveDate),
    /// Timed occurrence.
    At(DateTime<Utc>),
}

impl Occurrence {
    /// The suffix Google appends to the master id to name the instance.
    pub fn id_suffix(self) -> String {
        let mut out = String::with_capacity(16);
        self.write_suffix(&mut out);
        out
    }

    /// Appends [`Occurrence::id_suffix`] to `out` (written digit by digit: an agenda names
    /// thousands of instances, and a format string would be parsed for each).
    fn write_suffix(self, out: &mut String) {
        use chrono::{Datelike, Timelike};
        use std::fmt::Write;
        let date = |out: &mut String, d: NaiveDate| {
            let _ = write!(out, "{:04}{:02}{:02}", d.year(), d.month(), d.day());
        };
        match self {
            Self::Date(d) => date(out, d),
            Self::At(t) => {
                date(out, t.date_naive());
                let _ = write!(out, "T{:02}{:02}{:02}Z", t.hour(), t.minute(), t.second());
            }
        }
    }

    fn of(when: When) -> Self {
        match when {
            When::AllDay(d) => Self::Date(d),
            When::Timed { at, .. } => Self::At(at.with_timezone(&Utc)),
        }
    }
}

/// The instances of the recurring events among `events` (masters with their exceptions) that
/// overlap `[from, to)`, plus every other non-cancelled event overlapping it, sorted by start.
/// All-day dates are placed in `calendar_zone`, the calendar's own zone, as Google does.
/// A master whose recurrence cannot be read is
/// [`Error::Validation`](crate::Error::Validation) on `recurrence`.
pub fn expand(
    events: Vec<Event>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar_zone: Tz,
) -> Result<Vec<Event>> {
    let shared = events.into_iter().map(LazyEvent::new).collect();
    Ok(expand_shared(shared, from, to, calendar_zone)?
        .into_iter()
        .map(LazyEvent::into_event)
        .collect())
}

/// [`expand`] over shared events: events that pass through unchanged (single events,
/// exceptions) are handed on without a copy; only new instances are built.
pub(crate) fn expand_shared(
    events: Vec<LazyEvent>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar_zone: Tz,
) -> Result<Vec<LazyEvent>> {
    let is_master = |e: &Event| {
        e.recurring_event_id.is_none() && e.recurrence.as_ref().is_some_and(|r| !r.is_empty())
    };
    let master_ids: HashSet<&str> = events
        .iter()
        .filter(|e| is_master(e.head()))
        .filter_map(|e| e.head().id.as_deref())
        .collect();
    let mut masters = Vec::new();
    let mut exceptions: HashMap<String, HashMap<Occurrence, LazyEvent>> = HashMap::new();
    // Each event with its start and end (computed once: they decide whether it is kept and
    // where it goes).
    let mut out: Vec<(Option<Span>, LazyEvent)> = Vec::with_capacity(events.len());
    for shared in &events {
        // The views' fields only: single events stay unopened.
        let event = shared.head();
        if is_master(event) {
            masters.push(shared.clone());
            continue;
        }
        if let Some(master) = event
            .recurring_event_id
            .as_deref()
            .filter(|m| master_ids.contains(m))
            && let Some(original) = original_start(event)
        {
            exceptions
                .entry(master.to_owned())
                .or_default()
                .insert(original, shared.clone());
            continue;
        }
        if !event.is_cancelled()
            && let Some(at) = within(event, from, to, calendar_zone)
        {
            out.push((Some(at), shared.clone()));
        }
    }
    for master in masters {
        // A series is read whole: its instances are built from all of it.
        let master = master.get();
        if master.is_cancelled() {
            continue;
        }
        let mut own = master
            .id
            .as_ref()
            .and_then(|id| exceptions.remove(id))
            .unwrap_or_default();
        out.extend(
            instances(master, &mut own, from, to, calendar_zone)?
                .into_iter()
                .map(|e| (span(e.head(), calendar_zone).map(|s| (s.start, s.end)), e)),
        );
    }
    out.sort_by_key(|(at, _)| *at);
    Ok(out.into_iter().map(|(_, e)| e).collect())
}

/// An event's start and end instants.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The event's start and end if it overlaps `[from, to)` (see [`overlaps`]).
fn within(event: &Event, from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> Option<Span> {
    span(event, zone)
        .filter(|s| reaches_into(s.start, s.end, from, to))
        .map(|s| (s.start, s.end))
}

/// Whether an event from `start` to `end` overlaps `[from, to)`; one without length counts
/// as lasting a millisecond.
fn reaches_into(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    let end = if end == start {
        end + TimeDelta::milliseconds(1)
    } else {
        end
    };
    end > from && start < to
}

/// The instances of one master in the window; `exceptions` are keyed by original start.
fn instances(
    master: &Event,
    exceptions: &mut HashMap<Occurrence, LazyEvent>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar_zone: Tz,
) -> Result<Vec<LazyEvent>> {
    let series = Series::parse(master, calendar_zone, from)?;
    let mut out = Vec::new();
    let template = Series::template(master);
    for occ in series.occurrences(from, to) {
        match exceptions.remove(&occ) {
            Some(exception) => {
                if !exception.head().is_cancelled()
                    && overlaps(exception.head(), from, to, calendar_zone)
                {
                    out.push(exception);
                }
            }
            None => out.push(LazyEvent::new(series.instance(&template, master, occ))),
        }
    }
    // Instances moved into the window from an original time outside it.
    for (occ, exception) in exceptions.drain() {
        if !exception.head().is_cancelled()
            && series.contains(occ)
            && overlaps(exception.head(), from, to, calendar_zone)
        {
            out.push(exception);
        }
    }
    Ok(out)
}

fn original_start(event: &Event) -> Option<Occurrence> {
    event
        .original_start_time
        .as_ref()
        .and_then(|t| t.when().ok())
        .map(Occurrence::of)
}

/// Whether `event` overlaps `[from, to)` (a zero-length event occupies its start instant).
fn overlaps(event: &Event, from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> bool {
    span(event, zone).is_some_and(|s| reaches_into(s.start, s.end, from, to))
}

#[cfg(test)]
mod tests {
    use super::series::Skip;
    use super::*;
    use crate::calendar::EventDateTime;
    use crate::error::Error;
    use crate::stack::busy::{local_instant, midnight};
    use chrono::TimeZone;
    use proptest::strategy::Strategy as _;

    #[test]
    fn instance_id_suffixes_read_as_google_writes_them() {
        let at = Utc
            .with_ymd_and_hms(2031, 3, 4, 7, 5, 9)
            .single()
            .expect("valid");
        assert_eq!(Occurrence::At(at).id_suffix(), "20310304T070509Z");
        let date = NaiveDate::from_ymd_opt(987, 11, 30).expect("valid");
        assert_eq!(Occurrence::Date(date).id_suffix(), "09871130");
        for t in [at, at + TimeDelta::seconds(86_399 * 400 + 17)] {
            assert_eq!(
                Occurrence::At(t).id_suffix(),
                t.format("%Y%m%dT%H%M%SZ").to_string()
            );
        }
    }

    /// A series' occurrences over `[from, to)` read three ways: as the stack reads them
    /// (plain rules walked, others skipped to the window when they can be), through `rrule`
    /// from a start near the window, and through `rrule` from the first occurrence. Refusals
    /// are compared by kind only.
    fn three_ways(
        master: &Event,
        zone: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        back_days: i64,
    ) -> [std::result::Result<Vec<Occurrence>, String>; 3] {
        let read = |since: DateTime<Utc>, walk: bool| {
            Series::parse_walking(master, zone, since, walk)
                .map(|series| series.occurrences(from, to))
                .map_err(|e| format!("{e:?}"))
        };
        let since_first = from - TimeDelta::days(back_days + 30);
        [
            read(from, true),
            read(from, false),
            read(since_first, false),
        ]
    }

    /// A master starting at `minute` of `first_day` in `zone` (all-day: on that date),
    /// `length_minutes` long, with `rule`.
    fn master_with(
        zone: &str,
        first_day: NaiveDate,
        minute: u32,
        all_day: bool,
        length_minutes: i64,
        rule: &str,
    ) -> Event {
        let tz: Tz = zone.parse().expect("valid");
        let (start, end) = if all_day {
            let days = (length_minutes / (24 * 60)).max(1);
            (
                EventDateTime::all_day(first_day),
                EventDateTime::all_day(first_day + TimeDelta::days(days)),
            )
        } else {
            let local = first_day
                .and_hms_opt(minute / 60, minute % 60, 0)
                .expect("valid");
            let at = local_instant(local, tz).with_timezone(&tz).fixed_offset();
            let mut start = EventDateTime::timed(at, None);
            start.time_zone = Some(zone.to_owned());
            let mut end = EventDateTime::timed(at + TimeDelta::minutes(length_minutes), None);
            end.time_zone = Some(zone.to_owned());
            (start, end)
        };
        let mut master = Event::new("x", start, end).with_recurrence(rule);
        master.id = Some("s".into());
        master
    }

    /// The days of 2031 on which `zone`'s clocks change (its offset at noon differs from the
    /// day before's).
    fn clock_changes_2031(zone: Tz) -> Vec<NaiveDate> {
        use chrono::Offset as _;
        let noon_offset = |d: NaiveDate| {
            let at = local_instant(d.and_hms_opt(12, 0, 0).expect("valid"), zone);
            at.with_timezone(&zone).offset().fix()
        };
        let first = NaiveDate::from_ymd_opt(2031, 1, 1).expect("valid");
        (1..366)
            .map(|n| first + TimeDelta::days(n))
            .filter(|&d| noon_offset(d) != noon_offset(d - TimeDelta::days(1)))
            .collect()
    }

    /// Whether the master's first wall-clock time exists twice in its zone (`rrule` refuses
    /// such a start; walking reads the series from the instant the event gives).
    fn starts_in_a_repeated_hour(master: &Event, zone: Tz) -> bool {
        master
            .start
            .as_ref()
            .and_then(|s| s.date_time)
            .is_some_and(|at| {
                let local = at.with_timezone(&zone).naive_local();
                matches!(
                    zone.from_local_datetime(&local),
                    chrono::LocalResult::Ambiguous(..)
                )
            })
    }

    /// The three readings of [`three_ways`] agree; for a series starting in a repeated hour
    /// (which `rrule` refuses from its first occurrence), walking agrees with `rrule` started
    /// later, where the window allowed that.
    fn agree(
        [walked, skipped, iterated]: [std::result::Result<Vec<Occurrence>, String>; 3],
        repeated_start: bool,
        rule: &str,
    ) -> std::result::Result<(), proptest::test_runner::TestCaseError> {
        if repeated_start {
            proptest::prop_assert!(iterated.is_err(), "{} iterated", rule);
            if skipped.is_ok() {
                proptest::prop_assert_eq!(&walked, &skipped, "{} walked", rule);
            }
            return Ok(());
        }
        proptest::prop_assert_eq!(&walked, &iterated, "{} walked", rule);
        proptest::prop_assert_eq!(&skipped, &iterated, "{} skipped", rule);
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        /// Around each clock change of zones that change at 02:00, at midnight or by half an
        /// hour, a daily (or every-day weekly) series in the small hours has occurrences that
        /// are skipped or repeated: walking places them as `rrule` does, and stops at an
        /// `UNTIL` on or near them as it does.
        #[test]
        fn clock_changes_place_occurrences_as_rrule_does(
            zone in proptest::sample::select(vec![
                "Europe/Zurich", "America/New_York", "Australia/Sydney", "America/Havana",
                "Australia/Lord_Howe", "Asia/Beirut",
            ]),
            change in 0usize..2,
            weekly in proptest::bool::ANY,
            week_start in 0usize..7,
            back in 0i64..2500,
            minute_of_day in 0u32..(4 * 60),
            until in proptest::option::of((-2i64..3, proptest::option::of(0u32..(4 * 60)))),
            before in 0i64..4,
            window_days in 1i64..10,
        ) {
            let tz: Tz = zone.parse().expect("valid");
            let changes = clock_changes_2031(tz);
            let day = changes[change % changes.len()];
            let names = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
            let mut rule = if weekly {
                format!("RRULE:FREQ=WEEKLY;WKST={};BYDAY={}", names[week_start], names.join(","))
            } else {
                "RRULE:FREQ=DAILY".to_owned()
            };
            if let Some((days, minute)) = until {
                // A local time near the change (half the time the series' own), as UTC.
                let minute = minute.unwrap_or(minute_of_day);
                let local = (day + TimeDelta::days(days)).and_hms_opt(minute / 60, minute % 60, 0).expect("valid");
                rule.push_str(&format!(";UNTIL={}", local_instant(local, tz).format("%Y%m%dT%H%M%SZ")));
            }
            let master = master_with(zone, day - TimeDelta::days(back + 1), minute_of_day, false, 30, &rule);
            let from = midnight(day - TimeDelta::days(before), tz);
            let to = from + TimeDelta::days(window_days);
            let repeated = starts_in_a_repeated_hour(&master, tz);
            agree(three_ways(&master, tz, from, to, back), repeated, &rule)?;
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]
        /// Walking a plain rule, skipping early periods and iterating every occurrence from
        /// the first all find the same occurrences (and refuse the same series): across DST
        /// changes (times that are skipped or repeated, zones changing at midnight or by half
        /// an hour), intervals, weekdays, week starts, UNTIL, all-day series, and for a
        /// window years after the first occurrence as for an earlier one.
        #[test]
        fn walking_skipping_and_iterating_from_the_first_agree(
            zone in proptest::sample::select(vec![
                "Europe/Zurich", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata",
                "America/Havana", "Australia/Lord_Howe", "Asia/Beirut",
            ]),
            weekly in proptest::bool::ANY,
            interval in 1u32..4,
            days in proptest::collection::btree_set(0usize..7, 0..4),
            week_start in proptest::option::of(0usize..7),
            // UNTIL some days after the first occurrence, or near the window.
            until_after in proptest::option::of((
                proptest::prop_oneof![(0i64..2000).prop_map(Ok), (-3i64..45).prop_map(Err)],
                proptest::option::of(proptest::option::of(0u32..(24 * 60))),
            )),
            back in 0i64..2500,
            // Half the series start in the small hours, where clocks change.
            minute_of_day in proptest::prop_oneof![0u32..(4 * 60), 0u32..(24 * 60)],
            all_day in proptest::bool::ANY,
            length_minutes in 1i64..(3 * 24 * 60),
            window_days in 1i64..40,
            // Half the windows hold a clock change of one of the zones (2031: 9 and 30 March,
            // 6 April, 5 and 26 October, 2 November).
            window_shift_days in proptest::prop_oneof![
                (proptest::sample::select(vec![67i64, 88, 95, 277, 298, 305]), 0i64..8)
                    .prop_map(|(day, before)| day - before),
                0i64..366,
            ],
            window_shift_hours in 0i64..48,
        ) {
            let names = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
            let base = Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).single().expect("valid")
                + TimeDelta::days(window_shift_days)
                + TimeDelta::hours(window_shift_hours);
            let first_day = base.date_naive() - TimeDelta::days(back);
            let tz: Tz = zone.parse().expect("valid");
            let first_utc_time = if all_day {
                chrono::NaiveTime::MIN
            } else {
                let local = first_day.and_hms_opt(minute_of_day / 60, minute_of_day % 60, 0).expect("valid");
                local_instant(local, tz).time()
            };
            let mut rule = format!(
                "RRULE:FREQ={};INTERVAL={interval}",
                if weekly { "WEEKLY" } else { "DAILY" }
            );
            if !days.is_empty() {
                let list: Vec<&str> = days.iter().map(|&d| names[d]).collect();
                rule.push_str(&format!(";BYDAY={}", list.join(",")));
            }
            if let Some(day) = week_start {
                rule.push_str(&format!(";WKST={}", names[day]));
            }
            if let Some((day, minute)) = until_after {
                let until = match day {
                    Ok(after_first) => first_day + TimeDelta::days(after_first),
                    Err(after_window) => base.date_naive() + TimeDelta::days(after_window),
                };
                let at = match minute {
                    None => None,
                    Some(Some(m)) => until.and_hms_opt(m / 60, m % 60, 0),
                    // UNTIL at an occurrence's own time of day (in UTC).
                    Some(None) => Some(until.and_time(first_utc_time)),
                };
                match at {
                    None => rule.push_str(&format!(";UNTIL={}", until.format("%Y%m%d"))),
                    Some(at) => rule.push_str(&format!(";UNTIL={}", at.format("%Y%m%dT%H%M%SZ"))),
                }
            }
            let master = master_with(zone, first_day, minute_of_day, all_day, length_minutes, &rule);
            let (from, to) = (base, base + TimeDelta::days(window_days));
            let repeated = starts_in_a_repeated_hour(&master, tz);
            agree(three_ways(&master, tz, from, to, back), repeated, &rule)?;
            // An earlier window (a moved instance's original time) reads from the first.
            let earlier = from - TimeDelta::days(back / 2 + 1);
            let later = earlier + TimeDelta::days(window_days);
            agree(three_ways(&master, tz, earlier, later, back), repeated, &rule)?;
        }
    }

    #[test]
    fn plain_rules_are_walked_and_the_rest_left_to_rrule() {
        let start = Utc
            .with_ymd_and_hms(2024, 1, 1, 9, 0, 0)
            .single()
            .expect("valid");
        let series = |rule: &str| {
            let mut master = Event::new(
                "x",
                EventDateTime::utc(start),
                EventDateTime::utc(start + TimeDelta::hours(1)),
            )
            .with_recurrence(rule);
            master.id = Some("s".into());
            Series::parse(&master, Tz::UTC, start + TimeDelta::days(800))
        };
        for plain in [
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "RRULE:FREQ=DAILY;INTERVAL=3;UNTIL=20300101T000000Z",
            "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,TU",
        ] {
            assert!(series(plain).expect("readable").plain.is_some(), "{plain}");
        }
        for other in [
            "RRULE:FREQ=WEEKLY;COUNT=10",
            "RRULE:FREQ=MONTHLY",
            "RRULE:FREQ=WEEKLY;BYDAY=1MO",
            "RRULE:FREQ=DAILY;BYHOUR=9,15",
            "RRULE:freq=daily",
            "RRULE:FREQ=DAILY;INTERVAL=+2",
        ] {
            assert!(series(other).expect("readable").plain.is_none(), "{other}");
        }
        // A daily rule stepping whole weeks onto weekdays it never meets has no occurrences
        // after its first (rrule gives up after its loop limit; the walk sees it at once).
        let never = series("RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU").expect("readable");
        let from = start + TimeDelta::days(800);
        assert_eq!(
            never.occurrences(from, from + TimeDelta::days(60)),
            Vec::new()
        );
        // What rrule refuses is refused when walked too.
        for refused in [
            "RRULE:FREQ=DAILY;UNTIL=20231231T000000Z",
            "RRULE:FREQ=DAILY;FREQ=WEEKLY",
        ] {
            assert!(series(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_series_begun_years_ago_skips_to_the_window_only_when_its_rules_allow() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid");
        let start = day("2024-01-01").and_hms_opt(9, 0, 0).expect("valid");
        let lines = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let skip = |l: &[&str]| Skip::of(&lines(l), start).map(|s| s.period_days);
        assert_eq!(skip(&["RRULE:FREQ=WEEKLY;BYDAY=MO,WE"]), Some(7));
        assert_eq!(skip(&["RRULE:FREQ=WEEKLY;INTERVAL=2"]), Some(14));
        assert_eq!(skip(&["RRULE:FREQ=DAILY;UNTIL=20300101T000000Z"]), Some(1));
        assert_eq!(
            skip(&["RRULE:FREQ=DAILY;COUNT=900"]),
            None,
            "COUNT counts from the first"
        );
        assert_eq!(skip(&["RRULE:FREQ=MONTHLY"]), None);
        assert_eq!(skip(&["EXRULE:FREQ=DAILY"]), None);
        assert_eq!(skip(&["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"]), None);
        let weekly = Skip::of(&lines(&["RRULE:FREQ=WEEKLY"]), start).expect("valid");
        let from = Utc
            .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
            .single()
            .expect("valid");
        assert!(
            weekly
                .rules_before(&lines(&["RRULE:FREQ=WEEKLY"]), from, 2, Tz::UTC, false)
                .is_some()
        );
        let soon = Utc
            .with_ymd_and_hms(2024, 1, 10, 0, 0, 0)
            .single()
            .expect("valid");
        assert!(
            weekly
                .rules_before(&lines(&["RRULE:FREQ=WEEKLY"]), soon, 2, Tz::UTC, false)
                .is_none(),
            "too little to skip"
        );
    }

    #[test]
    fn unreadable_recurrence_is_refused_without_quoting_the_event() {
        let from = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let to = from + TimeDelta::days(30);
        let start = EventDateTime::utc(from);
        let end = EventDateTime::utc(from + TimeDelta::hours(1));
        for line in [
            "RRULE:FREQ=PRIVATEMEETING",
            "EXDATE;TZID=Private/Clinic:20260302T090000",
            "EXDATE-PRIVATE",
        ] {
            let mut master = Event::new("x", start.clone(), end.clone()).with_recurrence(line);
            master.id = Some("series1".into());
            match expand(vec![master], from, to, Tz::UTC) {
                Err(Error::Validation { field, reason }) => {
                    assert!(field.starts_with("recurrence"), "{field}");
                    assert!(!reason.to_ascii_lowercase().contains("private"), "{reason}");
                }
                other => panic!("{line}: expected a validation error, got {other:?}"),
            }
        }
    }
}
