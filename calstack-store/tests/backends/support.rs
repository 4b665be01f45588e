//! Finding the test servers, isolating each test in its own schema (PostgreSQL) or database
//! (MariaDB), the secrets-at-rest fixture, and the checks every backend's tests share.
//!
//! Servers come from `CALSTACK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `CALSTACK_TEST_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/test`). An unreachable server fails the test when `CI=true`;
//! elsewhere the test says loudly on stderr that it was skipped, and passes.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use calstack_core::store::conformance;
use calstack_core::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, Store,
    StoreError,
};
use chrono::{TimeZone, Utc};
use sqlx::Executor;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub(crate) const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub(crate) const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn unreachable(test: &str, what: &str, err: &dyn std::fmt::Display) {
    let message = format!("{what} is unreachable ({err})");
    if in_ci() {
        panic!("{test}: {message}; CI=true, so this is a failure (run scripts/ensure-databases)");
    }
    // Written to the real stderr, not through `eprintln!`, which the test harness captures.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!! SKIPPED {test}: {message}.\n!!!!!!!! Run scripts/ensure-databases; with \
         CI=true this is a failure.\n"
    );
}

/// How many migrations calstack ships for `dialect` (`sqlite`, `postgres`, `mysql`).
pub(crate) fn migration_count(dialect: &str) -> i64 {
    let folder = format!("{}/migrations/{dialect}", env!("CARGO_MANIFEST_DIR"));
    let files = std::fs::read_dir(&folder).expect("the migrations folder exists");
    let sql = files
        .filter_map(Result::ok)
        .filter(|f| f.path().extension().is_some_and(|e| e == "sql"))
        .count();
    i64::try_from(sql).expect("a small count")
}

pub(crate) fn unique_name() -> String {
    format!("calstack_test_{}", uuid::Uuid::new_v4().simple())
}

/// Runs `body` and then `cleanup`, re-raising a panic from `body` after cleaning up.
async fn run_then_clean<Fut, C>(body: Fut, cleanup: C)
where
    Fut: Future<Output = ()> + Send + 'static,
    C: Future<Output = ()>,
{
    let outcome = tokio::spawn(body).await;
    cleanup.await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test body was cancelled: {e}");
    }
}

/// A fresh PostgreSQL schema for one test.
#[derive(Debug, Clone)]
pub(crate) struct PgTarget {
    /// A URL whose connections use the test's schema (`options=-c search_path=…`).
    pub(crate) url: String,
    /// The same as options.
    pub(crate) options: PgConnectOptions,
    /// The schema's name.
    pub(crate) schema: String,
}

/// Runs `body` against a fresh schema in the test PostgreSQL database, dropped afterwards.
pub(crate) async fn with_postgres<F, Fut>(test: &str, body: F)
where
    F: FnOnce(PgTarget) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = std::env::var("CALSTACK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    let options = PgConnectOptions::from_str(&base).expect("CALSTACK_TEST_POSTGRES_URL parses");
    let admin = match PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await
    {
        Ok(pool) => pool,
        Err(e) => return unreachable(test, "PostgreSQL", &e),
    };
    let schema = unique_name();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("create test schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    let target = PgTarget {
        url: format!("{base}{separator}options=-c%20search_path%3D{schema}"),
        options: options.options([("search_path", schema.as_str())]),
        schema: schema.clone(),
    };
    run_then_clean(body(target), async {
        admin
            .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .await
            .expect("drop test schema");
        admin.close().await;
    })
    .await;
}

/// A fresh MariaDB/MySQL database for one test.
#[derive(Debug, Clone)]
pub(crate) struct MySqlTarget {
    /// A URL naming the test's database.
    pub(crate) url: String,
    /// The same as options.
    pub(crate) options: MySqlConnectOptions,
}

/// Runs `body` against a fresh database on the test MariaDB/MySQL server, dropped afterwards.
pub(crate) async fn with_mysql<F, Fut>(test: &str, body: F)
where
    F: FnOnce(MySqlTarget) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base =
        std::env::var("CALSTACK_TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_MYSQL_URL.to_owned());
    let options = MySqlConnectOptions::from_str(&base).expect("CALSTACK_TEST_MYSQL_URL parses");
    let admin = match MySqlPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await
    {
        Ok(pool) => pool,
        Err(e) => return unreachable(test, "MariaDB/MySQL", &e),
    };
    let database = unique_name();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&base).expect("CALSTACK_TEST_MYSQL_URL is a URL");
    url.set_path(&format!("/{database}"));
    let target = MySqlTarget {
        url: url.to_string(),
        options: options.database(&database),
    };
    run_then_clean(body(target), async {
        admin
            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {database}")))
            .await
            .expect("drop test database");
        admin.close().await;
    })
    .await;
}

/// Plaintext secrets that must never reach a database.
pub(crate) const PLAINTEXT_MARKERS: [&str; 4] = [
    "ya29.PLAINTEXT-ACCESS-MARKER",
    "1//PLAINTEXT-REFRESH-MARKER",
    "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ER",
    "PLAINTEXT-PKCE-VERIFIER-MARKER",
];

/// A stand-in for calstack-core's sealing (the real one is checked at the manager level):
/// `k1:` and the plaintext's bytes, reversed and hex-encoded. Ciphertext-looking, and it
/// contains no marker.
pub(crate) fn toy_seal(plaintext: &str) -> Sealed {
    let hex: String = plaintext
        .bytes()
        .rev()
        .map(|b| format!("{b:02x}"))
        .collect();
    Sealed::from_stored(format!("k1:{hex}"))
}

/// A client and a credential whose secrets are the sealed markers.
pub(crate) fn sealed_fixture() -> (Client, OAuthCredential) {
    let now = Utc
        .with_ymd_and_hms(2026, 5, 6, 7, 8, 9)
        .single()
        .expect("valid date");
    let client = Client {
        id: ClientId::new(),
        name: "Sealed Ltd".to_owned(),
        email: "sealed@secrets.test".to_owned(),
        created_at: now,
        updated_at: now,
    };
    let credential = OAuthCredential {
        id: CredentialId::new(),
        client_id: client.id,
        google_client_id: "42-sealed.apps.googleusercontent.com".to_owned(),
        client_secret: toy_seal(PLAINTEXT_MARKERS[2]),
        scopes: vec!["https://www.googleapis.com/auth/calendar".to_owned()],
        granted_scopes: vec!["https://www.googleapis.com/auth/calendar".to_owned()],
        redirect_uri: "https://app.example.test/api/oauth/callback".to_owned(),
        account_email: Some("owner@gmail.test".to_owned()),
        access_token: Some(toy_seal(PLAINTEXT_MARKERS[0])),
        refresh_token: Some(toy_seal(PLAINTEXT_MARKERS[1])),
        expires_at: Some(now),
        is_valid: true,
        last_error: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    (client, credential)
}

/// Asserts `haystack` (raw rows or file bytes) holds the sealed forms and no plaintext.
pub(crate) fn assert_only_sealed(haystack: &str, where_: &str) {
    for marker in PLAINTEXT_MARKERS {
        assert!(
            !haystack.contains(marker),
            "plaintext {marker} found in {where_}"
        );
    }
    let sealed = toy_seal(PLAINTEXT_MARKERS[1]);
    assert!(
        haystack.contains(&*sealed.as_stored()),
        "the sealed refresh token should be in {where_} (is the scan reading the right data?)"
    );
}

/// Writes [`sealed_fixture`] and a pending authorization whose PKCE verifier is a sealed marker
/// through `store`'s own API, for a test to scan the raw rows afterwards.
pub(crate) async fn insert_sealed_records(store: &dyn Store) {
    let (client, credential) = sealed_fixture();
    store.insert_client(&client).await.expect("insert client");
    store
        .insert_credential(&credential)
        .await
        .expect("insert credential");
    store
        .insert_pending(&PendingAuthorization {
            state: "state-secrets".to_owned(),
            credential_id: credential.id,
            pkce_verifier: toy_seal(PLAINTEXT_MARKERS[3]),
            redirect_uri: credential.redirect_uri.clone(),
            created_at: Utc::now(),
            expires_at: Utc::now(),
        })
        .await
        .expect("insert pending");
}

/// Asserts the raw `rows` [`insert_sealed_records`] left hold the sealed secrets, the PKCE
/// verifier among them, and no plaintext.
pub(crate) fn assert_rows_only_sealed(rows: &[String], where_: &str) {
    assert_only_sealed(&rows.join("\n"), where_);
    let verifier = toy_seal(PLAINTEXT_MARKERS[3]);
    assert!(
        rows.iter().any(|r| r.contains(&*verifier.as_stored())),
        "the sealed PKCE verifier should be in {where_}"
    );
}

/// Connects to `url` with [`calstack_store::connect`] and runs the conformance suite.
pub(crate) async fn run_conformance_from_url(url: String) {
    let store = calstack_store::connect(&url).await.expect("connect");
    conformance::run_all(store).await;
}

/// Runs `connect` `count` times at once, as that many processes opening a new database would,
/// and returns the stores: every connect must succeed.
pub(crate) async fn connect_simultaneously<S, F, Fut>(count: usize, connect: F) -> Vec<S>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<S, StoreError>>,
{
    futures::future::join_all((0..count).map(|_| connect()))
        .await
        .into_iter()
        .map(|r| r.expect("every simultaneous connect succeeds"))
        .collect()
}

/// Asserts a connect to a server that is not there failed as unavailable, and that neither
/// its `Display` nor its `Debug` shows the password `hunter2` of the URL.
pub(crate) fn assert_unavailable_without_password<S>(result: Result<S, StoreError>) {
    let Err(err) = result else {
        panic!("nothing listens on port 1, yet the connect succeeded");
    };
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// Asserts a client written through `writer` is read back, unchanged, through `reader`.
pub(crate) async fn assert_reads_what_the_other_wrote(writer: &dyn Store, reader: &dyn Store) {
    let (client, _) = sealed_fixture();
    writer.insert_client(&client).await.expect("insert");
    assert_eq!(
        reader.get_client(client.id).await.expect("get"),
        Some(client)
    );
}
