//! Throughput of the emulator's events.list on a 100,000-event calendar.
//!
//! `cargo bench -p calstack-emulator` prints: seeding time, pages per second for full
//! pagination at maxResults=2500, and, for comparison, how long a client takes just to parse
//! one 2,500-event page with serde_json.

use std::time::{Duration, Instant};

use calstack_emulator::{Emulator, SCOPE_CALENDAR, SeedOptions};

const EVENTS: usize = 100_000;
const ROUNDS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder().start().await?;
    let account = "bench@example.com";
    let token = emulator.access_token(account, &[SCOPE_CALENDAR]);

    let started = Instant::now();
    emulator.seed_events(account, "primary", &SeedOptions::new(EVENTS))?;
    let seeding = started.elapsed();
    println!("seed {EVENTS} events: {:.2} s", seeding.as_secs_f64());

    let client = reqwest::Client::new();
    let url = emulator
        .calendar_api_base()
        .join("calendars/primary/events")?;
    let mut best_rate = 0.0_f64;
    let mut times = PageTimes::default();
    for _ in 0..ROUNDS {
        let rate = paginate(&client, &url, &token, &mut times).await?;
        best_rate = best_rate.max(rate);
    }
    times.serve.sort();
    times.header.sort();
    let median = times.serve[times.serve.len() / 2];
    println!(
        "full pagination at maxResults=2500: {best_rate:.1} pages/s (best of {ROUNDS} rounds of 40 pages)"
    );
    println!(
        "one 2,500-event page ({} KiB): median {:.2} ms to response headers (server work), {:.2} ms to last byte",
        times.page_bytes / 1024,
        ms(times.header[times.header.len() / 2]),
        ms(median)
    );
    let parse = client_parse_time(&client, &url, &token).await?;
    println!("client-side serde_json::Value parse of the same page: median {parse:.2} ms");
    emulator.shutdown().await;
    Ok(())
}

/// What every fetched page cost, over all rounds.
#[derive(Default)]
struct PageTimes {
    /// Request sent to last byte received.
    serve: Vec<Duration>,
    /// Request sent to response headers received (the server's work).
    header: Vec<Duration>,
    /// The largest page, in bytes.
    page_bytes: usize,
}

/// Lists every event once, 2,500 a page, recording each page in `times`; answers pages per
/// second.
async fn paginate(
    client: &reqwest::Client,
    url: &url::Url,
    token: &str,
    times: &mut PageTimes,
) -> Result<f64, Box<dyn std::error::Error>> {
    let mut page_token: Option<String> = None;
    let mut pages = 0usize;
    let mut items = 0usize;
    let round = Instant::now();
    loop {
        let mut request = client
            .get(url.clone())
            .bearer_auth(token)
            .query(&[("maxResults", "2500")]);
        if let Some(t) = &page_token {
            request = request.query(&[("pageToken", t.as_str())]);
        }
        let fetch = Instant::now();
        let response = request.send().await?;
        times.header.push(fetch.elapsed());
        let body = response.bytes().await?;
        times.serve.push(fetch.elapsed());
        times.page_bytes = times.page_bytes.max(body.len());
        // Only the paging fields are decoded here; full parsing is timed separately.
        let page: Paging = serde_json::from_slice(&body)?;
        pages += 1;
        items += page.items.len();
        match page.next_page_token {
            Some(t) => page_token = Some(t),
            None => break,
        }
    }
    assert_eq!(items, EVENTS, "every event is listed once");
    Ok(pages as f64 / round.elapsed().as_secs_f64())
}

/// The median time, in milliseconds, a client takes to parse one 2,500-event page into a
/// `serde_json::Value`.
async fn client_parse_time(
    client: &reqwest::Client,
    url: &url::Url,
    token: &str,
) -> Result<f64, Box<dyn std::error::Error>> {
    let body = client
        .get(url.clone())
        .bearer_auth(token)
        .query(&[("maxResults", "2500")])
        .send()
        .await?
        .bytes()
        .await?;
    let mut parse_times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let value: serde_json::Value = serde_json::from_slice(&body)?;
        parse_times.push(t.elapsed());
        std::hint::black_box(value);
    }
    parse_times.sort();
    Ok(ms(parse_times[parse_times.len() / 2]))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(serde::Deserialize)]
struct Paging {
    #[serde(rename = "nextPageToken")]
    next_page_token: Option<String>,
    items: Vec<serde::de::IgnoredAny>,
}
