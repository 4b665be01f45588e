//! Per-client settings the stacked views use, and the store trait that keeps them: today the
//! client's working hours (a time zone and, per weekday, the intervals the client works).

use std::fmt;

use async_trait::async_trait;
use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{ClientId, StoreError};

/// One interval of a working day, in the client's local time: `start` inclusive, `end`
/// exclusive; `end` of `None` means midnight at the end of the day (written `24:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WorkInterval {
    /// When work starts (local time).
    pub start: NaiveTime,
    /// When work ends (local time); `None` = the end of the day.
    pub end: Option<NaiveTime>,
}

impl fmt::Display for WorkInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", self.start.format("%H:%M"))?;
        match self.end {
            Some(end) => write!(f, "{}", end.format("%H:%M")),
            None => f.write_str("24:00"),
        }
    }
}

/// When a client works: intervals per weekday in the client's own time zone. A weekday with no
/// interval is a day off. Build it with `calstack_core::validate::working_hours` (from text like
/// `mon-fri 09:00-17:00`), which checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    /// The IANA zone the intervals are read in.
    #[serde(with = "tz_name")]
    pub time_zone: Tz,
    /// Intervals per weekday, Monday first (index = `Weekday::num_days_from_monday`), each
    /// list sorted and non-overlapping.
    pub days: [Vec<WorkInterval>; 7],
}

impl WorkingHours {
    /// The intervals of `day`.
    pub fn on(&self, day: Weekday) -> &[WorkInterval] {
        &self.days[day.num_days_from_monday() as usize]
    }
}

impl fmt::Display for WorkingHours {
    /// `mon 09:00-17:00; tue 09:00-12:00,13:00-17:00 (Europe/Zurich)`: the text form
    /// `validate::working_hours` reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut first = true;
        for (name, intervals) in NAMES.iter().zip(&self.days) {
            if intervals.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            let list: Vec<String> = intervals.iter().map(ToString::to_string).collect();
            write!(f, "{name} {}", list.join(","))?;
        }
        if first {
            f.write_str("never")?;
        }
        write!(f, " ({})", self.time_zone.name())
    }
}

/// A client's settings; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSettings {
    /// When the client works (used by `find_slots`); `None` = any time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
}

/// Client settings, one row per client (deleted with the client).
#[async_trait]
pub trait ClientSettingsStore: Send + Sync {
    /// The settings of `client`; `None` when none were ever stored.
    async fn get_client_settings(
        &self,
        client: ClientId,
    ) -> Result<Option<ClientSettings>, StoreError>;

    /// Stores (replaces) the settings of `client`. Unknown client → [`StoreError::NotFound`].
    async fn put_client_settings(
        &self,
        client: ClientId,
        settings: &ClientSettings,
    ) -> Result<(), StoreError>;
}

/// Serde for a [`Tz`] as its IANA name.
mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Tz>()
            .map_err(|_| serde::de::Error::custom(format!("unknown time zone {name:?}")))
    }
}
