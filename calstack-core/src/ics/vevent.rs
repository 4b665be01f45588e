//! One VEVENT → one Calendar v3 event (a single event or a series), or one exception of a
//! series (a VEVENT with RECURRENCE-ID: moved, changed or cancelled occurrence).

use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::error::IcsError;
use super::extras::{
    attachments_of, attendee_of, categories_of, organizer_of, reminders_of, source_of, text_of,
    visibility_of,
};
use super::lexer::Component;
use super::recurrence::recurrence_lines;
use super::times::{anchor_in_zone, date_time_of, end_of};
use super::zones::Zones;
use crate::calendar::{Event, EventDateTime, EventStatus, Transparency};

/// What one VEVENT is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A single event or the master of a series.
    Event(Event),
    /// An overridden occurrence: `event.original_start_time` says which.
    Exception(Event),
}

/// One VEVENT being read, for errors that name it and the property's line.
struct Reader<'a> {
    vevent: &'a Component,
    label: String,
}

impl Reader<'_> {
    /// The error for `property` (on its own line, else the component's).
    fn fail(&self, property: &str, reason: String) -> IcsError {
        IcsError::Invalid {
            line: self
                .vevent
                .property(property)
                .map_or(self.vevent.line, |p| p.line),
            component: format!("event {}", self.label),
            property: property.to_owned(),
            reason,
        }
    }

    /// The UID, or one derived from the content (with a note).
    fn uid(&self, given: Option<String>, notes: &mut Vec<String>) -> String {
        given.unwrap_or_else(|| {
            let uid = derived_uid(self.vevent);
            notes.push(format!(
                "line {}: event {} has no UID; using {uid} (derived from its content, so a re-import matches it)",
                self.vevent.line, self.label
            ));
            uid
        })
    }

    /// Which occurrence of a series this overrides, if any.
    fn original(&self, zones: &mut Zones) -> Result<Option<EventDateTime>, IcsError> {
        let Some(p) = self.vevent.property("RECURRENCE-ID") else {
            return Ok(None);
        };
        if p.param("RANGE")
            .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"))
        {
            return Err(self.fail(
                "RECURRENCE-ID",
                "RANGE=THISANDFUTURE overrides are not supported (expected one occurrence)".into(),
            ));
        }
        date_time_of(p, zones)
            .map(Some)
            .map_err(|r| self.fail("RECURRENCE-ID", r))
    }

    /// Start, end and recurrence lines; a series (or an exception) is anchored in a zone.
    fn times(
        &self,
        overrides: bool,
        zones: &mut Zones,
        notes: &mut Vec<String>,
    ) -> Result<(EventDateTime, EventDateTime, Vec<String>), IcsError> {
        let v = self.vevent;
        let start_p = v
            .property("DTSTART")
            .ok_or_else(|| self.fail("DTSTART", "missing (expected a DATE or DATE-TIME)".into()))?;
        let mut start = date_time_of(start_p, zones).map_err(|r| self.fail("DTSTART", r))?;
        let mut end = end_of(&start, v.property("DTEND"), v.property("DURATION"), zones)
            .map_err(|(prop, r)| self.fail(prop, r))?;
        let zone: Option<Tz> = start.time_zone.as_deref().and_then(|z| z.parse().ok());
        let recurrence =
            recurrence_lines(v, zone, zones, notes).map_err(|(prop, r)| self.fail(&prop, r))?;
        if !recurrence.is_empty() || overrides {
            anchor_in_zone(&mut start, zone.unwrap_or(Tz::UTC));
            anchor_in_zone(&mut end, zone.unwrap_or(Tz::UTC));
        }
        Ok((start, end, recurrence))
    }
}

/// Reads `vevent` (the `index`-th of its file, 1-based, for messages).
pub(crate) fn read_vevent(
    vevent: &Component,
    index: usize,
    zones: &mut Zones,
    notes: &mut Vec<String>,
) -> Result<Item, IcsError> {
    let given_uid = vevent
        .value("UID")
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    let reader = Reader {
        vevent,
        label: given_uid.clone().unwrap_or_else(|| format!("#{index}")),
    };
    let uid = reader.uid(given_uid, notes);
    let original = reader.original(zones)?;
    let status = status_of(vevent).map_err(|r| reader.fail("STATUS", r))?;
    if let (Some(original), Some(EventStatus::Cancelled)) = (&original, &status) {
        // A cancelled occurrence needs nothing but which one it is.
        return Ok(Item::Exception(Event {
            ical_uid: Some(uid),
            status,
            original_start_time: Some(original.clone()),
            ..Event::default()
        }));
    }
    let (start, end, recurrence) = reader.times(original.is_some(), zones, notes)?;
    let summary = text_of(vevent, "SUMMARY");
    let attendees: Vec<_> = vevent
        .all("ATTENDEE")
        .filter_map(|p| attendee_of(p, notes))
        .collect();
    let attachments = attachments_of(vevent, notes);
    let event = Event {
        ical_uid: Some(uid),
        description: text_of(vevent, "DESCRIPTION"),
        location: text_of(vevent, "LOCATION"),
        source: source_of(vevent, summary.as_deref()),
        summary,
        start: Some(start),
        end: Some(end),
        recurrence: (!recurrence.is_empty()).then_some(recurrence),
        original_start_time: original.clone(),
        attendees: (!attendees.is_empty()).then_some(attendees),
        organizer: vevent.property("ORGANIZER").and_then(organizer_of),
        status,
        transparency: transparency_of(vevent).map_err(|r| reader.fail("TRANSP", r))?,
        visibility: visibility_of(vevent),
        sequence: sequence_of(vevent).map_err(|r| reader.fail("SEQUENCE", r))?,
        reminders: reminders_of(vevent, notes),
        attachments: (!attachments.is_empty()).then_some(attachments),
        extended_properties: categories_of(vevent),
        ..Event::default()
    };
    Ok(match original {
        Some(_) => Item::Exception(event),
        None => Item::Event(event),
    })
}

fn status_of(vevent: &Component) -> Result<Option<EventStatus>, String> {
    match vevent
        .value("STATUS")
        .map(|s| s.trim().to_ascii_uppercase())
    {
        None => Ok(None),
        Some(s) if s == "CONFIRMED" => Ok(Some(EventStatus::Confirmed)),
        Some(s) if s == "TENTATIVE" => Ok(Some(EventStatus::Tentative)),
        Some(s) if s == "CANCELLED" => Ok(Some(EventStatus::Cancelled)),
        Some(other) => Err(format!(
            "unknown value {other:?} (expected CONFIRMED, TENTATIVE or CANCELLED)"
        )),
    }
}

fn transparency_of(vevent: &Component) -> Result<Option<Transparency>, String> {
    match vevent
        .value("TRANSP")
        .map(|s| s.trim().to_ascii_uppercase())
    {
        None => Ok(None),
        Some(s) if s == "OPAQUE" => Ok(Some(Transparency::Opaque)),
        Some(s) if s == "TRANSPARENT" => Ok(Some(Transparency::Transparent)),
        Some(other) => Err(format!(
            "unknown value {other:?} (expected OPAQUE or TRANSPARENT)"
        )),
    }
}

fn sequence_of(vevent: &Component) -> Result<Option<i32>, String> {
    match vevent.value("SEQUENCE").map(str::trim) {
        None => Ok(None),
        Some(s) => s
            .parse::<i32>()
            .map(Some)
            .map_err(|_| format!("{s:?} is not a whole number")),
    }
}

/// A UID made from the event's content (every property but the timestamps a re-export
/// changes), so the same event in the same file always gets the same UID.
fn derived_uid(vevent: &Component) -> String {
    let mut hash = Sha256::new();
    for p in vevent.properties.iter().filter(|p| {
        !matches!(
            p.name.as_str(),
            "DTSTAMP" | "CREATED" | "LAST-MODIFIED" | "SEQUENCE"
        )
    }) {
        hash.update(p.name.as_bytes());
        for (k, v) in &p.params {
            hash.update(b";");
            hash.update(k.as_bytes());
            hash.update(b"=");
            hash.update(v.as_bytes());
        }
        hash.update(b":");
        hash.update(p.value.trim().as_bytes());
        hash.update(b"\n");
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{hex}@calstack.derived")
}

/// Whether two all-day / timed values name the same moment (for matching exceptions).
pub(crate) fn same_moment(a: &EventDateTime, b: &EventDateTime) -> bool {
    match (a.date, b.date, a.date_time, b.date_time) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => false,
    }
}
