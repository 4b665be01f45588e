//! `calstack-e2e-sync-worker`: one sync worker process, driven line by line, for the
//! multi-process test in `tests/tests/e2e/workers.rs` (three of these share 200 calendars on
//! one PostgreSQL database; one is killed mid-round).
//!
//! Configuration comes from the environment, as `calstack` itself reads it, and is never
//! printed: `CALSTACK_DATABASE_URL`, `CALSTACK_ENCRYPTION_KEY` and the
//! `CALSTACK_GOOGLE_{AUTH_URL,TOKEN_URL,REVOKE_URL,API_BASE}` endpoints. Arguments:
//! `--workers N` (calendars synced at once, default 4) and `--lease-ms N` (how long a claim
//! lasts, default the core's).
//!
//! Protocol, one line each way, fields separated by tabs:
//! - on start, once connected: `ready <holder id>` (the prefix of this process's leases);
//! - `discover` → `discovered <clients that failed>`;
//! - `round` → `synced <client id> <calendar id>` as each calendar finishes (so a killed
//!   worker has said what it finished), then one `failed <client id> <calendar id> <error>`
//!   per failure and `done <synced> <failed>`;
//! - `quit`, or the end of stdin → exit 0.
//!
//! Exit code 2: bad arguments or configuration; 1: the store failed.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use calstack_core::crypto::Keyring;
use calstack_core::oauth::GoogleEndpoints;
use calstack_core::store::CalendarKey;
use calstack_core::sync::{SyncOptions, SyncReport, Syncer};
use calstack_core::{Calstack, Error};

/// What the arguments and environment ask for.
struct Config {
    database_url: String,
    keyring: Keyring,
    endpoints: GoogleEndpoints,
    options: SyncOptions,
}

fn main() -> ExitCode {
    let config = match config(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("calstack-e2e-sync-worker: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("calstack-e2e-sync-worker: no async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("calstack-e2e-sync-worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut options = SyncOptions::default();
    while let Some(flag) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let value = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            value
                .parse()
                .map_err(|_| format!("{name}: {value:?} is not a whole number"))
        };
        match flag.as_str() {
            "--workers" => {
                let workers = number("--workers")?;
                options.workers = usize::try_from(workers)
                    .map_err(|_| "--workers: too large".to_owned())?
                    .max(1);
            }
            "--lease-ms" => options.lease = Duration::from_millis(number("--lease-ms")?.max(1)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let database_url = std::env::var("CALSTACK_DATABASE_URL")
        .map_err(|_| "CALSTACK_DATABASE_URL is not set".to_owned())?;
    let keyring = Keyring::from_env()
        .map_err(|e| format!("CALSTACK_ENCRYPTION_KEY: {e}"))?
        .ok_or_else(|| "CALSTACK_ENCRYPTION_KEY is not set".to_owned())?;
    let endpoints = GoogleEndpoints::from_env().map_err(|e| e.to_string())?;
    Ok(Config {
        database_url,
        keyring,
        endpoints,
        options,
    })
}

/// Connects, says `ready`, then runs the commands read from stdin until it ends.
async fn serve(config: Config) -> Result<(), Error> {
    let store = calstack_store::connect(&config.database_url).await?;
    let calstack = Calstack::builder()
        .store(store)
        .keyring(config.keyring)
        .endpoints(config.endpoints)
        .build()?;
    let syncer =
        calstack
            .syncer(config.options)
            .on_progress(Arc::new(|key: &CalendarKey, ok: bool| {
                if ok {
                    say(&format!("synced\t{}\t{}", key.client_id, key.calendar_id));
                }
            }));
    say(&format!("ready\t{}", syncer.id()));
    let (lines, mut commands) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(command) = commands.recv().await {
        match command.trim() {
            "discover" => {
                let report = syncer.discover().await?;
                say(&format!("discovered\t{}", report.failed_clients.len()));
            }
            "round" => round(&syncer).await?,
            "quit" => break,
            other => say(&format!("unknown\t{other}")),
        }
    }
    Ok(())
}

async fn round(syncer: &Syncer) -> Result<(), Error> {
    let report: SyncReport = syncer.run_round().await?;
    for (key, error) in &report.failed {
        say(&format!(
            "failed\t{}\t{}\t{error}",
            key.client_id, key.calendar_id
        ));
    }
    say(&format!(
        "done\t{}\t{}",
        report.synced.len(),
        report.failed.len()
    ));
    Ok(())
}

/// One line on stdout, flushed at once (the reader is a pipe).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
