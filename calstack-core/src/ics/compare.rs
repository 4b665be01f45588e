//! Whether importing an event over the calendar's copy (same `iCalUID`, same occurrence)
//! would change anything a user sees: this is what makes a re-import a no-op.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::extras::CATEGORIES_KEY;
use crate::calendar::{Event, EventDateTime, EventStatus, Transparency, Visibility, When};

type Moment = (
    Option<NaiveDate>,
    Option<DateTime<FixedOffset>>,
    Option<String>,
);

fn time(v: &Option<EventDateTime>) -> Option<Moment> {
    let when = v.as_ref()?.when().ok()?;
    Some(match when {
        When::AllDay(d) => (Some(d), None, None),
        When::Timed { at, time_zone } => (None, Some(at), time_zone.map(|t| t.name().to_owned())),
    })
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("").trim()
}

fn lines(v: &Option<Vec<String>>) -> BTreeSet<String> {
    v.iter().flatten().map(|l| l.trim().to_owned()).collect()
}

fn people(e: &Event) -> BTreeSet<(String, String)> {
    e.attendees
        .iter()
        .flatten()
        .filter_map(|a| {
            let email = a.email.as_ref()?.to_ascii_lowercase();
            let status = a
                .response_status
                .as_ref()
                .map_or("needsAction", |s| s.as_str())
                .to_owned();
            Some((email, status))
        })
        .collect()
}

/// Reminder overrides as `(method, minutes)`; `None` and `useDefault` alike mean "default".
fn reminders(e: &Event) -> Option<BTreeSet<(String, i32)>> {
    let r = e.reminders.as_ref()?;
    if r.use_default == Some(true) {
        return None;
    }
    Some(
        r.overrides
            .iter()
            .flatten()
            .map(|o| {
                (
                    o.method.as_ref().map_or("", |m| m.as_str()).to_owned(),
                    o.minutes.unwrap_or(0),
                )
            })
            .collect(),
    )
}

fn categories(e: &Event) -> &str {
    e.extended_properties
        .as_ref()
        .and_then(|p| p.private.as_ref())
        .and_then(|p| p.get(CATEGORIES_KEY))
        .map_or("", String::as_str)
}

fn links(e: &Event) -> (Option<&str>, BTreeSet<&str>) {
    let source = e.source.as_ref().and_then(|s| s.url.as_deref());
    let files = e
        .attachments
        .iter()
        .flatten()
        .filter_map(|a| a.file_url.as_deref())
        .collect();
    (source, files)
}

/// Whether `incoming` (from a file) says the same as `existing` (from the calendar): title,
/// description, location, times and zones, recurrence, attendees and their answers, status,
/// transparency, visibility, reminders, categories and links.
pub fn same_content(existing: &Event, incoming: &Event) -> bool {
    let status = |e: &Event| e.status.clone().unwrap_or(EventStatus::Confirmed);
    if status(existing) == EventStatus::Cancelled || status(incoming) == EventStatus::Cancelled {
        return status(existing) == status(incoming);
    }
    let transparency = |e: &Event| e.transparency.clone().unwrap_or(Transparency::Opaque);
    let visibility = |e: &Event| e.visibility.clone().unwrap_or(Visibility::Default);
    text(&existing.summary) == text(&incoming.summary)
        && text(&existing.description) == text(&incoming.description)
        && text(&existing.location) == text(&incoming.location)
        && time(&existing.start) == time(&incoming.start)
        && time(&existing.end) == time(&incoming.end)
        && lines(&existing.recurrence) == lines(&incoming.recurrence)
        && people(existing) == people(incoming)
        && status(existing) == status(incoming)
        && transparency(existing) == transparency(incoming)
        && visibility(existing) == visibility(incoming)
        && reminders(existing) == reminders(incoming)
        && categories(existing) == categories(incoming)
        && links(existing) == links(incoming)
}
