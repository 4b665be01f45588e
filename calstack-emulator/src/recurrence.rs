//! Recurring events: turning a master's `start`/`end` and `recurrence` lines (RRULE, EXRULE,
//! RDATE, EXDATE) into occurrences with the `rrule` crate, and Google's instance ids
//! (`<masterId>_20240513T130000Z` for timed series, `<masterId>_20240513` for all-day ones).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::time::{EventTime, midnight, parse_tz};

/// Occurrences listed when the caller gives no upper bound.
pub(crate) const UNBOUNDED_LIMIT: usize = 1000;
/// Hard stop for rule iteration, whatever the window.
const ITERATION_CAP: usize = 100_000;

/// A parsed recurring series.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    start: EventTime,
    duration: TimeDelta,
    rules: Option<rrule::RRuleSet>,
    rdates: Vec<Occ>,
    exdates: BTreeSet<Occ>,
}

/// One occurrence's original start: an instant for timed series, a date for all-day ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Occ {
    /// All-day occurrence.
    Date(NaiveDate),
    /// Timed occurrence.
    At(DateTime<Utc>),
}

impl Occ {
    /// The instant the occurrence starts (all-day: midnight in `calendar_tz`).
    pub(crate) fn instant(self, calendar_tz: Tz) -> DateTime<Utc> {
        match self {
            Self::Date(d) => midnight(d, calendar_tz),
            Self::At(t) => t,
        }
    }

    /// The suffix Google appends to the master id.
    pub(crate) fn id_suffix(self) -> String {
        match self {
            Self::Date(d) => d.format("%Y%m%d").to_string(),
            Self::At(t) => t.format("%Y%m%dT%H%M%SZ").to_string(),
        }
    }
}

/// `<master>_<suffix>`.
pub(crate) fn instance_id(master_id: &str, occ: Occ) -> String {
    format!("{master_id}_{}", occ.id_suffix())
}

/// Splits an instance id into master id and original start.
pub(crate) fn parse_instance_id(id: &str) -> Option<(&str, Occ)> {
    let (master, suffix) = id.rsplit_once('_')?;
    if master.is_empty() {
        return None;
    }
    if suffix.len() == 8 {
        return NaiveDate::parse_from_str(suffix, "%Y%m%d")
            .ok()
            .map(|d| (master, Occ::Date(d)));
    }
    let naive = NaiveDateTime::parse_from_str(suffix, "%Y%m%dT%H%M%SZ").ok()?;
    Some((master, Occ::At(Utc.from_utc_datetime(&naive))))
}

/// Parses one RDATE/EXDATE line's values.
fn parse_date_line(line: &str, zone: Tz, all_day: bool) -> Result<Vec<Occ>, String> {
    let (head, values) = line
        .split_once(':')
        .ok_or_else(|| format!("Invalid recurrence line: {line}"))?;
    let mut line_zone = zone;
    for param in head.split(';').skip(1) {
        if let Some(name) = param.strip_prefix("TZID=") {
            line_zone =
                parse_tz(name).ok_or_else(|| format!("Unknown TZID in recurrence line: {line}"))?;
        }
    }
    let mut out = Vec::new();
    for value in values.split(',').filter(|v| !v.is_empty()) {
        let occ = if value.len() == 8 {
            let d = NaiveDate::parse_from_str(value, "%Y%m%d")
                .map_err(|_| format!("Invalid date in recurrence line: {line}"))?;
            if all_day {
                Occ::Date(d)
            } else {
                Occ::At(midnight(d, line_zone))
            }
        } else {
            let (text, utc) = match value.strip_suffix('Z') {
                Some(t) => (t, true),
                None => (value, false),
            };
            let naive = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
                .map_err(|_| format!("Invalid date-time in recurrence line: {line}"))?;
            let instant = if utc {
                Utc.from_utc_datetime(&naive)
            } else {
                line_zone
                    .from_local_datetime(&naive)
                    .earliest()
                    .ok_or_else(|| format!("Invalid local time in recurrence line: {line}"))?
                    .with_timezone(&Utc)
            };
            if all_day {
                Occ::Date(instant.with_timezone(&line_zone).date_naive())
            } else {
                Occ::At(instant)
            }
        };
        out.push(occ);
    }
    Ok(out)
}

/// Rewrites a date-only `UNTIL=` to the end of that day in UTC so DTSTART and UNTIL types agree.
fn normalize_rule(line: &str) -> String {
    line.split(';')
        .map(|part| match part.strip_prefix("UNTIL=") {
            Some(v) if v.len() == 8 => format!("UNTIL={v}T235959Z"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

impl Series {
    /// Parses a master's timing and recurrence lines. Timed series need a zone (the start's
    /// `timeZone`, as Google requires); `calendar_tz` places all-day occurrences.
    pub(crate) fn parse(
        start: EventTime,
        end: EventTime,
        lines: &[String],
        calendar_tz: Tz,
    ) -> Result<Self, String> {
        let zone = match start {
            EventTime::DateTime(_, Some(tz)) => tz,
            EventTime::DateTime(_, None) => {
                return Err("Missing time zone definition for start time.".into());
            }
            EventTime::Date(_) => calendar_tz,
        };
        let all_day = start.is_all_day();
        let duration = end.instant(calendar_tz) - start.instant(calendar_tz);
        let dtstart = match start {
            EventTime::Date(d) => format!("DTSTART:{}T000000Z", d.format("%Y%m%d")),
            EventTime::DateTime(t, _) => format!(
                "DTSTART;TZID={}:{}",
                zone.name(),
                t.with_timezone(&zone).format("%Y%m%dT%H%M%S")
            ),
        };
        let mut rules = Vec::new();
        let mut rdates = Vec::new();
        let mut exdates = BTreeSet::new();
        for raw in lines {
            let line = raw.trim();
            let name = line
                .split([':', ';'])
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            match name.as_str() {
                "RRULE" | "EXRULE" => rules.push(normalize_rule(line)),
                "RDATE" => rdates.extend(parse_date_line(line, zone, all_day)?),
                "EXDATE" => exdates.extend(parse_date_line(line, zone, all_day)?),
                _ => return Err(format!("Invalid recurrence line: {line}")),
            }
        }
        let rules = if rules.is_empty() {
            None
        } else {
            let text = format!("{dtstart}\n{}", rules.join("\n"));
            Some(
                text.parse::<rrule::RRuleSet>()
                    .map_err(|e| format!("Invalid recurrence rule: {e}"))?,
            )
        };
        Ok(Self {
            start,
            duration,
            rules,
            rdates,
            exdates,
        })
    }

    /// How long each occurrence lasts.
    pub(crate) fn duration(&self) -> TimeDelta {
        self.duration
    }

    fn first(&self) -> Occ {
        match self.start {
            EventTime::Date(d) => Occ::Date(d),
            EventTime::DateTime(t, _) => Occ::At(t),
        }
    }

    fn to_occ(&self, t: DateTime<Utc>) -> Occ {
        match self.start {
            EventTime::Date(_) => Occ::Date(t.date_naive()),
            EventTime::DateTime(..) => Occ::At(t),
        }
    }

    /// Occurrences overlapping `[from, to)` (end after `from`, start before `to`), in order, at
    /// most `limit` of them (`UNBOUNDED_LIMIT` applies when `to` is absent).
    pub(crate) fn occurrences(
        &self,
        calendar_tz: Tz,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Vec<Occ> {
        let limit = if to.is_none() {
            limit.min(UNBOUNDED_LIMIT)
        } else {
            limit
        };
        let mut all = BTreeSet::new();
        all.insert(self.first());
        all.extend(self.rdates.iter().copied());
        if let Some(set) = self.rules.clone() {
            {
                let mut in_window = 0usize;
                for (n, dt) in set.into_iter().enumerate() {
                    if n >= ITERATION_CAP {
                        break;
                    }
                    let occ = self.to_occ(dt.with_timezone(&Utc));
                    let start = occ.instant(calendar_tz);
                    if to.is_some_and(|to| start >= to) {
                        break;
                    }
                    if from.is_none_or(|from| start + self.duration > from) {
                        in_window += 1;
                    }
                    all.insert(occ);
                    if in_window > limit.saturating_add(self.exdates.len()) {
                        break;
                    }
                }
            }
        }
        all.into_iter()
            .filter(|occ| !self.exdates.contains(occ))
            .filter(|occ| {
                let start = occ.instant(calendar_tz);
                from.is_none_or(|from| start + self.duration > from)
                    && to.is_none_or(|to| start < to)
            })
            .take(limit)
            .collect()
    }

    /// Whether `occ` is one of the series' occurrences.
    pub(crate) fn contains(&self, occ: Occ, calendar_tz: Tz) -> bool {
        let at = occ.instant(calendar_tz);
        self.occurrences(calendar_tz, Some(at), Some(at + TimeDelta::seconds(1)), 4)
            .contains(&occ)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_event_time, parse_rfc3339};
    use serde_json::json;

    fn standup() -> Series {
        let start = parse_event_time(
            &json!({"dateTime": "2024-04-01T09:00:00-04:00", "timeZone": "America/New_York"}),
            "start",
        )
        .expect("valid start");
        let end = parse_event_time(
            &json!({"dateTime": "2024-04-01T09:15:00-04:00", "timeZone": "America/New_York"}),
            "end",
        )
        .expect("valid end");
        Series::parse(
            start,
            end,
            &[
                "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20240630T035959Z".to_owned(),
                "EXDATE;TZID=America/New_York:20240506T090000".to_owned(),
            ],
            Tz::UTC,
        )
        .expect("valid series")
    }

    #[test]
    fn weekly_rule_skips_exdate_and_ids_use_utc() {
        let series = standup();
        let may = series.occurrences(
            Tz::UTC,
            parse_rfc3339("2024-05-05T00:00:00Z"),
            parse_rfc3339("2024-05-14T00:00:00Z"),
            100,
        );
        let ids: Vec<String> = may.iter().map(|o| instance_id("r5u0", *o)).collect();
        assert_eq!(ids, ["r5u0_20240508T130000Z", "r5u0_20240513T130000Z"]);
    }

    #[test]
    fn rule_ends_at_until() {
        let all = standup().occurrences(Tz::UTC, None, None, 1000);
        // April 1 to June 29 2024: 26 Mondays/Wednesdays minus one EXDATE.
        assert_eq!(all.len(), 25);
    }

    #[test]
    fn instance_id_round_trips() {
        let (master, occ) = parse_instance_id("abc_def_20240513T130000Z").expect("instance id");
        assert_eq!(master, "abc_def");
        assert_eq!(instance_id(master, occ), "abc_def_20240513T130000Z");
        assert!(matches!(
            parse_instance_id("abcde_20240704"),
            Some(("abcde", Occ::Date(_)))
        ));
    }
}
