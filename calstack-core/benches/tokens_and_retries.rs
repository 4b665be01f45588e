//! Token pipeline and retry budget benchmark (harness = false), each side by side with its peer
//! in one run, reported as ratios:
//!
//! 1. Access-token lookup with a fresh token: the pipeline's in-memory cache vs. the path every
//!    request took before it (a store read + an AES-GCM open), on the in-memory store (a SQL
//!    store's read costs far more, so the ratio only grows there).
//! 2. Retry budget: 1,000 requests against a server that always answers 503, with the default
//!    policy (5 attempts) and the default budget, vs. the same with the budget off.
//!
//! ```text
//! cargo bench -p calstack-core --bench tokens_and_retries
//! ```

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use calstack_core::crypto::{EncryptionKey, Keyring, aad};
use calstack_core::oauth::NewCredential;
use calstack_core::store::{CredentialStore, MemoryStore};
use calstack_core::{
    CalendarClient, Calstack, ClientSecret, Clock, ManualClock, RetryBudget, RetryPolicy,
    StaticToken, SystemClock,
};
use chrono::TimeDelta;
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOOKUPS: u32 = 200_000;
const FAILING_REQUESTS: usize = 1_000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "tokens_and_retries: run with `cargo bench -p calstack-core --bench tokens_and_retries`"
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(token_lookup());
    runtime.block_on(retry_budget());
}

async fn token_lookup() {
    let store = Arc::new(MemoryStore::new());
    let keyring = Keyring::new(EncryptionKey::generate());
    let calstack = Calstack::builder()
        .store(store.clone())
        .keyring(keyring.clone())
        .build()
        .unwrap();
    let client = calstack
        .clients()
        .create("Bench Ltd", "ops@bench.example")
        .await
        .unwrap();
    let credential = calstack
        .oauth()
        .register(NewCredential {
            client_id: client.id,
            google_client_id: "1234-bench.apps.googleusercontent.com".into(),
            client_secret: ClientSecret::new("GOCSPX-bench"),
            scopes: vec!["calendar".into()],
            redirect_uri: "https://app.example.test/cb".into(),
            account_email: None,
        })
        .await
        .unwrap();
    let id = credential.id;
    let mut stored = store.get_credential(id).await.unwrap().unwrap();
    stored.access_token = Some(
        keyring
            .seal(
                "ya29.a-realistic-length-access-token-value-0123456789abcdefghijklmnopqrstuvwxyz-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
                &aad::credential(id, aad::ACCESS_TOKEN),
            )
            .unwrap(),
    );
    stored.expires_at = Some(SystemClock.now() + TimeDelta::hours(1));
    stored.is_valid = true;
    store.update_credential(&stored).await.unwrap();

    let oauth = calstack.oauth();
    oauth.access_token(id).await.unwrap(); // warm the cache
    let cached = time_per_op(LOOKUPS, || async {
        std::hint::black_box(oauth.access_token(id).await.unwrap());
    })
    .await;
    let through_store = time_per_op(LOOKUPS, || async {
        let c = store.get_credential(id).await.unwrap().unwrap();
        let sealed = c.access_token.as_ref().unwrap();
        std::hint::black_box(
            keyring
                .open(sealed, &aad::credential(id, aad::ACCESS_TOKEN))
                .unwrap(),
        );
    })
    .await;
    println!("token lookup with a fresh token ({LOOKUPS} lookups each, one run):");
    println!("| path | per lookup | ratio |");
    println!("|---|---:|---:|");
    println!(
        "| token pipeline (in-memory cache) | {} | 1.0× |",
        ns(cached)
    );
    println!(
        "| store read + AES-GCM open (before) | {} | {:.1}× slower |",
        ns(through_store),
        through_store.as_secs_f64() / cached.as_secs_f64()
    );
}

async fn time_per_op<F, Fut>(n: u32, mut op: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..n / 10 {
        op().await;
    }
    let started = Instant::now();
    for _ in 0..n {
        op().await;
    }
    started.elapsed() / n
}

fn ns(d: Duration) -> String {
    format!("{} ns", d.as_nanos())
}

async fn retry_budget() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut rows = Vec::new();
    for (name, budget) in [
        (
            "default budget (500 tokens, 5 per retry)",
            RetryBudget::default(),
        ),
        (
            "budget off (RetryBudget::unlimited)",
            RetryBudget::unlimited(),
        ),
    ] {
        let budget = Arc::new(budget);
        let client = CalendarClient::builder(Arc::new(StaticToken::new("ya29.bench")))
            .base_url(format!("{}/calendar/v3/", server.uri()).parse().unwrap())
            .clock(Arc::new(ManualClock::new(chrono::Utc::now())))
            .retry(RetryPolicy::default())
            .retry_budget(budget.clone())
            .build()
            .unwrap();
        let started = Instant::now();
        for _ in 0..FAILING_REQUESTS {
            let _ = client.colors().get().send().await;
        }
        rows.push((name, client.metrics().requests, started.elapsed()));
    }
    let bound = FAILING_REQUESTS as u64 + u64::from(RetryBudget::default().capacity() / 5);
    println!(
        "\n{FAILING_REQUESTS} requests, every answer 503, policy of 5 attempts (backoff on a manual clock):"
    );
    println!("| retry budget | HTTP attempts | attempts per request | wall time |");
    println!("|---|---:|---:|---:|");
    for (name, attempts, wall) in &rows {
        println!(
            "| {name} | {attempts} | {:.2} | {wall:.2?} |",
            *attempts as f64 / FAILING_REQUESTS as f64
        );
    }
    println!(
        "budget bound: requests + capacity / retry cost = {bound}; within it: {}; load ratio {:.2}×",
        rows[0].1 <= bound,
        rows[1].1 as f64 / rows[0].1 as f64
    );
}
