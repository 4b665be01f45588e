//! A whole file → the events to import: every VEVENT of every VCALENDAR, series masters and
//! single events apart from overridden occurrences, duplicates settled by SEQUENCE.
//!
//! All-or-nothing by default: the first refused event refuses the file. With
//! [`ParseOptions::skip_invalid`], refused events are listed with their reason and the rest
//! are kept.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::error::IcsError;
use super::lexer::calendars;
use super::vevent::{Item, read_vevent, same_moment};
use super::zones::Zones;
use crate::calendar::{Event, EventDateTime};

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The zone floating times (no `Z`, no `TZID`) are read in, unless the file's
    /// `X-WR-TIMEZONE` names one. Usually the target calendar's zone.
    pub default_zone: Tz,
    /// Keep the good events and list the refused ones, instead of refusing the file.
    pub skip_invalid: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            default_zone: Tz::UTC,
            skip_invalid: false,
        }
    }
}

/// A VEVENT that was refused (only with [`ParseOptions::skip_invalid`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The event's UID, or `#n` (its position in the file) when it has none.
    pub event: String,
    /// Why.
    pub error: IcsError,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// What a file holds, ready to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedIcs {
    /// Single events and series masters, each with `iCalUID`, `start` and `end` set.
    pub events: Vec<Event>,
    /// Overridden occurrences (RECURRENCE-ID): moved or changed ones with their new content,
    /// cancelled ones with `status: cancelled`; `original_start_time` says which occurrence,
    /// `ical_uid` which series.
    pub exceptions: Vec<Event>,
    /// Refused events and why (empty unless `skip_invalid`).
    pub refused: Vec<Refused>,
    /// What was read differently from how it was written (zones matched, alarms left out,
    /// UIDs derived...), one sentence each.
    pub notes: Vec<String>,
}

/// Parses an iCalendar document.
pub fn parse(text: &str, options: &ParseOptions) -> Result<ParsedIcs, IcsError> {
    let mut parsed = ParsedIcs::default();
    let mut index = 0;
    let mut seen: HashMap<String, (usize, i32)> = HashMap::new();
    for calendar in calendars(text)? {
        let mut zones = Zones::new(&calendar, options.default_zone)?;
        for vevent in calendar.children.iter().filter(|c| c.name == "VEVENT") {
            index += 1;
            let item = match read_vevent(vevent, index, &mut zones, &mut parsed.notes) {
                Ok(item) => item,
                Err(error) if options.skip_invalid => {
                    let event = vevent
                        .value("UID")
                        .map(str::trim)
                        .filter(|u| !u.is_empty())
                        .map_or_else(|| format!("#{index}"), str::to_owned);
                    parsed.refused.push(Refused { event, error });
                    continue;
                }
                Err(error) => return Err(error),
            };
            match item {
                Item::Event(event) => add_event(&mut parsed, &mut seen, event, vevent.line)?,
                Item::Exception(event) => add_exception(&mut parsed.exceptions, event),
            }
        }
        parsed.notes.append(&mut zones.notes);
    }
    Ok(parsed)
}

/// Adds a master or single event; a repeated UID keeps the higher SEQUENCE, and two with the
/// same SEQUENCE refuse the file (which one is meant cannot be known).
fn add_event(
    parsed: &mut ParsedIcs,
    seen: &mut HashMap<String, (usize, i32)>,
    event: Event,
    line: usize,
) -> Result<(), IcsError> {
    let uid = event.ical_uid.clone().unwrap_or_default();
    let sequence = event.sequence.unwrap_or(0);
    match seen.get(&uid).copied() {
        None => {
            seen.insert(uid, (parsed.events.len(), sequence));
            parsed.events.push(event);
        }
        Some((at, earlier)) if earlier != sequence => {
            parsed.notes.push(format!(
                "line {line}: event {uid} appears twice; the one with the higher SEQUENCE is kept"
            ));
            if sequence > earlier
                && let Some(slot) = parsed.events.get_mut(at)
            {
                *slot = event;
                seen.insert(uid, (at, sequence));
            }
        }
        Some(_) => {
            let error = IcsError::Invalid {
                line,
                component: format!("event {uid}"),
                property: "UID".into(),
                reason:
                    "appears twice in the file with the same SEQUENCE (expected one event per UID)"
                        .into(),
            };
            return Err(error);
        }
    }
    Ok(())
}

/// Adds an exception; a later one for the same occurrence replaces an earlier one unless
/// its SEQUENCE is lower.
fn add_exception(exceptions: &mut Vec<Event>, event: Event) {
    let same = |e: &Event| {
        e.ical_uid == event.ical_uid
            && matches!(
                (&e.original_start_time, &event.original_start_time),
                (Some(a), Some(b)) if same_moment(a, b)
            )
    };
    match exceptions.iter_mut().find(|e| same(e)) {
        Some(slot) if slot.sequence.unwrap_or(0) <= event.sequence.unwrap_or(0) => *slot = event,
        Some(_) => {}
        None => exceptions.push(event),
    }
}

/// The instance id Google gives the occurrence `original` of series `master_id`:
/// `<id>_<YYYYMMDD>` for all-day, `<id>_<YYYYMMDDTHHMMSSZ>` for timed.
pub fn instance_id(master_id: &str, original: &EventDateTime) -> Option<String> {
    let suffix = match (original.date, original.date_time) {
        (Some(date), _) => date.format("%Y%m%d").to_string(),
        (None, Some(at)) => at
            .with_timezone(&chrono::Utc)
            .format("%Y%m%dT%H%M%SZ")
            .to_string(),
        (None, None) => return None,
    };
    Some(format!("{master_id}_{suffix}"))
}
