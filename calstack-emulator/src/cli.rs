//! Command-line surface shared by the `calstack-emulator` binary and `calstack emulator`:
//! the flags (a `clap::Args` struct other CLIs can flatten) and the serve-until-signal loop
//! that prints the `calstack-emulator listening on http://127.0.0.1:PORT` line.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::error::EmulatorError;
use crate::server::{Emulator, EmulatorBuilder};

/// Flags of the emulator command.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Port to listen on; 0 picks a free port (printed on the first line).
    #[arg(long, default_value_t = 0, env = "CALSTACK_EMULATOR_PORT")]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Accept only OAuth clients registered through the admin API.
    #[arg(long)]
    pub strict_clients: bool,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3599)]
    pub access_token_lifetime: u64,
    /// Refresh tokens expire this many seconds after consent (604800 = Google's testing mode).
    #[arg(long)]
    pub refresh_token_lifetime: Option<u64>,
    /// Per-account Calendar API requests per minute before 403 userRateLimitExceeded.
    #[arg(long)]
    pub user_rate_limit: Option<u32>,
}

impl EmulatorArgs {
    /// A builder configured from the flags.
    pub fn builder(&self) -> EmulatorBuilder {
        Emulator::builder()
            .host(self.host)
            .port(self.port)
            .strict_clients(self.strict_clients)
            .access_token_lifetime(Duration::from_secs(self.access_token_lifetime))
            .refresh_token_lifetime(self.refresh_token_lifetime.map(Duration::from_secs))
            .user_rate_limit_per_minute(self.user_rate_limit)
    }
}

/// Starts the emulator, prints exactly one line
/// `calstack-emulator listening on http://HOST:PORT` to stdout (flushed), and serves until
/// SIGINT or SIGTERM (Ctrl-C elsewhere).
pub async fn serve_until_signal(builder: EmulatorBuilder) -> Result<(), EmulatorError> {
    let emulator = builder.start().await?;
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

    #[cfg_attr(not(unix), allow(unused_mut))]
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
