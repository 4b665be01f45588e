//! `calstack import` and `calstack export`: iCalendar files in and out of a calendar.
//!
//! Parsing, matching by UID, batching and writing live in `calstack_core::ics`; this reads the
//! file, shows a progress bar and prints the report.

use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use calstack_core::ics::{self, ImportOptions, ParseOptions};
use chrono::Utc;
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::App;
use crate::commands::events::not_found_calendar;
use crate::dates::{parse_moment, system_zone};
use crate::output::{print_json, print_text};

/// The import flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportFlags {
    /// Keep the good events when some are refused.
    pub skip_invalid: bool,
    /// One request per event instead of batch requests.
    pub no_batch: bool,
}

/// Runs `import`.
pub async fn import(
    app: &App,
    client: &str,
    calendar: &str,
    file: &Path,
    flags: ImportFlags,
) -> Result<()> {
    let text = read_input(file)?;
    let client = app.client(client).await?;
    let api = app.calendar(&client).await?;
    let zone = ics::calendar_zone(&api, calendar)
        .await
        .unwrap_or_else(|_| system_zone());
    // Everything is checked before the first request.
    let parse_options = ParseOptions {
        default_zone: zone,
        skip_invalid: flags.skip_invalid,
    };
    let parsed = ics::parse(&text, &parse_options)
        .with_context(|| format!("{} was not imported (nothing changed)", file.display()))?;
    let bar = progress_bar(app);
    let mut options = ImportOptions::default().skip_invalid(flags.skip_invalid);
    if flags.no_batch {
        options = options.batch_size(0);
    }
    let on_progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report = ics::import_parsed(&api, calendar, parsed, &options, &on_progress)
        .await
        .map_err(|e| not_found_calendar(e, &client.name, calendar))?;
    bar.finish_and_clear();

    if app.global.json {
        print_json(&report)?;
    } else {
        for note in &report.notes {
            eprintln!("note: {note}");
        }
        for s in &report.skipped {
            eprintln!("skipped {s}");
        }
        for f in &report.failed {
            eprintln!("failed {f}");
        }
        println!(
            "imported {} into {} / {calendar}: {} created, {} updated, {} unchanged, {} failed{}",
            file.display(),
            client.name,
            report.created,
            report.updated,
            report.unchanged,
            report.failed.len(),
            if report.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped as invalid", report.skipped.len())
            }
        );
    }
    if !report.failed.is_empty() {
        bail!("{} event(s) could not be imported", report.failed.len());
    }
    Ok(())
}

fn progress_bar(app: &App) -> ProgressBar {
    if std::io::stderr().is_terminal() && !app.global.json {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} events")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// Runs `export`: every event of the calendar (recurring events as their series, with their
/// changed and cancelled occurrences), optionally only those overlapping `--from`/`--to`, as
/// one VCALENDAR on stdout.
pub async fn export(
    app: &App,
    client: &str,
    calendar: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<()> {
    let client = app.client(client).await?;
    let api = app.calendar(&client).await?;
    let zone: Tz = system_zone();
    let now = Utc::now();
    let instant = |flag: &str, text: Option<&str>| -> Result<_> {
        Ok(match text {
            Some(t) => Some(
                parse_moment(flag, t, zone, now)?
                    .start_instant(zone)
                    .with_timezone(&Utc),
            ),
            None => None,
        })
    };
    let (from, to) = (instant("--from", from)?, instant("--to", to)?);
    let text = ics::export(&api, calendar, from, to, now)
        .await
        .map_err(|e| not_found_calendar(e, &client.name, calendar))?;
    print_text(&text)
}

fn read_input(file: &Path) -> Result<String> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the calendar from stdin")?;
        return Ok(text);
    }
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    // Files in other encodings (Windows-1252 exports) keep what is readable.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}
