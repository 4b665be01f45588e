//! Injected time. Everything that reads the time or sleeps (token expiry, backoff, throttling,
//! pending-authorization expiry) goes through a [`Clock`], so tests drive time by hand with
//! [`ManualClock`] instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// A source of the current time and of sleeps.
#[async_trait]
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time, truncated to whole microseconds (the precision every store keeps).
    fn now(&self) -> DateTime<Utc>;

    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// Truncates a timestamp to whole microseconds, the precision all stores round-trip.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The real clock: `Utc::now()` and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate_to_micros(Utc::now())
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A clock moved by hand. `sleep` returns at once and advances the clock by the duration,
/// recording it, so tests can assert the exact backoff schedule.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: DateTime<Utc>,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(ManualState {
                now: truncate_to_micros(start),
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut s = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        s.now += TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .now = truncate_to_micros(to);
    }

    /// Every duration passed to `sleep` so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sleeps
            .clone()
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .now
    }

    async fn sleep(&self, duration: Duration) {
        {
            let mut s = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            s.sleeps.push(duration);
            s.now += TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
        }
        tokio::task::yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_sleep_advances_and_records() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("valid timestamp");
        let c = ManualClock::new(start);
        c.sleep(Duration::from_secs(2)).await;
        c.advance(Duration::from_millis(500));
        assert_eq!(c.now(), start + TimeDelta::milliseconds(2500));
        assert_eq!(c.sleeps(), vec![Duration::from_secs(2)]);
    }
}
