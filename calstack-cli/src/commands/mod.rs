//! One module per command group; [`run`] dispatches a parsed command line.

pub mod clients;
pub mod oauth;

use std::process::ExitCode;

use anyhow::Result;

use crate::app::App;
use crate::cli::{Cli, Command};

/// Runs a parsed command line. Returns the exit code for commands that report problems
/// without failing (`doctor`).
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Clients(cmd) => clients::run(&App::open(&global).await?, cmd).await?,
        Command::Oauth(cmd) => oauth::run(&App::open(&global).await?, cmd).await?,
        _ => anyhow::bail!("this command is not available yet"),
    }
    Ok(ExitCode::SUCCESS)
}
