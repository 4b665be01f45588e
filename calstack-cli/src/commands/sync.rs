//! `calstack sync [--client C]... [--workers N] [--watch [--listen ADDR --public-url URL]]`
//! and `calstack sync status`: fill the local mirror from Google and show how fresh it is.
//! Every behaviour is a library call ([`calstack_core::sync`]); this parses and renders.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use calstack_core::mirror::CalendarStatus;
use calstack_core::store::MirrorSelection;
use calstack_core::sync::{PushOptions, SyncOptions, SyncReport, Syncer};
use calstack_core::{Calstack, ClientId};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::app::App;
use crate::output::{Table, print_json};

/// `calstack sync …`
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  calstack sync                          # every client, once\n  calstack sync --client Acme --client Globex --workers 8\n  calstack sync --watch                  # keep syncing until Ctrl-C\n  calstack sync --watch --listen 0.0.0.0:8443 --public-url https://sync.example.com/notify\n  calstack sync status --json"
)]
pub struct SyncArgs {
    /// What to do instead of syncing
    #[command(subcommand)]
    pub action: Option<SyncAction>,

    /// Only this client (id or unique name); repeatable [default: every client]
    #[arg(long = "client", value_name = "CLIENT")]
    pub clients: Vec<String>,

    /// Calendars synced at once
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub workers: usize,

    /// Keep syncing until Ctrl-C (calendars are claimed through leases, so several
    /// `--watch` processes on one database share the work)
    #[arg(long)]
    pub watch: bool,

    /// With --watch: receive Google's push notifications on this address
    #[arg(long, value_name = "ADDR", requires = "watch", requires = "public_url")]
    pub listen: Option<SocketAddr>,

    /// With --listen: the public HTTPS URL that reaches ADDR (Google delivers there; plain
    /// http only on a loopback host, for the emulator)
    #[arg(long, value_name = "URL", requires = "listen", value_parser = public_url)]
    pub public_url: Option<PushOptions>,

    /// With --watch: serve Prometheus metrics on this address
    #[arg(long, value_name = "ADDR", requires = "watch")]
    pub metrics: Option<SocketAddr>,
}

/// `calstack sync status`
#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Per mirrored calendar: last synced, events mirrored, next due, last error
    #[command(
        after_help = "Examples:\n  calstack sync status\n  calstack sync status --client Acme --json"
    )]
    Status {
        /// Only this client (id or unique name); repeatable [default: every client]
        #[arg(long = "client", value_name = "CLIENT")]
        clients: Vec<String>,
    },
}

/// Runs `calstack sync`.
pub async fn run(app: &App, args: SyncArgs) -> Result<()> {
    if let Some(SyncAction::Status { clients }) = args.action {
        return status(app, &clients).await;
    }
    let clients = resolve(app, &args.clients).await?;
    let mut options = SyncOptions::default().with_workers(args.workers);
    if let Some(push) = &args.public_url {
        options = options.with_push(push.clone());
    }
    let bar = progress_bar();
    let mut syncer = app.calstack.syncer(options);
    if let Some(bar) = &bar {
        let bar = bar.clone();
        syncer = syncer.on_progress(Arc::new(move |key, _ok| {
            bar.inc(1);
            bar.set_message(key.calendar_id.clone());
        }));
    }
    if args.watch {
        return watch(app, &syncer, &args).await;
    }
    let report = syncer.sync_clients(clients.as_deref()).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    render_report(app, &report)?;
    if !report.is_success() {
        bail!(
            "{} calendar(s) and {} client(s) failed to sync",
            report.failed.len(),
            report.failed_clients.len()
        );
    }
    Ok(())
}

/// `--public-url`, checked by the library (https, or http on loopback; no credentials, no
/// fragment).
fn public_url(text: &str) -> Result<PushOptions, calstack_core::Error> {
    PushOptions::parse("--public-url", text)
}

async fn resolve(app: &App, handles: &[String]) -> Result<Option<Vec<ClientId>>> {
    if handles.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::with_capacity(handles.len());
    for handle in handles {
        ids.push(app.client(handle).await?.id);
    }
    Ok(Some(ids))
}

/// A counter on stderr when it is a terminal.
fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {pos} calendars synced  {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// `--watch`: rounds until Ctrl-C, with the push receiver when asked.
async fn watch(app: &App, syncer: &Syncer, args: &SyncArgs) -> Result<()> {
    // Kept until the end of the watch: dropping it would not stop it, shutting it down does.
    let metrics = match args.metrics {
        Some(addr) => {
            let handle = calstack_core::metrics::prometheus::install()?;
            let server = calstack_core::metrics::prometheus::serve(addr, handle).await?;
            eprintln!(
                "calstack: serving Prometheus metrics on http://{}/metrics",
                server.local_addr()
            );
            Some(server)
        }
        None => None,
    };
    if let Some(addr) = args.listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("could not listen on {addr}"))?;
        eprintln!("calstack: receiving push notifications on {addr}");
        tokio::spawn(serve_notifications(listener, app.calstack.clone()));
    }
    eprintln!("calstack: syncing until Ctrl-C");
    syncer
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    if let Some(server) = metrics {
        server.shutdown();
    }
    Ok(())
}

/// Answers Google's notification `POST`s: 200 when accepted, 400 when refused (nothing more
/// is said to the sender).
async fn serve_notifications(listener: tokio::net::TcpListener, calstack: Calstack) {
    let app = axum::Router::new().fallback(axum::routing::post(
        move |headers: axum::http::HeaderMap| async move {
            let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
            match calstack.handle_notification(pairs).await {
                Ok(_) => axum::http::StatusCode::OK,
                Err(e) => {
                    tracing::info!(error = %e, "push notification refused");
                    axum::http::StatusCode::BAD_REQUEST
                }
            }
        },
    ));
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("calstack: the notification receiver stopped: {e}");
    }
}

fn render_report(app: &App, report: &SyncReport) -> Result<()> {
    if app.global.json {
        let synced: Vec<_> = report
            .synced
            .iter()
            .map(|(k, s)| {
                json!({"client_id": k.client_id, "calendar_id": k.calendar_id,
                "full": s.full, "upserted": s.upserted, "deleted": s.deleted, "skipped": s.skipped})
            })
            .collect();
        let failed: Vec<_> = report
            .failed
            .iter()
            .map(|(k, e)| json!({"client_id": k.client_id, "calendar_id": k.calendar_id, "error": e.to_string()}))
            .chain(report.failed_clients.iter().map(|(c, e)| json!({"client_id": c, "error": e.to_string()})))
            .collect();
        return print_json(&json!({"synced": synced, "failed": failed}));
    }
    let mut table = Table::new(["CALENDAR", "SYNC", "CHANGED", "DELETED"]);
    for (key, done) in &report.synced {
        let kind = match (done.skipped, done.full) {
            (true, _) => "skipped (busy)",
            (false, true) => "full",
            (false, false) => "incremental",
        };
        table.row([
            key.calendar_id.clone(),
            kind.to_owned(),
            done.upserted.to_string(),
            done.deleted.to_string(),
        ]);
    }
    print!("{}", table.render());
    for (key, error) in &report.failed {
        eprintln!("failed: {}: {error}", key.calendar_id);
    }
    for (client, error) in &report.failed_clients {
        eprintln!("failed: client {client}: {error}");
    }
    Ok(())
}

async fn status(app: &App, handles: &[String]) -> Result<()> {
    let selection = match resolve(app, handles).await? {
        Some(ids) => MirrorSelection::clients(ids),
        None => MirrorSelection::all(),
    };
    let rows = app.calstack.mirror().status(&selection).await?;
    if app.global.json {
        let out: Vec<_> = rows.iter().map(status_json).collect();
        return print_json(&out);
    }
    let mut table = Table::new(["CALENDAR", "EVENTS", "LAST SYNCED", "NEXT DUE", "STATE"]);
    for row in &rows {
        let c = &row.calendar;
        table.row([
            c.meta
                .summary
                .clone()
                .unwrap_or_else(|| c.meta.key.calendar_id.clone()),
            row.events.to_string(),
            when(c.last_synced),
            when(Some(c.next_sync_due)),
            state(row),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn state(row: &CalendarStatus) -> String {
    let c = &row.calendar;
    match (&c.parked_reason, &c.last_error) {
        (Some(reason), _) => format!("parked: {reason}"),
        (None, Some(error)) => format!("failing ({}x): {error}", c.failures),
        (None, None) if c.last_synced.is_some() => "ok".to_owned(),
        (None, None) => "pending".to_owned(),
    }
}

fn status_json(row: &CalendarStatus) -> serde_json::Value {
    let c = &row.calendar;
    json!({
        "client_id": c.meta.key.client_id,
        "calendar_id": c.meta.key.calendar_id,
        "summary": c.meta.summary,
        "primary": c.meta.primary,
        "events": row.events,
        "last_synced": c.last_synced,
        "next_sync_due": c.next_sync_due,
        "failures": c.failures,
        "last_error": c.last_error,
        "parked_reason": c.parked_reason,
        "watched_until": c.channel.as_ref().map(|ch| ch.expires_at),
    })
}
