//! `calstack import` and `calstack export`: iCalendar files in and out of a calendar.
//!
//! Import parses and checks the whole file first (a bad file changes nothing), then compares
//! each event with the calendar's event of the same UID: identical ones are left alone, others
//! go through `events.import`, which creates or updates by `iCalUID`.

use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use calstack_core::calendar::Event;
use chrono::Utc;
use chrono_tz::Tz;
use futures::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::app::App;
use crate::commands::calendars;
use crate::commands::events::not_found_calendar;
use crate::dates::{parse_moment, system_zone};
use crate::ics;
use crate::output::{print_json, print_text};

/// How many `events.import` requests run at once.
const IMPORT_CONCURRENCY: usize = 4;

/// What an import did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// Events that did not exist and were created.
    pub created: usize,
    /// Events that existed with different content and were updated.
    pub updated: usize,
    /// Events that already matched the file.
    pub unchanged: usize,
    /// Events the API refused, with why.
    pub failed: Vec<String>,
    /// VEVENTs calstack does not import, with why.
    pub skipped: Vec<String>,
}

/// Runs `import`.
pub async fn import(app: &App, client: &str, calendar: &str, file: &Path) -> Result<()> {
    let text = read_input(file)?;
    let client = app.client(client).await?;
    let api = app.calendar(&client).await?;
    let zone = calendar_zone(&api, calendar).await;
    // Everything is checked before the first request.
    let parsed = ics::parse(&text, zone)
        .with_context(|| format!("{} was not imported (nothing changed)", file.display()))?;
    let existing: HashMap<String, Event> = api
        .events()
        .list(calendar)
        .show_deleted(false)
        .collect_all()
        .await
        .map_err(|e| not_found_calendar(e, &client.name, calendar))?
        .into_iter()
        .filter_map(|e| Some((e.ical_uid.clone()?, e)))
        .collect();

    let progress = if std::io::stderr().is_terminal() && !app.global.json {
        let bar = ProgressBar::new(parsed.events.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut report = ImportReport {
        skipped: parsed.skipped,
        ..ImportReport::default()
    };
    // Unchanged events need no request; the rest are imported a few at a time.
    let mut to_send = Vec::new();
    for event in parsed.events {
        let uid = event.ical_uid.clone().unwrap_or_default();
        match existing.get(&uid) {
            Some(before) if ics::same_content(before, &event) => {
                report.unchanged += 1;
                progress.inc(1);
            }
            before => to_send.push((uid, before.is_some(), event)),
        }
    }
    let outcomes: Vec<(String, bool, calstack_core::Result<Event>)> = stream::iter(to_send)
        .map(|(uid, existed, event)| {
            let api = api.clone();
            let progress = progress.clone();
            async move {
                let result = api.events().import(calendar, event).send().await;
                progress.set_message(uid.clone());
                progress.inc(1);
                (uid, existed, result)
            }
        })
        .buffer_unordered(IMPORT_CONCURRENCY)
        .collect()
        .await;
    for (uid, existed, result) in outcomes {
        match result {
            Ok(_) if existed => report.updated += 1,
            Ok(_) => report.created += 1,
            Err(e) => report.failed.push(format!("{uid}: {e}")),
        }
    }
    report.failed.sort();
    progress.finish_and_clear();

    if app.global.json {
        print_json(&report)?;
    } else {
        for s in &report.skipped {
            eprintln!("skipped {s}");
        }
        for f in &report.failed {
            eprintln!("failed {f}");
        }
        println!(
            "imported {} into {} / {calendar}: {} created, {} updated, {} unchanged, {} failed",
            file.display(),
            client.name,
            report.created,
            report.updated,
            report.unchanged,
            report.failed.len()
        );
    }
    if !report.failed.is_empty() {
        bail!("{} event(s) could not be imported", report.failed.len());
    }
    Ok(())
}

/// Runs `export`: every event of the calendar (recurring events as their series), optionally
/// only those overlapping `--from`/`--to`, as one VCALENDAR on stdout.
pub async fn export(
    app: &App,
    client: &str,
    calendar: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<()> {
    let client = app.client(client).await?;
    let api = app.calendar(&client).await?;
    let zone = system_zone();
    let now = Utc::now();
    let mut request = api.events().list(calendar);
    if let Some(f) = from {
        request = request.time_min(parse_moment("--from", f, zone, now)?.start_instant(zone));
    }
    if let Some(t) = to {
        request = request.time_max(parse_moment("--to", t, zone, now)?.start_instant(zone));
    }
    let events = request
        .collect_all()
        .await
        .map_err(|e| not_found_calendar(e, &client.name, calendar))?;
    let name = match api.calendar_list().get(calendar).send().await {
        Ok(entry) => calendars::name(&entry),
        Err(_) => calendar.to_owned(),
    };
    print_text(&ics::write(&events, &name, now))
}

/// The calendar's own time zone (for floating times in a file), else this machine's.
async fn calendar_zone(api: &calstack_core::calendar::CalendarClient, calendar: &str) -> Tz {
    match api.calendar_list().get(calendar).send().await {
        Ok(entry) => entry
            .time_zone
            .and_then(|z| z.parse::<Tz>().ok())
            .unwrap_or_else(system_zone),
        Err(_) => system_zone(),
    }
}

fn read_input(file: &Path) -> Result<String> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the calendar from stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("could not read {}", file.display()))
}
