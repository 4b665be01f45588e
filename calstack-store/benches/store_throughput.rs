//! Credential read and token update throughput of every backend at 10,000 clients, and the
//! latency of `OAuthManager::access_token` on a fresh token: the first call per credential (one
//! indexed read plus opening the sealed token: no refresh, no network) and the next ones (served
//! from the token pipeline's in-memory cache), with their ratio.
//!
//! Then, on the same stores, the stacked views' window read over a long history: `HISTORY_CALENDARS`
//! calendars of `HISTORY_EVENTS` events each (1.4 KB sealed bodies, as real events have) over two
//! years, one week read, for every calendar and for 20 of them (median of 5, after
//! PostgreSQL's and MariaDB's `ANALYZE`, as autovacuum or InnoDB's statistics would have it).
//!
//! `cargo bench -p calstack-store` prints markdown tables. PostgreSQL and MariaDB come from
//! `CALSTACK_TEST_POSTGRES_URL` / `CALSTACK_TEST_MYSQL_URL` (defaults: the local test servers);
//! each run uses a fresh schema / database and drops it. An unreachable server is skipped,
//! loudly. `CALSTACK_BENCH_CLIENTS` changes the number of clients.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calstack_core::crypto::{EncryptionKey, Keyring, aad};
use calstack_core::oauth::{GoogleEndpoints, OAuthConfig, OAuthManager};
use calstack_core::store::{
    CalendarKey, CalendarMetadata, MirrorEventRow, MirrorSelection, WindowBounds,
};
use calstack_core::{Client, ClientId, CredentialId, OAuthCredential, Sealed, Store, SystemClock};
use chrono::{TimeDelta, Utc};
use futures::future::join_all;
use sqlx::Executor;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const READS: usize = 20_000;
const UPDATES: usize = 4_000;
const TASKS: usize = 8;
const TOKEN_CALLS: usize = 2_000;
const HISTORY_CALENDARS: usize = 400;
const HISTORY_EVENTS: usize = 500;

struct Row {
    backend: String,
    reads_1: f64,
    reads_n: f64,
    updates_1: f64,
    updates_n: f64,
    read_us: f64,
    access_token_us: f64,
    cached_ns: f64,
}

#[tokio::main]
async fn main() {
    let clients: usize = std::env::var("CALSTACK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut rows = Vec::new();
    let mut history = Vec::new();

    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = calstack_store::SqliteStore::open(dir.path().join("bench.db"))
        .await
        .expect("open SQLite");
    let sqlite: Arc<dyn Store> = Arc::new(sqlite);
    let (row, creds) = measure("SQLite (file, WAL)", sqlite.clone(), clients).await;
    rows.push(row);
    seed_history("SQLite", &sqlite, &creds).await;
    history.push(read_history("SQLite (file, WAL)", &sqlite, &creds).await);

    let pg_url = std::env::var("CALSTACK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    match pg_schema(&pg_url).await {
        Ok((admin, schema, options)) => {
            let store = calstack_store::PgStore::connect_with(options)
                .await
                .expect("connect PostgreSQL");
            let pool = store.pool().clone();
            let store: Arc<dyn Store> = Arc::new(store);
            let (row, creds) = measure("PostgreSQL", store.clone(), clients).await;
            rows.push(row);
            seed_history("PostgreSQL", &store, &creds).await;
            pool.execute("ANALYZE").await.expect("analyze");
            history.push(read_history("PostgreSQL", &store, &creds).await);
            let drop_schema = format!("DROP SCHEMA {schema} CASCADE");
            admin
                .execute(sqlx::AssertSqlSafe(drop_schema))
                .await
                .expect("drop schema");
        }
        Err(e) => eprintln!("\n!!!!!!!! SKIPPED PostgreSQL: unreachable ({e})\n"),
    }

    let my_url = std::env::var("CALSTACK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    match my_database(&my_url).await {
        Ok((admin, database, options)) => {
            let store = calstack_store::MySqlStore::connect_with(options)
                .await
                .expect("connect MariaDB");
            let pool = store.pool().clone();
            let store: Arc<dyn Store> = Arc::new(store);
            let (row, creds) = measure("MariaDB", store.clone(), clients).await;
            rows.push(row);
            seed_history("MariaDB", &store, &creds).await;
            pool.execute("ANALYZE TABLE mirror_events, mirror_calendars")
                .await
                .expect("analyze");
            history.push(read_history("MariaDB", &store, &creds).await);
            let drop_database = format!("DROP DATABASE {database}");
            admin
                .execute(sqlx::AssertSqlSafe(drop_database))
                .await
                .expect("drop database");
        }
        Err(e) => eprintln!("\n!!!!!!!! SKIPPED MariaDB/MySQL: unreachable ({e})\n"),
    }

    println!(
        "\n{clients} clients, one credential each; {READS} reads and {UPDATES} token updates per column.\n"
    );
    println!(
        "| backend | reads/s, 1 task | reads/s, {TASKS} tasks | token updates/s, 1 task | token updates/s, {TASKS} tasks | one read | `access_token`, fresh token, first call | same, cached | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} µs | {:.0} µs | {:.0} ns | {:.0}× |",
            r.backend,
            r.reads_1,
            r.reads_n,
            r.updates_1,
            r.updates_n,
            r.read_us,
            r.access_token_us,
            r.cached_ns,
            r.access_token_us * 1000.0 / r.cached_ns
        );
    }
    println!(
        "\nWindow read over a two-year history: {HISTORY_CALENDARS} calendars x {HISTORY_EVENTS} \
         events (1.4 KB bodies), one week; median of 5.\n"
    );
    println!(
        "| backend | rows, every calendar | every calendar | rows, 20 calendars | 20 calendars |"
    );
    println!("|---|---:|---:|---:|---:|");
    for h in history {
        println!(
            "| {} | {} | {:.1} ms | {} | {:.1} ms |",
            h.backend, h.all_rows, h.all_ms, h.some_rows, h.some_ms
        );
    }
}

/// One backend's window reads over the long history.
struct History {
    backend: String,
    all_rows: usize,
    all_ms: f64,
    some_rows: usize,
    some_ms: f64,
}

/// The first day of the seeded history; the read week is a year later.
fn history_start() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2029-03-05T00:00:00Z")
        .expect("a date")
        .with_timezone(&Utc)
}

/// Mirrors one calendar per client of the first `HISTORY_CALENDARS` credentials, each with
/// `HISTORY_EVENTS` events spread over two years (the first a recurring master).
async fn seed_history(name: &str, store: &Arc<dyn Store>, creds: &[OAuthCredential]) {
    let started = Instant::now();
    let body = Sealed::from_stored(format!("k1:{}", "x".repeat(1400)));
    for (c, cred) in creds.iter().take(HISTORY_CALENDARS).enumerate() {
        let key = CalendarKey::new(cred.client_id, format!("cal{c}@history.test"));
        let meta = CalendarMetadata {
            primary: true,
            ..CalendarMetadata::new(key.clone(), cred.id)
        };
        store
            .upsert_calendar(&meta, Utc::now())
            .await
            .expect("mirror a calendar");
        let rows: Vec<MirrorEventRow> = (0..HISTORY_EVENTS)
            .map(|i| {
                let minutes = (i * 730 * 24 * 60 / HISTORY_EVENTS + (c % 10) * 60) as i64;
                let start = history_start() + TimeDelta::minutes(minutes);
                MirrorEventRow {
                    is_recurring_master: i == 0,
                    ..MirrorEventRow::timed(
                        key.clone(),
                        cred.id,
                        format!("e{i}"),
                        (start, start + TimeDelta::hours(1)),
                        body.clone(),
                    )
                }
            })
            .collect();
        store
            .write_events(&key, 0, &rows, &[])
            .await
            .expect("write the history");
    }
    eprintln!(
        "{name}: mirrored {HISTORY_CALENDARS} x {HISTORY_EVENTS} events in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// The week a year into the history, read for every calendar and for 20 clients'.
async fn read_history(name: &str, store: &Arc<dyn Store>, creds: &[OAuthCredential]) -> History {
    let from = history_start() + TimeDelta::days(365);
    let to = from + TimeDelta::days(7);
    let some = MirrorSelection::clients(creds.iter().take(20).map(|c| c.client_id));
    let time = async |selection: &MirrorSelection| {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..6 {
            let started = Instant::now();
            rows = store
                .window_rows(selection, WindowBounds::new(from, to))
                .await
                .expect("window read")
                .len();
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
        times.remove(0);
        times.sort_by(f64::total_cmp);
        (rows, times[times.len() / 2])
    };
    let (all_rows, all_ms) = time(&MirrorSelection::all()).await;
    let (some_rows, some_ms) = time(&some).await;
    History {
        backend: name.to_owned(),
        all_rows,
        all_ms,
        some_rows,
        some_ms,
    }
}

fn bench_name() -> String {
    format!("calstack_bench_{}", uuid::Uuid::new_v4().simple())
}

async fn pg_schema(url: &str) -> Result<(sqlx::PgPool, String, PgConnectOptions), sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await?;
    let schema = bench_name();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await?;
    let options = options.options([("search_path", schema.as_str())]);
    Ok((admin, schema, options))
}

async fn my_database(
    url: &str,
) -> Result<(sqlx::MySqlPool, String, MySqlConnectOptions), sqlx::Error> {
    let options = MySqlConnectOptions::from_str(url)?;
    let admin = MySqlPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await?;
    let database = bench_name();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .await?;
    let options = options.database(&database);
    Ok((admin, database, options))
}

fn credential_for(client: ClientId, i: usize) -> OAuthCredential {
    let now = calstack_core::clock::truncate_to_micros(Utc::now());
    OAuthCredential {
        id: CredentialId::new(),
        client_id: client,
        google_client_id: format!("{i}-bench.apps.googleusercontent.com"),
        client_secret: Sealed::from_stored(format!("k1:{:0>64}", i)),
        scopes: vec!["https://www.googleapis.com/auth/calendar".to_owned()],
        granted_scopes: vec!["https://www.googleapis.com/auth/calendar".to_owned()],
        redirect_uri: "https://app.example.test/api/oauth/callback".to_owned(),
        account_email: Some(format!("owner{i}@gmail.test")),
        access_token: Some(Sealed::from_stored(format!("k1:{:0>180}", i))),
        refresh_token: Some(Sealed::from_stored(format!("k1:{:0>120}", i))),
        expires_at: Some(now + TimeDelta::hours(1)),
        is_valid: true,
        last_error: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Seeds `clients` clients with one credential each, then measures. Returns the credentials
/// too.
async fn measure(name: &str, store: Arc<dyn Store>, clients: usize) -> (Row, Vec<OAuthCredential>) {
    eprintln!("{name}: seeding {clients} clients…");
    let started = Instant::now();
    let chunks: Vec<Vec<usize>> = (0..clients)
        .collect::<Vec<_>>()
        .chunks(clients.div_ceil(TASKS).max(1))
        .map(<[usize]>::to_vec)
        .collect();
    let seeded = join_all(chunks.into_iter().map(|chunk| {
        let store = store.clone();
        async move {
            let mut creds = Vec::with_capacity(chunk.len());
            for i in chunk {
                let now = calstack_core::clock::truncate_to_micros(Utc::now());
                let client = Client {
                    id: ClientId::new(),
                    name: format!("Client {i:05}"),
                    email: format!("client{i}@bench.test"),
                    created_at: now,
                    updated_at: now,
                };
                store.insert_client(&client).await.expect("seed client");
                let cred = credential_for(client.id, i);
                store
                    .insert_credential(&cred)
                    .await
                    .expect("seed credential");
                creds.push(cred);
            }
            creds
        }
    }))
    .await;
    let creds: Vec<OAuthCredential> = seeded.into_iter().flatten().collect();
    eprintln!("{name}: seeded in {:.1}s", started.elapsed().as_secs_f64());

    let ids: Vec<CredentialId> = creds.iter().map(|c| c.id).collect();
    let reads_1 = reads(&store, &ids, 1).await;
    let reads_n = reads(&store, &ids, TASKS).await;
    let updates_1 = updates(&store, &creds, 1).await;
    let updates_n = updates(&store, &creds, TASKS).await;
    let (read_us, access_token_us, cached_ns) = access_token_latency(&store, &ids).await;
    eprintln!("{name}: done");
    let row = Row {
        backend: name.to_owned(),
        reads_1,
        reads_n,
        updates_1,
        updates_n,
        read_us,
        access_token_us,
        cached_ns,
    };
    (row, creds)
}

/// `READS` credential reads spread over `tasks` concurrent tasks; operations per second.
async fn reads(store: &Arc<dyn Store>, ids: &[CredentialId], tasks: usize) -> f64 {
    let per_task = READS / tasks;
    let started = Instant::now();
    join_all((0..tasks).map(|t| async move {
        // A fixed stride walks the ids in a scattered order.
        let mut at = t * 7919;
        for _ in 0..per_task {
            at = (at + 104_729) % ids.len();
            let got = store
                .get_credential(ids[at])
                .await
                .expect("read credential");
            assert!(got.is_some());
        }
    }))
    .await;
    (per_task * tasks) as f64 / started.elapsed().as_secs_f64()
}

/// `UPDATES` token updates (new access token and expiry, versioned) spread over `tasks`
/// concurrent tasks, each on its own credentials; operations per second.
async fn updates(store: &Arc<dyn Store>, creds: &[OAuthCredential], tasks: usize) -> f64 {
    let per_task = UPDATES / tasks;
    let share = creds.len() / tasks;
    // Current versions first (earlier rounds bumped them), outside the timed part.
    let mut slices: Vec<Vec<OAuthCredential>> = Vec::with_capacity(tasks);
    for t in 0..tasks {
        let mut latest = Vec::with_capacity(per_task.min(share));
        for c in creds[t * share..(t + 1) * share].iter().take(per_task) {
            let current = store.get_credential(c.id).await.expect("read");
            latest.push(current.expect("exists"));
        }
        slices.push(latest);
    }
    let started = Instant::now();
    join_all(slices.into_iter().map(|mut latest| async move {
        for n in 0..per_task {
            let slot = n % latest.len();
            let mut next = latest[slot].clone();
            next.access_token = Some(Sealed::from_stored(format!("k1:{n:0>180}")));
            next.expires_at = Some(next.updated_at + TimeDelta::hours(1));
            next.updated_at = calstack_core::clock::truncate_to_micros(Utc::now());
            latest[slot] = store.update_credential(&next).await.expect("token update");
        }
    }))
    .await;
    (per_task * tasks) as f64 / started.elapsed().as_secs_f64()
}

/// Mean microseconds of one `get_credential` and of one `OAuthManager::access_token` on a
/// credential whose sealed access token is fresh, over the same `TOKEN_CALLS` credentials, from
/// one task. The difference is what the manager adds to the indexed read (opening the token).
/// Then the mean nanoseconds of the same calls again, served from the token pipeline's cache.
async fn access_token_latency(store: &Arc<dyn Store>, ids: &[CredentialId]) -> (f64, f64, f64) {
    let keyring = Keyring::new(EncryptionKey::generate());
    let chosen: Vec<CredentialId> = ids.iter().copied().take(TOKEN_CALLS).collect();
    for (n, id) in chosen.iter().enumerate() {
        let mut current = store
            .get_credential(*id)
            .await
            .expect("read")
            .expect("exists");
        let sealed = keyring
            .seal(
                &format!("ya29.bench-{n}"),
                &aad::credential(*id, "access_token"),
            )
            .expect("seal");
        current.access_token = Some(sealed);
        current.expires_at = Some(calstack_core::clock::truncate_to_micros(
            Utc::now() + TimeDelta::hours(1),
        ));
        store
            .update_credential(&current)
            .await
            .expect("fresh token");
    }
    let manager = OAuthManager::new(
        store.clone(),
        keyring,
        GoogleEndpoints::google(),
        Arc::new(SystemClock),
        OAuthConfig::default(),
    )
    .expect("manager");

    let started = Instant::now();
    for id in &chosen {
        store.get_credential(*id).await.expect("read");
    }
    let read_us = started.elapsed().as_secs_f64() * 1e6 / chosen.len() as f64;

    let started = Instant::now();
    for id in &chosen {
        manager
            .access_token(*id)
            .await
            .expect("fresh token, no refresh");
    }
    let access_token_us = started.elapsed().as_secs_f64() * 1e6 / chosen.len() as f64;

    const ROUNDS: usize = 100;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for id in &chosen {
            manager.access_token(*id).await.expect("cached token");
        }
    }
    let cached_ns = started.elapsed().as_secs_f64() * 1e9 / (ROUNDS * chosen.len()) as f64;
    (read_us, access_token_us, cached_ns)
}
