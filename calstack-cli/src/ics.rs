//! iCalendar (RFC 5545) ↔ Calendar v3 events, for `calstack import` and `calstack export`.
//!
//! Import reads the whole file and checks every event before anything is sent, so a bad file
//! changes nothing. Each VEVENT becomes an event keyed by its UID (`iCalUID`), which
//! `events.import` upserts: importing the same file twice changes nothing the second time.
//! Export writes what import reads, so `export | import` round-trips.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use icalendar::{
    Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, EventLike, Property,
};

use crate::dates::resolve_local;
use crate::model::{
    Event, EventAttendee, EventDateTime, EventStatus, ResponseStatus, Transparency, When,
};

/// Why an ICS file was refused. Names the event (by UID or position) and the property.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// The text is not an iCalendar document at all.
    #[error("not an iCalendar file: {0}")]
    Syntax(String),
    /// One event is unusable.
    #[error("event {event}: invalid {property}: {reason}")]
    Event {
        /// The UID, or `#n` (1-based position) when the UID is missing.
        event: String,
        /// The property at fault (`DTSTART`, `UID`, ...).
        property: String,
        /// Why.
        reason: String,
    },
}

/// What a file holds, ready to import.
#[derive(Debug, Default)]
pub struct ParsedIcs {
    /// One event per VEVENT, each with `iCalUID`, `start` and `end` set.
    pub events: Vec<Event>,
    /// VEVENTs left out because calstack cannot import them (overridden instances of a
    /// series, with `RECURRENCE-ID`), with the reason.
    pub skipped: Vec<String>,
}

/// Parses an ICS document. Floating times (no `Z`, no `TZID`) are read in `default_zone`
/// (the calendar's `X-WR-TIMEZONE` wins when present).
pub fn parse(text: &str, default_zone: Tz) -> Result<ParsedIcs, IcsError> {
    if !text
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err(IcsError::Syntax("no BEGIN:VCALENDAR line".into()));
    }
    let calendar: Calendar = text.parse().map_err(|e: String| {
        IcsError::Syntax(e.lines().next().unwrap_or("parse error").trim().to_owned())
    })?;
    let zone = calendar
        .property_value("X-WR-TIMEZONE")
        .and_then(|z| z.parse::<Tz>().ok())
        .unwrap_or(default_zone);
    let mut parsed = ParsedIcs::default();
    let mut seen = BTreeSet::new();
    let vevents = calendar.components.iter().filter_map(|c| match c {
        CalendarComponent::Event(e) => Some(e),
        _ => None,
    });
    for (index, vevent) in vevents.enumerate() {
        let uid = vevent.get_uid().map(str::trim).filter(|u| !u.is_empty());
        let label = uid.map_or_else(|| format!("#{}", index + 1), str::to_owned);
        let fail = |property: &str, reason: String| IcsError::Event {
            event: label.clone(),
            property: property.to_owned(),
            reason,
        };
        let Some(uid) = uid else {
            return Err(fail("UID", "missing (import matches events by UID)".into()));
        };
        if vevent.properties().contains_key("RECURRENCE-ID") {
            parsed.skipped.push(format!(
                "{uid}: overridden instance of a recurring event (RECURRENCE-ID) is not imported"
            ));
            continue;
        }
        if !seen.insert(uid.to_owned()) {
            return Err(fail("UID", "appears twice in the file".into()));
        }
        parsed
            .events
            .push(event_from_vevent(vevent, uid, zone, &fail)?);
    }
    Ok(parsed)
}

fn event_from_vevent(
    vevent: &icalendar::Event,
    uid: &str,
    zone: Tz,
    fail: &dyn Fn(&str, String) -> IcsError,
) -> Result<Event, IcsError> {
    let start_prop = vevent
        .properties()
        .get("DTSTART")
        .ok_or_else(|| fail("DTSTART", "missing".into()))?;
    let start = date_time_of(start_prop, zone).map_err(|r| fail("DTSTART", r))?;
    let end = match vevent.properties().get("DTEND") {
        Some(p) => date_time_of(p, zone).map_err(|r| fail("DTEND", r))?,
        None => match vevent.property_value("DURATION") {
            Some(d) => {
                let delta = parse_duration(d).ok_or_else(|| {
                    fail("DURATION", format!("{d:?} is not an RFC 5545 duration"))
                })?;
                add_delta(&start, delta).ok_or_else(|| fail("DURATION", "out of range".into()))?
            }
            None => default_end(&start).ok_or_else(|| fail("DTEND", "out of range".into()))?,
        },
    };
    check_order(&start, &end).map_err(|r| fail("DTEND", r))?;

    let mut recurrence = Vec::new();
    for key in ["RRULE", "EXRULE", "RDATE", "EXDATE"] {
        for p in all_properties(vevent, key) {
            recurrence.push(property_line(p));
        }
    }
    let attendees: Vec<EventAttendee> = all_properties(vevent, "ATTENDEE")
        .into_iter()
        .map(|p| attendee_of(p).map_err(|r| fail("ATTENDEE", r)))
        .collect::<Result<_, _>>()?;
    let status = match vevent.property_value("STATUS").map(str::to_ascii_uppercase) {
        None => None,
        Some(s) if s == "CONFIRMED" => Some(EventStatus::Confirmed),
        Some(s) if s == "TENTATIVE" => Some(EventStatus::Tentative),
        Some(s) if s == "CANCELLED" => Some(EventStatus::Cancelled),
        Some(other) => return Err(fail("STATUS", format!("unknown value {other:?}"))),
    };
    let transparency = match vevent.property_value("TRANSP").map(str::to_ascii_uppercase) {
        None => None,
        Some(s) if s == "OPAQUE" => Some(Transparency::Opaque),
        Some(s) if s == "TRANSPARENT" => Some(Transparency::Transparent),
        Some(other) => return Err(fail("TRANSP", format!("unknown value {other:?}"))),
    };
    let sequence = match vevent.property_value("SEQUENCE") {
        None => None,
        Some(s) => Some(
            s.trim()
                .parse::<i32>()
                .map_err(|_| fail("SEQUENCE", format!("{s:?} is not a number")))?,
        ),
    };
    Ok(Event {
        ical_uid: Some(uid.to_owned()),
        summary: vevent.get_summary().map(str::to_owned),
        description: vevent.get_description().map(str::to_owned),
        location: vevent.get_location().map(str::to_owned),
        start: Some(start),
        end: Some(end),
        recurrence: (!recurrence.is_empty()).then_some(recurrence),
        attendees: (!attendees.is_empty()).then_some(attendees),
        status,
        transparency,
        sequence,
        ..Event::default()
    })
}

/// A property's occurrences, whether the parser kept it single or multi.
fn all_properties<'a>(component: &'a icalendar::Event, key: &str) -> Vec<&'a Property> {
    component
        .properties()
        .get(key)
        .into_iter()
        .chain(component.multi_properties().get(key).into_iter().flatten())
        .collect()
}

/// `KEY;PARAM=V:value`, the form Google keeps recurrence lines in.
fn property_line(p: &Property) -> String {
    let mut line = p.key().to_owned();
    for param in p.params().values() {
        line.push(';');
        line.push_str(param.key());
        line.push('=');
        line.push_str(param.value());
    }
    line.push(':');
    line.push_str(p.value());
    line
}

fn date_time_of(p: &Property, zone: Tz) -> Result<EventDateTime, String> {
    let value = p.value().trim();
    let parsed = DatePerhapsTime::from_property(p)
        .ok_or_else(|| format!("{value:?} is not a DATE or DATE-TIME"))?;
    match parsed {
        DatePerhapsTime::Date(date) => Ok(EventDateTime::all_day(date)),
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(at)) => {
            Ok(EventDateTime::timed(at.fixed_offset(), None))
        }
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(local)) => zoned(local, zone),
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
            let tz = zone_of_tzid(&tzid).ok_or_else(|| {
                format!("TZID {tzid:?} is not an IANA time zone name (e.g. Europe/Zurich)")
            })?;
            zoned(date_time, tz)
        }
    }
}

/// Common Windows zone names (as Outlook and Exchange write them) and their IANA zone, from
/// the Unicode CLDR `windowsZones` table ("001" territory).
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("UTC", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("India Standard Time", "Asia/Calcutta"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
];

/// The zone a `TZID` names: an IANA name (optionally with a leading `/`), or a common
/// Windows name.
fn zone_of_tzid(tzid: &str) -> Option<Tz> {
    let name = tzid.trim().trim_matches('"').trim_start_matches('/');
    name.parse::<Tz>().ok().or_else(|| {
        WINDOWS_ZONES
            .iter()
            .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
            .and_then(|(_, iana)| iana.parse::<Tz>().ok())
    })
}

fn zoned(local: NaiveDateTime, tz: Tz) -> Result<EventDateTime, String> {
    let at = resolve_local(local, tz)
        .ok_or_else(|| format!("{local} does not exist in {tz} (daylight-saving gap)"))?;
    Ok(EventDateTime::timed(at, Some(tz)))
}

fn add_delta(start: &EventDateTime, delta: TimeDelta) -> Option<EventDateTime> {
    if let Some(date) = start.date {
        let days = u64::try_from(delta.num_days()).ok()?;
        return Some(EventDateTime::all_day(
            date.checked_add_days(Days::new(days))?,
        ));
    }
    let at = start.date_time? + delta;
    Some(EventDateTime {
        date_time: Some(at),
        ..start.clone()
    })
}

/// RFC 5545: no DTEND means one day for a date, zero length for a time.
fn default_end(start: &EventDateTime) -> Option<EventDateTime> {
    add_delta(
        start,
        if start.date.is_some() {
            TimeDelta::days(1)
        } else {
            TimeDelta::zero()
        },
    )
}

fn check_order(start: &EventDateTime, end: &EventDateTime) -> Result<(), String> {
    match (start.date, end.date, start.date_time, end.date_time) {
        (Some(s), Some(e), _, _) if e <= s => Err(format!(
            "{e} is not after DTSTART {s} (all-day ends are exclusive)"
        )),
        (_, _, Some(s), Some(e)) if e < s => Err(format!("{e} is before DTSTART {s}")),
        (Some(_), None, _, _) | (None, Some(_), _, _) => {
            Err("DTSTART and DTEND must both be dates or both be date-times".into())
        }
        _ => Ok(()),
    }
}

/// `P1D`, `PT1H30M`, `P1W`, `-PT15M` (negative durations are refused).
fn parse_duration(text: &str) -> Option<TimeDelta> {
    let t = text.trim().strip_prefix('+').unwrap_or(text.trim());
    let rest = t.strip_prefix('P')?;
    let mut total = TimeDelta::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => number.push(c),
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                total += match (unit, in_time) {
                    ('W', false) => TimeDelta::weeks(n),
                    ('D', false) => TimeDelta::days(n),
                    ('H', true) => TimeDelta::hours(n),
                    ('M', true) => TimeDelta::minutes(n),
                    ('S', true) => TimeDelta::seconds(n),
                    _ => return None,
                };
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

fn attendee_of(p: &Property) -> Result<EventAttendee, String> {
    let value = p.value().trim();
    let email = value
        .strip_prefix("mailto:")
        .or_else(|| value.strip_prefix("MAILTO:"))
        .unwrap_or(value)
        .trim();
    if !email.contains('@') {
        return Err(format!("{value:?} is not a mailto: address"));
    }
    let param = |k: &str| p.params().get(k).map(|v| v.value().to_owned());
    let response_status = param("PARTSTAT").and_then(|s| match s.to_ascii_uppercase().as_str() {
        "ACCEPTED" => Some(ResponseStatus::Accepted),
        "DECLINED" => Some(ResponseStatus::Declined),
        "TENTATIVE" => Some(ResponseStatus::Tentative),
        "NEEDS-ACTION" => Some(ResponseStatus::NeedsAction),
        _ => None,
    });
    let optional = param("ROLE").map(|r| r.eq_ignore_ascii_case("OPT-PARTICIPANT"));
    Ok(EventAttendee {
        email: Some(email.to_owned()),
        display_name: param("CN"),
        response_status,
        optional: optional.filter(|o| *o),
        ..EventAttendee::default()
    })
}

/// Writes events as one VCALENDAR. Cancelled events are left out; `name` becomes
/// `X-WR-CALNAME`.
pub fn write(events: &[Event], name: &str, now: DateTime<Utc>) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    for event in events
        .iter()
        .filter(|e| e.status != Some(EventStatus::Cancelled))
    {
        calendar.push(vevent_of(event, now));
    }
    calendar.done().to_string()
}

fn vevent_of(event: &Event, now: DateTime<Utc>) -> icalendar::Event {
    let mut v = icalendar::Event::new();
    let uid = event
        .ical_uid
        .clone()
        .or_else(|| event.id.as_ref().map(|id| format!("{id}@calstack")))
        .unwrap_or_else(|| format!("{}@calstack", uuid::Uuid::new_v4()));
    v.uid(&uid);
    v.timestamp(event.updated.unwrap_or(now));
    if let Some(s) = &event.summary {
        v.summary(s);
    }
    if let Some(d) = &event.description {
        v.description(d);
    }
    if let Some(l) = &event.location {
        v.location(l);
    }
    if let Some(p) = event
        .start
        .as_ref()
        .and_then(|s| date_time_property(s, "DTSTART"))
    {
        v.append_property(p);
    }
    if let Some(p) = event
        .end
        .as_ref()
        .and_then(|e| date_time_property(e, "DTEND"))
    {
        v.append_property(p);
    }
    for line in event.recurrence.iter().flatten() {
        if let Some(p) = parse_property_line(line) {
            if p.key() == "RRULE" || p.key() == "EXRULE" {
                v.append_property(p);
            } else {
                v.append_multi_property(p);
            }
        }
    }
    for a in event.attendees.iter().flatten() {
        let Some(email) = &a.email else { continue };
        let mut p = Property::new("ATTENDEE", format!("mailto:{email}"));
        if let Some(name) = &a.display_name {
            p.add_parameter("CN", name);
        }
        if let Some(status) = &a.response_status {
            let partstat = match status {
                ResponseStatus::Accepted => "ACCEPTED",
                ResponseStatus::Declined => "DECLINED",
                ResponseStatus::Tentative => "TENTATIVE",
                _ => "NEEDS-ACTION",
            };
            p.add_parameter("PARTSTAT", partstat);
        }
        if a.optional == Some(true) {
            p.add_parameter("ROLE", "OPT-PARTICIPANT");
        }
        v.append_multi_property(p);
    }
    match &event.status {
        Some(EventStatus::Tentative) => {
            v.add_property("STATUS", "TENTATIVE");
        }
        Some(EventStatus::Confirmed) => {
            v.add_property("STATUS", "CONFIRMED");
        }
        _ => {}
    }
    if event.transparency == Some(Transparency::Transparent) {
        v.add_property("TRANSP", "TRANSPARENT");
    }
    if let Some(seq) = event.sequence {
        v.add_property("SEQUENCE", seq.to_string());
    }
    v.done()
}

fn date_time_property(dt: &EventDateTime, key: &str) -> Option<Property> {
    let when = dt.when().ok()?;
    Some(match when {
        When::AllDay(date) => DatePerhapsTime::Date(date).to_property(key),
        When::Timed {
            at,
            time_zone: Some(tz),
        } => DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
            date_time: at.with_timezone(&tz).naive_local(),
            tzid: tz.name().to_owned(),
        })
        .to_property(key),
        When::Timed { at, .. } => {
            DatePerhapsTime::DateTime(CalendarDateTime::Utc(at.with_timezone(&Utc)))
                .to_property(key)
        }
    })
}

/// Splits `EXDATE;TZID=Europe/Zurich:20260101T090000` into a property.
fn parse_property_line(line: &str) -> Option<Property> {
    let (head, value) = line.split_once(':')?;
    let mut parts = head.split(';');
    let key = parts.next()?.trim().to_ascii_uppercase();
    let mut p = Property::new(key, value.trim());
    for param in parts {
        if let Some((k, v)) = param.split_once('=') {
            p.add_parameter(k.trim(), v.trim());
        }
    }
    Some(p)
}

/// Whether importing `incoming` over `existing` (same `iCalUID`) would change anything a
/// user sees: title, description, location, start, end, recurrence, attendees, status,
/// transparency.
pub fn same_content(existing: &Event, incoming: &Event) -> bool {
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    type Moment = (
        Option<NaiveDate>,
        Option<DateTime<FixedOffset>>,
        Option<String>,
    );
    fn time(v: &Option<EventDateTime>) -> Option<Moment> {
        let v = v.as_ref()?;
        let when = v.when().ok()?;
        Some(match when {
            When::AllDay(d) => (Some(d), None, None),
            When::Timed { at, time_zone } => {
                (None, Some(at), time_zone.map(|t| t.name().to_owned()))
            }
        })
    }
    fn lines(v: &Option<Vec<String>>) -> BTreeSet<String> {
        v.iter().flatten().map(|l| l.trim().to_owned()).collect()
    }
    fn people(v: &Option<Vec<EventAttendee>>) -> BTreeSet<(String, String)> {
        v.iter()
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
    let status = |e: &Event| e.status.clone().unwrap_or(EventStatus::Confirmed);
    let transparency = |e: &Event| e.transparency.clone().unwrap_or(Transparency::Opaque);
    text(&existing.summary) == text(&incoming.summary)
        && text(&existing.description) == text(&incoming.description)
        && text(&existing.location) == text(&incoming.location)
        && time(&existing.start) == time(&incoming.start)
        && time(&existing.end) == time(&incoming.end)
        && lines(&existing.recurrence) == lines(&incoming.recurrence)
        && people(&existing.attendees) == people(&incoming.attendees)
        && status(existing) == status(incoming)
        && transparency(existing) == transparency(incoming)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:standup-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Standup\\, daily\r
DTSTART;TZID=Europe/Zurich:20260302T090000\r
DTEND;TZID=Europe/Zurich:20260302T091500\r
RRULE:FREQ=WEEKLY;BYDAY=MO,WE\r
EXDATE;TZID=Europe/Zurich:20260309T090000\r
ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Holiday\r
DTSTART;VALUE=DATE:20260704\r
DTEND;VALUE=DATE:20260705\r
TRANSP:TRANSPARENT\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Call\r
DTSTART:20260310T150000Z\r
DURATION:PT45M\r
END:VEVENT\r
END:VCALENDAR\r
";

    fn parse_ok(text: &str) -> ParsedIcs {
        parse(text, Tz::UTC).expect("valid ics")
    }

    #[test]
    fn import_maps_timed_all_day_recurring_and_attendees() {
        let parsed = parse_ok(SAMPLE);
        assert_eq!(parsed.events.len(), 3);
        let standup = &parsed.events[0];
        assert_eq!(standup.ical_uid.as_deref(), Some("standup-1@example.com"));
        assert_eq!(standup.summary.as_deref(), Some("Standup, daily"));
        let start = standup.start.as_ref().expect("start");
        assert_eq!(start.time_zone.as_deref(), Some("Europe/Zurich"));
        assert_eq!(
            start.date_time,
            Some(DateTime::parse_from_rfc3339("2026-03-02T09:00:00+01:00").expect("valid"))
        );
        assert_eq!(
            standup.recurrence.as_deref(),
            Some(
                &[
                    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE".to_owned(),
                    "EXDATE;TZID=Europe/Zurich:20260309T090000".to_owned()
                ][..]
            )
        );
        let bob = &standup.attendees.as_ref().expect("attendees")[0];
        assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
        assert_eq!(bob.response_status, Some(ResponseStatus::Accepted));

        let holiday = &parsed.events[1];
        assert_eq!(
            holiday.start.as_ref().and_then(|s| s.date),
            NaiveDate::from_ymd_opt(2026, 7, 4)
        );
        assert_eq!(holiday.transparency, Some(Transparency::Transparent));

        let call = &parsed.events[2];
        assert_eq!(
            call.end.as_ref().and_then(|e| e.date_time),
            Some(DateTime::parse_from_rfc3339("2026-03-10T15:45:00Z").expect("valid"))
        );
    }

    #[test]
    fn export_then_import_gives_the_same_events() {
        let first = parse_ok(SAMPLE).events;
        let text = write(&first, "Work", Utc::now());
        assert!(text.contains("X-WR-CALNAME:Work"), "{text}");
        let second = parse_ok(&text).events;
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert!(same_content(a, b), "{a:?}\n!=\n{b:?}");
            assert_eq!(a.ical_uid, b.ical_uid);
        }
    }

    #[test]
    fn same_content_notices_a_changed_title_or_time() {
        let events = parse_ok(SAMPLE).events;
        let mut changed = events[2].clone();
        changed.summary = Some("Call (moved)".into());
        assert!(!same_content(&events[2], &changed));
        let mut moved = events[2].clone();
        moved.start = Some(EventDateTime::timed(
            DateTime::parse_from_rfc3339("2026-03-10T15:15:00Z").expect("valid"),
            None,
        ));
        assert!(!same_content(&events[2], &moved));
        assert!(same_content(&events[2], &events[2].clone()));
    }

    #[test]
    fn garbage_is_refused() {
        let e = parse("hello, world", Tz::UTC).expect_err("not ics");
        assert!(matches!(e, IcsError::Syntax(_)), "{e}");
    }

    #[test]
    fn missing_uid_names_the_event_and_property() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260310T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let e = parse(text, Tz::UTC).expect_err("no uid");
        assert_eq!(
            e.to_string(),
            "event #1: invalid UID: missing (import matches events by UID)"
        );
    }

    #[test]
    fn end_before_start_and_unknown_zone_are_refused() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T150000Z\r\nDTEND:20260310T140000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let e = parse(text, Tz::UTC).expect_err("end before start");
        assert!(e.to_string().starts_with("event x: invalid DTEND"), "{e}");
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:y\r\nDTSTART;TZID=Mars Standard Time:20260310T150000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let e = parse(text, Tz::UTC).expect_err("windows zone");
        assert!(e.to_string().contains("IANA"), "{e}");
    }

    #[test]
    fn duplicate_uid_is_refused() {
        let one = "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260310T150000Z\r\nEND:VEVENT\r\n";
        let text = format!("BEGIN:VCALENDAR\r\n{one}{one}END:VCALENDAR\r\n");
        let e = parse(&text, Tz::UTC).expect_err("duplicate");
        assert!(e.to_string().contains("appears twice"), "{e}");
    }

    #[test]
    fn floating_times_use_the_calendar_zone() {
        let text = "BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America/New_York\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260701T090000\r\nDTEND:20260701T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = parse(text, Tz::UTC).expect("valid").events;
        assert_eq!(
            events[0].start.as_ref().and_then(|s| s.date_time),
            Some(DateTime::parse_from_rfc3339("2026-07-01T09:00:00-04:00").expect("valid"))
        );
    }

    #[test]
    fn vtimezone_blocks_and_other_components_are_ignored() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VTODO\r\nUID:todo-1\r\nSUMMARY:Not an event\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTART;TZID=Europe/Berlin:20260105T100000\r\nDTEND;TZID=Europe/Berlin:20260105T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = parse(text, Tz::UTC).expect("valid").events;
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].start.as_ref().and_then(|s| s.date_time),
            Some(DateTime::parse_from_rfc3339("2026-01-05T10:00:00+01:00").expect("valid"))
        );
    }

    #[test]
    fn outlook_windows_zone_names_are_understood() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:o1\r\nDTSTART;TZID=W. Europe Standard Time:20260310T150000\r\nDTEND;TZID=W. Europe Standard Time:20260310T160000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = parse(text, Tz::UTC).expect("valid").events;
        let start = events[0].start.as_ref().expect("start");
        assert_eq!(start.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            start.date_time,
            Some(DateTime::parse_from_rfc3339("2026-03-10T15:00:00+01:00").expect("valid"))
        );
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("PT1H30M"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("P1W"), Some(TimeDelta::weeks(1)));
        assert_eq!(parse_duration("P1DT2H"), Some(TimeDelta::hours(26)));
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("1H"), None);
    }
}
