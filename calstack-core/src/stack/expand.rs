//! Local recurrence expansion: a recurring master plus its exceptions (as Google lists them
//! with `singleEvents=false`) turned into exactly the instances Google lists with
//! `singleEvents=true` over a window: RRULE/RDATE/EXDATE lines (with the `rrule` crate),
//! cancelled and moved instances, all-day series, series across DST changes, UNTIL and COUNT,
//! instance ids `<id>_<YYYYMMDDTHHMMSSZ>` (timed) or `<id>_<YYYYMMDD>` (all-day),
//! `originalStartTime` and `recurringEventId`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::busy::{local_instant, midnight, span};
use crate::calendar::{Event, EventDateTime, When};
use crate::error::{Error, Result};

/// Rule iterations allowed per series and window, whatever the rule says.
const ITERATION_CAP: usize = 200_000;

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
        match self {
            Self::Date(d) => d.format("%Y%m%d").to_string(),
            Self::At(t) => t.format("%Y%m%dT%H%M%SZ").to_string(),
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
/// A master whose recurrence cannot be read is [`Error::Validation`] on `recurrence`.
pub fn expand(
    events: Vec<Event>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar_zone: Tz,
) -> Result<Vec<Event>> {
    let shared = events.into_iter().map(Arc::new).collect();
    Ok(expand_shared(shared, from, to, calendar_zone)?
        .into_iter()
        .map(Arc::unwrap_or_clone)
        .collect())
}

/// [`expand`] over shared events: events that pass through unchanged (single events,
/// exceptions) are handed on without a copy; only new instances are built.
pub(crate) fn expand_shared(
    events: Vec<Arc<Event>>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar_zone: Tz,
) -> Result<Vec<Arc<Event>>> {
    let is_master = |e: &Event| {
        e.recurring_event_id.is_none() && e.recurrence.as_ref().is_some_and(|r| !r.is_empty())
    };
    let master_ids: HashSet<&str> = events
        .iter()
        .filter(|e| is_master(e))
        .filter_map(|e| e.id.as_deref())
        .collect();
    let mut masters = Vec::new();
    let mut exceptions: HashMap<String, HashMap<Occurrence, Arc<Event>>> = HashMap::new();
    let mut out = Vec::with_capacity(events.len());
    for event in &events {
        if is_master(event) {
            masters.push(Arc::clone(event));
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
                .insert(original, Arc::clone(event));
            continue;
        }
        if !event.is_cancelled() && overlaps(event, from, to, calendar_zone) {
            out.push(Arc::clone(event));
        }
    }
    for master in masters {
        if master.is_cancelled() {
            continue;
        }
        let mut own = master
            .id
            .as_ref()
            .and_then(|id| exceptions.remove(id))
            .unwrap_or_default();
        out.extend(instances(&master, &mut own, from, to, calendar_zone)?);
    }
    out.sort_by_cached_key(|e| span(e, calendar_zone).map(|s| (s.start, s.end)));
    Ok(out)
}

/// The instances of one master in the window; `exceptions` are keyed by original start.
fn instances(
    master: &Event,
    exceptions: &mut HashMap<Occurrence, Arc<Event>>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar_zone: Tz,
) -> Result<Vec<Arc<Event>>> {
    let series = Series::parse(master, calendar_zone)?;
    let mut out = Vec::new();
    for occ in series.occurrences(from, to) {
        match exceptions.remove(&occ) {
            Some(exception) => {
                if !exception.is_cancelled() && overlaps(&exception, from, to, calendar_zone) {
                    out.push(exception);
                }
            }
            None => out.push(Arc::new(series.instance(master, occ))),
        }
    }
    // Instances moved into the window from an original time outside it.
    for (occ, exception) in exceptions.drain() {
        if !exception.is_cancelled()
            && series.contains(occ)
            && overlaps(&exception, from, to, calendar_zone)
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
    span(event, zone).is_some_and(|s| {
        let end = if s.end == s.start {
            s.end + TimeDelta::milliseconds(1)
        } else {
            s.end
        };
        end > from && s.start < to
    })
}

/// A master's timing and rules.
struct Series {
    first: Occurrence,
    /// The zone timed occurrences are rendered in (the start's `timeZone`).
    zone: Tz,
    /// Where all-day occurrences begin.
    calendar_zone: Tz,
    duration: TimeDelta,
    all_day_days: i64,
    rules: Option<rrule::RRuleSet>,
    rdates: Vec<Occurrence>,
    exdates: BTreeSet<Occurrence>,
}

impl Series {
    fn parse(master: &Event, calendar_zone: Tz) -> Result<Self> {
        let when = |t: &Option<EventDateTime>, field: &str| {
            t.as_ref()
                .ok_or_else(|| Error::validation(field, "a recurring event needs it"))?
                .when()
        };
        let (start, end) = (when(&master.start, "start")?, when(&master.end, "end")?);
        let zone = match start {
            When::Timed { time_zone, .. } => time_zone.unwrap_or(calendar_zone),
            When::AllDay(_) => Tz::UTC,
        };
        let (duration, all_day_days) = match (start, end) {
            (When::AllDay(s), When::AllDay(e)) => (TimeDelta::zero(), (e - s).num_days()),
            (s, e) => (e.to_utc() - s.to_utc(), 0),
        };
        let dtstart = match start {
            When::AllDay(d) => format!("DTSTART:{}T000000Z", d.format("%Y%m%d")),
            When::Timed { at, .. } => format!(
                "DTSTART;TZID={}:{}",
                zone.name(),
                at.with_timezone(&zone).format("%Y%m%dT%H%M%S")
            ),
        };
        let all_day = start.is_all_day();
        let mut rules = Vec::new();
        let mut rdates = Vec::new();
        let mut exdates = BTreeSet::new();
        for (i, raw) in master.recurrence.iter().flatten().enumerate() {
            let field = format!("recurrence[{i}]");
            let line = raw.trim();
            let name = line.split([':', ';']).next().unwrap_or("");
            match name.to_ascii_uppercase().as_str() {
                "RRULE" | "EXRULE" => rules.push(until_as_utc(line)),
                "RDATE" => rdates.extend(date_line(line, zone, all_day, &field)?),
                "EXDATE" => exdates.extend(date_line(line, zone, all_day, &field)?),
                _ => {
                    return Err(Error::validation(
                        field,
                        "not an RRULE, RDATE or EXDATE line",
                    ));
                }
            }
        }
        let rules = if rules.is_empty() {
            None
        } else {
            let text = format!("{dtstart}\n{}", rules.join("\n"));
            Some(
                text.parse::<rrule::RRuleSet>()
                    // rrule's message quotes the rule (the event's contents): not kept.
                    .map_err(|_| Error::validation("recurrence", "the RRULE does not parse"))?,
            )
        };
        Ok(Self {
            first: Occurrence::of(start),
            zone,
            calendar_zone,
            duration,
            all_day_days,
            rules,
            rdates,
            exdates,
        })
    }

    /// Where an occurrence starts and ends.
    fn bounds(&self, occ: Occurrence) -> (DateTime<Utc>, DateTime<Utc>) {
        match occ {
            Occurrence::Date(d) => {
                let end = d + TimeDelta::days(self.all_day_days);
                (
                    midnight(d, self.calendar_zone),
                    midnight(end, self.calendar_zone),
                )
            }
            Occurrence::At(t) => (t, t + self.duration),
        }
    }

    /// Occurrences (by original start) overlapping `[from, to)`, in order, EXDATEs removed.
    fn occurrences(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
        let mut all = BTreeSet::new();
        all.insert(self.first);
        all.extend(self.rdates.iter().copied());
        if let Some(set) = self.rules.clone() {
            for dt in set.into_iter().take(ITERATION_CAP) {
                let occ = match self.first {
                    Occurrence::Date(_) => Occurrence::Date(dt.with_timezone(&Utc).date_naive()),
                    Occurrence::At(_) => Occurrence::At(dt.with_timezone(&Utc)),
                };
                if self.bounds(occ).0 >= to {
                    break;
                }
                all.insert(occ);
            }
        }
        all.into_iter()
            .filter(|occ| !self.exdates.contains(occ))
            .filter(|&occ| {
                let (start, end) = self.bounds(occ);
                let end = if end == start {
                    end + TimeDelta::milliseconds(1)
                } else {
                    end
                };
                end > from && start < to
            })
            .collect()
    }

    /// Whether `occ` is an occurrence of the series.
    fn contains(&self, occ: Occurrence) -> bool {
        let (start, _) = self.bounds(occ);
        self.occurrences(start, start + TimeDelta::seconds(1))
            .contains(&occ)
    }

    /// The instance of `master` at `occ`, as Google lists it.
    fn instance(&self, master: &Event, occ: Occurrence) -> Event {
        let mut instance = master.clone();
        instance.recurrence = None;
        let master_id = master.id.clone().unwrap_or_default();
        instance.id = Some(format!("{master_id}_{}", occ.id_suffix()));
        let like = |template: &Option<EventDateTime>, at: When| {
            let zone_name = template.as_ref().and_then(|t| t.time_zone.clone());
            let mut out = match at {
                When::AllDay(d) => EventDateTime::all_day(d),
                When::Timed { at, .. } => EventDateTime::timed(at, None),
            };
            out.time_zone = zone_name;
            out
        };
        let (start, end) = match occ {
            Occurrence::Date(d) => (
                When::AllDay(d),
                When::AllDay(d + TimeDelta::days(self.all_day_days)),
            ),
            Occurrence::At(t) => {
                let timed = |i: DateTime<Utc>| When::Timed {
                    at: i.with_timezone(&self.zone).fixed_offset(),
                    time_zone: None,
                };
                (timed(t), timed(t + self.duration))
            }
        };
        let start = like(&master.start, start);
        instance.end = Some(like(&master.end, end));
        instance.original_start_time = Some(start.clone());
        instance.start = Some(start);
        instance.recurring_event_id = Some(master_id);
        instance
    }
}

/// Rewrites a date-only `UNTIL=` to the last second of that day in UTC, so it agrees with a
/// date-time DTSTART (as RFC 5545 asks).
fn until_as_utc(line: &str) -> String {
    line.split(';')
        .map(|part| match part.strip_prefix("UNTIL=") {
            Some(v) if v.len() == 8 => format!("UNTIL={v}T235959Z"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The values of one RDATE or EXDATE line (`EXDATE;TZID=Europe/Zurich:20260504T090000,…`).
fn date_line(line: &str, zone: Tz, all_day: bool, field: &str) -> Result<Vec<Occurrence>> {
    // The line is the event's contents: never quoted in the error.
    let bad = |why: &str| Error::validation(field, why.to_owned());
    let (head, values) = line.split_once(':').ok_or_else(|| bad("no values"))?;
    let mut line_zone = zone;
    for param in head.split(';').skip(1) {
        if let Some(name) = param.strip_prefix("TZID=") {
            line_zone = name.parse().map_err(|_| bad("unknown TZID"))?;
        }
    }
    let mut out = Vec::new();
    for value in values.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        let occ = if value.len() == 8 {
            let date = NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| bad("bad date"))?;
            if all_day {
                Occurrence::Date(date)
            } else {
                Occurrence::At(midnight(date, line_zone))
            }
        } else {
            let (text, utc) = match value.strip_suffix('Z') {
                Some(t) => (t, true),
                None => (value, false),
            };
            let naive = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
                .map_err(|_| bad("bad date-time"))?;
            let instant = if utc {
                Utc.from_utc_datetime(&naive)
            } else {
                local_instant(naive, line_zone)
            };
            if all_day {
                Occurrence::Date(instant.with_timezone(&line_zone).date_naive())
            } else {
                Occurrence::At(instant)
            }
        };
        out.push(occ);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
