//! Several workers, one database: independent `Calstack` instances, each with its own
//! connection pool (as separate processes would have), share one credential through SQLite
//! (file), PostgreSQL and MariaDB. Exactly one of them refreshes an expired token and every
//! caller everywhere gets the new one; a grant Google refuses is seen as invalid by all of
//! them without another request to Google; a lease left by a crashed worker is taken over.
//! The stampede also runs with real operating-system processes: this test binary starts
//! itself as child workers (`child_worker_process`).

#[allow(dead_code)]
#[path = "backends/support.rs"]
mod support;

#[allow(dead_code)]
#[macro_use]
mod manager_support;

use std::time::Duration;

use calstack_core::crypto::{EncryptionKey, Keyring, aad};
use calstack_core::{Calstack, Error};
use chrono::{TimeDelta, Utc};

use manager_support::{
    SECOND_ACCESS, SECOND_REFRESH, Target, consented_credential, expire_access_token,
    mount_code_exchange, mount_invalid_grant, mount_refresh, token_requests, token_server, worker,
};

/// Independent workers sharing the database.
const WORKERS: usize = 3;
/// Concurrent `access_token` calls per worker.
const CALLS_PER_WORKER: usize = 30;

/// `WORKERS` workers, each connected with its own pool to `target`, sharing one keyring.
async fn workers(
    target: &Target,
    keyring: &Keyring,
    server: &wiremock::MockServer,
) -> Vec<Calstack> {
    let url = target.url();
    let mut all = Vec::with_capacity(WORKERS);
    for _ in 0..WORKERS {
        all.push(worker(&url, keyring, server).await);
    }
    all
}

/// Fires `per_worker` concurrent `access_token` calls on every worker at once (real threads)
/// and returns every result.
async fn stampede(
    workers: &[Calstack],
    id: calstack_core::CredentialId,
    per_worker: usize,
) -> Vec<calstack_core::Result<calstack_core::AccessToken>> {
    let tasks: Vec<_> = workers
        .iter()
        .flat_map(|w| {
            (0..per_worker).map(move |_| {
                let oauth = w.oauth().clone();
                tokio::spawn(async move { oauth.access_token(id).await })
            })
        })
        .collect();
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("access_token task did not panic"))
        .collect()
}

async fn expired_token_is_refreshed_once_for_every_worker(target: Target) {
    let server = token_server().await;
    mount_code_exchange(&server).await;
    let keyring = Keyring::new(EncryptionKey::generate());
    let workers = workers(&target, &keyring, &server).await;
    let credential = consented_credential(&workers[1]).await;
    expire_access_token(workers[2].store(), credential.id).await;
    // Slow enough that every worker arrives while the refresh is in flight.
    mount_refresh(&server, Duration::from_millis(300)).await;

    let results = stampede(&workers, credential.id, CALLS_PER_WORKER).await;

    assert_eq!(results.len(), WORKERS * CALLS_PER_WORKER);
    for result in results {
        let token = result.expect("every caller gets a token");
        assert_eq!(
            token.secret(),
            SECOND_ACCESS,
            "every caller gets the new token"
        );
    }
    assert_eq!(
        token_requests(&server, "refresh_token").await,
        1,
        "exactly one refresh request reached Google"
    );
    // The new token and the rotated refresh token are in the store for everyone.
    for w in &workers {
        let again = w.oauth().access_token(credential.id).await.expect("token");
        assert_eq!(again.secret(), SECOND_ACCESS);
    }
    let stored = workers[0]
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("credential");
    let refresh = stored.refresh_token.as_ref().expect("a refresh token");
    let opened = keyring
        .open(refresh, &aad::credential(credential.id, aad::REFRESH_TOKEN))
        .expect("the stored refresh token opens");
    assert_eq!(
        opened.secret(),
        SECOND_REFRESH,
        "the rotated refresh token was kept"
    );
    assert!(stored.is_valid && stored.last_error.is_none());
    // The winner gave its lease back: the next refresh need not wait for it to expire.
    let now = Utc::now();
    assert!(
        workers[0]
            .store()
            .try_acquire_lease(
                credential.id,
                "a-later-worker",
                now,
                now + TimeDelta::seconds(5)
            )
            .await
            .expect("lease query"),
        "the refresh lease was released"
    );
    server.verify().await;
}
on_every_backend!(expired_token_is_refreshed_once_for_every_worker);

async fn invalid_grant_seen_by_one_worker_reaches_every_worker_without_network(target: Target) {
    let server = token_server().await;
    mount_code_exchange(&server).await;
    let keyring = Keyring::new(EncryptionKey::generate());
    let workers = workers(&target, &keyring, &server).await;
    let credential = consented_credential(&workers[0]).await;
    expire_access_token(workers[0].store(), credential.id).await;
    mount_invalid_grant(&server, Duration::from_millis(300)).await;

    let results = stampede(&workers, credential.id, 10).await;

    for result in results {
        match result {
            Err(Error::ReauthorizationRequired {
                credential_id,
                reason,
            }) => {
                assert_eq!(credential_id, credential.id.to_string());
                assert!(reason.contains("invalid_grant"), "reason: {reason}");
            }
            other => panic!("expected ReauthorizationRequired, got {other:?}"),
        }
    }
    // Later calls on every worker fail the same way without asking Google again, and the
    // credential is marked invalid for all of them (a dashboard in any process sees it).
    for w in &workers {
        let err = w
            .oauth()
            .access_token(credential.id)
            .await
            .expect_err("still invalid");
        assert!(
            matches!(err, Error::ReauthorizationRequired { .. }),
            "{err:?}"
        );
        let stored = w
            .oauth()
            .get_credential(credential.id)
            .await
            .expect("credential");
        assert!(!stored.is_valid, "marked invalid");
        assert!(
            stored
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("invalid_grant")),
            "last_error: {:?}",
            stored.last_error
        );
        let calendar = w.calendar(credential.client_id).await;
        assert!(
            matches!(calendar, Err(Error::ReauthorizationRequired { .. })),
            "a Calendar client is refused too: {calendar:?}"
        );
    }
    assert_eq!(
        token_requests(&server, "refresh_token").await,
        1,
        "Google was asked exactly once"
    );
    server.verify().await;
}
on_every_backend!(invalid_grant_seen_by_one_worker_reaches_every_worker_without_network);

async fn lease_left_by_a_crashed_worker_is_taken_over_after_it_expires(target: Target) {
    let server = token_server().await;
    mount_code_exchange(&server).await;
    let keyring = Keyring::new(EncryptionKey::generate());
    let workers = workers(&target, &keyring, &server).await;
    let credential = consented_credential(&workers[0]).await;
    expire_access_token(workers[0].store(), credential.id).await;
    // A worker took the lease to refresh, then died without releasing it.
    let now = Utc::now();
    assert!(
        workers[0]
            .store()
            .try_acquire_lease(
                credential.id,
                "crashed-worker",
                now,
                now + TimeDelta::milliseconds(800)
            )
            .await
            .expect("lease query"),
        "the crashed worker held the lease"
    );
    mount_refresh(&server, Duration::ZERO).await;

    let results = stampede(&workers, credential.id, 5).await;

    for result in results {
        assert_eq!(
            result.expect("a token once the lease expired").secret(),
            SECOND_ACCESS
        );
    }
    assert_eq!(token_requests(&server, "refresh_token").await, 1);
    server.verify().await;
}
on_every_backend!(lease_left_by_a_crashed_worker_is_taken_over_after_it_expires);

// ----- the same with real operating-system processes -----

/// Environment of a child worker process (see `child_worker_process`).
const CHILD_ENV: [&str; 5] = [
    "CALSTACK_MANAGER_CHILD_DB",
    "CALSTACK_MANAGER_CHILD_KEY",
    "CALSTACK_MANAGER_CHILD_TOKEN_SERVER",
    "CALSTACK_MANAGER_CHILD_CREDENTIAL",
    "CALSTACK_MANAGER_CHILD_SYNC_DIR",
];

/// Waits (bounded) until `path` exists.
async fn wait_for_file(path: &std::path::Path) {
    for _ in 0..6000 {
        if path.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{} never appeared", path.display());
}

/// Not a test on its own: the body of one worker process started by
/// `separate_processes_share_one_refresh`. It connects its own pool, says it is ready, waits
/// for the go signal, then makes `CALSTACK_MANAGER_CHILD_CALLS` concurrent `access_token`
/// calls and fails unless each one returns the refreshed token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run as a child process by separate_processes_share_one_refresh"]
async fn child_worker_process() {
    let [db, key, server, credential, sync] = CHILD_ENV.map(|name| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is unset: this is started by separate_processes_share_one_refresh")
        })
    });
    let keyring = Keyring::from_base64(&key).expect("the key parses");
    let store = calstack_store::connect(&db)
        .await
        .expect("the child connects");
    let calstack = Calstack::builder()
        .store(store)
        .keyring(keyring)
        .endpoints(manager_support::endpoints_at(&server))
        .oauth_config(manager_support::test_oauth_config())
        .build()
        .expect("facade");
    let id: calstack_core::CredentialId = credential.parse().expect("a credential id");
    let sync = std::path::PathBuf::from(sync);
    std::fs::write(sync.join(format!("ready-{}", std::process::id())), b"").expect("signal ready");
    wait_for_file(&sync.join("go")).await;
    let results = stampede(std::slice::from_ref(&calstack), id, CALLS_PER_WORKER).await;
    for result in results {
        assert_eq!(
            result.expect("a token").secret(),
            SECOND_ACCESS,
            "every call in every process gets the new token"
        );
    }
}

async fn separate_processes_share_one_refresh(target: Target) {
    let server = token_server().await;
    mount_code_exchange(&server).await;
    let key = EncryptionKey::generate();
    let keyring = Keyring::new(key.clone());
    let parent = worker(&target.url(), &keyring, &server).await;
    let credential = consented_credential(&parent).await;
    expire_access_token(parent.store(), credential.id).await;
    mount_refresh(&server, Duration::from_millis(300)).await;

    let sync = tempfile::tempdir().expect("a folder for the start signal");
    let exe = std::env::current_exe().expect("this test binary");
    let values = [
        target.url(),
        key.to_base64_secret(),
        server.uri(),
        credential.id.to_string(),
        sync.path().display().to_string(),
    ];
    let children: Vec<_> = (0..WORKERS)
        .map(|_| {
            let mut command = tokio::process::Command::new(&exe);
            command
                .args([
                    "--ignored",
                    "--exact",
                    "child_worker_process",
                    "--test-threads=1",
                ])
                .envs(CHILD_ENV.iter().zip(values.iter()))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true);
            command.spawn().expect("a child worker process starts")
        })
        .collect();
    // Start them all at once, once every one is connected.
    for _ in 0..6000 {
        let ready = std::fs::read_dir(sync.path())
            .expect("read the sync folder")
            .count();
        if ready >= WORKERS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    std::fs::write(sync.path().join("go"), b"").expect("go");
    for child in children {
        let output = child.wait_with_output().await.expect("the child finishes");
        assert!(
            output.status.success(),
            "a child worker failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("1 passed"),
            "the child ran its worker body"
        );
    }
    assert_eq!(
        token_requests(&server, "refresh_token").await,
        1,
        "exactly one refresh request reached Google from {WORKERS} processes"
    );
    let token = parent
        .oauth()
        .access_token(credential.id)
        .await
        .expect("token");
    assert_eq!(token.secret(), SECOND_ACCESS);
    server.verify().await;
}
on_every_backend!(separate_processes_share_one_refresh);
