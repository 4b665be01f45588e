//! Encryption at rest on real rows: a credential taken through the real facade (registration
//! with a known client secret, consent and a refresh against a wiremock Google) leaves no
//! secret in any column of any table of SQLite, PostgreSQL or MariaDB, nor in the raw bytes of
//! SQLite's database file and write-ahead log. A process holding a different key gets a clear
//! `Error::Crypto` naming the key id, never garbage, and changes nothing.

#[allow(dead_code)]
#[path = "backends/support.rs"]
mod support;

#[allow(dead_code)]
#[macro_use]
mod manager_support;

use std::time::Duration;

use calstack_core::crypto::{EncryptionKey, Keyring, aad};
use calstack_core::{Error, Sealed};
use sqlx::Row as _;

use manager_support::{
    AUTH_CODE, CLIENT_SECRET, FIRST_ACCESS, FIRST_REFRESH, SECOND_ACCESS, SECOND_REFRESH, Target,
    consented_credential, expire_access_token, mount_code_exchange, mount_refresh, token_server,
    worker,
};

/// Every value of every column of every table, as text (`NULL`s left out), one string per row
/// prefixed with its table's name.
async fn raw_rows(target: &Target) -> Vec<String> {
    match target {
        Target::SqliteFile(path) => sqlite_rows(path).await,
        Target::Postgres(db) => postgres_rows(db).await,
        Target::MySql(db) => mysql_rows(db).await,
    }
}

fn row_text<R: sqlx::Row>(table: &str, row: &R, columns: usize) -> String
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut text = format!("{table}:");
    for i in 0..columns {
        let value: Option<String> = row.try_get(i).expect("every column reads as text");
        if let Some(value) = value {
            text.push('|');
            text.push_str(&value);
        }
    }
    text
}

async fn sqlite_rows(path: &std::path::Path) -> Vec<String> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("open the SQLite file read-only");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .expect("list tables");
    let mut rows = Vec::new();
    for table in &tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&pool)
            .await
            .expect("list columns");
        // As bytes, read leniently: SQLite columns may hold BLOBs (the migration checksums).
        let select = columns
            .iter()
            .map(|c| format!("CAST(\"{c}\" AS BLOB)"))
            .collect::<Vec<_>>()
            .join(", ");
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {select} FROM \"{table}\""
        )))
        .fetch_all(&pool)
        .await
        .expect("read rows")
        {
            let mut text = format!("{table}:");
            for i in 0..columns.len() {
                let value: Option<Vec<u8>> = row.try_get(i).expect("every column reads as bytes");
                if let Some(value) = value {
                    text.push('|');
                    text.push_str(&String::from_utf8_lossy(&value));
                }
            }
            rows.push(text);
        }
    }
    pool.close().await;
    rows
}

async fn postgres_rows(db: &support::PgTarget) -> Vec<String> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(db.options.clone())
        .await
        .expect("connect to the test schema");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("list tables");
    let mut rows = Vec::new();
    for table in &tables {
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("list columns");
        let select = columns
            .iter()
            .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {select} FROM \"{table}\""
        )))
        .fetch_all(&pool)
        .await
        .expect("read rows")
        {
            rows.push(row_text(table, &row, columns.len()));
        }
    }
    pool.close().await;
    rows
}

async fn mysql_rows(db: &support::MySqlTarget) -> Vec<String> {
    let pool = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(1)
        .connect_with(db.options.clone())
        .await
        .expect("connect to the test database");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("list tables");
    let mut rows = Vec::new();
    for table in &tables {
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("list columns");
        let select = columns
            .iter()
            .map(|c| format!("CAST(`{c}` AS CHAR)"))
            .collect::<Vec<_>>()
            .join(", ");
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {select} FROM `{table}`"
        )))
        .fetch_all(&pool)
        .await
        .expect("read rows")
        {
            rows.push(row_text(table, &row, columns.len()));
        }
    }
    pool.close().await;
    rows
}

/// The PKCE verifier the code exchange sent to Google.
async fn verifier_sent(server: &wiremock::MockServer) -> String {
    server
        .received_requests()
        .await
        .expect("wiremock records requests")
        .iter()
        .filter(|r| r.url.path() == "/token")
        .find_map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "code_verifier")
                .map(|(_, v)| v.into_owned())
        })
        .expect("the code exchange sent a PKCE verifier")
}

/// The one pending authorization's state and sealed verifier, read straight from the table.
async fn pending_row(target: &Target) -> (String, Sealed) {
    let sql = "SELECT CAST(state AS CHAR(200)), pkce_verifier FROM pending_authorizations";
    let (state, sealed): (String, String) = match target {
        Target::SqliteFile(path) => {
            let pool = sqlx::SqlitePool::connect_with(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .read_only(true),
            )
            .await
            .expect("open SQLite");
            let row = sqlx::query_as("SELECT state, pkce_verifier FROM pending_authorizations")
                .fetch_one(&pool)
                .await
                .expect("one pending row");
            pool.close().await;
            row
        }
        Target::Postgres(db) => {
            let pool = sqlx::PgPool::connect_with(db.options.clone())
                .await
                .expect("connect");
            let row = sqlx::query_as(
                "SELECT state::text, pkce_verifier::text FROM pending_authorizations",
            )
            .fetch_one(&pool)
            .await
            .expect("one pending row");
            pool.close().await;
            row
        }
        Target::MySql(db) => {
            let pool = sqlx::MySqlPool::connect_with(db.options.clone())
                .await
                .expect("connect");
            let row = sqlx::query_as(sql)
                .fetch_one(&pool)
                .await
                .expect("one pending row");
            pool.close().await;
            row
        }
    };
    (state, Sealed::from_stored(sealed))
}

/// Whether `needle` occurs in `haystack`, byte for byte.
fn contains_bytes(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

async fn no_secret_reaches_any_column_or_file_in_plaintext(target: Target) {
    let server = token_server().await;
    mount_code_exchange(&server).await;
    let key = EncryptionKey::generate();
    let keyring = Keyring::new(key.clone());
    let calstack = worker(&target.url(), &keyring, &server).await;

    // Register, consent (tokens #1), refresh (tokens #2, the refresh token rotated), and
    // leave a second consent pending so its PKCE verifier sits in the database.
    let credential = consented_credential(&calstack).await;
    let first_verifier = verifier_sent(&server).await;
    expire_access_token(calstack.store(), credential.id).await;
    mount_refresh(&server, Duration::ZERO).await;
    let token = calstack
        .oauth()
        .access_token(credential.id)
        .await
        .expect("refreshed");
    assert_eq!(token.secret(), SECOND_ACCESS);
    let request = calstack
        .oauth()
        .authorize_url(credential.id)
        .await
        .expect("a second consent started");
    let (state, sealed_verifier) = pending_row(&target).await;
    assert_eq!(state, request.state);
    let pending_verifier = keyring
        .open(
            &sealed_verifier,
            &aad::pending_verifier(credential.id, &state),
        )
        .expect("the stored verifier opens with the key, bound to its row")
        .into_secret();

    let stored = calstack
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("credential");
    let key_text = key.to_base64_secret();
    let secrets = [
        ("the client secret", CLIENT_SECRET),
        ("the authorization code", AUTH_CODE),
        ("the first access token", FIRST_ACCESS),
        ("the first refresh token", FIRST_REFRESH),
        ("the refreshed access token", SECOND_ACCESS),
        ("the rotated refresh token", SECOND_REFRESH),
        ("the used PKCE verifier", first_verifier.as_str()),
        ("the pending PKCE verifier", pending_verifier.as_str()),
        ("the encryption key", key_text.as_str()),
    ];
    // Every stored secret is sealed text under the key's id.
    let prefix = format!("v1:{}:", key.id());
    let sealed_values = [
        stored.client_secret.clone(),
        stored.access_token.clone().expect("an access token"),
        stored.refresh_token.clone().expect("a refresh token"),
        sealed_verifier.clone(),
    ];
    for sealed in &sealed_values {
        assert!(
            sealed.as_stored().starts_with(&prefix),
            "sealed under the current key id"
        );
    }

    let rows = raw_rows(&target).await.join("\n");
    for sealed in &sealed_values {
        assert!(
            rows.contains(&*sealed.as_stored()),
            "the scan must see the sealed values (is it reading the right tables?)"
        );
    }
    for table in ["clients:", "oauth_credentials:", "pending_authorizations:"] {
        assert!(rows.contains(table), "the scan read table {table}");
    }
    for (what, secret) in secrets {
        assert!(
            !rows.contains(secret),
            "{what} appears in plaintext in the raw rows ({})",
            target.url()
        );
    }

    if let Target::SqliteFile(path) = &target {
        // The pool is still open, so the write-ahead log still holds recent pages, including
        // the deleted first pending authorization and the overwritten first tokens.
        let wal_path = path.with_extension("db-wal");
        let mut bytes = std::fs::read(path).expect("read the database file");
        let wal = std::fs::read(&wal_path)
            .expect("WAL mode: the -wal file exists while the pool is open");
        bytes.extend_from_slice(&wal);
        assert!(
            contains_bytes(
                &bytes,
                &stored.refresh_token.as_ref().expect("refresh").as_stored()
            ),
            "the file scan must see the sealed refresh token (is it reading the right files?)"
        );
        for (what, secret) in secrets {
            assert!(
                !contains_bytes(&bytes, secret),
                "{what} appears in plaintext in the SQLite file or its WAL"
            );
        }
    }
    server.verify().await;
}
on_every_backend!(no_secret_reaches_any_column_or_file_in_plaintext);

async fn a_different_key_fails_clearly_naming_the_key_id_and_changes_nothing(target: Target) {
    let server = token_server().await;
    mount_code_exchange(&server).await;
    let right_key = EncryptionKey::generate();
    let wrong_key = EncryptionKey::generate();
    let calstack = worker(&target.url(), &Keyring::new(right_key.clone()), &server).await;
    let credential = consented_credential(&calstack).await;
    let before = calstack
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("credential");

    // Another process, started with the wrong key, on the same database.
    let wrong = worker(&target.url(), &Keyring::new(wrong_key.clone()), &server).await;
    let err = wrong
        .oauth()
        .access_token(credential.id)
        .await
        .expect_err("the wrong key cannot open the token");
    let Error::Crypto(message) = &err else {
        panic!("expected Error::Crypto, got {err:?}");
    };
    assert!(
        message.contains(&right_key.id()),
        "names the key id the value was sealed with: {message}"
    );
    assert!(
        message.contains(&wrong_key.id()),
        "names the key ids it has: {message}"
    );
    assert!(
        message.contains(&credential.id.to_string()) && message.contains("access_token"),
        "names the credential and field: {message}"
    );
    let rotation = wrong
        .rotate_keys()
        .await
        .expect_err("re-sealing needs the old key");
    assert!(
        matches!(&rotation, Error::Crypto(m) if m.contains(&right_key.id())),
        "{rotation:?}"
    );
    for text in [format!("{err} {err:?}"), format!("{rotation} {rotation:?}")] {
        for secret in [CLIENT_SECRET, FIRST_ACCESS, FIRST_REFRESH] {
            assert!(!text.contains(secret), "a secret leaked into an error");
        }
    }

    // Nothing was written: the credential is still valid and unchanged, and the right key,
    // in yet another process, opens it.
    let after = wrong
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("credential");
    assert_eq!(after, before, "a failed open changes nothing");
    let right = worker(&target.url(), &Keyring::new(right_key), &server).await;
    let token = right
        .oauth()
        .access_token(credential.id)
        .await
        .expect("the right key opens it");
    assert_eq!(token.secret(), FIRST_ACCESS);
    server.verify().await;
}
on_every_backend!(a_different_key_fails_clearly_naming_the_key_id_and_changes_nothing);
