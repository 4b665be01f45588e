//! `calstack emulator`: serves the local Google Calendar + OAuth emulator until Ctrl-C.

use std::io::Write;

use anyhow::{Context, Result};
use calstack_emulator::Emulator;

/// Runs `emulator`. The first stdout line is the same as the `calstack-emulator` binary's,
/// so scripts can read the URL from it.
pub async fn run(port: u16) -> Result<()> {
    let emulator = Emulator::builder()
        .port(port)
        .start()
        .await
        .context("could not start the emulator")?;
    let base = emulator.base_url();
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "calstack-emulator listening on {}",
            base.as_str().trim_end_matches('/')
        )?;
        out.flush()?;
    }
    eprintln!(
        "Point calstack at it:\n  export CALSTACK_GOOGLE_API_BASE={}\n  export CALSTACK_GOOGLE_AUTH_URL={}\n  export CALSTACK_GOOGLE_TOKEN_URL={}\n  export CALSTACK_GOOGLE_REVOKE_URL={}\nCtrl-C stops it.",
        emulator.calendar_api_base(),
        emulator.auth_url(),
        emulator.token_url(),
        emulator.revoke_url()
    );
    stopped().await;
    emulator.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (what service managers and test harnesses send).
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
