//! The parameters of the stacked-view queries, and their checks. Every setter takes what the
//! fronts have (often an `Option`), so a front passes its inputs straight through; every check
//! fails with [`Error::Validation`] naming the field (`from`, `to`, `time_zone`, `clients`,
//! `duration`, `step`, `buffer`, `working_hours`) before anything is fetched.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::source::SourceChoice;
use crate::error::{Error, Result};
use crate::store::WorkingHours;

/// Longest window a query may cover.
pub const MAX_RANGE: TimeDelta = TimeDelta::days(366);

/// Requests in flight at once when reading live, unless set.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// What every stacked view reads: a window, clients and calendars, and from where.
#[derive(Debug, Clone)]
#[must_use]
pub struct StackQuery {
    pub(crate) from: DateTime<Utc>,
    pub(crate) to: DateTime<Utc>,
    pub(crate) clients: Option<Vec<String>>,
    pub(crate) calendars: Option<Vec<String>>,
    pub(crate) time_zone: Option<String>,
    pub(crate) source: SourceChoice,
    pub(crate) concurrency: usize,
    pub(crate) max_staleness: Option<Duration>,
}

impl StackQuery {
    /// The window `[from, to)`, every client, every selected calendar, from the mirror.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from,
            to,
            clients: None,
            calendars: None,
            time_zone: None,
            source: SourceChoice::default(),
            concurrency: DEFAULT_CONCURRENCY,
            max_staleness: None,
        }
    }

    /// Only these clients (ids or names); `None` = every client.
    pub fn clients<S: Into<String>>(
        mut self,
        clients: Option<impl IntoIterator<Item = S>>,
    ) -> Self {
        self.clients = clients.map(|c| c.into_iter().map(Into::into).collect());
        self
    }

    /// Only these calendar ids (`primary` = each client's primary calendar); `None` = every
    /// selected calendar.
    pub fn calendars<S: Into<String>>(
        mut self,
        calendars: Option<impl IntoIterator<Item = S>>,
    ) -> Self {
        self.calendars = calendars.map(|c| c.into_iter().map(Into::into).collect());
        self
    }

    /// The viewer's IANA time zone: all-day events sit from midnight to midnight in it on the
    /// agenda; slots align to its midnight. Default UTC.
    pub fn time_zone(mut self, zone: Option<impl Into<String>>) -> Self {
        self.time_zone = zone.map(Into::into);
        self
    }

    /// Read Google live (`true`) or the mirror (`false`, the default).
    pub fn live(mut self, live: bool) -> Self {
        self.source = if live {
            SourceChoice::Live
        } else {
            SourceChoice::Mirror
        };
        self
    }

    /// At most this many requests in flight when reading live (default
    /// [`DEFAULT_CONCURRENCY`]; `None` keeps it).
    pub fn concurrency(mut self, concurrency: Option<usize>) -> Self {
        if let Some(n) = concurrency {
            self.concurrency = n.max(1);
        }
        self
    }

    /// When reading the mirror: calendars last synced longer ago than this are synced before
    /// they are read (`None`, the default: whatever the mirror holds). Calendars and clients
    /// never synced are synced first either way. Ignored when reading live.
    pub fn max_staleness(mut self, max_staleness: Option<Duration>) -> Self {
        self.max_staleness = max_staleness;
        self
    }

    /// The window's start.
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The window's end (exclusive).
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// Checks the window and the zone; returns the zone.
    pub(crate) fn check(&self) -> Result<Tz> {
        if self.to <= self.from {
            return Err(Error::validation("to", "must be after from"));
        }
        if self.to - self.from > MAX_RANGE {
            return Err(Error::validation(
                "to",
                "the range may cover at most 366 days",
            ));
        }
        match &self.time_zone {
            None => Ok(Tz::UTC),
            Some(name) => crate::validate::working_hours::zone(name),
        }
    }
}

/// The parameters of `find_slots`: a [`StackQuery`] plus the meeting's length and the rules
/// slots follow.
#[derive(Debug, Clone)]
#[must_use]
pub struct SlotQuery {
    pub(crate) query: StackQuery,
    pub(crate) duration: TimeDelta,
    pub(crate) working_hours: Option<WorkingHours>,
    pub(crate) buffer: TimeDelta,
    pub(crate) step: Option<TimeDelta>,
}

impl SlotQuery {
    /// Slots of `duration` inside `query`'s window.
    pub fn new(query: StackQuery, duration: TimeDelta) -> Self {
        Self {
            query,
            duration,
            working_hours: None,
            buffer: TimeDelta::zero(),
            step: None,
        }
    }

    /// Working hours for every chosen client, replacing their own; `None` = each client's
    /// stored working hours (a client without any is available around the clock).
    pub fn working_hours(mut self, hours: Option<WorkingHours>) -> Self {
        self.working_hours = hours;
        self
    }

    /// Free time kept before and after every busy time (default none; `None` keeps it).
    pub fn buffer(mut self, buffer: Option<TimeDelta>) -> Self {
        if let Some(b) = buffer {
            self.buffer = b;
        }
        self
    }

    /// Slots start on a grid of this step from midnight in the query's time zone (default
    /// 15 minutes).
    pub fn step(mut self, step: Option<TimeDelta>) -> Self {
        self.step = step;
        self
    }

    /// The step in use.
    pub fn effective_step(&self) -> TimeDelta {
        self.step.unwrap_or(TimeDelta::minutes(15))
    }

    /// Checks everything; returns the zone.
    pub(crate) fn check(&self) -> Result<Tz> {
        let zone = self.query.check()?;
        if self.duration <= TimeDelta::zero() {
            return Err(Error::validation("duration", "must be longer than zero"));
        }
        if self.duration > self.query.to - self.query.from {
            return Err(Error::validation(
                "duration",
                "must not be longer than the range from..to",
            ));
        }
        let step = self.effective_step();
        if step <= TimeDelta::zero() || step > TimeDelta::days(1) {
            return Err(Error::validation(
                "step",
                "must be longer than zero and at most a day",
            ));
        }
        if self.buffer < TimeDelta::zero() || self.buffer > TimeDelta::days(1) {
            return Err(Error::validation(
                "buffer",
                "must be zero or more, and at most a day",
            ));
        }
        if let Some(hours) = &self.working_hours {
            crate::validate::working_hours::check(hours)?;
        }
        Ok(zone)
    }
}

/// Parses a length people type: `45m`, `1h`, `1h30m`, `90` (minutes), `2d`. Errors are
/// [`Error::Validation`] on `field`.
///
/// ```
/// use calstack_core::stack::params::parse_duration;
/// assert_eq!(parse_duration("duration", "1h30m")?.num_minutes(), 90);
/// assert_eq!(parse_duration("duration", "45")?.num_minutes(), 45);
/// # Ok::<(), calstack_core::Error>(())
/// ```
pub fn parse_duration(field: &str, text: &str) -> Result<TimeDelta> {
    let bad = || {
        Error::validation(
            field,
            format!("{:?} is not a length like 45m, 1h or 1h30m", text.trim()),
        )
    };
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(minutes) = text.parse::<i64>() {
        return Ok(TimeDelta::minutes(minutes));
    }
    let mut total = TimeDelta::zero();
    let mut number = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let unit = match ch {
            'd' => TimeDelta::days(n),
            'h' => TimeDelta::hours(n),
            'm' => TimeDelta::minutes(n),
            's' => TimeDelta::seconds(n),
            _ => return Err(bad()),
        };
        total += unit;
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(total)
}
