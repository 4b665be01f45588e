//! Local recurrence expansion equals what Google lists with `singleEvents=true`.

use calstack_core::stack::expand::expand;
use calstack_core::{Event, EventDateTime};
use calstack_e2e::Harness;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::scenario::{self, utc};

/// What must match between an expanded instance and Google's.
type Shape = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn when(t: &Option<EventDateTime>) -> String {
    let Some(t) = t else {
        return "-".into();
    };
    match (t.date, t.date_time) {
        (Some(d), _) => d.to_string(),
        (None, Some(at)) => at.with_timezone(&Utc).to_rfc3339(),
        _ => "?".into(),
    }
}

fn shape(e: &Event) -> Shape {
    (
        e.id.clone().unwrap_or_default(),
        when(&e.start),
        when(&e.end),
        e.original_start_time
            .as_ref()
            .map(|t| when(&Some(t.clone()))),
        e.recurring_event_id.clone(),
        e.summary.clone(),
        e.start.as_ref().and_then(|s| s.time_zone.clone()),
    )
}

fn shapes(events: &[Event]) -> Vec<Shape> {
    let mut out: Vec<Shape> = events.iter().map(shape).collect();
    out.sort();
    out
}

#[tokio::test]
async fn local_expansion_equals_googles_single_events_in_every_window() {
    let harness = Harness::start().await;
    let members = scenario::build(&harness).await;
    let windows: [(DateTime<Utc>, DateTime<Utc>); 3] = [
        (utc("2026-03-01T00:00:00Z"), utc("2026-05-01T00:00:00Z")),
        (utc("2026-03-25T08:30:00Z"), utc("2026-03-31T00:00:00Z")),
        (utc("2026-03-30T12:30:00Z"), utc("2026-03-30T12:31:00Z")),
    ];
    let mut compared = 0;
    for member in &members {
        for calendar in &member.calendars {
            let entry = member
                .api
                .calendar_list()
                .get(calendar)
                .send()
                .await
                .expect("calendar entry");
            let zone: Tz = entry
                .time_zone
                .as_deref()
                .unwrap_or("UTC")
                .parse()
                .expect("a zone");
            let stored = member
                .api
                .events()
                .list(calendar)
                .collect_all()
                .await
                .expect("masters and exceptions");
            for (from, to) in windows {
                let google = member
                    .api
                    .events()
                    .list(calendar)
                    .single_events(true)
                    .time_min(from)
                    .time_max(to)
                    .collect_all()
                    .await
                    .expect("Google's instances");
                let local = expand(stored.clone(), from, to, zone).expect("expands");
                assert_eq!(
                    shapes(&local),
                    shapes(&google),
                    "{} / {calendar} over {from}..{to}",
                    member.client.name
                );
                compared += google.len();
            }
        }
    }
    assert!(
        compared > 20,
        "the scenario has instances to compare ({compared})"
    );
}
