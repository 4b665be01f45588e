//! PostgreSQL (a real server; see `support`).

use calstack_store::PgStore;

use crate::support::{
    assert_reads_what_the_other_wrote, assert_rows_only_sealed,
    assert_unavailable_without_password, connect_simultaneously, insert_sealed_records,
    migration_count, run_conformance_from_url, with_postgres,
};

#[tokio::test]
async fn postgres_store_from_url_passes_the_conformance_suite() {
    with_postgres(
        "postgres_store_from_url_passes_the_conformance_suite",
        |db| run_conformance_from_url(db.url),
    )
    .await;
}

#[tokio::test]
async fn postgres_simultaneous_first_connects_all_succeed() {
    with_postgres(
        "postgres_simultaneous_first_connects_all_succeed",
        |db| async move {
            let stores =
                connect_simultaneously(4, || PgStore::connect_with(db.options.clone())).await;
            let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _calstack_migrations")
                .fetch_one(stores[0].pool())
                .await
                .expect("count migrations");
            assert_eq!(
                applied,
                migration_count("postgres"),
                "each migration was applied exactly once"
            );
            let schema: String = sqlx::query_scalar(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'clients' \
                 AND table_schema = current_schema()",
            )
            .fetch_one(stores[0].pool())
            .await
            .expect("clients table in the test schema");
            assert_eq!(schema, db.schema);
        },
    )
    .await;
}

#[tokio::test]
async fn postgres_keeps_only_sealed_secrets_in_rows() {
    with_postgres(
        "postgres_keeps_only_sealed_secrets_in_rows",
        |db| async move {
            let store = PgStore::connect_with(db.options.clone())
                .await
                .expect("connect");
            insert_sealed_records(&store).await;
            let rows: Vec<String> = sqlx::query_scalar(
                "SELECT t::text FROM oauth_credentials t \
                 UNION ALL SELECT p::text FROM pending_authorizations p \
                 UNION ALL SELECT c::text FROM clients c",
            )
            .fetch_all(store.pool())
            .await
            .expect("raw rows");
            assert_rows_only_sealed(&rows, "raw PostgreSQL rows");
        },
    )
    .await;
}

#[tokio::test]
async fn postgres_unreachable_server_is_unavailable_without_echoing_the_password() {
    assert_unavailable_without_password(
        PgStore::connect("postgres://postgres:hunter2@127.0.0.1:1/test").await,
    );
}

#[tokio::test]
async fn postgres_store_and_url_are_interchangeable() {
    with_postgres(
        "postgres_store_and_url_are_interchangeable",
        |db| async move {
            let by_url = calstack_store::connect(&db.url)
                .await
                .expect("connect by URL");
            let typed = PgStore::connect_with(db.options.clone())
                .await
                .expect("typed");
            assert_reads_what_the_other_wrote(&*by_url, &typed).await;
        },
    )
    .await;
}
