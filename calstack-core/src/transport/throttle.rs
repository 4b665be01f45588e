//! Client-side throttle: at most N requests per second per client, paced through the injected
//! [`Clock`] (a GCRA limiter from `governor`, driven by our clock so tests never wait).

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::clock::Clock;

/// Adapts our [`Clock`] to governor's: nanoseconds since the throttle was made.
#[derive(Debug, Clone)]
struct PacingClock {
    clock: Arc<dyn Clock>,
    epoch: DateTime<Utc>,
}

impl GovernorClock for PacingClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let elapsed = (self.clock.now() - self.epoch)
            .num_nanoseconds()
            .unwrap_or(0);
        Nanos::new(u64::try_from(elapsed).unwrap_or(0))
    }
}

/// Paces requests to a fixed rate, one at a time (no bursts).
#[derive(Debug)]
pub(crate) struct Throttle {
    limiter: RateLimiter<NotKeyed, InMemoryState, PacingClock, NoOpMiddleware<Nanos>>,
    pacing: PacingClock,
}

impl Throttle {
    pub(crate) fn new(per_second: NonZeroU32, clock: Arc<dyn Clock>) -> Self {
        let pacing = PacingClock {
            epoch: clock.now(),
            clock,
        };
        let quota = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::direct_with_clock(quota, pacing.clone()),
            pacing,
        }
    }

    /// Waits until a request may go; returns whether it had to wait.
    pub(crate) async fn acquire(&self) -> bool {
        let mut waited = false;
        loop {
            match self.limiter.check() {
                Ok(()) => return waited,
                Err(not_until) => {
                    waited = true;
                    let wait = not_until.wait_time_from(self.pacing.now());
                    self.pacing.clock.sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn throttle_spaces_requests_by_the_rate() {
        let clock = ManualClock::new(Utc::now());
        let throttle = Throttle::new(
            NonZeroU32::new(4).expect("non-zero"),
            Arc::new(clock.clone()),
        );
        let start = clock.now();
        let mut waits = 0;
        for _ in 0..9 {
            if throttle.acquire().await {
                waits += 1;
            }
        }
        assert_eq!(waits, 8, "every request after the first waits");
        let elapsed = (clock.now() - start).to_std().expect("forward");
        assert!(
            elapsed >= Duration::from_millis(2000) && elapsed < Duration::from_millis(2100),
            "9 requests at 4/s take 2 s of clock time, took {elapsed:?}"
        );
    }
}
