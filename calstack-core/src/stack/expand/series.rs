//! A recurring master read for expansion: its first occurrence, zones, duration and rules
//! (RRULE/EXRULE through `rrule`, plain daily and weekly rules walked without it, RDATE and
//! EXDATE lines), the occurrences it has in a window, and the instances built from it.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::Occurrence;
use crate::calendar::{Event, EventDateTime, When};
use crate::error::{Error, Result};
use crate::stack::busy::{local_instant, midnight};
use crate::stack::plain_rule::{PlainRule, Refused};

/// Rule iterations allowed per series and window, whatever the rule says.
const ITERATION_CAP: usize = 200_000;

/// A master's timing and rules.
pub(super) struct Series {
    first: Occurrence,
    /// The zone timed occurrences are rendered in (the start's `timeZone`).
    zone: Tz,
    /// Where all-day occurrences begin.
    calendar_zone: Tz,
    duration: TimeDelta,
    all_day_days: i64,
    /// The rule lines under the series' own `DTSTART` (`None`: no rule lines).
    text: Option<String>,
    /// Those rules parsed, when a window needs them from the first occurrence.
    rules: OnceCell<Option<rrule::RRuleSet>>,
    /// The rules started whole periods later (see [`Skip`]), for windows from the instant
    /// kept with them on.
    windowed: Option<(DateTime<Utc>, rrule::RRuleSet)>,
    /// The rule, when it is plain enough to walk without `rrule` (then `text`, `rules` and
    /// `windowed` stay empty).
    pub(super) plain: Option<PlainRule>,
    /// Days before a window an occurrence may start and still reach into it.
    margin_days: i64,
    rdates: Vec<Occurrence>,
    exdates: BTreeSet<Occurrence>,
}

/// The rules of a series whose occurrences repeat with a fixed period of whole days (every
/// line an `RRULE` with `FREQ=DAILY` or `FREQ=WEEKLY` and no `COUNT`): moving `DTSTART` on
/// by whole periods, in the series' own wall-clock time, leaves every later occurrence where
/// it was. A window years after a series began is then expanded from a start just before
/// it, instead of iterating every occurrence since the first.
pub(super) struct Skip {
    /// The period in days (`INTERVAL` days or weeks).
    pub(super) period_days: i64,
    /// The wall-clock start (midnight of the date for all-day series).
    local_start: NaiveDateTime,
}

/// Periods worth skipping before the rules are parsed again with a later start (a parse
/// costs about what this many occurrences do).
const SKIP_AT_LEAST_DAYS: i64 = 14;

impl Skip {
    /// The skip for `lines`, if every line allows one.
    pub(super) fn of(lines: &[String], local_start: NaiveDateTime) -> Option<Self> {
        let mut period_days = None;
        for line in lines {
            let (name, rule) = line.split_once(':')?;
            if !name.eq_ignore_ascii_case("RRULE") {
                return None;
            }
            let mut days = None;
            let mut interval = 1;
            for part in rule.split(';') {
                let (key, value) = part.split_once('=')?;
                match key.to_ascii_uppercase().as_str() {
                    "FREQ" => {
                        days = match value.to_ascii_uppercase().as_str() {
                            "DAILY" => Some(1),
                            "WEEKLY" => Some(7),
                            _ => return None,
                        }
                    }
                    "INTERVAL" => interval = value.parse::<i64>().ok().filter(|n| *n > 0)?,
                    "COUNT" => return None,
                    _ => {}
                }
            }
            let line_days = days? * interval;
            // Several rules skip together only by a period common to them all.
            period_days = Some(match period_days {
                None => line_days,
                Some(p) if p == line_days => p,
                Some(_) => return None,
            });
        }
        Some(Self {
            period_days: period_days?,
            local_start,
        })
    }

    /// The rule `lines` (those [`Skip::of`] read) started whole periods later, at least
    /// `margin_days` before `from`, when that skips enough to be worth a parse.
    pub(super) fn rules_before(
        &self,
        lines: &[String],
        from: DateTime<Utc>,
        margin_days: i64,
        zone: Tz,
        all_day: bool,
    ) -> Option<rrule::RRuleSet> {
        let target = from.with_timezone(&zone).date_naive() - TimeDelta::days(margin_days);
        let gap = (target - self.local_start.date()).num_days();
        let skipped = gap.div_euclid(self.period_days) * self.period_days;
        if skipped < SKIP_AT_LEAST_DAYS {
            return None;
        }
        let start = self.local_start + TimeDelta::days(skipped);
        let dtstart = dtstart_line(start, zone, all_day);
        format!("{dtstart}\n{}", lines.join("\n")).parse().ok()
    }
}

/// The `DTSTART` line for a wall-clock start in `zone` (all-day: the date at UTC midnight).
fn dtstart_line(start: NaiveDateTime, zone: Tz, all_day: bool) -> String {
    if all_day {
        format!("DTSTART:{}T000000Z", start.format("%Y%m%d"))
    } else {
        format!(
            "DTSTART;TZID={}:{}",
            zone.name(),
            start.format("%Y%m%dT%H%M%S")
        )
    }
}

impl Series {
    /// The series of `master`, read for windows from `from` on (earlier windows work too,
    /// at the cost of a second parse).
    pub(super) fn parse(master: &Event, calendar_zone: Tz, from: DateTime<Utc>) -> Result<Self> {
        Self::parse_walking(master, calendar_zone, from, true)
    }

    /// [`Series::parse`]; with `walk_plain` false, even plain rules go to `rrule` (to hold
    /// the two to each other in tests).
    pub(super) fn parse_walking(
        master: &Event,
        calendar_zone: Tz,
        from: DateTime<Utc>,
        walk_plain: bool,
    ) -> Result<Self> {
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
        let local_start = match start {
            When::AllDay(d) => d.and_time(chrono::NaiveTime::MIN),
            When::Timed { at, .. } => at.with_timezone(&zone).naive_local(),
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
        // An occurrence starting this many days before `from` may still reach into it (its
        // length, the calendar zone's offset for all-day dates, and a day to spare).
        let margin_days = duration.num_days() + all_day_days + 2;
        let unreadable = || Error::validation("recurrence", "the RRULE does not parse");
        let plain =
            match PlainRule::of(&rules, start.to_utc(), local_start, zone).filter(|_| walk_plain) {
                Some(Ok(plain)) => Some(plain),
                Some(Err(Refused)) => return Err(unreadable()),
                None => None,
            };
        if plain.is_some() {
            rules.clear();
        }
        let windowed = Skip::of(&rules, local_start)
            .and_then(|skip| skip.rules_before(&rules, from, margin_days, zone, all_day))
            .map(|set| (from, set));
        let text = (!rules.is_empty()).then(|| {
            let dtstart = dtstart_line(local_start, zone, all_day);
            format!("{dtstart}\n{}", rules.join("\n"))
        });
        let parsed = OnceCell::new();
        if windowed.is_none()
            && let Some(text) = &text
        {
            let set = text
                .parse::<rrule::RRuleSet>()
                // rrule's message quotes the rule (the event's contents): not kept.
                .map_err(|_| unreadable())?;
            let _ = parsed.set(Some(set));
        }
        Ok(Self {
            first: Occurrence::of(start),
            zone,
            calendar_zone,
            duration,
            all_day_days,
            text,
            rules: parsed,
            windowed,
            plain,
            margin_days,
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
    pub(super) fn occurrences(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
        let mut all = BTreeSet::new();
        all.insert(self.first);
        all.extend(self.rdates.iter().copied());
        let rules = match &self.windowed {
            Some((since, set)) if from >= *since => Some(set),
            // The same lines parsed under a later start: they parse under the first one too.
            _ => self
                .rules
                .get_or_init(|| self.text.as_deref().and_then(|t| t.parse().ok()))
                .as_ref(),
        };
        if let Some(plain) = &self.plain {
            let local_from = from.with_timezone(&self.zone).date_naive();
            for at in plain.starts_from(local_from - TimeDelta::days(self.margin_days)) {
                let occ = self.occurrence(at);
                if self.bounds(occ).0 >= to {
                    break;
                }
                all.insert(occ);
            }
        } else if let Some(set) = rules {
            for dt in set.into_iter().take(ITERATION_CAP) {
                let occ = self.occurrence(dt.with_timezone(&Utc));
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

    /// The occurrence a rule's start instant names (all-day series' rules run in UTC).
    fn occurrence(&self, at: DateTime<Utc>) -> Occurrence {
        match self.first {
            Occurrence::Date(_) => Occurrence::Date(at.date_naive()),
            Occurrence::At(_) => Occurrence::At(at),
        }
    }

    /// Whether `occ` is an occurrence of the series.
    pub(super) fn contains(&self, occ: Occurrence) -> bool {
        let (start, _) = self.bounds(occ);
        self.occurrences(start, start + TimeDelta::seconds(1))
            .contains(&occ)
    }

    /// What every instance of `master` copies: the master without the fields each instance
    /// sets itself (cloned once per series, not once per instance).
    pub(super) fn template(master: &Event) -> Event {
        let mut template = master.clone();
        template.recurrence = None;
        template.id = None;
        template.start = None;
        template.end = None;
        template.original_start_time = None;
        template.recurring_event_id = None;
        template
    }

    /// The instance of `master` at `occ`, as Google lists it, built on the master's
    /// [`Series::template`].
    pub(super) fn instance(&self, template: &Event, master: &Event, occ: Occurrence) -> Event {
        let mut instance = template.clone();
        let master_id = master.id.clone().unwrap_or_default();
        let mut id = String::with_capacity(master_id.len() + 17);
        id.push_str(&master_id);
        id.push('_');
        occ.write_suffix(&mut id);
        instance.id = Some(id);
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
