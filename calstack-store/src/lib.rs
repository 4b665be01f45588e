//! SQL homes for every calstack-core storage trait: SQLite (embedded default), PostgreSQL and
//! MySQL/MariaDB, on sqlx with runtime queries and embedded migrations.
//!
//! [`connect`] picks the backend from the URL scheme, applies pending migrations and hands back
//! an `Arc<dyn Store>`:
//!
//! ```no_run
//! # async fn demo() -> Result<(), calstack_core::StoreError> {
//! use calstack_core::store::ClientStore;
//!
//! let store = calstack_store::connect("sqlite://data/calstack.db").await?;
//! // or "postgres://user@db.internal/calstack", "mariadb://root@127.0.0.1/calstack"
//! for client in store.list_clients().await? {
//!     println!("{} <{}>", client.name, client.email);
//! }
//! # Ok(()) }
//! ```
//!
//! Each backend is a cargo feature (`sqlite`, `postgres`, `mysql`; all on by default). The
//! typed stores ([`SqliteStore`], [`PgStore`], [`MySqlStore`]) offer more constructors and
//! their sqlx pool.

use std::sync::Arc;

use calstack_core::{Store, StoreError};

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod client_settings;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod codec;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod error;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod mirror;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sql;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sql_store;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "mysql")]
pub use mysql::MySqlStore;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// The table where calstack records which of its migrations a database has. Not sqlx's
/// default `_sqlx_migrations`, so calstack can share a database with an application that runs
/// its own sqlx migrations.
pub const MIGRATIONS_TABLE: &str = "_calstack_migrations";

/// The backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `sqlite:` URLs (`sqlite://path.db`, `sqlite::memory:`).
    Sqlite,
    /// `postgres://` and `postgresql://` URLs.
    Postgres,
    /// `mysql://` and `mariadb://` URLs.
    MySql,
}

impl Backend {
    /// The backend `url` names, judged by its scheme. An unknown or missing scheme is an error
    /// that names the scheme (never the whole URL, which may hold a password).
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let Some((scheme, _)) = url.split_once(':') else {
            return Err(StoreError::backend(
                "database URL has no scheme (expected sqlite:, postgres://, postgresql://, \
                 mysql:// or mariadb://)",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::MySql),
            other => Err(StoreError::backend(format!(
                "unsupported database URL scheme `{other}` (expected sqlite, postgres, \
                 postgresql, mysql or mariadb)"
            ))),
        }
    }
}

/// Connects to the database `url` names, applies pending migrations and returns it as a
/// [`Store`].
///
/// - `sqlite://relative/path.db`, `sqlite:///absolute/path.db`: a file, created with its
///   folder if missing; `sqlite::memory:`: a private in-memory database.
/// - `postgres://user:password@host:5432/db` (or `postgresql://`).
/// - `mysql://user:password@host:3306/db` (or `mariadb://`).
///
/// A backend whose cargo feature is off is an error saying so.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match Backend::from_url(url)? {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(Arc::new(SqliteStore::connect(url).await?)),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(Arc::new(PgStore::connect(url).await?)),
        #[cfg(feature = "mysql")]
        Backend::MySql => Ok(Arc::new(MySqlStore::connect(url).await?)),
        #[allow(unreachable_patterns)]
        backend => Err(StoreError::backend(format!(
            "calstack-store was built without the {backend:?} backend (cargo feature `{}`)",
            match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
                Backend::MySql => "mysql",
            }
        ))),
    }
}

/// Settings every backend's migrator shares.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn configure_migrator(migrator: &mut sqlx::migrate::Migrator) {
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    // An older calstack connecting to a database a newer one migrated keeps working: migrations
    // only ever add.
    migrator.set_ignore_missing(true);
}

/// Compiles (and, where marked runnable, runs) the snippets of `docs/storage.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/storage.md")]
struct StorageGuide;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_backend() {
        let cases = [
            ("sqlite://data/calstack.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
            ("postgres://u@h/db", Backend::Postgres),
            ("postgresql://u@h/db", Backend::Postgres),
            ("mysql://root@h/db", Backend::MySql),
            ("mariadb://root@h/db", Backend::MySql),
            ("MySQL://root@h/db", Backend::MySql),
        ];
        for (url, backend) in cases {
            assert_eq!(Backend::from_url(url).expect(url), backend, "{url}");
        }
    }

    #[test]
    fn unknown_scheme_is_named_without_the_password() {
        let err = Backend::from_url("redis://user:hunter2@h/0").expect_err("unknown scheme");
        let text = err.to_string();
        assert!(text.contains("`redis`"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn connecting_can_run_inside_tokio_spawn() {
        assert_send(&connect("sqlite::memory:"));
    }

    #[test]
    fn url_without_scheme_is_refused() {
        let err = Backend::from_url("/var/lib/calstack.db").expect_err("no scheme");
        assert!(err.to_string().contains("no scheme"), "{err}");
    }
}
