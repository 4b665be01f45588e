//! The one public error type of calstack-core, split by what a caller can do about it.
//!
//! Retry decisions are made in exactly one place, [`Error::is_retryable`], which the
//! transport's retry loop uses; callers never match on message text.

use std::time::Duration;

use crate::store::StoreError;

/// Every error calstack-core returns.
///
/// Variants are grouped by what the caller can act on: fix the input ([`Error::Validation`]),
/// send the user through consent again ([`Error::ReauthorizationRequired`]), wait
/// ([`Error::RateLimited`]), refetch and reapply ([`Error::PreconditionFailed`]), wipe and
/// resync ([`Error::SyncTokenExpired`]), or inspect Google's answer ([`Error::Api`]).
/// No variant's `Display` or `Debug` ever contains a token or client secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing asked for does not exist (HTTP 404, or a missing client/credential row).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, e.g. `event abc123` or `client 7d1f…`.
        what: String,
    },

    /// The input was refused before anything was sent or stored.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The field at fault, named as the API or the domain names it (`end`, `email`, `attendees[1].email`).
        field: String,
        /// Why it was refused.
        reason: String,
    },

    /// The credential can no longer be refreshed (revoked, expired grant, `invalid_grant`);
    /// the client must go through consent again.
    #[error("reauthorization required for credential {credential_id}: {reason}")]
    ReauthorizationRequired {
        /// The credential that needs consent again.
        credential_id: String,
        /// Google's reason (e.g. `invalid_grant: Token has been expired or revoked.`).
        reason: String,
    },

    /// The OAuth callback or authorization request was refused (user denied consent, unknown,
    /// expired or replayed `state`). Nothing was changed.
    #[error("authorization failed: {reason}")]
    Authorization {
        /// Google's `error` code (`access_denied`) or calstack's (`invalid_state`, `expired_state`).
        code: String,
        /// A human-readable reason.
        reason: String,
    },

    /// Google refused because of quota or rate limits and the retry budget is spent.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs_f32())).unwrap_or_default())]
    RateLimited {
        /// How long Google asked us to wait, when it said so.
        retry_after: Option<Duration>,
        /// Google's `errors[].reason` (`rateLimitExceeded`, `userRateLimitExceeded`).
        reason: String,
    },

    /// Google's usage quota is spent (403 `quotaExceeded` / `dailyLimitExceeded`). Never
    /// retried: a retry cannot succeed before the quota resets (daily, at midnight Pacific time)
    /// or is raised in the Cloud console. Back off for hours, not seconds.
    #[error("quota exceeded ({reason}): {message}")]
    QuotaExceeded {
        /// Google's `errors[].reason`: `quotaExceeded` or `dailyLimitExceeded`.
        reason: String,
        /// Google's `error.message`.
        message: String,
    },

    /// An `If-Match` precondition failed (HTTP 412): the resource changed since it was read.
    #[error("precondition failed: the resource changed since it was read (stale etag)")]
    PreconditionFailed,

    /// The sync token is no longer valid (HTTP 410 `fullSyncRequired` / `updatedMinTooLongAgo`):
    /// drop local state and run a full sync.
    #[error("sync token expired: a full sync is required")]
    SyncTokenExpired,

    /// Google answered with an error not covered by a more specific variant.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The request never got an HTTP answer (connection refused, reset, timeout, TLS).
    #[error("transport error: {message}")]
    Transport {
        /// What went wrong, without URLs' query strings or headers.
        message: String,
        /// Whether the failure happened before the request could have reached the server.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A response body did not have the shape we expect; `path` is the serde path to the field.
    #[error("could not decode response at `{path}`: {message}")]
    Decode {
        /// Path of the offending field, e.g. `items[3].start.dateTime`.
        path: String,
        /// The decoder's message.
        message: String,
    },

    /// Sealing or opening a secret failed (wrong key, unknown key id, tampered ciphertext).
    #[error("crypto error: {0}")]
    Crypto(String),

    /// The storage backend failed.
    #[error("store error: {0}")]
    Store(#[from] StoreError),
}

/// Google's error envelope, kept whole for callers that need more than the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// `error.errors[0].reason` (or `error.status` when `errors` is absent).
    pub reason: Option<String>,
    /// `error.message`, or the status line when the body is not Google's envelope.
    pub message: String,
    /// The raw response body, as received (never contains request secrets).
    pub body: String,
}

impl Error {
    /// Whether the same request may succeed if sent again after a pause.
    ///
    /// True for rate limits (429, 403 `rateLimitExceeded` / `userRateLimitExceeded`), server errors
    /// (5xx) and transport failures; false for everything a retry cannot fix.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } => true,
            Error::Api(api) => api.is_retryable(),
            _ => false,
        }
    }

    /// The HTTP status Google answered with, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::NotFound { .. } => Some(404),
            Error::PreconditionFailed => Some(412),
            Error::QuotaExceeded { .. } => Some(403),
            Error::SyncTokenExpired => Some(410),
            Error::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// Shorthand for a validation error naming `field`.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for a transport error without a source.
    pub fn transport(message: impl Into<String>) -> Self {
        Error::Transport {
            message: message.into(),
            source: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Google API error {}", self.status)?;
        if let Some(reason) = &self.reason {
            write!(f, " ({reason})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl ApiError {
    /// Retryable statuses and reasons, as Google documents them.
    pub fn is_retryable(&self) -> bool {
        match self.status {
            429 => true,
            500..=599 => true,
            403 => matches!(
                self.reason.as_deref(),
                Some("rateLimitExceeded") | Some("userRateLimitExceeded")
            ),
            _ => false,
        }
    }
}

/// Result alias used throughout calstack-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, reason: Option<&str>) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            reason: reason.map(str::to_owned),
            message: "m".into(),
            body: String::new(),
        }))
    }

    #[test]
    fn retryable_statuses_follow_googles_guidance() {
        assert!(api(429, None).is_retryable());
        assert!(api(500, Some("backendError")).is_retryable());
        assert!(api(503, None).is_retryable());
        assert!(api(403, Some("rateLimitExceeded")).is_retryable());
        assert!(api(403, Some("userRateLimitExceeded")).is_retryable());
        assert!(!api(403, Some("insufficientPermissions")).is_retryable());
        assert!(!api(403, Some("forbidden")).is_retryable());
        assert!(!api(400, Some("badRequest")).is_retryable());
        assert!(!api(404, Some("notFound")).is_retryable());
        assert!(!Error::PreconditionFailed.is_retryable());
        assert!(!Error::SyncTokenExpired.is_retryable());
        assert!(Error::transport("connection reset").is_retryable());
    }

    #[test]
    fn validation_error_names_the_field() {
        let e = Error::validation("end", "must be after start");
        assert_eq!(e.to_string(), "invalid end: must be after start");
    }
}
