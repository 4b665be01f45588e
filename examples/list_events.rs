//! Lists the upcoming events of a calendar.
//!
//! ```text
//! CALSTACK_ACCESS_TOKEN=ya29... cargo run -p calstack-examples --example list_events -- [calendar-id] [max]
//! ```
//!
//! `calendar-id` defaults to `primary`, `max` to 20. Set `CALSTACK_GOOGLE_API_BASE` to send the
//! requests elsewhere (the calstack emulator, a proxy), e.g. `http://127.0.0.1:8080/calendar/v3/`.

use std::process::ExitCode;
use std::sync::Arc;

use calstack_core::calendar::{OrderBy, When};
use calstack_core::{CalendarClient, StaticToken};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("list_events: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let token = std::env::var("CALSTACK_ACCESS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            "CALSTACK_ACCESS_TOKEN is not set: export a Google OAuth access token with a \
             calendar scope and run again"
                .to_owned()
        })?;
    let mut args = std::env::args().skip(1);
    let calendar_id = args.next().unwrap_or_else(|| "primary".to_owned());
    let max: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| format!("max must be a number, got {n:?}"))?,
        None => 20,
    };

    let mut builder = CalendarClient::builder(Arc::new(StaticToken::new(token)));
    if let Ok(base) = std::env::var("CALSTACK_GOOGLE_API_BASE") {
        let url = base
            .parse()
            .map_err(|e| format!("CALSTACK_GOOGLE_API_BASE is not a URL ({base:?}): {e}"))?;
        builder = builder.base_url(url);
    }
    let client = builder.build().map_err(|e| e.to_string())?;

    let upcoming = client
        .events()
        .list(&calendar_id)
        .time_min(chrono::Utc::now())
        .single_events(true)
        .order_by(OrderBy::StartTime)
        .max_results(u32::try_from(max.min(2500)).unwrap_or(2500))
        .stream();
    let mut upcoming = std::pin::pin!(upcoming);
    let mut shown = 0;
    while shown < max {
        let Some(event) = upcoming.try_next().await.map_err(|e| e.to_string())? else {
            break;
        };
        let when = match event.start.as_ref().map(|s| s.when()) {
            Some(Ok(When::AllDay(date))) => format!("{date} (all day)"),
            Some(Ok(When::Timed { at, .. })) => at.format("%Y-%m-%d %H:%M %:z").to_string(),
            Some(Err(e)) => format!("(bad start: {e})"),
            None => "(no start)".to_owned(),
        };
        println!(
            "{when}  {}",
            event.summary.as_deref().unwrap_or("(no title)")
        );
        shown += 1;
    }
    if shown == 0 {
        println!("No upcoming events on {calendar_id}.");
    }
    let metrics = client.metrics();
    eprintln!(
        "{} request(s), {} retr{}",
        metrics.requests,
        metrics.retries,
        if metrics.retries == 1 { "y" } else { "ies" }
    );
    Ok(())
}
