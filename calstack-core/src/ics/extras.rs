//! The parts of a VEVENT beyond its times: ATTENDEE (with PARTSTAT, ROLE, CUTYPE), ORGANIZER,
//! VALARM → reminders, ATTACH (links), URL → source, CATEGORIES → an extended property,
//! CLASS → visibility. Values Google cannot hold are left out and said in the notes.

use std::collections::BTreeMap;

use chrono::TimeDelta;

use super::lexer::{Component, Property};
use super::values::{parse_duration, split_text_list, unescape_text};
use crate::calendar::{
    EventAttachment, EventAttendee, EventPerson, EventReminder, EventSource, ExtendedProperties,
    Reminders,
};
use crate::calendar::{ReminderMethod, ResponseStatus, Visibility};

/// The private extended property that holds CATEGORIES: comma-separated, a comma inside a
/// category escaped as `\,` (as in the file).
pub const CATEGORIES_KEY: &str = "categories";
/// Most reminders Google keeps on one event.
const MAX_REMINDERS: usize = 5;
/// Longest reminder lead Google accepts, in minutes (four weeks).
const MAX_REMINDER_MINUTES: i64 = 40_320;

/// The email of a `mailto:` value, if it is one.
fn email_of(value: &str) -> Option<String> {
    let v = value.trim();
    let email = v
        .get(..7)
        .filter(|head| head.eq_ignore_ascii_case("mailto:"))
        .map_or(v, |_| &v[7..])
        .trim();
    (email.contains('@') && !email.contains(char::is_whitespace)).then(|| email.to_owned())
}

/// An ATTENDEE; `None` (with a note) when it has no email address.
pub(crate) fn attendee_of(p: &Property, notes: &mut Vec<String>) -> Option<EventAttendee> {
    let Some(email) = email_of(&p.value) else {
        notes.push(format!(
            "line {}: ATTENDEE {:?} has no email address and was left out",
            p.line,
            p.value.trim()
        ));
        return None;
    };
    let response_status = p
        .param("PARTSTAT")
        .and_then(|s| match s.to_ascii_uppercase().as_str() {
            "ACCEPTED" => Some(ResponseStatus::Accepted),
            "DECLINED" => Some(ResponseStatus::Declined),
            "TENTATIVE" => Some(ResponseStatus::Tentative),
            "NEEDS-ACTION" => Some(ResponseStatus::NeedsAction),
            _ => None,
        });
    let optional = p.param("ROLE").is_some_and(|r| {
        r.eq_ignore_ascii_case("OPT-PARTICIPANT") || r.eq_ignore_ascii_case("NON-PARTICIPANT")
    });
    let resource = p
        .param("CUTYPE")
        .is_some_and(|c| c.eq_ignore_ascii_case("RESOURCE") || c.eq_ignore_ascii_case("ROOM"));
    Some(EventAttendee {
        email: Some(email),
        display_name: p.param("CN").map(str::to_owned).filter(|n| !n.is_empty()),
        response_status,
        optional: optional.then_some(true),
        resource: resource.then_some(true),
        ..EventAttendee::default()
    })
}

/// The ORGANIZER, when it has an email address.
pub(crate) fn organizer_of(p: &Property) -> Option<EventPerson> {
    Some(EventPerson {
        email: Some(email_of(&p.value)?),
        display_name: p.param("CN").map(str::to_owned).filter(|n| !n.is_empty()),
        ..EventPerson::default()
    })
}

/// VALARMs as reminder overrides: a trigger before the start becomes that many minutes,
/// `ACTION:EMAIL` an email reminder, anything else a popup. At most five are kept.
pub(crate) fn reminders_of(vevent: &Component, notes: &mut Vec<String>) -> Option<Reminders> {
    let mut overrides: Vec<EventReminder> = Vec::new();
    for alarm in vevent.children.iter().filter(|c| c.name == "VALARM") {
        let Some(trigger) = alarm.property("TRIGGER") else {
            continue;
        };
        let related_end = trigger
            .param("RELATED")
            .is_some_and(|r| r.eq_ignore_ascii_case("END"));
        let absolute = trigger
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"));
        let lead = match parse_duration(&trigger.value) {
            Ok(d) if !related_end && !absolute && d <= TimeDelta::zero() => -d,
            _ => {
                notes.push(format!(
                    "line {}: alarm TRIGGER {:?} is not a time before the start; left out",
                    trigger.line,
                    trigger.value.trim()
                ));
                continue;
            }
        };
        let minutes = lead.num_minutes();
        if minutes > MAX_REMINDER_MINUTES {
            notes.push(format!(
                "line {}: alarm {minutes} minutes ahead is more than Google's four weeks; left out",
                trigger.line
            ));
            continue;
        }
        let method = match alarm.value("ACTION").map(str::trim) {
            Some(a) if a.eq_ignore_ascii_case("EMAIL") => ReminderMethod::Email,
            _ => ReminderMethod::Popup,
        };
        let reminder = EventReminder {
            method: Some(method),
            minutes: i32::try_from(minutes).ok(),
            ..EventReminder::default()
        };
        if !overrides.contains(&reminder) {
            overrides.push(reminder);
        }
    }
    if overrides.is_empty() {
        return None;
    }
    if overrides.len() > MAX_REMINDERS {
        notes.push(format!(
            "line {}: {} alarms, Google keeps {MAX_REMINDERS}: the rest were left out",
            vevent.line,
            overrides.len()
        ));
        overrides.truncate(MAX_REMINDERS);
    }
    Some(Reminders {
        use_default: Some(false),
        overrides: Some(overrides),
        ..Reminders::default()
    })
}

/// ATTACH links (inline binary attachments are left out, with a note).
pub(crate) fn attachments_of(vevent: &Component, notes: &mut Vec<String>) -> Vec<EventAttachment> {
    let mut out = Vec::new();
    for p in vevent.all("ATTACH") {
        let binary = p
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("BINARY"))
            || p.param("ENCODING")
                .is_some_and(|v| v.eq_ignore_ascii_case("BASE64"));
        let url = p.value.trim();
        if binary || !(url.starts_with("http://") || url.starts_with("https://")) {
            notes.push(format!(
                "line {}: ATTACH is not an http(s) link (inline files are not imported); left out",
                p.line
            ));
            continue;
        }
        let title = p
            .param("FILENAME")
            .or_else(|| p.param("X-FILENAME"))
            .map(str::to_owned)
            .or_else(|| {
                url.rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            });
        out.push(EventAttachment {
            file_url: Some(url.to_owned()),
            title,
            mime_type: p.param("FMTTYPE").map(str::to_owned),
            ..EventAttachment::default()
        });
    }
    out
}

/// URL → `source` (an http(s) link only).
pub(crate) fn source_of(vevent: &Component, summary: Option<&str>) -> Option<EventSource> {
    let url = vevent.value("URL")?.trim();
    (url.starts_with("http://") || url.starts_with("https://")).then(|| EventSource {
        title: Some(summary.unwrap_or(url).to_owned()),
        url: Some(url.to_owned()),
        ..EventSource::default()
    })
}

/// CATEGORIES (every such line) → a private extended property, comma-separated.
pub(crate) fn categories_of(vevent: &Component) -> Option<ExtendedProperties> {
    let all: Vec<String> = vevent
        .all("CATEGORIES")
        .flat_map(|p| split_text_list(&p.value))
        .collect();
    if all.is_empty() {
        return None;
    }
    let mut private = BTreeMap::new();
    let items: Vec<String> = all
        .iter()
        .map(|c| c.replace('\\', "\\\\").replace(',', "\\,"))
        .collect();
    private.insert(CATEGORIES_KEY.to_owned(), items.join(","));
    Some(ExtendedProperties {
        private: Some(private),
        ..ExtendedProperties::default()
    })
}

/// CLASS → visibility (x-names are ignored).
pub(crate) fn visibility_of(vevent: &Component) -> Option<Visibility> {
    match vevent.value("CLASS")?.trim().to_ascii_uppercase().as_str() {
        "PUBLIC" => Some(Visibility::Public),
        "PRIVATE" => Some(Visibility::Private),
        "CONFIDENTIAL" => Some(Visibility::Confidential),
        _ => None,
    }
}

/// A TEXT property, un-escaped; empty values count as absent.
pub(crate) fn text_of(vevent: &Component, name: &str) -> Option<String> {
    vevent
        .value(name)
        .map(unescape_text)
        .filter(|t| !t.trim().is_empty())
}
