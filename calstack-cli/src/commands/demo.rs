//! `calstack demo`: the whole job, end to end, against the emulator started in-process on
//! loopback: three clients, their OAuth apps, the real loopback authorization flow for each
//! (the emulator approves consent and the redirect is followed without a browser), events of
//! every kind, each client's calendars, the local mirror synced, the stacked agenda read from
//! it with a conflict across clients, and the free windows two clients share. Dates are
//! relative to today, so the agenda always shows them.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use calstack_core::calendar::{Event, EventDateTime, Transparency};
use calstack_core::crypto::EncryptionKey;
use calstack_core::oauth::GoogleEndpoints;
use calstack_core::stack::free_busy::merge;
use calstack_core::stack::{Interval, SlotQuery, StackQuery};
use calstack_core::store::MirrorSelection;
use calstack_core::sync::SyncOptions;
use calstack_core::validate::working_hours;
use calstack_core::{Client, ClientId, ClientSecret, Error};
use calstack_emulator::Emulator;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::app::App;
use crate::cli::GlobalArgs;
use crate::commands::agenda;
use crate::commands::calendars;
use crate::commands::oauth::{AppSettings, Consent, authorize, set_app};
use crate::config::{self, KeyConfig, Origin};
use crate::dates::{resolve_local, system_zone};
use crate::output::print_json;

/// The demo's clients: name, contact email, Google account, short id.
const CLIENTS: [(&str, &str, &str, &str); 3] = [
    (
        "Acme Dental",
        "office@acme-dental.test",
        "dr.ada@acme-dental.test",
        "acme",
    ),
    (
        "Bolt Fitness",
        "hello@bolt-fitness.test",
        "coach.ben@bolt-fitness.test",
        "bolt",
    ),
    ("Cove Studio", "studio@cove.test", "cleo@cove.test", "cove"),
];

/// Runs the demo. Uses a throwaway SQLite store and key in a temporary folder unless `--db`
/// is given (then the usual key resolution applies, so the data can be looked at afterwards).
pub async fn run(global: &GlobalArgs) -> Result<()> {
    let started = Instant::now();
    let emulator = Emulator::builder()
        .port(0)
        .start()
        .await
        .context("could not start the emulator")?;
    let temp = match &global.db {
        Some(_) => None,
        None => {
            let dir = std::env::temp_dir().join(format!("calstack-demo-{}", uuid::Uuid::new_v4()));
            config::create_private_dir(&dir)?;
            Some(dir)
        }
    };
    let result = async {
        let (db_url, origin, key) = match &temp {
            Some(dir) => (
                config::sqlite_url(&dir.join("demo.db")),
                Origin::Default,
                KeyConfig::in_memory(EncryptionKey::generate().to_base64_secret()),
            ),
            None => {
                let data = config::default_data_dir();
                let (url, origin) = config::database_url(global, data.as_deref())?;
                (
                    url,
                    origin,
                    config::encryption_key(global, data.as_deref(), true)?,
                )
            }
        };
        let endpoints = GoogleEndpoints::new(
            emulator.auth_url().as_str(),
            emulator.token_url().as_str(),
            emulator.revoke_url().as_str(),
            emulator.calendar_api_base().as_str(),
        )?;
        let app = App::assemble(global, db_url, origin, key, endpoints).await?;
        let say = |line: String| {
            if !global.json {
                println!("{line}");
            }
        };
        say(format!(
            "calstack demo: Google emulator on {}, store {}",
            emulator.base_url().as_str().trim_end_matches('/'),
            if temp.is_some() {
                "(temporary SQLite)".to_owned()
            } else {
                app.db_url.clone()
            }
        ));
        // The demo's Google accounts live in your time zone, as their calendars would.
        let zone = system_zone();
        for (_, _, account, _) in CLIENTS {
            emulator
                .set_time_zone(account, zone.name())
                .with_context(|| format!("the emulator refused the time zone {zone}"))?;
        }
        steps(&app, zone, say).await
    }
    .await;
    emulator.shutdown().await;
    if let Some(dir) = temp {
        let _ = std::fs::remove_dir_all(dir);
    }
    let report = result?;
    if global.json {
        print_json(&report)?;
    } else {
        summary(&report, started);
    }
    Ok(())
}

fn summary(report: &Report, started: Instant) {
    println!(
        "\ndemo finished in {} ms: {} clients authorized through the loopback OAuth flow, {} events created, {} events mirrored, {} conflict(s) flagged from the mirror, {} free window(s) found.",
        started.elapsed().as_millis(),
        report.clients.len(),
        report.events_created,
        report.mirrored.iter().map(|m| m.events).sum::<u64>(),
        report.agenda.conflicts,
        report.free.windows.len()
    );
    println!(
        "Next: `calstack clients add`, `calstack oauth set`, `calstack oauth authorize` with your own Google OAuth app."
    );
}

/// What the demo did, for `--json`.
#[derive(Debug, Serialize)]
struct Report {
    clients: Vec<Client>,
    events_created: usize,
    mirrored: Vec<Mirrored>,
    agenda: calstack_core::stack::Agenda,
    free: FreeTime,
}

/// What the sync put in the mirror for one client.
#[derive(Debug, Serialize)]
struct Mirrored {
    client: String,
    calendars: usize,
    events: u64,
    requests: u64,
}

/// When two clients are both free.
#[derive(Debug, Serialize)]
struct FreeTime {
    clients: [String; 2],
    minutes: i64,
    /// Every slot `find_slots` answered (a grid of start times).
    slots: Vec<Interval>,
    /// The slots merged into the windows they form.
    windows: Vec<Interval>,
}

async fn steps(app: &App, zone: Tz, say: impl Fn(String)) -> Result<Report> {
    let clients = add_clients(app, &say).await?;
    authorize_clients(app, &clients, &say).await?;
    let created = create_events(app, &clients, zone, &say).await?;
    for client in &clients {
        let api = app.calendar(client).await?;
        let entries = api.calendar_list().list().collect_all().await?;
        say(format!("\n4. {}'s calendars", client.name));
        for line in calendars::table(&entries).render().lines() {
            say(format!("   {line}"));
        }
    }
    let mirrored = sync_mirror(app, &clients, &say).await?;
    let agenda = stacked_agenda(app, &clients, zone, &say).await?;
    let free = free_windows(app, [&clients[0], &clients[1]], zone, &say).await?;
    Ok(Report {
        clients,
        events_created: created,
        mirrored,
        agenda,
        free,
    })
}

async fn add_clients(app: &App, say: &impl Fn(String)) -> Result<Vec<Client>> {
    say("\n1. Clients and their Google OAuth apps (secrets sealed with AES-256-GCM)".into());
    let mut clients = Vec::new();
    for (name, email, account, slug) in CLIENTS {
        let client = match app.calstack.clients().create(name, email).await {
            Ok(c) => c,
            Err(Error::Validation { field, .. }) if field == "email" => app.client(name).await?,
            Err(e) => return Err(e.into()),
        };
        set_app(
            app,
            &client,
            AppSettings {
                google_client_id: format!("{slug}-demo.apps.googleusercontent.com"),
                client_secret: ClientSecret::new(format!(
                    "GOCSPX-demo-{slug}-{}",
                    uuid::Uuid::new_v4().simple()
                )),
                scopes: vec!["calendar".into()],
                redirect_uri: "http://127.0.0.1".into(),
                account_email: Some(account.into()),
            },
        )
        .await?;
        say(format!("   + {name} <{email}>"));
        clients.push(client);
    }
    Ok(clients)
}

async fn authorize_clients(app: &App, clients: &[Client], say: &impl Fn(String)) -> Result<()> {
    say("\n2. Authorization: loopback listener on 127.0.0.1, PKCE S256, single-use state".into());
    for client in clients {
        let credential = authorize(
            app,
            client,
            Consent::FollowRedirect,
            None,
            Duration::from_secs(30),
        )
        .await?;
        say(format!(
            "   ✓ {} authorized as {}",
            client.name,
            credential.account_email.as_deref().unwrap_or("?")
        ));
    }
    Ok(())
}

async fn create_events(
    app: &App,
    clients: &[Client],
    zone: Tz,
    say: &impl Fn(String),
) -> Result<usize> {
    say("\n3. Events (relative to today)".into());
    let today = Utc::now().with_timezone(&zone).date_naive();
    let mut created = 0;
    for (index, event) in plan(today, zone)? {
        let client = &clients[index];
        let api = app.calendar(client).await?;
        let title = event.summary.clone().unwrap_or_default();
        api.events()
            .insert("primary", event)
            .send()
            .await
            .with_context(|| format!("could not create {title:?} for {}", client.name))?;
        created += 1;
        say(format!("   + {:<13} {title}", client.name));
    }
    Ok(created)
}

/// Google requests made so far by each client's Calendar client.
async fn requests_made(app: &App, clients: &[Client]) -> Result<Vec<u64>> {
    let mut counts = Vec::with_capacity(clients.len());
    for client in clients {
        counts.push(app.calendar(client).await?.metrics().requests);
    }
    Ok(counts)
}

/// Syncs the clients' calendar lists and calendars into the store's mirror.
async fn sync_mirror(
    app: &App,
    clients: &[Client],
    say: &impl Fn(String),
) -> Result<Vec<Mirrored>> {
    say("\n5. The local mirror: every calendar synced into the store (event bodies sealed)".into());
    let before = requests_made(app, clients).await?;
    let ids: Vec<ClientId> = clients.iter().map(|c| c.id).collect();
    let report = app
        .calstack
        .syncer(SyncOptions::default().with_workers(4))
        .sync_clients(Some(&ids))
        .await?;
    if let Some((key, error)) = report.failed.first() {
        bail!("the mirror could not sync {key}: {error}");
    }
    if let Some((client, error)) = report.failed_clients.first() {
        bail!("the mirror could not sync client {client}: {error}");
    }
    let after = requests_made(app, clients).await?;
    let mut mirrored = Vec::with_capacity(clients.len());
    for ((client, before), after) in clients.iter().zip(before).zip(after) {
        let status = app
            .calstack
            .mirror()
            .status(&MirrorSelection::clients([client.id]))
            .await?;
        let line = Mirrored {
            client: client.name.clone(),
            calendars: status.len(),
            events: status.iter().map(|s| s.events).sum(),
            requests: after.saturating_sub(before),
        };
        say(format!(
            "   ✓ {:<13} {} calendar{}, {} events mirrored, {} requests to Google",
            line.client,
            line.calendars,
            if line.calendars == 1 { "" } else { "s" },
            line.events,
            line.requests
        ));
        mirrored.push(line);
    }
    Ok(mirrored)
}

async fn stacked_agenda(
    app: &App,
    clients: &[Client],
    zone: Tz,
    say: &impl Fn(String),
) -> Result<calstack_core::stack::Agenda> {
    let before: u64 = requests_made(app, clients).await?.iter().sum();
    let (from, to) = agenda::window(Utc::now(), 7, zone);
    let query = StackQuery::new(from, to)
        .clients(Some(clients.iter().map(|c| c.id.to_string())))
        .time_zone(Some(zone.name()));
    let stacked = app.calstack.agenda(&query).await?;
    let requests = requests_made(app, clients)
        .await?
        .iter()
        .sum::<u64>()
        .saturating_sub(before);
    say(format!(
        "\n6. The stacked agenda, read from the mirror ({requests} requests to Google): every client, one timeline, next 7 days"
    ));
    if !stacked.problems.is_empty() {
        bail!(
            "the agenda could not read: {}",
            agenda::problems(&stacked.problems).join("; ")
        );
    }
    for line in agenda::render(&stacked, zone).lines() {
        say(if line.is_empty() {
            String::new()
        } else {
            format!("   {line}")
        });
    }
    if stacked.conflicts == 0 {
        bail!(
            "the demo expected a conflict between Acme Dental and Bolt Fitness, but none was found"
        );
    }
    Ok(stacked)
}

/// Free windows shown at most.
const WINDOWS_SHOWN: usize = 4;

/// When `pair` are both free for a meeting: 45 minutes, 09:00-17:00 every day, the next
/// three days from tomorrow, in the demo's zone.
async fn free_windows(
    app: &App,
    pair: [&Client; 2],
    zone: Tz,
    say: &impl Fn(String),
) -> Result<FreeTime> {
    let minutes = 45;
    let (_, tomorrow) = agenda::window(Utc::now(), 1, zone);
    let (from, to) = agenda::window(tomorrow, 3, zone);
    let hours = working_hours::parse("daily 09:00-17:00", zone.name())?;
    let query = SlotQuery::new(
        StackQuery::new(from, to)
            .clients(Some(pair.iter().map(|c| c.id.to_string())))
            .time_zone(Some(zone.name())),
        TimeDelta::minutes(minutes),
    )
    .working_hours(Some(hours));
    let slots = app.calstack.find_slots(&query).await?;
    let windows = merge(slots.clone());
    say(format!(
        "\n7. When are {} and {} both free? {minutes} minutes, 09:00-17:00 every day, the next 3 days from tomorrow ({zone})",
        pair[0].name, pair[1].name
    ));
    for w in windows.iter().take(WINDOWS_SHOWN) {
        let (start, end) = (w.start.with_timezone(&zone), w.end.with_timezone(&zone));
        say(format!(
            "   both free for {minutes} minutes or more: {} {}-{}",
            start.format("%a %Y-%m-%d"),
            start.format("%H:%M"),
            end.format("%H:%M")
        ));
    }
    if windows.len() > WINDOWS_SHOWN {
        say(format!("   … and {} more", windows.len() - WINDOWS_SHOWN));
    }
    say(format!(
        "   {} free window(s): {} possible start times on the 15-minute grid",
        windows.len(),
        slots.len()
    ));
    Ok(FreeTime {
        clients: pair.map(|c| c.name.clone()),
        minutes,
        slots,
        windows,
    })
}

/// The demo's events, as (client index, event).
fn plan(today: NaiveDate, zone: Tz) -> Result<Vec<(usize, Event)>> {
    let day = |n: u64| {
        today
            .checked_add_days(Days::new(n))
            .context("date out of range")
    };
    let at = |date: NaiveDate, h: u32, m: u32, tz: Tz| -> Result<DateTime<Tz>> {
        let time = NaiveTime::from_hms_opt(h, m, 0).context("bad time")?;
        let fixed = resolve_local(date.and_time(time), tz).context("time does not exist")?;
        Ok(fixed.with_timezone(&tz))
    };
    let timed = |title: &str, start: DateTime<Tz>, minutes: i64| {
        Event::new(
            title,
            EventDateTime::zoned(start),
            EventDateTime::zoned(start + TimeDelta::minutes(minutes)),
        )
    };
    let standup_day = day(1)?;
    let weekdays: Vec<String> = [1u64, 3, 5]
        .iter()
        .map(|n| day(*n).map(weekday_code))
        .collect::<Result<_>>()?;
    let new_york: Tz = "America/New_York"
        .parse()
        .map_err(|_| anyhow::anyhow!("zone"))?;

    let standup = timed("Team standup", at(standup_day, 9, 0, zone)?, 15).with_recurrence(format!(
        "RRULE:FREQ=WEEKLY;BYDAY={};COUNT=12",
        weekdays.join(",")
    ));
    let consult = timed("Patient consult: Mr. Rossi", at(day(2)?, 14, 0, zone)?, 60)
        .with_location("Acme Dental, room 2")
        .with_attendee("rossi@example.com")
        .with_attendee("nurse@acme-dental.test");
    let review = timed("Quarterly review", at(day(2)?, 14, 30, zone)?, 60)
        .with_description("Collides with the Acme consult: the agenda flags it.");
    let offsite = Event::new(
        "Team offsite",
        EventDateTime::all_day(day(3)?),
        EventDateTime::all_day(day(4)?),
    );
    let shoot = timed("Shoot in Brooklyn", at(day(4)?, 10, 0, new_york)?, 120)
        .with_location("Brooklyn, NY");
    let mut hold = timed("Studio hold", at(day(2)?, 14, 0, zone)?, 120);
    hold.transparency = Some(Transparency::Transparent);
    Ok(vec![
        (0, standup),
        (0, consult),
        (1, review),
        (1, offsite),
        (2, shoot),
        (2, hold),
    ])
}

/// `MO`, `TU`, … for an RRULE `BYDAY`.
fn weekday_code(date: NaiveDate) -> String {
    date.weekday().to_string()[..2].to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_codes_are_rrule_style() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid");
        assert_eq!(weekday_code(monday), "MO");
        assert_eq!(weekday_code(monday + Days::new(6)), "SU");
    }

    #[test]
    fn plan_has_every_kind_of_event_and_a_cross_client_collision() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid");
        let plan = plan(today, Tz::UTC).expect("plan");
        assert!(plan.iter().any(|(_, e)| e.recurrence.is_some()));
        assert!(plan.iter().any(|(_, e)| e.attendees.is_some()));
        assert!(
            plan.iter()
                .any(|(_, e)| e.start.as_ref().is_some_and(|s| s.date.is_some()))
        );
        assert!(plan.iter().any(|(_, e)| {
            e.start.as_ref().and_then(|s| s.time_zone.as_deref()) == Some("America/New_York")
        }));
        let calendar = |i: usize| calstack_core::stack::CalendarRef {
            client_id: calstack_core::ClientId(uuid::Uuid::from_u128(i as u128)),
            client: CLIENTS[i].0.into(),
            calendar_id: "primary".into(),
            name: "primary".into(),
            time_zone: Tz::UTC,
        };
        let mut agenda: Vec<_> = plan
            .iter()
            .filter_map(|(i, e)| {
                calstack_core::stack::AgendaEntry::from_event(&calendar(*i), e, Tz::UTC)
            })
            .collect();
        assert_eq!(calstack_core::stack::conflicts::stack(&mut agenda).len(), 1);
    }
}
