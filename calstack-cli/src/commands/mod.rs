//! One module per command group; [`run`] dispatches a parsed command line.

pub mod agenda;
pub mod calendars;
pub mod clients;
pub mod conflicts;
pub mod demo;
pub mod doctor;
pub mod emulator;
pub mod events;
pub mod freebusy;
pub mod oauth;
pub mod sharing;
pub mod slots;
pub mod sync;
pub mod transfer;

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
        Command::Calendars { client } => {
            calendars::run(&App::open(&global).await?, &client).await?
        }
        Command::Events(cmd) => events::run(&App::open(&global).await?, cmd).await?,
        Command::Sharing(cmd) => sharing::run(&App::open(&global).await?, cmd).await?,
        Command::Agenda(args) => agenda::run(&App::open(&global).await?, args).await?,
        Command::Conflicts(args) => conflicts::run(&App::open(&global).await?, args).await?,
        Command::Freebusy(args) => freebusy::run(&App::open(&global).await?, args).await?,
        Command::Slots(args) => slots::run(&App::open(&global).await?, args).await?,
        Command::Import {
            client,
            calendar,
            file,
            skip_invalid,
            no_batch,
        } => {
            let options = transfer::ImportFlags {
                skip_invalid,
                no_batch,
            };
            transfer::import(
                &App::open(&global).await?,
                &client,
                &calendar,
                &file,
                options,
            )
            .await?
        }
        Command::Export {
            client,
            calendar,
            from,
            to,
        } => {
            transfer::export(
                &App::open(&global).await?,
                &client,
                &calendar,
                from.as_deref(),
                to.as_deref(),
            )
            .await?
        }
        Command::Emulator { port } => emulator::run(port).await?,
        Command::Doctor => return doctor::run(&global).await,
        Command::Demo => demo::run(&global).await?,
        Command::Sync(args) => sync::run(&App::open(&global).await?, args).await?,
    }
    Ok(ExitCode::SUCCESS)
}
