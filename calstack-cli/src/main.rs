//! The `calstack` command-line tool: every client's Google Calendars from one terminal.
//!
//! `main` parses the command line, sets up logging, runs the command and turns an error into
//! one clear line on stderr (the cause chain too with `-v`) and a non-zero exit code.

use std::process::ExitCode;

use clap::Parser;

use calstack_cli::cli::Cli;

/// mimalloc instead of the system allocator: every run of the CLI reads cold (nothing opened
/// yet), and a cold mirror read allocates and frees hundreds of thousands of small values
/// across threads; see docs/stacking.md#performance.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let verbose = cli.global.verbose > 0;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(calstack_cli::commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            report(&e, verbose);
            ExitCode::FAILURE
        }
    }
}

/// Prints an error as one line (with its causes joined by `: `), and with `verbose` the
/// cause chain again, one cause per line.
fn report(error: &anyhow::Error, verbose: bool) {
    eprintln!("error: {error:#}");
    if verbose {
        for (depth, cause) in error.chain().enumerate() {
            eprintln!("  {depth}: {cause}");
        }
    }
}

/// `-v` info, `-vv` debug, `-vvv` trace, to stderr. `RUST_LOG` still wins when set.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
