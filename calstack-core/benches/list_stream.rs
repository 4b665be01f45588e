//! Streaming benchmark (harness = false): lists N events over loopback from a local server
//! that serves 2,500-event pages by `pageToken`, and reports events/second and the peak
//! resident memory of the listing process, for N = 5,000 and 20,000, streaming vs collecting.
//!
//! Each measurement runs in a fresh child process (this binary re-run with `--child`), so the
//! peak RSS (`VmHWM`) belongs to that listing alone; the server lives in the parent.
//!
//! ```text
//! cargo bench -p calstack-core --bench list_stream
//! ```

#![allow(missing_docs)]

mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use calstack_core::{CalendarClient, StaticToken};
use futures::TryStreamExt;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: usize = 2500;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let mode = args[pos + 1].clone();
        let count: usize = args[pos + 2].parse().expect("count");
        let base = args[pos + 3].clone();
        child(&mode, count, &base);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        // Built by `cargo test --all-targets` (no `--bench` flag): measuring is for `cargo bench`.
        println!("list_stream: run with `cargo bench -p calstack-core --bench list_stream`");
        return;
    }
    parent();
}

fn parent() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(serve());
    let base = format!("{}/calendar/v3/", server.uri());
    let exe = std::env::current_exe().expect("current exe");
    println!("list_stream: {PAGE}-event pages over loopback; each row is a fresh process");
    println!("| mode | events | seconds | events/s | peak RSS (MiB) |");
    println!("|---|---:|---:|---:|---:|");
    for mode in ["stream", "collect_all"] {
        for count in [5_000usize, 20_000] {
            let out = Command::new(&exe)
                .args(["--child", mode, &count.to_string(), &base])
                .output()
                .expect("child runs");
            assert!(
                out.status.success(),
                "child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
    drop(server);
}

/// Serves two calendars, `cal5000` and `cal20000`, holding that many events in pages of `PAGE`.
async fn serve() -> MockServer {
    let server = MockServer::start().await;
    for calendar in ["cal5000", "cal20000"] {
        let total: usize = calendar[3..].parse().expect("count");
        let pages = total / PAGE;
        for p in 0..pages {
            let next = (p + 1 < pages).then(|| format!("page{}", p + 1));
            let body =
                serde_json::to_vec(&support::page(p * PAGE, PAGE, next.as_deref())).expect("json");
            let mut mock = Mock::given(method("GET"))
                .and(path(format!("/calendar/v3/calendars/{calendar}/events")));
            mock = if p == 0 {
                mock.and(query_param_is_missing("pageToken"))
            } else {
                mock.and(query_param("pageToken", format!("page{p}")))
            };
            mock.respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
                .mount(&server)
                .await;
        }
    }
    server
}

fn child(mode: &str, count: usize, base: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = CalendarClient::builder(Arc::new(StaticToken::new("bench-token")))
            .base_url(base.parse().expect("url"))
            .build()
            .expect("client");
        let list = client
            .events()
            .list(&format!("cal{count}"))
            .max_results(PAGE as u32);
        let started = Instant::now();
        let seen = match mode {
            "stream" => list
                .stream()
                .try_fold(0usize, |n, event| async move {
                    std::hint::black_box(&event);
                    Ok(n + 1)
                })
                .await
                .expect("lists"),
            _ => list.collect_all().await.expect("lists").len(),
        };
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(seen, count);
        println!(
            "| {mode} | {count} | {seconds:.3} | {:.0} | {:.1} |",
            count as f64 / seconds,
            peak_rss_mib()
        );
    });
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
