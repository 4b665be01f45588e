//! The error every storage backend returns.

/// A storage failure, classified by what the caller can do about it.
///
/// Backends map driver errors by kind (unique violation → [`StoreError::Conflict`], foreign
/// key → [`StoreError::NotFound`], connection failure → [`StoreError::Unavailable`]), never by
/// message text. Messages never contain secrets (backends only ever hold sealed values).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The row to update or attach to does not exist.
    #[error("not found: {what}")]
    NotFound {
        /// What was missing, e.g. `client 7d1f…`.
        what: String,
    },

    /// A uniqueness rule or an optimistic version check refused the write.
    #[error("conflict: {what}")]
    Conflict {
        /// What collided, e.g. `client email ops@acme.test already exists` or
        /// `credential 7d1f… was modified concurrently (expected version 3)`.
        what: String,
    },

    /// The backend could not be reached (connection refused, pool timed out).
    #[error("store unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A stored row could not be turned back into a domain record.
    #[error("corrupt row: {message}")]
    Corrupt {
        /// Which row and column, and why.
        message: String,
    },

    /// Applying migrations failed.
    #[error("migration failed: {message}")]
    Migration {
        /// What failed.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// Any other backend failure.
    #[error("store backend error: {message}")]
    Backend {
        /// What failed.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    /// Shorthand for [`StoreError::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }

    /// Shorthand for [`StoreError::Conflict`].
    pub fn conflict(what: impl Into<String>) -> Self {
        StoreError::Conflict { what: what.into() }
    }

    /// Shorthand for [`StoreError::Backend`] without a source.
    pub fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: None,
        }
    }
}
