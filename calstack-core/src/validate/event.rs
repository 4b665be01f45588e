//! Validation of events before they are sent: start/end presence, kind and order, IANA time
//! zones, attendee emails, RFC 5545 recurrence lines, reminder bounds. Every error is an
//! [`Error::Validation`] naming the field at fault (`end`, `attendees[1].email`,
//! `recurrence[0]`, `start.timeZone`).

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::calendar::{Event, EventDateTime, When};
use crate::error::{Error, Result};

/// Most reminder overrides Google accepts on one event.
const MAX_REMINDER_OVERRIDES: usize = 5;
/// Longest reminder lead time Google accepts (four weeks), in minutes.
const MAX_REMINDER_MINUTES: i32 = 40_320;

/// Validates an event for insert, update or import: start and end are required.
pub fn validate_event(event: &Event) -> Result<()> {
    let start = event
        .start
        .as_ref()
        .ok_or_else(|| Error::validation("start", "is required"))?;
    let end = event
        .end
        .as_ref()
        .ok_or_else(|| Error::validation("end", "is required"))?;
    check_common(event, Some(start), Some(end))
}

/// Validates the fields a patch sets; start/end consistency only when both are set.
pub fn validate_event_patch(event: &Event) -> Result<()> {
    check_common(event, event.start.as_ref(), event.end.as_ref())
}

fn check_common(
    event: &Event,
    start: Option<&EventDateTime>,
    end: Option<&EventDateTime>,
) -> Result<()> {
    let start_when = start.map(|s| s.when_named("start")).transpose()?;
    let end_when = end.map(|e| e.when_named("end")).transpose()?;
    if let (Some(s), Some(e)) = (start_when, end_when) {
        check_order(s, e)?;
    }
    if let Some(original) = &event.original_start_time {
        original.when_named("originalStartTime")?;
    }
    if let Some(attendees) = &event.attendees {
        for (i, attendee) in attendees.iter().enumerate() {
            let field = format!("attendees[{i}].email");
            match attendee.email.as_deref() {
                Some(email) => validate_email(&field, email)?,
                None => return Err(Error::validation(field, "is required")),
            }
        }
    }
    if let Some(reminders) = event.reminders.as_ref().and_then(|r| r.overrides.as_ref()) {
        if reminders.len() > MAX_REMINDER_OVERRIDES {
            return Err(Error::validation(
                "reminders.overrides",
                format!(
                    "at most {MAX_REMINDER_OVERRIDES} reminders are allowed, got {}",
                    reminders.len()
                ),
            ));
        }
        for (i, reminder) in reminders.iter().enumerate() {
            if let Some(minutes) = reminder.minutes
                && !(0..=MAX_REMINDER_MINUTES).contains(&minutes)
            {
                return Err(Error::validation(
                    format!("reminders.overrides[{i}].minutes"),
                    format!("must be between 0 and {MAX_REMINDER_MINUTES}, got {minutes}"),
                ));
            }
        }
    }
    if let Some(lines) = event.recurrence.as_ref().filter(|l| !l.is_empty()) {
        if let (
            Some(When::Timed {
                time_zone: None, ..
            }),
            Some(_),
        ) = (start_when, start)
        {
            return Err(Error::validation(
                "start.timeZone",
                "a recurring timed event needs an IANA time zone on start",
            ));
        }
        for (i, line) in lines.iter().enumerate() {
            validate_recurrence_line(&format!("recurrence[{i}]"), line, start_when)?;
        }
    }
    Ok(())
}

fn check_order(start: When, end: When) -> Result<()> {
    match (start, end) {
        (When::AllDay(s), When::AllDay(e)) if e <= s => Err(Error::validation(
            "end",
            format!(
                "must be after start (all-day end dates are exclusive: use {})",
                s.succ_opt().unwrap_or(s)
            ),
        )),
        // Zero-length timed events are allowed (RFC 5545: no DTEND means the event ends
        // when it starts), as Google allows them.
        (When::Timed { at: s, .. }, When::Timed { at: e, .. }) if e < s => {
            Err(Error::validation("end", "must not be before start"))
        }
        (When::AllDay(_), When::Timed { .. }) => Err(Error::validation(
            "end",
            "start is all-day (date) but end is timed (dateTime): use the same kind for both",
        )),
        (When::Timed { .. }, When::AllDay(_)) => Err(Error::validation(
            "end",
            "start is timed (dateTime) but end is all-day (date): use the same kind for both",
        )),
        _ => Ok(()),
    }
}

/// Checks an attendee (or organizer) email address.
pub fn validate_email(field: &str, email: &str) -> Result<()> {
    if email_address::EmailAddress::is_valid(email) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("{email:?} is not a valid email address"),
        ))
    }
}

/// Checks an IANA time zone name and returns the zone.
pub fn validate_time_zone(field: &str, name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| Error::validation(field, format!("{name:?} is not an IANA time zone name")))
}

/// Checks one RFC 5545 recurrence line (`RRULE:`, `EXRULE:`, `RDATE…:`, `EXDATE…:`).
///
/// `start` is the event's start, used to validate a rule against it when it is timed and
/// anchored in a zone.
pub fn validate_recurrence_line(field: &str, line: &str, start: Option<When>) -> Result<()> {
    let (head, value) = line.split_once(':').ok_or_else(|| {
        Error::validation(
            field,
            "expected NAME:VALUE (e.g. RRULE:FREQ=WEEKLY;BYDAY=MO)",
        )
    })?;
    let mut params = head.split(';');
    let name = params.next().unwrap_or_default().to_ascii_uppercase();
    match name.as_str() {
        "RRULE" | "EXRULE" => {
            if value.to_ascii_uppercase().contains("DTSTART") {
                return Err(Error::validation(
                    field,
                    "DTSTART does not belong in a rule",
                ));
            }
            let rule: rrule::RRule<rrule::Unvalidated> = format!("RRULE:{value}")
                .parse()
                .map_err(|e: rrule::RRuleError| Error::validation(field, e.to_string()))?;
            if let Some(When::Timed {
                at,
                time_zone: Some(zone),
            }) = start
            {
                let dt_start = at.with_timezone(&rrule::Tz::from(zone));
                rule.validate(dt_start)
                    .map_err(|e| Error::validation(field, e.to_string()))?;
            }
            Ok(())
        }
        "RDATE" | "EXDATE" => {
            let mut period = false;
            for param in params {
                let (key, val) = param.split_once('=').ok_or_else(|| {
                    Error::validation(field, format!("malformed parameter {param:?}"))
                })?;
                match key.to_ascii_uppercase().as_str() {
                    "TZID" => {
                        validate_time_zone(field, val)?;
                    }
                    "VALUE" => period = val.eq_ignore_ascii_case("PERIOD"),
                    _ => {}
                }
            }
            if value.trim().is_empty() {
                return Err(Error::validation(field, "has no dates"));
            }
            for item in value.split(',') {
                let item = if period {
                    item.split('/').next().unwrap_or_default()
                } else {
                    item
                };
                if !is_ical_date_or_time(item.trim()) {
                    return Err(Error::validation(
                        field,
                        format!(
                            "{item:?} is not an iCalendar date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])"
                        ),
                    ));
                }
            }
            Ok(())
        }
        _ => Err(Error::validation(
            field,
            format!("unsupported line {name:?}: expected RRULE, EXRULE, RDATE or EXDATE"),
        )),
    }
}

fn is_ical_date_or_time(text: &str) -> bool {
    let local = text.strip_suffix('Z').unwrap_or(text);
    NaiveDate::parse_from_str(text, "%Y%m%d").is_ok()
        || NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").is_ok()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone};

    use super::*;
    use crate::calendar::{EventAttendee, EventReminder, Reminders};

    fn zurich(y: i32, m: u32, d: u32, h: u32) -> EventDateTime {
        EventDateTime::zoned(
            chrono_tz::Europe::Zurich
                .with_ymd_and_hms(y, m, d, h, 0, 0)
                .single()
                .expect("unambiguous"),
        )
    }

    fn field_of(result: Result<()>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn valid_timed_event_passes() {
        let event = Event::new("Review", zurich(2024, 3, 12, 10), zurich(2024, 3, 12, 11))
            .with_attendee("bob@example.com")
            .with_recurrence("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20240630T035959Z")
            .with_recurrence("EXDATE;TZID=Europe/Zurich:20240506T090000");
        validate_event(&event).expect("valid event");
    }

    #[test]
    fn end_before_start_names_end() {
        let event = Event::new("x", zurich(2024, 3, 12, 11), zurich(2024, 3, 12, 10));
        assert_eq!(field_of(validate_event(&event)), "end");
    }

    #[test]
    fn all_day_end_must_be_the_next_day_or_later() {
        let day = NaiveDate::from_ymd_opt(2024, 7, 4).expect("date");
        let same = Event::new(
            "x",
            EventDateTime::all_day(day),
            EventDateTime::all_day(day),
        );
        assert_eq!(field_of(validate_event(&same)), "end");
    }

    #[test]
    fn mixed_all_day_and_timed_is_refused() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 12).expect("date");
        let event = Event::new("x", EventDateTime::all_day(day), zurich(2024, 3, 13, 10));
        assert_eq!(field_of(validate_event(&event)), "end");
    }

    #[test]
    fn missing_start_or_end_is_refused_on_insert_but_not_on_patch() {
        let patch = Event {
            summary: Some("renamed".into()),
            ..Event::default()
        };
        assert_eq!(field_of(validate_event(&patch)), "start");
        validate_event_patch(&patch).expect("a patch may leave start and end alone");
    }

    #[test]
    fn bad_attendee_email_names_its_index() {
        let mut event = Event::new("x", zurich(2024, 3, 12, 10), zurich(2024, 3, 12, 11))
            .with_attendee("ok@example.com")
            .with_attendee("not-an-email");
        assert_eq!(field_of(validate_event(&event)), "attendees[1].email");
        event.attendees = Some(vec![EventAttendee::default()]);
        assert_eq!(field_of(validate_event(&event)), "attendees[0].email");
    }

    #[test]
    fn unknown_time_zone_names_the_field() {
        let mut start = zurich(2024, 3, 12, 10);
        start.time_zone = Some("Mars/Olympus".into());
        let event = Event::new("x", start, zurich(2024, 3, 12, 11));
        assert_eq!(field_of(validate_event(&event)), "start.timeZone");
    }

    #[test]
    fn recurring_timed_event_needs_a_time_zone() {
        let at = DateTime::parse_from_rfc3339("2024-03-12T10:00:00+01:00").expect("valid");
        let end = DateTime::parse_from_rfc3339("2024-03-12T11:00:00+01:00").expect("valid");
        let event = Event::new(
            "x",
            EventDateTime::timed(at, None),
            EventDateTime::timed(end, None),
        )
        .with_recurrence("RRULE:FREQ=DAILY");
        assert_eq!(field_of(validate_event(&event)), "start.timeZone");
    }

    #[test]
    fn bad_recurrence_lines_name_their_index() {
        let base = Event::new("x", zurich(2024, 3, 12, 10), zurich(2024, 3, 12, 11))
            .with_recurrence("RRULE:FREQ=DAILY;COUNT=3");
        for bad in [
            "RRULE:FREQ=SOMETIMES",
            "RRULE:FREQ=DAILY;BYMONTHDAY=40",
            "EXDATE:2024-05-06",
            "EXDATE;TZID=Nowhere/City:20240506T090000",
            "DTSTART:20240312T100000Z",
            "no colon",
        ] {
            let event = base.clone().with_recurrence(bad);
            assert_eq!(
                field_of(validate_event(&event)),
                "recurrence[1]",
                "line {bad}"
            );
        }
        let ok = base
            .clone()
            .with_recurrence("RDATE;VALUE=DATE:20240401,20240402")
            .with_recurrence("EXRULE:FREQ=WEEKLY;BYDAY=SA");
        validate_event(&ok).expect("valid lines");
    }

    #[test]
    fn all_day_recurring_event_with_date_until_passes() {
        let d = |day| NaiveDate::from_ymd_opt(2024, 7, day).expect("date");
        let event = Event::new(
            "x",
            EventDateTime::all_day(d(4)),
            EventDateTime::all_day(d(5)),
        )
        .with_recurrence("RRULE:FREQ=YEARLY;UNTIL=20300704");
        validate_event(&event).expect("valid all-day series");
    }

    #[test]
    fn reminder_bounds_are_checked() {
        let mut event = Event::new("x", zurich(2024, 3, 12, 10), zurich(2024, 3, 12, 11));
        event.reminders = Some(Reminders {
            use_default: Some(false),
            overrides: Some(vec![EventReminder {
                minutes: Some(-5),
                ..EventReminder::default()
            }]),
            ..Reminders::default()
        });
        assert_eq!(
            field_of(validate_event(&event)),
            "reminders.overrides[0].minutes"
        );
    }
}
