//! The one retry engine: a [`RetryPolicy`] (capped exponential backoff with full jitter), the
//! server's `Retry-After`, and a shared [`RetryBudget`]. Calendar requests, token exchanges,
//! refreshes and revocations all go through [`RetryEngine`], configured once on the
//! [`crate::Calstack`] builder.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::budget::RetryBudget;
use crate::clock::Clock;
use crate::error::{Error, Result};

/// How often and how patiently a failed request is retried.
///
/// Only failures [`crate::Error::is_retryable`] calls retryable are retried, and only for
/// requests that are safe to send twice. The delay before retry `n` (1-based) is drawn uniformly
/// from `[0, min(max_delay, base_delay * 2^(n-1))]` ("full jitter"), unless the server sent
/// `Retry-After`, which is honoured as given — unless it asks for more than the longest wait
/// allowed (`max_delay` unless raised with `CalstackBuilder::max_retry_after`), in which case the
/// error (e.g. [`crate::Error::RateLimited`] with its `retry_after`) is returned at once so the
/// caller can schedule the work instead of blocking. Every retry is also paid for from the
/// shared [`RetryBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts per request, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// Upper bound of the first backoff.
    pub base_delay: Duration,
    /// Cap of any backoff drawn by the policy.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 500 ms base, 32 s cap (Google's guidance).
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(32),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// A policy with `max_attempts` attempts and the default delays.
    pub fn with_max_attempts(max_attempts: u32) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            ..Self::default()
        }
    }

    /// The upper bound of the backoff before retry number `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// A full-jitter delay before retry number `retry` (1-based).
    pub(crate) fn jittered(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// A policy, a budget, a clock and the longest `Retry-After` worth sleeping: everything that
/// decides whether and when a failed request goes again. Cheap to clone (the budget is shared).
#[derive(Debug, Clone)]
pub(crate) struct RetryEngine {
    policy: RetryPolicy,
    budget: Arc<RetryBudget>,
    clock: Arc<dyn Clock>,
    max_retry_after: Option<Duration>,
}

/// Why a failed attempt is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// Not retryable, or not safe to repeat.
    Final,
    /// The policy's attempts are spent.
    Attempts,
    /// The server asked for a longer pause than allowed.
    LongRetryAfter,
    /// The shared retry budget is short.
    Budget,
}

/// The retry bookkeeping of one request.
#[derive(Debug)]
pub(crate) struct Attempts<'e> {
    engine: &'e RetryEngine,
    attempts: u32,
    retries: u32,
    last_cost: Option<u32>,
}

impl RetryEngine {
    pub(crate) fn new(
        policy: RetryPolicy,
        budget: Arc<RetryBudget>,
        clock: Arc<dyn Clock>,
        max_retry_after: Option<Duration>,
    ) -> Self {
        Self {
            policy,
            budget,
            clock,
            max_retry_after,
        }
    }

    /// The same engine with at most `max_attempts` attempts per request.
    pub(crate) fn capped(&self, max_attempts: u32) -> Self {
        let mut capped = self.clone();
        capped.policy.max_attempts = capped.policy.max_attempts.min(max_attempts.max(1));
        capped
    }

    pub(crate) fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub(crate) fn budget(&self) -> &Arc<RetryBudget> {
        &self.budget
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Starts the bookkeeping of one request.
    pub(crate) fn start(&self) -> Attempts<'_> {
        Attempts {
            engine: self,
            attempts: 0,
            retries: 0,
            last_cost: None,
        }
    }

    /// Runs `op` until it succeeds or a failure may not be retried. `op` is safe to repeat (token
    /// requests: a code used twice is refused with `invalid_grant`, which is final). The
    /// `Retry-After` of a [`Error::RateLimited`] is honoured. `operation` names it in logs and
    /// metrics (`oauth.refresh`).
    pub(crate) async fn run<T, F, Fut>(&self, operation: &'static str, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempts = self.start();
        loop {
            attempts.begin();
            crate::metrics::attempt(operation, None);
            let error = match op().await {
                Ok(value) => {
                    attempts.succeeded();
                    return Ok(value);
                }
                Err(error) => error,
            };
            crate::metrics::error(operation, &crate::metrics::reason_of(&error), None);
            let retry_after = match &error {
                Error::RateLimited { retry_after, .. } => *retry_after,
                _ => None,
            };
            match attempts.after_failure(&error, retry_after, true) {
                Ok(delay) => {
                    tracing::warn!(operation, error = %error, retry = attempts.retries(), delay_ms = millis(delay), "retrying");
                    crate::metrics::retry(operation, None);
                    self.clock.sleep(delay).await;
                }
                Err(why) => {
                    if why == GiveUp::Budget {
                        crate::metrics::budget_exhausted(operation);
                    }
                    return Err(error);
                }
            }
        }
    }
}

impl Attempts<'_> {
    /// Marks the start of an attempt; returns its number (1-based).
    pub(crate) fn begin(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Retries made so far.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// The request succeeded: refund the budget.
    pub(crate) fn succeeded(&self) {
        self.engine.budget.refund(self.last_cost);
    }

    /// After a failed attempt: the delay before the next one, or why there is none. A retry is
    /// paid for from the budget here.
    pub(crate) fn after_failure(
        &mut self,
        error: &Error,
        retry_after: Option<Duration>,
        may_repeat: bool,
    ) -> std::result::Result<Duration, GiveUp> {
        let engine = self.engine;
        if !(may_repeat && error.is_retryable()) {
            return Err(GiveUp::Final);
        }
        if self.attempts >= engine.policy.max_attempts.max(1) {
            return Err(GiveUp::Attempts);
        }
        let longest = engine.max_retry_after.unwrap_or(engine.policy.max_delay);
        if retry_after.is_some_and(|wait| wait > longest) {
            return Err(GiveUp::LongRetryAfter);
        }
        let cost = engine
            .budget
            .withdraw(is_timeout(error))
            .ok_or(GiveUp::Budget)?;
        self.last_cost = Some(cost);
        self.retries += 1;
        Ok(retry_after.unwrap_or_else(|| engine.policy.jittered(self.retries)))
    }
}

/// Whether a transport error was a timeout (those cost the budget more).
fn is_timeout(error: &Error) -> bool {
    match error {
        Error::Transport {
            source: Some(source),
            ..
        } => source
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout),
        _ => false,
    }
}

/// A duration in whole milliseconds, for logs.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Parses a `Retry-After` value: delay seconds or an HTTP date (relative to `now`).
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(p.ceiling(1), Duration::from_millis(100));
        assert_eq!(p.ceiling(2), Duration::from_millis(200));
        assert_eq!(p.ceiling(4), Duration::from_millis(800));
        assert_eq!(p.ceiling(5), Duration::from_secs(1));
        assert_eq!(p.ceiling(60), Duration::from_secs(1));
        for retry in 1..8 {
            assert!(p.jittered(retry) <= p.ceiling(retry));
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    fn engine(max_attempts: u32, budget: RetryBudget) -> RetryEngine {
        RetryEngine::new(
            RetryPolicy::with_max_attempts(max_attempts),
            Arc::new(budget),
            Arc::new(crate::clock::ManualClock::new(Utc::now())),
            None,
        )
    }

    #[tokio::test]
    async fn run_retries_retryable_failures_until_success() {
        let engine = engine(5, RetryBudget::default());
        let mut calls = 0;
        let value = engine
            .run("test", || {
                calls += 1;
                let fail = calls < 3;
                async move {
                    if fail {
                        Err(Error::transport("reset"))
                    } else {
                        Ok(7)
                    }
                }
            })
            .await
            .expect("third call works");
        assert_eq!((value, calls), (7, 3));
        assert_eq!(
            engine.budget().available(),
            495,
            "two retries cost 10, the success refunds the last one's 5"
        );
    }

    #[tokio::test]
    async fn run_stops_when_the_budget_is_short() {
        let engine = engine(10, RetryBudget::new(10, 5, 10));
        let mut calls = 0;
        let err = engine
            .run("test", || {
                calls += 1;
                async { Err::<(), _>(Error::transport("reset")) }
            })
            .await
            .expect_err("always fails");
        assert!(err.is_retryable());
        assert_eq!(
            calls, 3,
            "the first attempt and the two retries 10 tokens pay for"
        );
    }

    #[tokio::test]
    async fn run_never_retries_a_final_error() {
        let engine = engine(10, RetryBudget::default());
        let mut calls = 0;
        let _ = engine
            .run("test", || {
                calls += 1;
                async { Err::<(), _>(Error::PreconditionFailed) }
            })
            .await;
        assert_eq!(calls, 1);
    }
}
