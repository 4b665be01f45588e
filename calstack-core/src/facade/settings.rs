//! Checked construction of the request settings a front passes through (retry and throttle),
//! so every front refuses the same bad values with the same field names.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::transport::RetryPolicy;

/// Most attempts a caller may ask for per request.
const MAX_ATTEMPTS: u32 = 20;
/// Longest backoff a caller may allow between attempts, in seconds.
const MAX_DELAY_SECONDS: f64 = 3600.0;
/// Highest client-side rate a caller may set, in requests per second per credential.
const MAX_REQUESTS_PER_SECOND: u32 = 10_000;

/// A retry policy of `max_attempts` attempts (1 = never retry, at most 20) whose backoff never
/// exceeds `max_delay_seconds` (above 0, at most an hour); the base delay is the default one,
/// capped by `max_delay`. Errors name `max_attempts` or `max_delay`.
pub fn retry_policy(max_attempts: u32, max_delay_seconds: f64) -> Result<RetryPolicy> {
    if !(1..=MAX_ATTEMPTS).contains(&max_attempts) {
        return Err(Error::validation(
            "max_attempts",
            format!("must be between 1 and {MAX_ATTEMPTS}, not {max_attempts}"),
        ));
    }
    if !max_delay_seconds.is_finite()
        || max_delay_seconds <= 0.0
        || max_delay_seconds > MAX_DELAY_SECONDS
    {
        return Err(Error::validation(
            "max_delay",
            format!(
                "must be above 0 and at most {MAX_DELAY_SECONDS} seconds, not {max_delay_seconds}"
            ),
        ));
    }
    let max_delay = Duration::from_secs_f64(max_delay_seconds);
    let default = RetryPolicy::default();
    Ok(RetryPolicy {
        max_attempts,
        base_delay: default.base_delay.min(max_delay),
        max_delay,
    })
}

/// A client-side throttle rate (0 = unthrottled), at most 10,000 requests per second per
/// credential. Errors name `requests_per_second`.
pub fn requests_per_second(rate: u32) -> Result<u32> {
    if rate > MAX_REQUESTS_PER_SECOND {
        return Err(Error::validation(
            "requests_per_second",
            format!("must be at most {MAX_REQUESTS_PER_SECOND} (0 = unthrottled), not {rate}"),
        ));
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn sensible_settings_become_a_policy() {
        let p = retry_policy(3, 2.0).expect("valid");
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.max_delay, Duration::from_secs(2));
        assert!(p.base_delay <= p.max_delay);
        assert_eq!(requests_per_second(10).expect("valid"), 10);
    }

    #[test]
    fn bad_settings_name_the_field() {
        assert_eq!(
            field(retry_policy(0, 1.0).expect_err("refused")),
            "max_attempts"
        );
        assert_eq!(
            field(retry_policy(21, 1.0).expect_err("refused")),
            "max_attempts"
        );
        assert_eq!(
            field(retry_policy(3, 0.0).expect_err("refused")),
            "max_delay"
        );
        assert_eq!(
            field(retry_policy(3, f64::NAN).expect_err("refused")),
            "max_delay"
        );
        assert_eq!(
            field(requests_per_second(1_000_000).expect_err("refused")),
            "requests_per_second"
        );
    }
}
