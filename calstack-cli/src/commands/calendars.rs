//! `calstack calendars CLIENT`: the client's calendar list.

use anyhow::Result;
use calstack_core::calendar::CalendarListEntry;

use crate::app::{App, explain};
use crate::output::{Table, print_json};

/// Runs `calendars`.
pub async fn run(app: &App, client: &str) -> Result<()> {
    let client = app.client(client).await?;
    let calendars = app.calendar(&client).await?;
    let entries = calendars
        .calendar_list()
        .list()
        .collect_all()
        .await
        .map_err(|e| explain(&client.name, e))?;
    if app.global.json {
        return print_json(&entries);
    }
    print!("{}", table(&entries).render());
    Ok(())
}

/// The calendar list as a table: primary first, then by name.
pub fn table(entries: &[CalendarListEntry]) -> Table {
    let mut sorted: Vec<&CalendarListEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| (e.primary != Some(true), name(e).to_lowercase()));
    let mut t = Table::new(["ID", "NAME", "TIME ZONE", "ACCESS", "PRIMARY"]);
    for e in sorted {
        t.row([
            e.id.clone().unwrap_or_default(),
            name(e),
            e.time_zone.clone().unwrap_or_default(),
            e.access_role
                .as_ref()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            if e.primary == Some(true) { "yes" } else { "" }.to_owned(),
        ]);
    }
    t
}

/// The name a user gave the calendar, else its title, else its id.
pub fn name(e: &CalendarListEntry) -> String {
    e.summary_override
        .clone()
        .or_else(|| e.summary.clone())
        .or_else(|| e.id.clone())
        .unwrap_or_default()
}
