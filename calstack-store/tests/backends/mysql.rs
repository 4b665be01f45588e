//! MariaDB/MySQL (a real server; see `support`).

use std::sync::Arc;

use calstack_core::store::conformance;
use calstack_core::store::{AuthorizationStore, ClientStore, CredentialStore};
use calstack_core::{PendingAuthorization, StoreError};
use calstack_store::MySqlStore;
use chrono::Utc;

use crate::support::{PLAINTEXT_MARKERS, assert_only_sealed, sealed_fixture, toy_seal, with_mysql};

#[tokio::test]
async fn mysql_store_from_url_passes_the_conformance_suite() {
    with_mysql(
        "mysql_store_from_url_passes_the_conformance_suite",
        |db| async move {
            let store = calstack_store::connect(&db.url).await.expect("connect");
            conformance::run_all(store).await;
        },
    )
    .await;
}

#[tokio::test]
async fn mysql_simultaneous_first_connects_all_succeed() {
    with_mysql(
        "mysql_simultaneous_first_connects_all_succeed",
        |db| async move {
            let connects = (0..4).map(|_| MySqlStore::connect_with(db.options.clone()));
            let stores: Vec<MySqlStore> = futures::future::join_all(connects)
                .await
                .into_iter()
                .map(|r| r.expect("every simultaneous connect succeeds"))
                .collect();
            let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _calstack_migrations")
                .fetch_one(stores[0].pool())
                .await
                .expect("count migrations");
            assert_eq!(applied, 1, "the migration was applied exactly once");
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
        assert_only_sealed(&rows.join("\n"), "raw MariaDB/MySQL rows");
        assert!(
            rows.iter()
                .any(|r| r.contains(toy_seal(PLAINTEXT_MARKERS[3]).as_stored()))
        );
    })
    .await;
}

#[tokio::test]
async fn mysql_unreachable_server_is_unavailable_without_echoing_the_password() {
    let err = MySqlStore::connect("mysql://root:hunter2@127.0.0.1:1/test")
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[tokio::test]
async fn mysql_store_and_url_are_interchangeable() {
    with_mysql("mysql_store_and_url_are_interchangeable", |db| async move {
        let mariadb_url = db.url.replacen("mysql://", "mariadb://", 1);
        let by_url = calstack_store::connect(&mariadb_url)
            .await
            .expect("connect by mariadb:// URL");
        let typed = Arc::new(
            MySqlStore::connect_with(db.options.clone())
                .await
                .expect("typed"),
        );
        let (client, _) = sealed_fixture();
        by_url.insert_client(&client).await.expect("insert");
        assert_eq!(
            typed.get_client(client.id).await.expect("get"),
            Some(client)
        );
    })
    .await;
}
