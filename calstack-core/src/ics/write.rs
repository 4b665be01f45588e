//! Calendar v3 events → one VCALENDAR that strict readers accept: CRLF line ends, lines folded
//! at 75 octets, TEXT escaped, a `VTIMEZONE` (from the IANA data) for every zone used, and
//! exceptions of a series written as `RECURRENCE-ID` VEVENTs of the same UID. What
//! [`super::parse`] reads back is the same events.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::extras::CATEGORIES_KEY;
use super::values::{escape_text, format_duration, split_text_list};
use super::vtimezone::vtimezone;
use crate::calendar::{
    Event, EventDateTime, EventStatus, ReminderMethod, ResponseStatus, Transparency, Visibility,
    When,
};

/// How far past the last dated event the zones of open-ended series are written out.
const OPEN_SERIES_YEARS: i64 = 2;

/// Writes `events` (as `events.list` returns them, series unexpanded) as one VCALENDAR.
/// Cancelled events are left out, except cancelled occurrences of a series, which are
/// written as cancelled overrides. `name` becomes `X-WR-CALNAME`.
pub fn write(events: &[Event], name: &str, now: DateTime<Utc>) -> String {
    let uid_of_series: HashMap<&str, String> = events
        .iter()
        .filter_map(|e| Some((e.id.as_deref()?, uid_of(e))))
        .collect();
    let mut body = Vec::new();
    for event in events {
        let exception = event.recurring_event_id.is_some() || event.original_start_time.is_some();
        if event.is_cancelled() && !exception {
            continue;
        }
        let uid = match event.recurring_event_id.as_deref() {
            Some(series) if event.ical_uid.is_none() => match uid_of_series.get(series) {
                Some(uid) => uid.clone(),
                None => continue,
            },
            _ => uid_of(event),
        };
        vevent(&mut body, event, &uid, now);
    }
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//calstack//calstack ics//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", escape_text(name)),
    ];
    let (from, to) = range(events, now);
    for tz in zones_used(events) {
        lines.extend(vtimezone(tz, from, to));
    }
    lines.extend(body);
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 4).sum());
    for line in &lines {
        fold_into(&mut out, line);
    }
    out
}

fn uid_of(event: &Event) -> String {
    event
        .ical_uid
        .clone()
        .or_else(|| event.id.as_ref().map(|id| format!("{id}@calstack")))
        .unwrap_or_else(|| format!("{}@calstack", uuid::Uuid::new_v4()))
}

/// Appends `line` folded at 75 octets (never inside a character), with CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// The instants the file spans (open-ended series: two years past the later of now and
/// the last date).
fn range(events: &[Event], now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let instants: Vec<DateTime<Utc>> = events
        .iter()
        .flat_map(|e| [&e.start, &e.end, &e.original_start_time])
        .filter_map(|t| t.as_ref()?.when().ok())
        .map(|w| w.to_utc())
        .collect();
    let from = instants.iter().min().copied().unwrap_or(now);
    let mut to = instants.iter().max().copied().unwrap_or(now);
    if events.iter().any(|e| e.recurrence.is_some()) {
        to = to.max(now) + TimeDelta::days(365 * OPEN_SERIES_YEARS);
    }
    // Zones are written for 1900–2200 at most: dates outside are not worth a century of
    // transitions.
    let floor = DateTime::<Utc>::from_timestamp(-2_208_988_800, 0).unwrap_or(now);
    let ceiling = DateTime::<Utc>::from_timestamp(7_258_118_400, 0).unwrap_or(now);
    let from = from.clamp(floor, ceiling);
    (from, to.clamp(from, ceiling))
}

/// Every zone a written time refers to.
fn zones_used(events: &[Event]) -> Vec<Tz> {
    let mut zones = BTreeMap::new();
    for e in events {
        for t in [&e.start, &e.end, &e.original_start_time]
            .into_iter()
            .flatten()
        {
            if t.date_time.is_some()
                && let Some(tz) = t.time_zone.as_deref().and_then(|z| z.parse::<Tz>().ok())
            {
                zones.insert(tz.name(), tz);
            }
        }
        for line in e.recurrence.iter().flatten() {
            let head = line.split(':').next().unwrap_or_default();
            for param in head.split(';') {
                if let Some(tz) = param
                    .strip_prefix("TZID=")
                    .and_then(|z| z.parse::<Tz>().ok())
                {
                    zones.insert(tz.name(), tz);
                }
            }
        }
    }
    zones.into_values().collect()
}

/// The parameter that keeps an event's zone on a time written in UTC: a local time in the
/// second pass of a repeated hour (when clocks go back) cannot be written as `TZID` local
/// time, which RFC 5545 reads as the first pass, so it is written as the UTC instant and the
/// zone rides along here. Other readers ignore it and still get the right instant.
pub(crate) const ZONE_PARAM: &str = "X-CALSTACK-TZID";

/// `NAME;TZID=zone:local`, `NAME;VALUE=DATE:date` or `NAME:utcZ`. A time in the second pass
/// of a repeated local hour is written `NAME;X-CALSTACK-TZID=zone:utcZ`, except where
/// `local_only` (the start of a series, whose rule runs in local time).
fn date_time_line(name: &str, at: &EventDateTime, local_only: bool) -> Option<String> {
    Some(match at.when().ok()? {
        When::AllDay(date) => format!("{name};VALUE=DATE:{}", date.format("%Y%m%d")),
        When::Timed {
            at,
            time_zone: Some(tz),
        } => {
            let local = at.with_timezone(&tz).naive_local();
            let first_pass = tz.from_local_datetime(&local).earliest();
            if local_only || first_pass.is_none_or(|first| first == at) {
                format!(
                    "{name};TZID={}:{}",
                    tz.name(),
                    local.format("%Y%m%dT%H%M%S")
                )
            } else {
                format!(
                    "{name};{ZONE_PARAM}={}:{}",
                    tz.name(),
                    at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")
                )
            }
        }
        When::Timed { at, .. } => {
            format!("{name}:{}", at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ"))
        }
    })
}

fn vevent(lines: &mut Vec<String>, event: &Event, uid: &str, now: DateTime<Utc>) {
    let text = |lines: &mut Vec<String>, name: &str, value: &Option<String>| {
        if let Some(v) = value {
            lines.push(format!("{name}:{}", escape_text(v)));
        }
    };
    lines.push("BEGIN:VEVENT".to_owned());
    lines.push(format!("UID:{uid}"));
    lines.push(format!(
        "DTSTAMP:{}",
        event.updated.unwrap_or(now).format("%Y%m%dT%H%M%SZ")
    ));
    if let Some(original) = &event.original_start_time {
        lines.extend(date_time_line("RECURRENCE-ID", original, false));
    }
    if event.is_cancelled() {
        lines.extend(
            event
                .original_start_time
                .as_ref()
                .and_then(|o| date_time_line("DTSTART", o, false)),
        );
        lines.push("STATUS:CANCELLED".to_owned());
        lines.push("END:VEVENT".to_owned());
        return;
    }
    text(lines, "SUMMARY", &event.summary);
    text(lines, "DESCRIPTION", &event.description);
    text(lines, "LOCATION", &event.location);
    lines.extend(
        event
            .start
            .as_ref()
            .and_then(|s| date_time_line("DTSTART", s, event.recurrence.is_some())),
    );
    lines.extend(
        event
            .end
            .as_ref()
            .and_then(|e| date_time_line("DTEND", e, false)),
    );
    for line in event.recurrence.iter().flatten() {
        lines.push(line.trim().to_owned());
    }
    people(lines, event);
    status_lines(lines, event);
    links(lines, event);
    alarms(lines, event);
    lines.push("END:VEVENT".to_owned());
}

fn people(lines: &mut Vec<String>, event: &Event) {
    let cn = |name: &Option<String>| {
        name.as_ref()
            .map(|n| format!(";CN=\"{}\"", n.replace('"', "'")))
            .unwrap_or_default()
    };
    if let Some(email) = event.organizer.as_ref().and_then(|o| o.email.as_ref()) {
        let name = event
            .organizer
            .as_ref()
            .and_then(|o| o.display_name.clone());
        lines.push(format!("ORGANIZER{}:mailto:{email}", cn(&name)));
    }
    for a in event.attendees.iter().flatten() {
        let Some(email) = &a.email else { continue };
        let mut line = format!("ATTENDEE{}", cn(&a.display_name));
        if let Some(status) = &a.response_status {
            line.push_str(match status {
                ResponseStatus::Accepted => ";PARTSTAT=ACCEPTED",
                ResponseStatus::Declined => ";PARTSTAT=DECLINED",
                ResponseStatus::Tentative => ";PARTSTAT=TENTATIVE",
                _ => ";PARTSTAT=NEEDS-ACTION",
            });
        }
        if a.optional == Some(true) {
            line.push_str(";ROLE=OPT-PARTICIPANT");
        }
        if a.resource == Some(true) {
            line.push_str(";CUTYPE=RESOURCE");
        }
        lines.push(format!("{line}:mailto:{email}"));
    }
}

fn status_lines(lines: &mut Vec<String>, event: &Event) {
    match &event.status {
        Some(EventStatus::Tentative) => lines.push("STATUS:TENTATIVE".to_owned()),
        Some(EventStatus::Confirmed) => lines.push("STATUS:CONFIRMED".to_owned()),
        _ => {}
    }
    if event.transparency == Some(Transparency::Transparent) {
        lines.push("TRANSP:TRANSPARENT".to_owned());
    }
    match &event.visibility {
        Some(Visibility::Public) => lines.push("CLASS:PUBLIC".to_owned()),
        Some(Visibility::Private) => lines.push("CLASS:PRIVATE".to_owned()),
        Some(Visibility::Confidential) => lines.push("CLASS:CONFIDENTIAL".to_owned()),
        _ => {}
    }
    if let Some(seq) = event.sequence {
        lines.push(format!("SEQUENCE:{seq}"));
    }
}

fn links(lines: &mut Vec<String>, event: &Event) {
    if let Some(url) = event.source.as_ref().and_then(|s| s.url.as_ref()) {
        lines.push(format!("URL:{url}"));
    }
    for a in event.attachments.iter().flatten() {
        let Some(url) = &a.file_url else { continue };
        let mut line = "ATTACH".to_owned();
        if let Some(mime) = &a.mime_type {
            line.push_str(&format!(";FMTTYPE={mime}"));
        }
        if let Some(title) = &a.title {
            line.push_str(&format!(";FILENAME=\"{}\"", title.replace('"', "'")));
        }
        lines.push(format!("{line}:{url}"));
    }
    let categories = event
        .extended_properties
        .as_ref()
        .and_then(|p| p.private.as_ref())
        .and_then(|p| p.get(CATEGORIES_KEY));
    if let Some(list) = categories {
        let items: Vec<String> = split_text_list(list)
            .iter()
            .map(|c| escape_text(c))
            .collect();
        lines.push(format!("CATEGORIES:{}", items.join(",")));
    }
}

fn alarms(lines: &mut Vec<String>, event: &Event) {
    let Some(reminders) = &event.reminders else {
        return;
    };
    if reminders.use_default == Some(true) {
        return;
    }
    for r in reminders.overrides.iter().flatten() {
        let Some(minutes) = r.minutes else { continue };
        let action = match r.method {
            Some(ReminderMethod::Email) => "EMAIL",
            _ => "DISPLAY",
        };
        lines.push("BEGIN:VALARM".to_owned());
        lines.push(format!("ACTION:{action}"));
        lines.push(format!(
            "TRIGGER:{}",
            format_duration(-TimeDelta::minutes(i64::from(minutes)))
        ));
        let summary = escape_text(event.summary.as_deref().unwrap_or("Reminder"));
        lines.push(format!("DESCRIPTION:{summary}"));
        if action == "EMAIL" {
            lines.push(format!("SUMMARY:{summary}"));
            if let Some(email) = event.organizer.as_ref().and_then(|o| o.email.as_ref()) {
                lines.push(format!("ATTENDEE:mailto:{email}"));
            }
        }
        lines.push("END:VALARM".to_owned());
    }
}
