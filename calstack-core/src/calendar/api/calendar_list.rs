//! Builders for the `calendarList` resource (the calendars on the user's list).

use futures::Stream;
use reqwest::Method;

use super::{Call, IfNoneMatch, failed, query_setters};
use crate::calendar::client::CalendarClient;
use crate::calendar::model::{AccessRole, CalendarList, CalendarListEntry, SyncResult};
use crate::error::{Error, Result};
use crate::transport::Idempotency;

/// The `calendarList` resource. Made by [`CalendarClient::calendar_list`].
#[derive(Debug, Clone)]
pub struct CalendarListApi {
    client: CalendarClient,
}

fn entry_path(calendar_id: &str) -> [&str; 4] {
    ["users", "me", "calendarList", calendar_id]
}

impl CalendarListApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    fn call(&self, method: Method, segments: &[&str], idempotency: Idempotency) -> Call {
        Call::new(self.client.clone(), method, segments, idempotency)
    }

    /// `calendarList.list`.
    pub fn list(&self) -> ListCalendarList {
        ListCalendarList {
            call: self.call(
                Method::GET,
                &["users", "me", "calendarList"],
                Idempotency::Safe,
            ),
        }
    }

    /// `calendarList.get`.
    pub fn get(&self, calendar_id: &str) -> GetCalendarListEntry {
        GetCalendarListEntry {
            call: self.call(Method::GET, &entry_path(calendar_id), Idempotency::Safe),
        }
    }

    /// `calendarList.insert`: adds an existing calendar (`entry.id`) to the user's list.
    pub fn insert(&self, entry: CalendarListEntry) -> InsertCalendarListEntry {
        InsertCalendarListEntry {
            call: self.call(
                Method::POST,
                &["users", "me", "calendarList"],
                Idempotency::Safe,
            ),
            entry,
        }
    }

    /// `calendarList.update`: replaces the entry.
    pub fn update(&self, calendar_id: &str, entry: CalendarListEntry) -> UpdateCalendarListEntry {
        UpdateCalendarListEntry {
            call: self.call(Method::PUT, &entry_path(calendar_id), Idempotency::Safe),
            entry,
        }
    }

    /// `calendarList.patch`: changes only the fields set.
    pub fn patch(&self, calendar_id: &str, changes: CalendarListEntry) -> PatchCalendarListEntry {
        PatchCalendarListEntry {
            call: self.call(Method::PATCH, &entry_path(calendar_id), Idempotency::Safe),
            changes,
        }
    }

    /// `calendarList.delete`: removes the calendar from the user's list.
    pub fn delete(&self, calendar_id: &str) -> DeleteCalendarListEntry {
        DeleteCalendarListEntry {
            call: self.call(Method::DELETE, &entry_path(calendar_id), Idempotency::Safe),
        }
    }

    /// Incremental sync of the calendar list: every entry changed since `sync_token`
    /// (removed ones have `deleted: true`) and the token for next time. `None` = full sync.
    pub async fn sync(&self, sync_token: Option<&str>) -> Result<SyncResult<CalendarListEntry>> {
        let mut list = self.list();
        if let Some(token) = sync_token {
            list = list.sync_token(token);
        }
        list.send_sync().await
    }
}

fn check_sync_conflicts(call: &Call) -> Result<()> {
    if call.has("syncToken") && call.has("minAccessRole") {
        return Err(Error::validation(
            "minAccessRole",
            "cannot be combined with syncToken (Google refuses it)",
        ));
    }
    Ok(())
}

/// `calendarList.list`. Made by [`CalendarListApi::list`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ListCalendarList {
    call: Call,
}

impl ListCalendarList {
    query_setters! {
        /// Page size (default 100, at most 250).
        max_results: u32 => "maxResults",
        /// Only calendars the user has at least this role on.
        min_access_role: (AccessRole) => "minAccessRole",
        /// Continue from this page.
        page_token: str => "pageToken",
        /// Include deleted entries.
        show_deleted: bool => "showDeleted",
        /// Include hidden entries.
        show_hidden: bool => "showHidden",
        /// Only changes since this token (see also [`CalendarListApi::sync`]).
        sync_token: str => "syncToken",
    }

    /// Sends the request and returns one page.
    pub async fn send(self) -> Result<CalendarList> {
        check_sync_conflicts(&self.call)?;
        self.call.send_json().await
    }

    /// Every entry of every page, fetched as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<CalendarListEntry>> + Send + 'static {
        match check_sync_conflicts(&self.call) {
            Ok(()) => futures::StreamExt::boxed(self.call.items::<CalendarListEntry>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every page.
    pub fn pages(self) -> impl Stream<Item = Result<CalendarList>> + Send + 'static {
        match check_sync_conflicts(&self.call) {
            Ok(()) => futures::StreamExt::boxed(self.call.pages::<CalendarListEntry>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every entry of every page, collected.
    pub async fn collect_all(self) -> Result<Vec<CalendarListEntry>> {
        futures::TryStreamExt::try_collect(self.stream()).await
    }

    /// Every page, collected into the changed entries plus the final `nextSyncToken`.
    pub async fn send_sync(self) -> Result<SyncResult<CalendarListEntry>> {
        check_sync_conflicts(&self.call)?;
        self.call.sync_all().await
    }
}

/// `calendarList.get`. Made by [`CalendarListApi::get`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct GetCalendarListEntry {
    call: Call,
}

impl GetCalendarListEntry {
    /// Only fetch the entry if its etag differs from `etag` (HTTP 304 otherwise).
    pub fn if_none_match(self, etag: impl Into<String>) -> IfNoneMatch<CalendarListEntry> {
        IfNoneMatch::new(self.call, etag.into())
    }

    /// Sends the request.
    pub async fn send(self) -> Result<CalendarListEntry> {
        self.call.send_json().await
    }
}

fn require_id(entry: &CalendarListEntry) -> Result<()> {
    match entry.id.as_deref() {
        Some(id) if !id.is_empty() => Ok(()),
        _ => Err(Error::validation(
            "id",
            "calendarList.insert needs the calendar id",
        )),
    }
}

/// `calendarList.insert`. Made by [`CalendarListApi::insert`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct InsertCalendarListEntry {
    call: Call,
    entry: CalendarListEntry,
}

impl InsertCalendarListEntry {
    query_setters! {
        /// Whether `backgroundColor` / `foregroundColor` are given as `#rrggbb`.
        color_rgb_format: bool => "colorRgbFormat",
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<CalendarListEntry> {
        require_id(&self.entry)?;
        self.call.json_body(&self.entry)?;
        self.call.send_json().await
    }
}

/// `calendarList.update`. Made by [`CalendarListApi::update`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct UpdateCalendarListEntry {
    call: Call,
    entry: CalendarListEntry,
}

impl UpdateCalendarListEntry {
    query_setters! {
        /// Whether `backgroundColor` / `foregroundColor` are given as `#rrggbb`.
        color_rgb_format: bool => "colorRgbFormat",
    }

    /// Only update if the entry still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<CalendarListEntry> {
        self.call.json_body(&self.entry)?;
        self.call.send_json().await
    }
}

/// `calendarList.patch`. Made by [`CalendarListApi::patch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct PatchCalendarListEntry {
    call: Call,
    changes: CalendarListEntry,
}

impl PatchCalendarListEntry {
    query_setters! {
        /// Whether `backgroundColor` / `foregroundColor` are given as `#rrggbb`.
        color_rgb_format: bool => "colorRgbFormat",
    }

    /// Only patch if the entry still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<CalendarListEntry> {
        self.call.json_body(&self.changes)?;
        self.call.send_json().await
    }
}

/// `calendarList.delete`. Made by [`CalendarListApi::delete`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct DeleteCalendarListEntry {
    call: Call,
}

impl DeleteCalendarListEntry {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.call.send_empty().await
    }
}
