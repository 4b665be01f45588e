//! `calstack slots`: when every chosen client is free ([`Calstack::find_slots`]), inside
//! working hours, as a table or JSON.
//!
//! [`Calstack::find_slots`]: calstack_core::Calstack::find_slots

use anyhow::Result;
use calstack_core::stack::SlotQuery;
use calstack_core::stack::params::parse_duration;
use calstack_core::validate::working_hours;

use crate::app::App;
use crate::cli::SlotsArgs;
use crate::commands::agenda::{query, zone};
use crate::output::{Table, print_json};

/// Runs `slots`.
pub async fn run(app: &App, args: SlotsArgs) -> Result<()> {
    let zone = zone(&args.window)?;
    let length = |field: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_duration(field, t))
            .transpose()
    };
    let hours = args
        .working_hours
        .as_deref()
        .map(|text| working_hours::parse(text, zone.name()))
        .transpose()?;
    let slot_query = SlotQuery::new(
        query(&args.window, zone)?,
        parse_duration("duration", &args.duration)?,
    )
    .working_hours(hours)
    .buffer(length("buffer", &args.buffer)?)
    .step(length("step", &args.step)?);
    let slots = app.calstack.find_slots(&slot_query).await?;
    if app.global.json {
        return print_json(&slots);
    }
    if slots.is_empty() {
        println!("no free slot");
        return Ok(());
    }
    let mut t = Table::new(["DAY", "FROM", "UNTIL"]);
    for s in &slots {
        let (start, end) = (s.start.with_timezone(&zone), s.end.with_timezone(&zone));
        t.row([
            start.format("%a %Y-%m-%d").to_string(),
            start.format("%H:%M").to_string(),
            end.format("%H:%M").to_string(),
        ]);
    }
    println!("{}\n{} slot(s); times in {zone}", t.render(), slots.len());
    Ok(())
}
