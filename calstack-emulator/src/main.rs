//! `calstack-emulator --port N`: serves the emulator until interrupted.

use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use calstack_emulator::Emulator;
use clap::Parser;

/// A local, stateful emulator of Google Calendar v3 and Google OAuth.
#[derive(Debug, Parser)]
#[command(name = "calstack-emulator", version, about)]
struct Args {
    /// Port to listen on; 0 picks a free port (printed on the first line).
    #[arg(long, default_value_t = 0, env = "CALSTACK_EMULATOR_PORT")]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Accept only OAuth clients registered through the admin API.
    #[arg(long)]
    strict_clients: bool,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3599)]
    access_token_lifetime: u64,
    /// Refresh tokens expire this many seconds after consent (604800 = Google's testing mode).
    #[arg(long)]
    refresh_token_lifetime: Option<u64>,
    /// Per-account Calendar API requests per minute before 403 userRateLimitExceeded.
    #[arg(long)]
    user_rate_limit: Option<u32>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let emulator = Emulator::builder()
        .host(args.host)
        .port(args.port)
        .strict_clients(args.strict_clients)
        .access_token_lifetime(Duration::from_secs(args.access_token_lifetime))
        .refresh_token_lifetime(args.refresh_token_lifetime.map(Duration::from_secs))
        .user_rate_limit_per_minute(args.user_rate_limit)
        .start()
        .await?;
    // Install the signal handlers before announcing the port, so a signal sent right after the
    // first line is read still shuts down cleanly.
    let shutdown = ShutdownSignal::install()?;
    let base = emulator.base_url();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "calstack-emulator listening on {}",
        base.as_str().trim_end_matches('/')
    )?;
    stdout.flush()?;
    drop(stdout);
    shutdown.wait().await;
    emulator.shutdown().await;
    Ok(())
}

/// SIGINT/SIGTERM (Ctrl-C elsewhere), registered up front.
struct ShutdownSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
