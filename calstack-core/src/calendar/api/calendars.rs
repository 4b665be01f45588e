//! Builders for the `calendars` resource (a calendar's own metadata).

use reqwest::Method;

use super::{Call, IfNoneMatch};
use crate::calendar::client::CalendarClient;
use crate::calendar::model::Calendar;
use crate::error::{Error, Result};
use crate::transport::Idempotency;

/// The `calendars` resource. Made by [`CalendarClient::calendars`].
#[derive(Debug, Clone)]
pub struct CalendarsApi {
    client: CalendarClient,
}

impl CalendarsApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    fn call(&self, method: Method, segments: &[&str], idempotency: Idempotency) -> Call {
        Call::new(self.client.clone(), method, segments, idempotency)
    }

    /// `calendars.get`.
    pub fn get(&self, calendar_id: &str) -> GetCalendar {
        GetCalendar {
            call: self.call(Method::GET, &["calendars", calendar_id], Idempotency::Safe),
        }
    }

    /// `calendars.insert`: creates a secondary calendar (needs `summary`).
    pub fn insert(&self, calendar: Calendar) -> InsertCalendar {
        InsertCalendar {
            call: self.call(Method::POST, &["calendars"], Idempotency::ConnectOnly),
            calendar,
        }
    }

    /// `calendars.update`: replaces the calendar's metadata.
    pub fn update(&self, calendar_id: &str, calendar: Calendar) -> UpdateCalendar {
        UpdateCalendar {
            call: self.call(Method::PUT, &["calendars", calendar_id], Idempotency::Safe),
            calendar,
        }
    }

    /// `calendars.patch`: changes only the fields set.
    pub fn patch(&self, calendar_id: &str, changes: Calendar) -> PatchCalendar {
        PatchCalendar {
            call: self.call(
                Method::PATCH,
                &["calendars", calendar_id],
                Idempotency::Safe,
            ),
            changes,
        }
    }

    /// `calendars.delete`: deletes a secondary calendar (use [`Self::clear`] for `primary`).
    pub fn delete(&self, calendar_id: &str) -> DeleteCalendar {
        DeleteCalendar {
            call: self.call(
                Method::DELETE,
                &["calendars", calendar_id],
                Idempotency::Safe,
            ),
        }
    }

    /// `calendars.clear`: deletes every event of a primary calendar.
    pub fn clear(&self, calendar_id: &str) -> ClearCalendar {
        ClearCalendar {
            call: self.call(
                Method::POST,
                &["calendars", calendar_id, "clear"],
                Idempotency::ConnectOnly,
            ),
        }
    }
}

fn check_time_zone(calendar: &Calendar) -> Result<()> {
    if let Some(tz) = &calendar.time_zone {
        crate::validate::event::validate_time_zone("timeZone", tz)?;
    }
    Ok(())
}

/// `calendars.get`. Made by [`CalendarsApi::get`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct GetCalendar {
    call: Call,
}

impl GetCalendar {
    /// Only fetch the calendar if its etag differs from `etag` (HTTP 304 otherwise).
    pub fn if_none_match(self, etag: impl Into<String>) -> IfNoneMatch<Calendar> {
        IfNoneMatch::new(self.call, etag.into())
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Calendar> {
        self.call.send_json().await
    }
}

/// `calendars.insert`. Made by [`CalendarsApi::insert`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct InsertCalendar {
    call: Call,
    calendar: Calendar,
}

impl InsertCalendar {
    /// Sends the request (not retried once it may have reached Google).
    pub async fn send(mut self) -> Result<Calendar> {
        if self.calendar.summary.as_deref().is_none_or(str::is_empty) {
            return Err(Error::validation("summary", "a new calendar needs a title"));
        }
        check_time_zone(&self.calendar)?;
        self.call.json_body(&self.calendar)?;
        self.call.send_json().await
    }
}

/// `calendars.update`. Made by [`CalendarsApi::update`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct UpdateCalendar {
    call: Call,
    calendar: Calendar,
}

impl UpdateCalendar {
    /// Only update if the calendar still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<Calendar> {
        check_time_zone(&self.calendar)?;
        self.call.json_body(&self.calendar)?;
        self.call.send_json().await
    }
}

/// `calendars.patch`. Made by [`CalendarsApi::patch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct PatchCalendar {
    call: Call,
    changes: Calendar,
}

impl PatchCalendar {
    /// Only patch if the calendar still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<Calendar> {
        check_time_zone(&self.changes)?;
        self.call.json_body(&self.changes)?;
        self.call.send_json().await
    }
}

/// `calendars.delete`. Made by [`CalendarsApi::delete`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct DeleteCalendar {
    call: Call,
}

impl DeleteCalendar {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.call.send_empty().await
    }
}

/// `calendars.clear`. Made by [`CalendarsApi::clear`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ClearCalendar {
    call: Call,
}

impl ClearCalendar {
    /// Sends the request (not retried once it may have reached Google).
    pub async fn send(self) -> Result<()> {
        self.call.send_empty().await
    }
}
