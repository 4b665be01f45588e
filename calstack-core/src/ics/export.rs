//! Exporting a calendar: its events (series unexpanded, with their changed and cancelled
//! occurrences) in an optional window, as one VCALENDAR named after the calendar.

use chrono::{DateTime, Utc};

use super::write::write;
use crate::calendar::CalendarClient;
use crate::error::Result;

/// The calendar `calendar_id` as iCalendar text; only events overlapping `from`..`to` when
/// given.
pub async fn export(
    client: &CalendarClient,
    calendar_id: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String> {
    let mut request = client.events().list(calendar_id);
    if let Some(from) = from {
        request = request.time_min(from);
    }
    if let Some(to) = to {
        request = request.time_max(to);
    }
    let events = request.collect_all().await?;
    let name = match client.calendar_list().get(calendar_id).send().await {
        Ok(entry) => entry
            .summary_override
            .clone()
            .or(entry.summary.clone())
            .unwrap_or_else(|| calendar_id.to_owned()),
        Err(_) => calendar_id.to_owned(),
    };
    Ok(write(&events, &name, now))
}
