//! A `VTIMEZONE` as the file defines it: its observances (`STANDARD` / `DAYLIGHT`), their
//! yearly rules expanded into transitions, and the UTC offset it gives at any instant. Used to
//! find the IANA zone that matches a definition whose `TZID` is not an IANA name.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};

use super::error::IcsError;
use super::lexer::Component;
use super::values::{RawTime, parse_offset, parse_time, unescape_text};

/// A yearly rule (`FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`), the shape VTIMEZONEs use.
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearlyRule {
    months: Vec<u32>,
    /// `(ordinal, weekday)`; ordinal 0 means every such weekday (filtered by month days).
    days: Vec<(i8, Weekday)>,
    month_days: Vec<u32>,
    until: Option<NaiveDateTime>,
    count: Option<usize>,
}

/// One `STANDARD` or `DAYLIGHT` block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    /// Local onset (`DTSTART`, in the offset before the change).
    onset: NaiveDateTime,
    from: i32,
    to: i32,
    rule: Option<YearlyRule>,
    extra_onsets: Vec<NaiveDateTime>,
}

/// A parsed `VTIMEZONE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TzDefinition {
    /// Its `TZID`.
    pub(crate) tzid: String,
    observances: Vec<Observance>,
}

impl TzDefinition {
    /// Reads a `VTIMEZONE` component.
    pub(crate) fn from_component(c: &Component) -> Result<Self, IcsError> {
        let tzid = unescape_text(c.value("TZID").unwrap_or("").trim());
        let fail = |line: usize, property: &str, reason: String| IcsError::Invalid {
            line,
            component: format!("VTIMEZONE {tzid}"),
            property: property.to_owned(),
            reason,
        };
        if tzid.is_empty() {
            return Err(fail(c.line, "TZID", "missing".into()));
        }
        let mut observances = Vec::new();
        for o in c
            .children
            .iter()
            .filter(|o| o.name == "STANDARD" || o.name == "DAYLIGHT")
        {
            let get = |name: &str| {
                o.property(name)
                    .ok_or_else(|| fail(o.line, name, "missing".into()))
            };
            let start = get("DTSTART")?;
            let onset = parse_time(&start.value)
                .map_err(|r| fail(start.line, "DTSTART", r))?
                .naive();
            let from_p = get("TZOFFSETFROM")?;
            let from =
                parse_offset(&from_p.value).map_err(|r| fail(from_p.line, "TZOFFSETFROM", r))?;
            let to_p = get("TZOFFSETTO")?;
            let to = parse_offset(&to_p.value).map_err(|r| fail(to_p.line, "TZOFFSETTO", r))?;
            let rule = o.property("RRULE").and_then(|p| parse_yearly(&p.value));
            let extra_onsets = o
                .all("RDATE")
                .flat_map(|p| p.value.split(','))
                .filter_map(|v| parse_time(v.split('/').next().unwrap_or(v)).ok())
                .map(RawTime::naive)
                .collect();
            observances.push(Observance {
                onset,
                from,
                to,
                rule,
                extra_onsets,
            });
        }
        if observances.is_empty() {
            return Err(fail(
                c.line,
                "STANDARD",
                "no STANDARD or DAYLIGHT block".into(),
            ));
        }
        Ok(Self { tzid, observances })
    }

    /// Transitions up to `until` (UTC), sorted: `(instant in UTC, offset after)`.
    pub(crate) fn transitions(&self, until: NaiveDateTime) -> Vec<(NaiveDateTime, i32)> {
        let mut out = Vec::new();
        for o in &self.observances {
            let shift = TimeDelta::seconds(i64::from(o.from));
            let mut push = |local: NaiveDateTime| {
                if let Some(utc) = local.checked_sub_signed(shift) {
                    out.push((utc, o.to));
                }
            };
            push(o.onset);
            for extra in &o.extra_onsets {
                push(*extra);
            }
            if let Some(rule) = &o.rule {
                for local in expand(rule, o.onset, until) {
                    push(local);
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The UTC offset (seconds east) at `utc`, given `transitions` from [`Self::transitions`].
    pub(crate) fn offset_at(
        &self,
        transitions: &[(NaiveDateTime, i32)],
        utc: NaiveDateTime,
    ) -> i32 {
        let i = transitions.partition_point(|(t, _)| *t <= utc);
        match i.checked_sub(1).and_then(|j| transitions.get(j)) {
            Some((_, to)) => *to,
            None => self
                .observances
                .iter()
                .min_by_key(|o| o.onset)
                .map_or(0, |o| o.from),
        }
    }

    /// Whether the zone ever changes offset.
    pub(crate) fn has_changes(&self) -> bool {
        self.observances
            .iter()
            .any(|o| o.from != o.to || o.to != self.observances[0].to)
    }
}

fn parse_yearly(value: &str) -> Option<YearlyRule> {
    let mut rule = YearlyRule {
        months: Vec::new(),
        days: Vec::new(),
        month_days: Vec::new(),
        until: None,
        count: None,
    };
    let mut yearly = false;
    for part in value.split(';') {
        let (key, val) = part.split_once('=')?;
        match key.trim().to_ascii_uppercase().as_str() {
            "FREQ" => yearly = val.eq_ignore_ascii_case("YEARLY"),
            "BYMONTH" => rule.months = numbers(val, 1..=12),
            "BYMONTHDAY" => rule.month_days = numbers(val, 1..=31),
            "BYDAY" => {
                rule.days = val.split(',').filter_map(by_day).collect();
                rule.days
                    .sort_by_key(|(n, d)| (*n, d.num_days_from_monday()));
                rule.days.dedup();
            }
            "UNTIL" => rule.until = parse_time(val).ok().map(RawTime::naive),
            "COUNT" => rule.count = val.trim().parse().ok(),
            "INTERVAL" if val.trim() != "1" => return None,
            "WKST" | "INTERVAL" => {}
            _ => return None,
        }
    }
    yearly.then_some(rule)
}

/// The distinct numbers of a list that lie in `range` (a hostile list stays small).
fn numbers(list: &str, range: std::ops::RangeInclusive<u32>) -> Vec<u32> {
    let mut out: Vec<u32> = list
        .split(',')
        .filter_map(|m| m.trim().parse().ok())
        .filter(|m| range.contains(m))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn by_day(text: &str) -> Option<(i8, Weekday)> {
    let t = text.trim().to_ascii_uppercase();
    let split = t.len().checked_sub(2)?;
    let (n, day) = t.split_at(split);
    let weekday = super::values::weekday(day)?;
    let n = if n.is_empty() {
        0
    } else {
        n.trim_start_matches('+').parse().ok()?
    };
    Some((n, weekday))
}

/// Local onsets of `rule` after `onset`, up to `until`.
fn expand(rule: &YearlyRule, onset: NaiveDateTime, until: NaiveDateTime) -> Vec<NaiveDateTime> {
    let months = if rule.months.is_empty() {
        vec![onset.month()]
    } else {
        rule.months.clone()
    };
    let mut out = Vec::new();
    // Without COUNT, only the last few years before `until` can matter for the offsets asked
    // about, so a rule starting in 1601 is not walked year by year.
    let last_year = rule
        .until
        .map_or(until.year(), |u| u.year().min(until.year()));
    let first_year = match rule.count {
        Some(_) => onset.year(),
        None => onset.year().max(last_year.saturating_sub(3)),
    };
    for year in first_year..=until.year().max(onset.year()) {
        for &month in &months {
            for day in days_of(rule, year, month, onset.day()) {
                let at = day.and_time(onset.time());
                if at <= onset || at > until || rule.until.is_some_and(|u| at > u) {
                    continue;
                }
                if rule.count.is_some_and(|c| out.len() + 1 >= c) {
                    return out;
                }
                out.push(at);
            }
        }
    }
    out
}

fn days_of(rule: &YearlyRule, year: i32, month: u32, onset_day: u32) -> Vec<NaiveDate> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return Vec::new();
    };
    let all: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| d.month() == month)
        .collect();
    let mut picked: Vec<NaiveDate> = Vec::new();
    for &(n, weekday) in &rule.days {
        let matching: Vec<NaiveDate> = all
            .iter()
            .copied()
            .filter(|d| d.weekday() == weekday)
            .collect();
        match n {
            0 => picked.extend(matching),
            n if n > 0 => picked.extend(matching.get(usize::from(n.unsigned_abs()) - 1)),
            n => picked.extend(
                matching
                    .len()
                    .checked_sub(usize::from(n.unsigned_abs()))
                    .and_then(|i| matching.get(i)),
            ),
        }
    }
    if !rule.month_days.is_empty() {
        let by_month_day = |d: &NaiveDate| rule.month_days.contains(&d.day());
        picked = if rule.days.is_empty() {
            all.into_iter().filter(by_month_day).collect()
        } else {
            picked.into_iter().filter(by_month_day).collect()
        };
    } else if rule.days.is_empty() {
        picked.extend(NaiveDate::from_ymd_opt(year, month, onset_day));
    }
    picked.sort();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::lexer::calendars;

    const BERLIN: &str = "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Western/Central Europe\nBEGIN:STANDARD\nDTSTART:16011028T030000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:16010325T020000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\nEND:VCALENDAR\n";

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("valid")
    }

    #[test]
    fn outlook_style_rules_give_the_right_offsets() {
        let cal = calendars(BERLIN).expect("parses");
        let def = TzDefinition::from_component(&cal[0].children[0]).expect("valid");
        let transitions = def.transitions(at("2027-01-01 00:00"));
        // 2026: summer time from March 29 01:00 UTC to October 25 01:00 UTC.
        assert_eq!(def.offset_at(&transitions, at("2026-03-29 00:59")), 3600);
        assert_eq!(def.offset_at(&transitions, at("2026-03-29 01:00")), 7200);
        assert_eq!(def.offset_at(&transitions, at("2026-10-25 00:59")), 7200);
        assert_eq!(def.offset_at(&transitions, at("2026-10-25 01:00")), 3600);
        assert!(def.has_changes());
    }
}
