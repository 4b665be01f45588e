//! The retry budget: a token bucket shared by every request of one [`crate::Calstack`] (or one
//! standalone client), so a storm of failures cannot multiply the load on Google.
//!
//! Each retry withdraws [`RetryBudget::retry_cost`] tokens (a timeout withdraws
//! [`RetryBudget::timeout_cost`]); a retry that finds the bucket short is not made and the
//! failure goes to the caller. A request that succeeds at once puts one token back, one that
//! succeeds after retrying puts back what its last retry cost. The bucket never holds more than
//! its capacity. The numbers are those of the AWS SDKs' "standard" retry quota.

use std::sync::Mutex;
use std::sync::PoisonError;

/// A token bucket that pays for retries. Cheap to share (`Arc<RetryBudget>`).
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    available: Mutex<u32>,
}

impl Default for RetryBudget {
    /// 500 tokens, 5 per retry, 10 per retry after a timeout.
    fn default() -> Self {
        Self::new(500, 5, 10)
    }
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens; a retry costs `retry_cost`, a retry after a timeout
    /// `timeout_cost`.
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32) -> Self {
        Self {
            capacity,
            retry_cost,
            timeout_cost,
            available: Mutex::new(capacity),
        }
    }

    /// A budget that never runs out (every retry the policy allows is made).
    pub fn unlimited() -> Self {
        Self::new(u32::MAX, 0, 0)
    }

    /// Tokens in the bucket now.
    pub fn available(&self) -> u32 {
        *self
            .available
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Most tokens the bucket holds.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Tokens a retry costs.
    pub fn retry_cost(&self) -> u32 {
        self.retry_cost
    }

    /// Tokens a retry after a timeout costs.
    pub fn timeout_cost(&self) -> u32 {
        self.timeout_cost
    }

    /// Takes the cost of one retry; `None` (and nothing taken) when the bucket is short.
    pub(crate) fn withdraw(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.timeout_cost
        } else {
            self.retry_cost
        };
        let mut available = self
            .available
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *available < cost {
            return None;
        }
        *available -= cost;
        Some(cost)
    }

    /// Puts tokens back after a success: `last_cost` when the success came on a retry, else 1.
    pub(crate) fn refund(&self, last_cost: Option<u32>) {
        let amount = last_cost.unwrap_or(1);
        let mut available = self
            .available
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *available = available.saturating_add(amount).min(self.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drained_bucket_refuses_retries_until_successes_refill_it() {
        let budget = RetryBudget::new(12, 5, 10);
        assert_eq!(budget.withdraw(false), Some(5));
        assert_eq!(budget.withdraw(false), Some(5));
        assert_eq!(
            budget.withdraw(false),
            None,
            "2 tokens left, a retry costs 5"
        );
        assert_eq!(budget.available(), 2);
        for _ in 0..3 {
            budget.refund(None);
        }
        assert_eq!(budget.withdraw(false), Some(5));
        budget.refund(Some(5));
        budget.refund(Some(5));
        assert_eq!(budget.available(), 10);
        budget.refund(Some(10));
        assert_eq!(budget.available(), 12, "never more than the capacity");
    }

    #[test]
    fn timeouts_cost_more_than_other_retries() {
        let budget = RetryBudget::new(10, 5, 10);
        assert_eq!(budget.withdraw(true), Some(10));
        assert_eq!(budget.withdraw(false), None);
    }
}
