//! Turning sqlx errors into [`StoreError`]s: by error kind and structured code, never by
//! message text.

use calstack_core::StoreError;
use sqlx::error::ErrorKind;

/// A constraint the database refused a write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A primary key or unique index already holds the value.
    Unique,
    /// A foreign key points at a row that does not exist.
    ForeignKey,
}

/// Which constraint, if any, `err` is a violation of.
pub(crate) fn violation(err: &sqlx::Error) -> Option<Violation> {
    match err {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => Some(Violation::Unique),
            ErrorKind::ForeignKeyViolation => Some(Violation::ForeignKey),
            _ => None,
        },
        _ => None,
    }
}

/// Maps a driver error raised while `doing` something (e.g. `insert client`) to the store
/// error a caller can act on. Constraint violations that the call site did not expect end up
/// here too, as [`StoreError::Conflict`] / [`StoreError::NotFound`].
pub(crate) fn store_error(err: sqlx::Error, doing: &str) -> StoreError {
    match violation(&err) {
        Some(Violation::Unique) => return StoreError::conflict(format!("{doing}: duplicate key")),
        Some(Violation::ForeignKey) => {
            return StoreError::not_found(format!("{doing}: referenced row"));
        }
        None => {}
    }
    let unavailable = match &err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_transient_code(&code)),
        _ => false,
    };
    let message = format!("{doing}: {}", describe(&err));
    if unavailable {
        StoreError::Unavailable {
            message,
            source: Some(Box::new(err)),
        }
    } else {
        StoreError::Backend {
            message,
            source: Some(Box::new(err)),
        }
    }
}

/// A short description of the failure's kind (the full driver error stays in `source()`).
fn describe(err: &sqlx::Error) -> &'static str {
    match err {
        sqlx::Error::Io(_) => "connection failed",
        sqlx::Error::Tls(_) => "TLS failed",
        sqlx::Error::PoolTimedOut => "timed out waiting for a database connection",
        sqlx::Error::PoolClosed => "the connection pool is closed",
        sqlx::Error::WorkerCrashed => "the database worker crashed",
        sqlx::Error::Database(_) => "the database refused the statement",
        sqlx::Error::Configuration(_) => "invalid database configuration",
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => "could not decode a column",
        sqlx::Error::Protocol(_) => "database protocol error",
        _ => "database error",
    }
}

/// Codes that mean "the server cannot serve us right now", not "this statement is wrong":
/// SQLSTATE classes 08 (connection exception), 53 (insufficient resources) and 57 (operator
/// intervention, e.g. shutdown) on PostgreSQL/MySQL; SQLITE_BUSY (5) and SQLITE_LOCKED (6),
/// with their extended codes, on SQLite.
fn is_transient_code(code: &str) -> bool {
    if code.len() == 5 {
        // A SQLSTATE (SQLite's codes, even extended ones, have at most four digits).
        return code.starts_with("08") || code.starts_with("53") || code.starts_with("57");
    }
    code.parse::<u32>()
        .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6))
}

/// A stored row that cannot be turned back into a record.
pub(crate) fn corrupt(table: &str, column: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        message: format!("{table}.{column}: {why}"),
    }
}

/// A database URL the `backend` driver refused. The URL is not repeated: it may hold a
/// password.
pub(crate) fn invalid_url(backend: &str, err: sqlx::Error) -> StoreError {
    StoreError::Backend {
        message: format!("invalid {backend} database URL"),
        source: Some(Box::new(err)),
    }
}

/// A migration failure.
pub(crate) fn migration_error(err: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Migration {
        message: err.to_string(),
        source: Some(Box::new(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeout_is_unavailable() {
        let e = store_error(sqlx::Error::PoolTimedOut, "get client");
        assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains("get client"));
    }

    #[test]
    fn connection_refused_is_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = store_error(sqlx::Error::Io(io), "list clients");
        assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    }

    #[test]
    fn transient_codes_are_recognised() {
        assert!(is_transient_code("08006"));
        assert!(is_transient_code("53300"));
        assert!(is_transient_code("57P01"));
        assert!(is_transient_code("5"));
        assert!(is_transient_code("517"));
        assert!(!is_transient_code("23505"));
        assert!(!is_transient_code("2067"));
    }
}
