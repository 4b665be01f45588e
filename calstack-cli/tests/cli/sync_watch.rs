//! `calstack sync --watch --metrics ADDR`: the syncing loop serves Prometheus metrics (the
//! core's exporter) while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::support::Env;

/// Kills the watcher this test started, whatever happens.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("the metrics server answers");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer read");
    answer
}

#[test]
fn sync_watch_serves_prometheus_metrics_while_it_syncs() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let child = env
        .std_cmd()
        .args(["sync", "--watch", "--metrics", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the watcher starts");
    let mut watcher = Watcher(child);
    let stderr = watcher.0.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the watcher says where metrics are served")
            .expect("utf-8");
        if let Some(rest) = line.split("metrics on http://").nth(1) {
            break rest.trim_end_matches("/metrics").to_owned();
        }
    };
    let started = Instant::now();
    let metrics = loop {
        let answer = get(&addr, "/metrics");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        if answer.contains("calstack_requests_total") || started.elapsed() > Duration::from_secs(20)
        {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        metrics.contains("calstack_requests_total"),
        "the sync's Google calls are counted: {metrics}"
    );
    assert!(get(&addr, "/other").starts_with("HTTP/1.1 404"));
}

#[test]
fn a_public_url_google_could_not_deliver_to_is_refused_before_syncing() {
    let env = Env::new();
    for (url, why) in [
        ("http://sync.example.com/notify", "https"),
        ("https://ops:hunter2@sync.example.com/notify", "password"),
        ("https://sync.example.com/notify#top", "fragment"),
        ("/notify", "absolute URL"),
    ] {
        let err = env.fails(&[
            "sync",
            "--watch",
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            url,
        ]);
        assert!(
            err.contains("invalid --public-url") && err.contains(why),
            "{url}: {err}"
        );
    }
    assert_eq!(
        env.json(&["sync", "status"]),
        serde_json::json!([]),
        "nothing was synced"
    );
}
