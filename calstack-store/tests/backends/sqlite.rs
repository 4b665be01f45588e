//! SQLite: file and in-memory databases.

use std::sync::Arc;

use calstack_core::crypto::{EncryptionKey, Keyring};
use calstack_core::store::{
    CalendarKey, CalendarMetadata, ClientStore, CredentialStore, MirrorEventRow, MirrorSelection,
    MirrorStore, WindowBounds, conformance,
};
use calstack_core::{CredentialId, OAuthCredential, Sealed, StoreError};
use calstack_store::SqliteStore;
use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;

use crate::support::{
    assert_only_sealed, assert_rows_only_sealed, connect_simultaneously, insert_sealed_records,
    migration_count, run_conformance_from_url, sealed_fixture,
};

#[tokio::test]
async fn sqlite_file_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("calstack.db"))
        .await
        .expect("open SQLite file");
    conformance::run_all(Arc::new(store)).await;
}

#[tokio::test]
async fn sqlite_memory_store_from_url_passes_the_conformance_suite() {
    run_conformance_from_url("sqlite::memory:".to_owned()).await;
}

#[tokio::test]
async fn sqlite_url_creates_the_missing_folder_and_file_and_data_persists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("nested/deeper/calstack.db");
    let url = format!("sqlite://{}", file.display());
    let (client, _) = sealed_fixture();
    {
        let store = calstack_store::connect(&url)
            .await
            .expect("connect creates");
        store.insert_client(&client).await.expect("insert");
    }
    assert!(
        file.exists(),
        "the database file was created with its folders"
    );
    let reopened = SqliteStore::connect(&url).await.expect("reopen");
    assert_eq!(
        reopened.get_client(client.id).await.expect("get"),
        Some(client),
        "data survives reopening the file"
    );
}

#[tokio::test]
async fn sqlite_file_uses_wal_foreign_keys_and_a_busy_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("pragmas.db"))
        .await
        .expect("open");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let fks: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .expect("foreign_keys");
    assert_eq!(fks, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(store.pool())
        .await
        .expect("busy_timeout");
    assert!(busy >= 1000, "busy timeout is {busy} ms");
}

#[tokio::test]
async fn sqlite_simultaneous_first_opens_of_one_file_all_succeed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("race.db");
    // Sixteen: SQLite answers a connection that turns the new file's journal to WAL while
    // another does "database is locked" at once, so the more opens race, the surer the test.
    let stores = connect_simultaneously(16, || SqliteStore::open(path.clone())).await;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _calstack_migrations")
        .fetch_one(stores[0].pool())
        .await
        .expect("count migrations");
    assert_eq!(
        applied,
        migration_count("sqlite"),
        "each migration was applied exactly once"
    );
}

#[tokio::test]
async fn sqlite_keeps_only_sealed_secrets_in_rows_and_file_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("secrets.db");
    let store = SqliteStore::open(&path).await.expect("open");
    insert_sealed_records(&store).await;

    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws('|', id, client_id, google_client_id, client_secret, scopes, \
         granted_scopes, redirect_uri, account_email, access_token, refresh_token, expires_at, \
         last_error) FROM oauth_credentials \
         UNION ALL SELECT concat_ws('|', state, credential_id, pkce_verifier, redirect_uri) \
         FROM pending_authorizations",
    )
    .fetch_all(store.pool())
    .await
    .expect("raw rows");
    assert_rows_only_sealed(&rows, "raw SQLite rows");

    let mut bytes = std::fs::read(&path).expect("read database file");
    if let Ok(wal) = std::fs::read(dir.path().join("secrets.db-wal")) {
        bytes.extend(wal);
    }
    assert_only_sealed(&String::from_utf8_lossy(&bytes), "the SQLite file bytes");
}

#[tokio::test]
async fn sqlite_calls_after_close_are_unavailable() {
    let store = SqliteStore::in_memory().await.expect("open");
    store.close().await;
    let err = store
        .list_clients()
        .await
        .expect_err("a closed store cannot list");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn sqlite_file_mirror_reads_after_close_are_unavailable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("closed.db"))
        .await
        .expect("open");
    let (from, to) = (chrono::DateTime::UNIX_EPOCH, chrono::Utc::now());
    let open_read = store
        .window_rows(&MirrorSelection::all(), WindowBounds::new(from, to))
        .await
        .expect("an open store reads");
    assert!(open_read.is_empty());
    store.close().await;
    let err = store
        .window_row_chunks(&MirrorSelection::all(), WindowBounds::new(from, to))
        .try_concat()
        .await
        .expect_err("a closed store cannot read its mirror");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
}

/// A file store `<name>.db` in `dir` holding one client, its credential and one calendar
/// (`<name>@gmail.test`).
async fn one_calendar(
    dir: &tempfile::TempDir,
    name: &str,
) -> (SqliteStore, CalendarKey, OAuthCredential) {
    let store = SqliteStore::open(dir.path().join(format!("{name}.db")))
        .await
        .expect("open");
    let (client, credential) = sealed_fixture();
    store.insert_client(&client).await.expect("client");
    store
        .insert_credential(&credential)
        .await
        .expect("credential");
    let meta = CalendarMetadata::new(
        CalendarKey::new(client.id, format!("{name}@gmail.test")),
        credential.id,
    );
    store
        .upsert_calendar(&meta, Utc::now())
        .await
        .expect("calendar");
    (store, meta.key, credential)
}

/// A timed event row of `key` starting `minutes` past `base`.
fn event_row(
    key: &CalendarKey,
    credential: CredentialId,
    id: String,
    base: DateTime<Utc>,
    minutes: i64,
) -> MirrorEventRow {
    let start = base + TimeDelta::minutes(minutes);
    MirrorEventRow::timed(
        key.clone(),
        credential,
        id,
        (start, start + TimeDelta::minutes(30)),
        Sealed::from_stored("v1:k1:sealed-body"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_mirror_reads_see_whole_writes_while_a_sync_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, key, credential) = one_calendar(&dir, "busy").await;
    let store = Arc::new(store);
    let base = Utc::now();
    let first: Vec<MirrorEventRow> = (0..1_500)
        .map(|i| event_row(&key, credential.id, format!("first-{i}"), base, i))
        .collect();
    store
        .write_events(&key, 0, &first, &[])
        .await
        .expect("write");
    let minutes: Vec<i64> = (0..100).collect();
    let (batches, batch) = (30, minutes.len());
    let writer = {
        let (store, key) = (Arc::clone(&store), key.clone());
        tokio::spawn(async move {
            for b in 0..batches {
                let rows: Vec<MirrorEventRow> = minutes
                    .iter()
                    .map(|&i| event_row(&key, credential.id, format!("b{b}-{i}"), base, i))
                    .collect();
                store
                    .write_events(&key, 0, &rows, &[])
                    .await
                    .expect("write batch");
            }
        })
    };
    let selection = MirrorSelection::clients([key.client_id]);
    let (from, to) = (base - TimeDelta::days(1), base + TimeDelta::days(3));
    let mut seen = Vec::new();
    loop {
        let rows = store
            .window_row_chunks(&selection, WindowBounds::new(from, to))
            .try_concat()
            .await
            .expect("a read while the writer writes");
        seen.push(rows.len());
        if writer.is_finished() {
            break;
        }
    }
    writer.await.expect("writer");
    for n in &seen {
        assert!(
            *n >= first.len() && (n - first.len()).is_multiple_of(batch),
            "a read saw part of a write: {n} rows"
        );
    }
    let last = store
        .window_rows(&selection, WindowBounds::new(from, to))
        .await
        .expect("final read");
    assert_eq!(
        last.len(),
        first.len() + batches * batch,
        "every write is read"
    );
    assert!(!seen.is_empty());
}

/// Mirrored bodies are written as bytes (a quarter smaller than their text); a body written
/// as text by an earlier version still reads, through the pool and through SQLite's own API,
/// and bytes that are not a sealed value are refused naming the column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_mirrored_bodies_as_bytes_and_reads_text_bodies_written_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, key, credential) = one_calendar(&dir, "bodies").await;
    let keyring = Keyring::new(EncryptionKey::generate());
    let body = |id: &str| {
        keyring
            .seal(&format!("{{\"summary\":\"Dentist {id}\"}}"), id)
            .expect("seal")
    };
    let base = Utc::now();
    let rows: Vec<MirrorEventRow> = ["new", "old"]
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let mut row = event_row(&key, credential.id, id.to_owned(), base, i as i64);
            row.body = body(id);
            row
        })
        .collect();
    store
        .write_events(&key, 0, &rows, &[])
        .await
        .expect("write");
    // An earlier version wrote the text.
    sqlx::query("UPDATE mirror_events SET body = ? WHERE event_id = 'old'")
        .bind(rows[1].body.as_stored().into_owned())
        .execute(store.pool())
        .await
        .expect("text body");
    let stored: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT event_id, typeof(body), length(body) FROM mirror_events ORDER BY event_id",
    )
    .fetch_all(store.pool())
    .await
    .expect("raw rows");
    let text_len = |row: &MirrorEventRow| i64::try_from(row.body.as_stored().len()).expect("small");
    assert_eq!(stored[0].0, "new");
    assert_eq!(stored[0].1, "blob");
    assert!(stored[0].2 * 4 <= text_len(&rows[0]) * 3 + 16, "{stored:?}");
    assert_eq!(
        (stored[1].0.as_str(), stored[1].1.as_str()),
        ("old", "text")
    );
    assert_eq!(stored[1].2, text_len(&rows[1]));

    let (from, to) = (base - TimeDelta::days(1), base + TimeDelta::days(1));
    let selection = MirrorSelection::all();
    let mut pooled = store.list_events(&key).await.expect("pooled read");
    pooled.sort_by(|a, b| a.event_id.cmp(&b.event_id));
    let mut window = store
        .window_rows(&selection, WindowBounds::new(from, to))
        .await
        .expect("window read");
    window.sort_by(|a, b| a.event_id.cmp(&b.event_id));
    let mut between = store
        .events_between(&selection, from, to)
        .await
        .expect("range read");
    between.sort_by(|a, b| a.event_id.cmp(&b.event_id));
    for (i, id) in ["new", "old"].into_iter().enumerate() {
        for read in [&pooled[i].body, &window[i].body, &between[i].body] {
            assert_eq!(*read, rows[i].body, "{id}");
            let opened = keyring.open(read, id).expect("opens");
            assert_eq!(opened.secret(), format!("{{\"summary\":\"Dentist {id}\"}}"));
        }
    }
    let file = std::fs::read(dir.path().join("bodies.db")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("bodies.db-wal")).unwrap_or_default();
    for bytes in [file, wal] {
        assert!(
            !bytes.windows(7).any(|w| w == b"Dentist"),
            "plaintext in the file"
        );
    }

    sqlx::query("UPDATE mirror_events SET body = X'00010203' WHERE event_id = 'new'")
        .execute(store.pool())
        .await
        .expect("damage");
    let pooled = store.list_events(&key).await.expect_err("damaged body");
    let direct = store
        .window_rows(&selection, WindowBounds::new(from, to))
        .await
        .expect_err("damaged body");
    assert!(
        store.visits_where_read(),
        "a file store hands rows over where it reads them"
    );
    let visited = store
        .visit_window_rows(
            &selection,
            WindowBounds::new(from, to),
            Box::new(Count::default()),
        )
        .await
        .expect_err("damaged body");
    for err in [pooled, direct, visited] {
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("mirror_events.body"), "{err}");
    }
}

#[tokio::test]
async fn unknown_url_scheme_is_refused_by_name() {
    let err = match calstack_store::connect("redis://127.0.0.1/0").await {
        Ok(_) => panic!("redis:// is not a store"),
        Err(e) => e,
    };
    assert!(err.to_string().contains("`redis`"), "{err}");
}

/// A window visitor that only counts rows.
#[derive(Default)]
struct Count(usize);

impl calstack_core::store::WindowVisitor for Count {
    fn row(&mut self, _row: &calstack_core::store::WindowRowRef<'_>) -> bool {
        self.0 += 1;
        true
    }
}
