//! `calstack agenda`: fetches every selected client's calendars concurrently (bounded), merges
//! them into one time-ordered agenda and flags conflicts (see [`crate::agenda`]).

use std::collections::HashSet;

use anyhow::Result;
use calstack_core::Client;
use calstack_core::calendar::OrderBy;
use chrono::{DateTime, Days, NaiveTime, Utc};
use chrono_tz::Tz;
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;

use crate::agenda::{AgendaEntry, stack};
use crate::app::{App, explain};
use crate::cli::AgendaArgs;
use crate::commands::calendars;
use crate::dates::{resolve_local, system_zone};
use crate::output::{Table, print_json};

/// The stacked agenda and what could not be fetched.
#[derive(Debug, Serialize)]
pub struct Agenda {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// The entries, time-ordered; `conflicts_with` holds indexes into this list.
    pub entries: Vec<AgendaEntry>,
    /// Number of conflicting pairs.
    pub conflicts: usize,
    /// Clients or calendars that could not be read, with why.
    pub errors: Vec<String>,
}

/// Runs `agenda`. Fails only when nothing at all could be read.
pub async fn run(app: &App, args: AgendaArgs) -> Result<()> {
    let clients = if args.clients.is_empty() {
        app.calstack.clients().list().await?
    } else {
        let mut picked = Vec::new();
        for handle in &args.clients {
            picked.push(app.client(handle).await?);
        }
        picked
    };
    let zone = system_zone();
    let (from, to) = window(Utc::now(), args.days, zone);
    let agenda = collect(app, &clients, from, to, args.concurrency).await;
    if app.global.json {
        print_json(&agenda)?;
    } else {
        for e in &agenda.errors {
            eprintln!("warning: {e}");
        }
        print!("{}", render(&agenda, zone));
    }
    if agenda.entries.is_empty()
        && !agenda.errors.is_empty()
        && agenda.errors.len() >= clients.len()
    {
        anyhow::bail!(
            "could not read any calendar ({} problem(s) above)",
            agenda.errors.len()
        );
    }
    Ok(())
}

/// From the start of today in `zone`, for `days` days.
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

/// Fetches every calendar of every client (at most `concurrency` requests at once) and stacks
/// the events. Per-client and per-calendar failures are collected, not fatal.
pub async fn collect(
    app: &App,
    clients: &[Client],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    concurrency: usize,
) -> Agenda {
    let mut errors = Vec::new();
    // Which calendars each client has.
    let listed: Vec<_> = stream::iter(clients.iter().cloned())
        .map(|client| async move {
            let listed = async {
                let api = app.calendar(&client).await?;
                let entries = api
                    .calendar_list()
                    .list()
                    .collect_all()
                    .await
                    .map_err(|e| explain(&client.name, e))?;
                anyhow::Ok((api, entries))
            }
            .await;
            (client, listed)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut jobs = Vec::new();
    for (client, result) in listed {
        match result {
            Ok((api, entries)) => {
                for entry in entries
                    .into_iter()
                    .filter(|e| e.hidden != Some(true) && e.deleted != Some(true))
                {
                    let name = calendars::name(&entry);
                    if let Some(id) = entry.id.clone() {
                        jobs.push((client.clone(), api.clone(), id, name));
                    }
                }
            }
            Err(e) => errors.push(format!("{}: {e:#}", client.name)),
        }
    }
    let fetched: Vec<_> = stream::iter(jobs)
        .map(|(client, api, calendar_id, calendar_name)| async move {
            let events = api
                .events()
                .list(&calendar_id)
                .single_events(true)
                .order_by(OrderBy::StartTime)
                .time_min(from)
                .time_max(to)
                .stream()
                .try_collect::<Vec<_>>()
                .await;
            (client, calendar_name, events)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for (client, calendar_name, events) in fetched {
        match events {
            Ok(events) => {
                for event in &events {
                    let Some(entry) = AgendaEntry::from_event(&client.name, &calendar_name, event)
                    else {
                        continue;
                    };
                    // The same meeting can sit on several of one client's calendars.
                    let key = (
                        client.id,
                        event.ical_uid.clone().or_else(|| event.id.clone()),
                        entry.start,
                    );
                    if seen.insert(key) {
                        entries.push(entry);
                    }
                }
            }
            Err(e) => errors.push(format!(
                "{} / {calendar_name}: {:#}",
                client.name,
                explain(&client.name, e)
            )),
        }
    }
    let conflicts = stack(&mut entries);
    errors.sort();
    Agenda {
        from,
        to,
        entries,
        conflicts,
        errors,
    }
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
    let mut calendars_of: std::collections::HashMap<&str, HashSet<&str>> = Default::default();
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
                    let o = &agenda.entries[i];
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
            e.client.clone()
        };
        t.row([day_cell, time, who, title, flag]);
    }
    let clients: HashSet<&str> = agenda.entries.iter().map(|e| e.client.as_str()).collect();
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
    use chrono::TimeZone;

    fn entry(client: &str, calendar: &str, hour: u32) -> AgendaEntry {
        let start = Utc
            .with_ymd_and_hms(2026, 5, 1, hour, 0, 0)
            .single()
            .expect("valid");
        AgendaEntry {
            client: client.into(),
            calendar: calendar.into(),
            event_id: format!("{client}{hour}"),
            summary: format!("Meeting {hour}"),
            start,
            end: start + chrono::TimeDelta::hours(1),
            all_day: None,
            busy: true,
            conflicts_with: Vec::new(),
        }
    }

    fn agenda(mut entries: Vec<AgendaEntry>) -> Agenda {
        let conflicts = stack(&mut entries);
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
            errors: Vec::new(),
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
