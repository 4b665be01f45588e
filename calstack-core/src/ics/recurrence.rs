//! RRULE / EXRULE / RDATE / EXDATE of a series, rewritten into lines Google takes: zones as
//! IANA names, floating dates anchored in the event's zone, and `RDATE;VALUE=PERIOD` turned
//! into plain RDATEs at each period's start.

use chrono_tz::Tz;

use super::lexer::{Component, Property};
use super::values::{RawTime, parse_time};
use super::zones::Zones;

/// The recurrence lines of `vevent`; `zone` is the event's own zone (for floating dates).
/// `notes` gets what was changed. Errors: `(property, reason)`.
pub(crate) fn recurrence_lines(
    vevent: &Component,
    zone: Option<Tz>,
    zones: &mut Zones,
    notes: &mut Vec<String>,
) -> Result<Vec<String>, (String, String)> {
    let mut lines = Vec::new();
    for p in &vevent.properties {
        match p.name.as_str() {
            "RRULE" | "EXRULE" => {
                let rule = p.value.trim();
                if rule.is_empty() || !rule.to_ascii_uppercase().contains("FREQ=") {
                    return Err((p.name.clone(), format!("{rule:?} has no FREQ")));
                }
                lines.push(format!("{}:{rule}", p.name));
            }
            "RDATE" | "EXDATE" => {
                lines.extend(date_list(p, zone, zones, notes).map_err(|r| (p.name.clone(), r))?);
            }
            _ => {}
        }
    }
    Ok(lines)
}

/// One RDATE/EXDATE property as one line per kind of value (dates, UTC, zoned).
fn date_list(
    p: &Property,
    zone: Option<Tz>,
    zones: &mut Zones,
    notes: &mut Vec<String>,
) -> Result<Vec<String>, String> {
    let period = p
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"));
    let mut dates = Vec::new();
    let mut utc = Vec::new();
    let mut local = Vec::new();
    for item in p.value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let first = if period {
            item.split('/').next().unwrap_or(item)
        } else {
            item
        };
        match parse_time(first)? {
            RawTime::Date(_) => dates.push(first.to_owned()),
            RawTime::Utc(_) => utc.push(first.to_ascii_uppercase()),
            RawTime::Local(naive) => local.push((first.to_owned(), naive)),
        }
    }
    if period {
        notes.push(format!(
            "line {}: RDATE;VALUE=PERIOD read as occurrences at each period's start (the event's own length applies)",
            p.line
        ));
    }
    let mut out = Vec::new();
    if !dates.is_empty() {
        out.push(format!("{};VALUE=DATE:{}", p.name, dates.join(",")));
    }
    if !utc.is_empty() {
        out.push(format!("{}:{}", p.name, utc.join(",")));
    }
    if let Some((_, near)) = local.first() {
        let tz = match p.param("TZID") {
            Some(tzid) => zones.resolve(tzid, *near)?,
            None => zone.unwrap_or(zones.floating),
        };
        let values: Vec<&str> = local.iter().map(|(v, _)| v.as_str()).collect();
        out.push(format!(
            "{};TZID={}:{}",
            p.name,
            tz.name(),
            values.join(",")
        ));
    }
    if out.is_empty() {
        return Err("has no dates".into());
    }
    Ok(out)
}
