//! Google's error envelope → typed [`Error`].

use std::time::Duration;

use serde::Deserialize;

use crate::error::{ApiError, Error};

#[derive(Debug, Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Debug, Deserialize)]
struct EnvelopeError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    errors: Vec<EnvelopeItem>,
}

#[derive(Debug, Deserialize)]
struct EnvelopeItem {
    #[serde(default)]
    reason: Option<String>,
}

const RATE_REASONS: [&str; 2] = ["rateLimitExceeded", "userRateLimitExceeded"];

/// Reasons that mean the quota is spent: retrying soon cannot help.
const QUOTA_REASONS: [&str; 2] = ["quotaExceeded", "dailyLimitExceeded"];

/// Maps a non-success answer to an [`Error`]. `what` names the resource for `NotFound`.
pub(crate) fn error_from_response(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    what: &str,
) -> Error {
    let envelope = serde_json::from_slice::<Envelope>(body).ok();
    let reason = envelope.as_ref().and_then(|e| {
        e.error
            .errors
            .first()
            .and_then(|item| item.reason.clone())
            .or_else(|| e.error.status.clone())
    });
    let message = envelope
        .as_ref()
        .and_then(|e| e.error.message.clone())
        .unwrap_or_else(|| {
            http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("unexpected status")
                .to_owned()
        });
    let is_rate_reason = reason.as_deref().is_some_and(|r| RATE_REASONS.contains(&r));
    match status {
        404 => Error::NotFound {
            what: what.to_owned(),
        },
        412 => Error::PreconditionFailed,
        410 if matches!(
            reason.as_deref(),
            Some("fullSyncRequired") | Some("updatedMinTooLongAgo")
        ) =>
        {
            Error::SyncTokenExpired
        }
        429 => Error::RateLimited {
            retry_after,
            reason: reason.unwrap_or_else(|| "rateLimitExceeded".to_owned()),
        },
        403 if is_rate_reason => Error::RateLimited {
            retry_after,
            reason: reason.unwrap_or_default(),
        },
        403 if reason
            .as_deref()
            .is_some_and(|r| QUOTA_REASONS.contains(&r)) =>
        {
            Error::QuotaExceeded {
                reason: reason.unwrap_or_default(),
                message,
            }
        }
        _ => Error::Api(Box::new(ApiError {
            status,
            reason,
            message,
            body: String::from_utf8_lossy(body).into_owned(),
        })),
    }
}

/// The key an error is counted under in [`super::MetricsSnapshot::errors`].
pub(crate) fn metric_reason(status: u16, error: &Error) -> String {
    match error {
        Error::RateLimited { reason, .. } | Error::QuotaExceeded { reason, .. } => reason.clone(),
        Error::SyncTokenExpired => "fullSyncRequired".to_owned(),
        Error::PreconditionFailed => "conditionNotMet".to_owned(),
        Error::NotFound { .. } => "notFound".to_owned(),
        Error::Api(api) => api
            .reason
            .clone()
            .unwrap_or_else(|| format!("http_{status}")),
        _ => format!("http_{status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_410_becomes_sync_token_expired() {
        let body = br#"{"error":{"errors":[{"domain":"calendar","reason":"fullSyncRequired","message":"Sync token is no longer valid, a full sync is required.","locationType":"parameter","location":"syncToken"}],"code":410,"message":"Sync token is no longer valid, a full sync is required."}}"#;
        assert!(matches!(
            error_from_response(410, None, body, "x"),
            Error::SyncTokenExpired
        ));
        let deleted = br#"{"error":{"errors":[{"reason":"deleted"}],"code":410,"message":"Resource has been deleted"}}"#;
        assert_eq!(
            error_from_response(410, None, deleted, "x").status(),
            Some(410)
        );
        assert!(!matches!(
            error_from_response(410, None, deleted, "x"),
            Error::SyncTokenExpired
        ));
    }

    #[test]
    fn rate_limit_403_keeps_reason_and_retry_after() {
        let body = br#"{"error":{"code":403,"message":"Rate Limit Exceeded","errors":[{"message":"Rate Limit Exceeded","domain":"usageLimits","reason":"rateLimitExceeded"}],"status":"PERMISSION_DENIED"}}"#;
        match error_from_response(403, Some(Duration::from_secs(3)), body, "x") {
            Error::RateLimited {
                retry_after,
                reason,
            } => {
                assert_eq!(reason, "rateLimitExceeded");
                assert_eq!(retry_after, Some(Duration::from_secs(3)));
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
        let denied = br#"{"error":{"code":403,"message":"no","errors":[{"reason":"insufficientPermissions"}]}}"#;
        let e = error_from_response(403, None, denied, "x");
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("insufficientPermissions"), "{e}");
    }

    #[test]
    fn quota_403s_become_quota_exceeded_and_are_final() {
        for reason in ["quotaExceeded", "dailyLimitExceeded"] {
            let body = format!(
                r#"{{"error":{{"code":403,"message":"Calendar usage limits exceeded.","errors":[{{"domain":"usageLimits","reason":"{reason}"}}]}}}}"#
            );
            let e = error_from_response(403, None, body.as_bytes(), "x");
            match &e {
                Error::QuotaExceeded { reason: r, message } => {
                    assert_eq!(r, reason);
                    assert_eq!(message, "Calendar usage limits exceeded.");
                }
                other => panic!("expected QuotaExceeded, got {other:?}"),
            }
            assert!(!e.is_retryable());
            assert_eq!(e.status(), Some(403));
            assert_eq!(metric_reason(403, &e), reason);
        }
    }

    #[test]
    fn non_envelope_body_still_gives_status_and_text() {
        match error_from_response(502, None, b"<html>bad gateway</html>", "x") {
            Error::Api(api) => {
                assert_eq!(api.status, 502);
                assert_eq!(api.reason, None);
                assert_eq!(api.message, "Bad Gateway");
                assert!(api.body.contains("bad gateway"));
            }
            other => panic!("expected Api, got {other:?}"),
        }
    }
}
