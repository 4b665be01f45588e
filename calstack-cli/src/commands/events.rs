//! `calstack events list | add | update | rm`, and turning the typed flags into an event.

use anyhow::{Result, anyhow, bail};
use calstack_core::Error;
use calstack_core::calendar::{Event, EventAttendee, EventDateTime, OrderBy, When};
use chrono::{DateTime, Days, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::app::{App, explain};
use crate::cli::{EventFields, EventsCommand};
use crate::dates::{Moment, parse_moment, parse_zone, system_zone};
use crate::output::{Table, print_json};

/// Runs one `events` subcommand.
pub async fn run(app: &App, cmd: EventsCommand) -> Result<()> {
    match cmd {
        EventsCommand::List {
            client,
            calendar,
            from,
            to,
            query,
        } => {
            let client = app.client(&client).await?;
            let zone = system_zone();
            let now = Utc::now();
            let from_at = match &from {
                Some(f) => parse_moment("--from", f, zone, now)?.start_instant(zone),
                None => now.fixed_offset(),
            };
            let to_at = match &to {
                Some(t) => parse_moment("--to", t, zone, now)?.start_instant(zone),
                None => from_at + TimeDelta::days(30),
            };
            if to_at <= from_at {
                bail!("invalid --to: must be after --from");
            }
            let api = app.calendar(&client).await?;
            let mut request = api
                .events()
                .list(&calendar)
                .single_events(true)
                .order_by(OrderBy::StartTime)
                .time_min(from_at)
                .time_max(to_at);
            if let Some(q) = query {
                request = request.q(q);
            }
            let events = request
                .collect_all()
                .await
                .map_err(|e| not_found_calendar(e, &client.name, &calendar))?;
            if app.global.json {
                return print_json(&events);
            }
            if events.is_empty() {
                println!("no events between {} and {}", from_at, to_at);
                return Ok(());
            }
            let mut t = Table::new(["START", "END", "TITLE", "ID"]);
            for e in &events {
                t.row([
                    show(e.start.as_ref(), zone),
                    show_end(e.end.as_ref(), zone),
                    e.summary.clone().unwrap_or_default(),
                    e.id.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", t.render());
        }
        EventsCommand::Add { client, fields } => {
            let client = app.client(&client).await?;
            let event = new_event(&fields, Utc::now())?;
            let api = app.calendar(&client).await?;
            let created = api
                .events()
                .insert(&fields.calendar, event)
                .send()
                .await
                .map_err(|e| not_found_calendar(e, &client.name, &fields.calendar))?;
            if app.global.json {
                return print_json(&created);
            }
            println!(
                "added {:?} on {} ({}) — id {}",
                created.summary.as_deref().unwrap_or(""),
                show(created.start.as_ref(), system_zone()),
                client.name,
                created.id.as_deref().unwrap_or("?")
            );
        }
        EventsCommand::Update {
            client,
            event,
            fields,
        } => {
            let client = app.client(&client).await?;
            let api = app.calendar(&client).await?;
            let existing = api
                .events()
                .get(&fields.calendar, &event)
                .send()
                .await
                .map_err(|e| not_found_event(e, &client.name, &fields.calendar, &event))?;
            let etag = existing.etag.clone();
            let changed = apply_changes(existing, &fields, Utc::now())?;
            let mut request = api.events().update(&fields.calendar, &event, changed);
            if let Some(etag) = etag {
                request = request.if_match(etag);
            }
            let updated = request
                .send()
                .await
                .map_err(|e| not_found_event(e, &client.name, &fields.calendar, &event))?;
            if app.global.json {
                return print_json(&updated);
            }
            println!(
                "updated {:?} ({}) — now {} to {}",
                updated.summary.as_deref().unwrap_or(""),
                updated.id.as_deref().unwrap_or("?"),
                show(updated.start.as_ref(), system_zone()),
                show_end(updated.end.as_ref(), system_zone()),
            );
        }
        EventsCommand::Rm {
            client,
            event,
            calendar,
        } => {
            let client = app.client(&client).await?;
            let api = app.calendar(&client).await?;
            api.events()
                .delete(&calendar, &event)
                .send()
                .await
                .map_err(|e| not_found_event(e, &client.name, &calendar, &event))?;
            if app.global.json {
                return print_json(&serde_json::json!({ "deleted": event }));
            }
            println!("deleted event {event} from {} ({calendar})", client.name);
        }
    }
    Ok(())
}

/// A 404 on an event, said plainly.
fn not_found_event(e: Error, client: &str, calendar: &str, event: &str) -> anyhow::Error {
    match e {
        Error::NotFound { .. } => anyhow!(
            "no event {event:?} in calendar {calendar:?} of {client} (see `calstack events list`)"
        ),
        other => explain(client, other),
    }
}

/// A 404 on a calendar, said plainly.
pub fn not_found_calendar(e: Error, client: &str, calendar: &str) -> anyhow::Error {
    match e {
        Error::NotFound { .. } => anyhow!(
            "no calendar {calendar:?} for {client} (see `calstack calendars {}`)",
            crate::app::shell_word(client)
        ),
        other => explain(client, other),
    }
}

/// An end as people read it: all-day ends are exclusive in the API, so the last day is shown.
pub fn show_end(value: Option<&EventDateTime>, zone: Tz) -> String {
    match value.map(EventDateTime::when) {
        Some(Ok(When::AllDay(end))) => {
            let last = end.pred_opt().unwrap_or(end);
            format!("{last} (all day)")
        }
        _ => show(value, zone),
    }
}

/// A start or end as people read it, in `zone`.
pub fn show(value: Option<&EventDateTime>, zone: Tz) -> String {
    match value.map(EventDateTime::when) {
        Some(Ok(When::AllDay(date))) => format!("{date} (all day)"),
        Some(Ok(When::Timed { at, .. })) => {
            at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
        }
        _ => String::new(),
    }
}

/// The zone for `fields`: `--tz`, else this machine's.
fn zone_of(fields: &EventFields) -> Result<Tz> {
    Ok(match &fields.tz {
        Some(name) => parse_zone("--tz", name)?,
        None => system_zone(),
    })
}

/// Builds a new event from the flags. Validation of the result (end after start, emails,
/// recurrence lines) happens in calstack-core before anything is sent.
pub fn new_event(fields: &EventFields, now: DateTime<Utc>) -> Result<Event> {
    let Some(title) = fields.title.as_deref().filter(|t| !t.trim().is_empty()) else {
        bail!("invalid title: required (--title)");
    };
    let Some(start_text) = &fields.start else {
        bail!("invalid start: required (--start)");
    };
    let zone = zone_of(fields)?;
    let start = parse_moment("start", start_text, zone, now)?;
    let end = fields
        .end
        .as_deref()
        .map(|e| parse_moment("end", e, zone, now))
        .transpose()?;
    let (start, end) = times(start, end, fields.all_day, zone)?;
    let mut event = Event::new(title.trim(), start, end);
    event.description = fields.description.clone();
    event.location = fields.location.clone();
    if !fields.attendees.is_empty() {
        event.attendees = Some(
            fields
                .attendees
                .iter()
                .map(|a| EventAttendee::new(a.trim()))
                .collect(),
        );
    }
    if !fields.rrules.is_empty() {
        event.recurrence = Some(fields.rrules.iter().map(|r| recurrence_line(r)).collect());
    }
    Ok(event)
}

/// Applies the given flags to an existing event. A new start without a new end keeps the
/// event's length.
pub fn apply_changes(mut event: Event, fields: &EventFields, now: DateTime<Utc>) -> Result<Event> {
    // Local times mean the event's own zone unless --tz says otherwise.
    let own_zone = event
        .start
        .as_ref()
        .and_then(|s| s.time_zone.as_deref())
        .and_then(|z| z.parse::<Tz>().ok());
    let zone = match (&fields.tz, own_zone) {
        (None, Some(zone)) => zone,
        _ => zone_of(fields)?,
    };
    if let Some(title) = &fields.title {
        event.summary = Some(title.trim().to_owned());
    }
    if let Some(d) = &fields.description {
        event.description = Some(d.clone());
    }
    if let Some(l) = &fields.location {
        event.location = Some(l.clone());
    }
    if !fields.attendees.is_empty() {
        event.attendees = Some(
            fields
                .attendees
                .iter()
                .map(|a| EventAttendee::new(a.trim()))
                .collect(),
        );
    }
    if !fields.rrules.is_empty() {
        event.recurrence = Some(fields.rrules.iter().map(|r| recurrence_line(r)).collect());
    }
    if fields.start.is_some() || fields.end.is_some() || fields.all_day {
        let old_start = event.start.as_ref().and_then(|s| s.when().ok());
        let old_end = event.end.as_ref().and_then(|s| s.when().ok());
        let start = match &fields.start {
            Some(s) => parse_moment("start", s, zone, now)?,
            None => match old_start {
                Some(When::AllDay(d)) => Moment::Date(d),
                Some(When::Timed { at, .. }) => Moment::Instant(at),
                None => bail!("invalid start: the event has none; give --start"),
            },
        };
        let end = match &fields.end {
            Some(e) => Some(parse_moment("end", e, zone, now)?),
            None => match (old_start, old_end, start) {
                (
                    Some(When::Timed { at: s, .. }),
                    Some(When::Timed { at: e, .. }),
                    Moment::Instant(new),
                ) => Some(Moment::Instant(new + (e - s))),
                (Some(When::AllDay(s)), Some(When::AllDay(e)), Moment::Date(new)) => {
                    let days = (e - s).num_days().max(1) - 1;
                    new.checked_add_days(Days::new(u64::try_from(days).unwrap_or(0)))
                        .map(Moment::Date)
                }
                _ => None,
            },
        };
        let all_day = fields.all_day || matches!(start, Moment::Date(_));
        let (s, e) = times(start, end, all_day, zone)?;
        event.start = Some(s);
        event.end = Some(e);
    } else if let Some(tz) = &fields.tz {
        // Only the zone changes: keep the instants, name the new zone.
        let zone = parse_zone("--tz", tz)?;
        for dt in [&mut event.start, &mut event.end].into_iter().flatten() {
            if let Some(at) = dt.date_time {
                *dt = EventDateTime::zoned(at.with_timezone(&zone));
            }
        }
    }
    Ok(event)
}

/// Turns parsed start/end into event times. All-day ends given by the user are inclusive and
/// become Google's exclusive end; a timed event without an end lasts one hour.
fn times(
    start: Moment,
    end: Option<Moment>,
    all_day: bool,
    zone: Tz,
) -> Result<(EventDateTime, EventDateTime)> {
    if all_day || matches!(start, Moment::Date(_)) {
        let Moment::Date(first) = start else {
            bail!("invalid start: an all-day event needs a date like 2026-12-01, not a time");
        };
        let last = match end {
            None => first,
            Some(Moment::Date(d)) => d,
            Some(Moment::Instant(_)) => {
                bail!("invalid end: the start is a date (all-day), so the end must be a date too")
            }
        };
        if last < first {
            bail!("invalid end: {last} is before the start {first}");
        }
        let after = last
            .checked_add_days(Days::new(1))
            .ok_or_else(|| anyhow::anyhow!("invalid end: out of range"))?;
        return Ok((EventDateTime::all_day(first), EventDateTime::all_day(after)));
    }
    let at = match start {
        Moment::Instant(at) => at,
        Moment::Date(d) => bail!("invalid start: {d} is a date; give a time or use --all-day"),
    };
    let end_at = match end {
        None => at + TimeDelta::hours(1),
        Some(Moment::Instant(e)) => e,
        Some(Moment::Date(_)) => {
            bail!("invalid end: the start is a time, so the end must be a time too")
        }
    };
    Ok((
        EventDateTime::zoned(at.with_timezone(&zone)),
        EventDateTime::zoned(end_at.with_timezone(&zone)),
    ))
}

/// `FREQ=WEEKLY` → `RRULE:FREQ=WEEKLY`; full lines (`EXDATE…`, `RRULE:…`) stay as given.
pub fn recurrence_line(text: &str) -> String {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    if ["RRULE:", "EXRULE:", "RDATE", "EXDATE"]
        .iter()
        .any(|p| upper.starts_with(p))
    {
        t.to_owned()
    } else {
        format!("RRULE:{t}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(start: &str, end: Option<&str>) -> EventFields {
        EventFields {
            calendar: "primary".into(),
            title: Some("Review".into()),
            start: Some(start.into()),
            end: end.map(str::to_owned),
            tz: Some("Europe/Zurich".into()),
            all_day: false,
            attendees: vec![],
            rrules: vec![],
            description: None,
            location: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn timed_event_gets_the_zone_and_a_default_hour() {
        let e = new_event(&fields("2026-12-01 14:00", None), now()).expect("valid");
        let start = e.start.expect("start");
        assert_eq!(start.time_zone.as_deref(), Some("Europe/Zurich"));
        assert_eq!(
            start.date_time.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-12-01T14:00:00+01:00")
        );
        assert_eq!(
            e.end
                .and_then(|d| d.date_time)
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2026-12-01T15:00:00+01:00")
        );
    }

    #[test]
    fn all_day_end_is_inclusive_for_people_exclusive_for_google() {
        let mut f = fields("2026-12-03", Some("2026-12-04"));
        f.all_day = true;
        let e = new_event(&f, now()).expect("valid");
        assert_eq!(
            e.start
                .and_then(|d| d.date)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-12-03")
        );
        assert_eq!(
            e.end.and_then(|d| d.date).map(|d| d.to_string()).as_deref(),
            Some("2026-12-05")
        );
    }

    #[test]
    fn end_before_start_names_the_end() {
        let mut f = fields("2026-12-03", Some("2026-12-01"));
        f.all_day = true;
        let e = new_event(&f, now()).expect_err("end first");
        assert!(e.to_string().starts_with("invalid end"), "{e}");
    }

    #[test]
    fn mixing_a_date_and_a_time_is_refused() {
        let e =
            new_event(&fields("2026-12-03", Some("2026-12-03 10:00")), now()).expect_err("mixed");
        assert!(e.to_string().starts_with("invalid end"), "{e}");
    }

    #[test]
    fn missing_title_is_refused() {
        let mut f = fields("2026-12-03 10:00", None);
        f.title = None;
        let e = new_event(&f, now()).expect_err("no title");
        assert!(e.to_string().starts_with("invalid title"), "{e}");
    }

    #[test]
    fn rrule_prefix_is_optional() {
        assert_eq!(
            recurrence_line("FREQ=WEEKLY;BYDAY=MO"),
            "RRULE:FREQ=WEEKLY;BYDAY=MO"
        );
        assert_eq!(recurrence_line("RRULE:FREQ=DAILY"), "RRULE:FREQ=DAILY");
        assert_eq!(
            recurrence_line("EXDATE:20261201T090000Z"),
            "EXDATE:20261201T090000Z"
        );
    }

    #[test]
    fn moving_the_start_keeps_the_length() {
        let e =
            new_event(&fields("2026-12-01 14:00", Some("2026-12-01 14:30")), now()).expect("valid");
        let mut f = fields("2026-12-02 09:00", None);
        f.title = None;
        let moved = apply_changes(e, &f, now()).expect("valid");
        assert_eq!(moved.summary.as_deref(), Some("Review"));
        assert_eq!(
            moved
                .end
                .and_then(|d| d.date_time)
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2026-12-02T09:30:00+01:00")
        );
    }
}
