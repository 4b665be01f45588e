//! `calstack-emulator [--port N] [--host 127.0.0.1]`: serves the emulator until SIGINT/SIGTERM.

use calstack_emulator::cli::{EmulatorArgs, serve_until_signal};
use clap::Parser;

/// A local, stateful emulator of Google Calendar v3 and Google OAuth.
#[derive(Debug, Parser)]
#[command(name = "calstack-emulator", version, about)]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
}

#[tokio::main]
async fn main() -> Result<(), calstack_emulator::EmulatorError> {
    let cli = Cli::parse();
    serve_until_signal(cli.args.builder()).await
}
