//! `calstack conflicts`: the double bookings across clients ([`Calstack::conflicts`]), each
//! pair once, as a table or JSON.
//!
//! [`Calstack::conflicts`]: calstack_core::Calstack::conflicts

use anyhow::Result;
use calstack_core::stack::Conflicts;
use chrono_tz::Tz;

use crate::app::App;
use crate::cli::AgendaArgs;
use crate::commands::agenda::{problems, query, zone};
use crate::output::{Table, print_json};

/// Runs `conflicts`.
pub async fn run(app: &App, args: AgendaArgs) -> Result<()> {
    let zone = zone(&args)?;
    let found = app.calstack.conflicts(&query(&args, zone)?).await?;
    if app.global.json {
        return print_json(&found);
    }
    for e in problems(&found.problems) {
        eprintln!("warning: {e}");
    }
    print!("{}", render(&found, zone));
    Ok(())
}

/// The conflicts as a table, times in `zone`.
pub fn render(found: &Conflicts, zone: Tz) -> String {
    if found.conflicts.is_empty() {
        return "no conflicts\n".to_owned();
    }
    let mut t = Table::new(["OVERLAP", "FIRST", "SECOND"]);
    for c in &found.conflicts {
        let side = |s: &calstack_core::stack::ConflictSide| {
            format!(
                "{} ({}, {}–{})",
                s.summary,
                s.client,
                s.start.with_timezone(&zone).format("%H:%M"),
                s.end.with_timezone(&zone).format("%H:%M")
            )
        };
        t.row([
            format!(
                "{}–{}",
                c.overlap_start
                    .with_timezone(&zone)
                    .format("%a %Y-%m-%d %H:%M"),
                c.overlap_end.with_timezone(&zone).format("%H:%M")
            ),
            side(&c.first),
            side(&c.second),
        ]);
    }
    format!(
        "{}\n{} conflict(s); times in {zone}\n",
        t.render(),
        found.conflicts.len()
    )
}
