//! `calstack freebusy`: each client's busy times merged across its calendars
//! ([`Calstack::free_busy`]), as a table or JSON.
//!
//! [`Calstack::free_busy`]: calstack_core::Calstack::free_busy

use anyhow::Result;
use calstack_core::stack::FreeBusy;
use chrono_tz::Tz;

use crate::app::App;
use crate::cli::AgendaArgs;
use crate::commands::agenda::{query, zone};
use crate::output::{Table, print_json};

/// Runs `freebusy`.
pub async fn run(app: &App, args: AgendaArgs) -> Result<()> {
    let zone = zone(&args)?;
    let busy = app.calstack.free_busy(&query(&args, zone)?).await?;
    if app.global.json {
        return print_json(&busy);
    }
    print!("{}", render(&busy, zone));
    Ok(())
}

/// One row per busy interval, grouped by client, times in `zone`.
pub fn render(busy: &FreeBusy, zone: Tz) -> String {
    let mut t = Table::new(["CLIENT", "BUSY FROM", "UNTIL"]);
    for client in &busy.clients {
        if client.busy.is_empty() {
            t.row([client.client.clone(), "free".to_owned(), String::new()]);
        }
        for (i, b) in client.busy.iter().enumerate() {
            let name = if i == 0 {
                client.client.clone()
            } else {
                String::new()
            };
            t.row([
                name,
                b.start
                    .with_timezone(&zone)
                    .format("%a %Y-%m-%d %H:%M")
                    .to_string(),
                b.end
                    .with_timezone(&zone)
                    .format("%a %Y-%m-%d %H:%M")
                    .to_string(),
            ]);
        }
    }
    format!("{}\ntimes in {zone}\n", t.render())
}
