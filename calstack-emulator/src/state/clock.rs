//! The emulator's notion of "now": wall-clock time plus an offset that tests can advance, so
//! token and grant expiry can be exercised without sleeping.

use chrono::{DateTime, TimeDelta, Utc};

/// Wall-clock time shifted by an adjustable offset.
#[derive(Debug, Default, Clone)]
pub(crate) struct EmuClock {
    offset: TimeDelta,
}

impl EmuClock {
    /// The emulator's current time.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// Moves the emulator's time forward by `by` (the total shift stays within ~100 years).
    pub(crate) fn advance(&mut self, by: TimeDelta) {
        self.offset = crate::time::clamp_delta(self.offset + crate::time::clamp_delta(by));
    }
}
