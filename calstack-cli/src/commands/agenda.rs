//! `calstack agenda`: the stacked agenda from the library ([`Calstack::agenda`]), rendered as
//! a table grouped by day or as JSON. Also the window and query every stacked-view command
//! (`conflicts`, `freebusy`, `slots`) builds from its flags.
//!
//! [`Calstack::agenda`]: calstack_core::Calstack::agenda

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use calstack_core::Error;
use calstack_core::stack::params::parse_duration;
use calstack_core::stack::{Agenda, Problem, StackQuery};
use chrono::{DateTime, Days, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::app::{App, explain};
use crate::cli::AgendaArgs;
use crate::dates::{parse_moment, parse_zone, resolve_local, system_zone};
use crate::output::{Table, print_json};

/// The agenda as the CLI prints it in JSON: the library's entries and conflict count, and the
/// problems as sentences.
#[derive(Debug, Serialize)]
pub struct AgendaView<'a> {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// The entries, time-ordered; `conflicts_with` holds indexes into this list.
    pub entries: &'a [calstack_core::stack::AgendaEntry],
    /// Number of conflicting pairs.
    pub conflicts: usize,
    /// Clients or calendars that could not be read, with why.
    pub errors: Vec<String>,
}

/// Runs `agenda`. Fails only when nothing at all could be read.
pub async fn run(app: &App, args: AgendaArgs) -> Result<()> {
    let zone = zone(&args)?;
    let query = query(&args, zone)?;
    let agenda = app.calstack.agenda(&query).await?;
    let errors = problems(&agenda.problems);
    if app.global.json {
        print_json(&AgendaView {
            from: agenda.from,
            to: agenda.to,
            entries: &agenda.entries,
            conflicts: agenda.conflicts,
            errors: errors.clone(),
        })?;
    } else {
        for e in &errors {
            eprintln!("warning: {e}");
        }
        print!("{}", render(&agenda, zone));
    }
    let unreadable: HashSet<_> = agenda.problems.iter().map(|p| p.client_id).collect();
    let all_failed = agenda.entries.is_empty()
        && !errors.is_empty()
        && agenda.problems.iter().all(|p| p.calendar_id.is_none())
        && unreadable.len() >= asked_clients(app, &args).await?;
    if all_failed {
        anyhow::bail!(
            "could not read any calendar ({} problem(s) above)",
            errors.len()
        );
    }
    Ok(())
}

async fn asked_clients(app: &App, args: &AgendaArgs) -> Result<usize> {
    Ok(if args.clients.is_empty() {
        app.calstack.clients().list().await?.len()
    } else {
        args.clients.len()
    })
}

/// The zone of `--tz`, else this machine's.
pub fn zone(args: &AgendaArgs) -> Result<Tz> {
    Ok(match &args.tz {
        Some(name) => parse_zone("--tz", name)?,
        None => system_zone(),
    })
}

/// The library query the flags describe: `--from`/`--to` (dates or times in `zone`), else
/// today for `--days`; `--client`, `--calendar`, `--live`, `--max-staleness`.
pub fn query(args: &AgendaArgs, zone: Tz) -> Result<StackQuery> {
    let now = Utc::now();
    let (default_from, _) = window(now, args.days, zone);
    let from = match &args.from {
        Some(text) => parse_moment("--from", text, zone, now)?
            .start_instant(zone)
            .with_timezone(&Utc),
        None => default_from,
    };
    let to = match &args.to {
        Some(text) => parse_moment("--to", text, zone, now)?
            .start_instant(zone)
            .with_timezone(&Utc),
        None => window(from, args.days, zone).1,
    };
    let nonempty = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let max_staleness = match &args.max_staleness {
        Some(text) => Some(
            parse_duration("max_staleness", text)?
                .to_std()
                .map_err(|_| Error::validation("max_staleness", "must not be negative"))?,
        ),
        None => None,
    };
    Ok(StackQuery::new(from, to)
        .clients(nonempty(&args.clients))
        .calendars(nonempty(&args.calendars))
        .time_zone(Some(zone.name()))
        .live(args.live)
        .max_staleness(max_staleness)
        .concurrency(Some(args.concurrency)))
}

/// Each problem as a sentence, with a hint when the client must authorize again.
pub fn problems(problems: &[Problem]) -> Vec<String> {
    let mut out: Vec<String> = problems
        .iter()
        .map(|p| {
            let what = match &p.calendar_id {
                Some(calendar) => format!("{} / {calendar}", p.client),
                None => p.client.clone(),
            };
            let why = match &p.error {
                Error::ReauthorizationRequired {
                    credential_id,
                    reason,
                } => explain(
                    &p.client,
                    Error::ReauthorizationRequired {
                        credential_id: credential_id.clone(),
                        reason: reason.clone(),
                    },
                )
                .to_string(),
                other => other.to_string(),
            };
            format!("{what}: {why}")
        })
        .collect();
    out.sort();
    out
}

/// From the start of the day of `now` in `zone`, for `days` days.
pub fn window(now: DateTime<Utc>, days: u32, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(&zone).date_naive();
    let start =
        resolve_local(today.and_time(NaiveTime::MIN), zone).map_or(now, |t| t.with_timezone(&Utc));
    let end_day = today
        .checked_add_days(Days::new(u64::from(days.max(1))))
        .unwrap_or(today);
    let end = resolve_local(end_day.and_time(NaiveTime::MIN), zone)
        .map_or(now, |t| t.with_timezone(&Utc));
    (start, end)
}
/// The agenda as a table grouped by day, in `zone`, with conflicts spelled out.
pub fn render(agenda: &Agenda, zone: Tz) -> String {
    if agenda.entries.is_empty() {
        return format!(
            "nothing on the agenda from {} to {}\n",
            agenda.from.with_timezone(&zone).format("%Y-%m-%d"),
            agenda.to.with_timezone(&zone).format("%Y-%m-%d")
        );
    }
    // Name the calendar too when some client's events come from more than one.
    let mut calendars_of: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in &agenda.entries {
        calendars_of
            .entry(&e.client)
            .or_default()
            .insert(&e.calendar);
    }
    let name_calendars = calendars_of.values().any(|c| c.len() > 1);
    let mut t = Table::new(["DAY", "TIME", "CLIENT", "EVENT", ""]);
    let mut last_day = String::new();
    for e in &agenda.entries {
        let (day, time) = match e.all_day {
            Some((first, last)) if first == last => (
                first.format("%a %Y-%m-%d").to_string(),
                "all day".to_owned(),
            ),
            Some((first, last)) => (
                first.format("%a %Y-%m-%d").to_string(),
                format!("all day, until {}", last.format("%a %d")),
            ),
            None => {
                let s = e.start.with_timezone(&zone);
                let end = e.end.with_timezone(&zone);
                let end_text = if end.date_naive() == s.date_naive() {
                    end.format("%H:%M").to_string()
                } else {
                    end.format("%a %H:%M").to_string()
                };
                (
                    s.format("%a %Y-%m-%d").to_string(),
                    format!("{}–{end_text}", s.format("%H:%M")),
                )
            }
        };
        let day_cell = if day == last_day {
            String::new()
        } else {
            day.clone()
        };
        last_day = day;
        let flag = if e.conflicts_with.is_empty() {
            String::new()
        } else {
            let others: Vec<String> = e
                .conflicts_with
                .iter()
                .map(|&i| {
                    let o = &agenda.entries[i as usize];
                    format!("{} ({})", o.summary, o.client)
                })
                .collect();
            format!("CONFLICT with {}", others.join(", "))
        };
        let title = if e.busy {
            e.summary.clone()
        } else {
            format!("{} [free]", e.summary)
        };
        let who = if name_calendars {
            format!("{} / {}", e.client, e.calendar)
        } else {
            e.client.to_string()
        };
        t.row([day_cell, time, who, title, flag]);
    }
    let clients: HashSet<&str> = agenda.entries.iter().map(|e| &*e.client).collect();
    format!(
        "{}\n{} event(s) across {} client(s), {} conflict(s); times in {zone}\n",
        t.render(),
        agenda.entries.len(),
        clients.len(),
        agenda.conflicts
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use calstack_core::ClientId;
    use calstack_core::stack::AgendaEntry;
    use calstack_core::stack::conflicts::stack;
    use chrono::TimeZone;

    fn entry(client: &str, calendar: &str, hour: u32) -> AgendaEntry {
        let start = Utc
            .with_ymd_and_hms(2026, 5, 1, hour, 0, 0)
            .single()
            .expect("valid");
        AgendaEntry {
            client_id: ClientId::new(),
            client: client.into(),
            calendar_id: calendar.into(),
            calendar: calendar.into(),
            event_id: format!("{client}{hour}"),
            summary: format!("Meeting {hour}"),
            start,
            end: start + chrono::TimeDelta::hours(1),
            all_day: None,
            busy: true,
            conflicts_with: Vec::new(),
            event: calstack_core::LazyEvent::default(),
        }
    }

    fn agenda(mut entries: Vec<AgendaEntry>) -> Agenda {
        let conflicts = stack(&mut entries).len();
        Agenda {
            from: Utc
                .with_ymd_and_hms(2026, 5, 1, 0, 0, 0)
                .single()
                .expect("valid"),
            to: Utc
                .with_ymd_and_hms(2026, 5, 8, 0, 0, 0)
                .single()
                .expect("valid"),
            entries,
            conflicts,
            problems: Vec::new(),
        }
    }

    #[test]
    fn rendered_agenda_groups_by_day_and_spells_out_conflicts() {
        let text = render(
            &agenda(vec![
                entry("Acme", "primary", 9),
                entry("Bolt", "primary", 9),
            ]),
            Tz::UTC,
        );
        assert!(text.contains("Fri 2026-05-01  09:00–10:00"), "{text}");
        assert!(text.contains("CONFLICT with Meeting 9 (Bolt)"), "{text}");
        assert!(text.contains("1 conflict(s); times in UTC"), "{text}");
        assert!(!text.contains("Acme / primary"), "{text}");
    }

    #[test]
    fn calendars_are_named_when_a_client_has_several() {
        let text = render(
            &agenda(vec![
                entry("Acme", "primary", 9),
                entry("Acme", "Holidays", 11),
            ]),
            Tz::UTC,
        );
        assert!(text.contains("Acme / Holidays"), "{text}");
    }

    #[test]
    fn window_starts_at_midnight_in_the_zone() {
        let now = Utc
            .with_ymd_and_hms(2026, 5, 1, 23, 30, 0)
            .single()
            .expect("valid");
        let zurich: Tz = "Europe/Zurich".parse().expect("zone");
        let (from, to) = window(now, 2, zurich);
        // 23:30 UTC is already May 2 in Zurich (UTC+2).
        assert_eq!(
            from,
            Utc.with_ymd_and_hms(2026, 5, 1, 22, 0, 0)
                .single()
                .expect("valid")
        );
        assert_eq!(
            to,
            Utc.with_ymd_and_hms(2026, 5, 3, 22, 0, 0)
                .single()
                .expect("valid")
        );
    }
}
