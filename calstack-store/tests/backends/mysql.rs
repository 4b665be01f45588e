//! MariaDB/MySQL (a real server; see `support`).

use calstack_store::MySqlStore;

use crate::support::{
    assert_reads_what_the_other_wrote, assert_rows_only_sealed,
    assert_unavailable_without_password, connect_simultaneously, insert_sealed_records,
    migration_count, run_conformance_from_url, with_mysql,
};

#[tokio::test]
async fn mysql_store_from_url_passes_the_conformance_suite() {
    with_mysql("mysql_store_from_url_passes_the_conformance_suite", |db| {
        run_conformance_from_url(db.url)
    })
    .await;
}

#[tokio::test]
async fn mysql_simultaneous_first_connects_all_succeed() {
    with_mysql(
        "mysql_simultaneous_first_connects_all_succeed",
        |db| async move {
            let stores =
                connect_simultaneously(4, || MySqlStore::connect_with(db.options.clone())).await;
            let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _calstack_migrations")
                .fetch_one(stores[0].pool())
                .await
                .expect("count migrations");
            assert_eq!(
                applied,
                migration_count("mysql"),
                "each migration was applied exactly once"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn mysql_keeps_only_sealed_secrets_in_rows() {
    with_mysql("mysql_keeps_only_sealed_secrets_in_rows", |db| async move {
        let store = MySqlStore::connect_with(db.options.clone())
            .await
            .expect("connect");
        insert_sealed_records(&store).await;
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT CONCAT_WS('|', id, client_id, google_client_id, client_secret, scopes, \
             granted_scopes, redirect_uri, account_email, access_token, refresh_token, \
             expires_at, last_error) FROM oauth_credentials \
             UNION ALL SELECT CONCAT_WS('|', state, credential_id, pkce_verifier, redirect_uri) \
             FROM pending_authorizations",
        )
        .fetch_all(store.pool())
        .await
        .expect("raw rows");
        assert_rows_only_sealed(&rows, "raw MariaDB/MySQL rows");
    })
    .await;
}

#[tokio::test]
async fn mysql_unreachable_server_is_unavailable_without_echoing_the_password() {
    assert_unavailable_without_password(
        MySqlStore::connect("mysql://root:hunter2@127.0.0.1:1/test").await,
    );
}

#[tokio::test]
async fn mysql_store_and_url_are_interchangeable() {
    with_mysql("mysql_store_and_url_are_interchangeable", |db| async move {
        let mariadb_url = db.url.replacen("mysql://", "mariadb://", 1);
        let by_url = calstack_store::connect(&mariadb_url)
            .await
            .expect("connect by mariadb:// URL");
        let typed = MySqlStore::connect_with(db.options.clone())
            .await
            .expect("typed");
        assert_reads_what_the_other_wrote(&*by_url, &typed).await;
    })
    .await;
}
