//! `calstack.Calendar`: the Google Calendar v3 API for one client, returned by
//! `stack.calendar(client_id)`.
//!
//! Python dicts become calstack-core `Event`s through serde (errors name the JSON path); `Event`
//! objects already hold one. Answers go back as `Event` objects wrapping the core's models.
//! Listing streams pages: decoding runs on a runtime worker, with the GIL released, while the
//! calling thread wraps the previous page.

use std::collections::BTreeMap;

use calstack_core::ClientId;
use calstack_core::calendar::api::ListEvents;
use calstack_core::calendar::{
    AclRole, AclRule as CoreAclRule, AclScope, CalendarClient, Event as CoreEvent, SendUpdates,
};
use futures::StreamExt;
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::Value;

use crate::convert::{object_from_py, optional_datetime};
use crate::errors::{self, validation};
use crate::models::{AclRule, CalendarListEntry, Event, SyncResult, from_json, py_repr};
use crate::runtime::block_on;
use crate::stack::Handle;

/// The Calendar API of one client, authenticated with its credential (tokens refreshed as
/// needed).
#[pyclass(module = "calstack", name = "Calendar", frozen)]
pub(crate) struct Calendar {
    client_id: ClientId,
    api: CalendarClient,
    handle: Handle,
}

impl Calendar {
    /// The Calendar API for `client_id`, through its most recently updated valid credential
    /// (the core keeps one client per credential, sharing one connection pool).
    pub(crate) fn open(py: Python<'_>, handle: &Handle, client_id: ClientId) -> PyResult<Self> {
        let core = handle.core()?;
        let api = block_on(py, async move { Ok(core.calendar(client_id).await?) })?;
        Ok(Self {
            client_id,
            api,
            handle: handle.clone(),
        })
    }

    /// The API client, or a clear error in a forked child (its connections belong to the
    /// parent's runtime).
    pub(crate) fn api(&self) -> PyResult<CalendarClient> {
        self.handle.core()?;
        Ok(self.api.clone())
    }
}

/// A core event from a Python `Event` (its model, as is) or a dict (checked by serde, errors
/// naming the JSON path).
pub(crate) fn core_event(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<CoreEvent> {
    if let Ok(event) = obj.cast::<Event>() {
        return Ok((*event.borrow().inner).clone());
    }
    let map = object_from_py(obj, param)?;
    from_json(obj.py(), Value::Object(map), param)
}

fn send_updates(py: Python<'_>, value: Option<String>) -> PyResult<Option<SendUpdates>> {
    match value.as_deref() {
        None => Ok(None),
        Some(v @ ("all" | "externalOnly" | "none")) => Ok(Some(SendUpdates::from(v))),
        Some(other) => Err(validation(
            py,
            "send_updates",
            format!("must be 'all', 'externalOnly' or 'none', not {other:?}"),
        )),
    }
}

/// Runs an events.list request page by page: pages are fetched, decoded and boxed on runtime
/// threads while this thread turns the previous page into (small) Python `Event`s, so decoding
/// overlaps wrapping and no page outlives its turn. Returns the events and the last page's
/// `nextSyncToken`.
fn stream_events(
    py: Python<'_>,
    list: ListEvents,
) -> PyResult<(Bound<'_, PyList>, Option<String>)> {
    let out = PyList::empty(py).unbind();
    let into = out.clone_ref(py);
    let next_sync_token = block_on(py, async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let producer = AbortOnDrop(tokio::spawn(async move {
            // Boxed as decoded, on the worker: the calling thread only wraps pointers.
            let mut pages = std::pin::pin!(list.pages_as::<Box<CoreEvent>>());
            while let Some(page) = pages.next().await {
                let failed = page.is_err();
                let page = page.map(|page| (page.items, page.next_sync_token));
                if tx.send(page).await.is_err() || failed {
                    break;
                }
            }
        }));
        let mut next_sync_token = None;
        while let Some(page) = rx.recv().await {
            let (items, token) = page?;
            next_sync_token = token;
            Python::attach(|py| -> PyResult<()> {
                let list = into.bind(py);
                for event in items {
                    list.append(Bound::new(py, Event::new_boxed(event))?)?;
                }
                Ok(())
            })?;
        }
        drop(producer);
        Ok(next_sync_token)
    })?;
    Ok((out.into_bound(py), next_sync_token))
}

/// Aborts a spawned task when dropped (the call was cancelled or failed).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[pymethods]
impl Calendar {
    /// The client this calendar API acts for.
    #[getter]
    fn client_id(&self) -> String {
        self.client_id.to_string()
    }

    /// The calendars on the user's calendar list (every page).
    fn list_calendars(&self, py: Python<'_>) -> PyResult<Vec<CalendarListEntry>> {
        let api = self.api()?;
        let entries = block_on(py, async move {
            Ok(api.calendar_list().list().collect_all().await?)
        })?;
        Ok(entries
            .into_iter()
            .map(CalendarListEntry::new_core)
            .collect())
    }

    /// Events of a calendar, every page. `time_min` / `time_max` must be timezone-aware
    /// `datetime`s. With `single_events=True` (the default) recurring events come expanded
    /// into instances; `query` is Google's free-text search; `order_by` is `"startTime"`
    /// (needs single_events) or `"updated"`.
    #[pyo3(signature = (calendar_id, *, time_min=None, time_max=None, single_events=true, query=None, order_by=None, show_deleted=false, max_results=None, time_zone=None))]
    #[allow(clippy::too_many_arguments)]
    fn list_events<'py>(
        &self,
        py: Python<'py>,
        calendar_id: String,
        time_min: Option<&Bound<'py, PyAny>>,
        time_max: Option<&Bound<'py, PyAny>>,
        single_events: bool,
        query: Option<String>,
        order_by: Option<String>,
        show_deleted: bool,
        max_results: Option<u32>,
        time_zone: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let time_min = optional_datetime(time_min, "time_min")?;
        let time_max = optional_datetime(time_max, "time_max")?;
        if let (Some(min), Some(max)) = (time_min, time_max)
            && min >= max
        {
            return Err(validation(py, "time_max", "must be after time_min"));
        }
        let order_by = match order_by.as_deref() {
            None => None,
            Some(v @ ("startTime" | "updated")) => Some(v.to_owned()),
            Some(other) => {
                return Err(validation(
                    py,
                    "order_by",
                    format!("must be 'startTime' or 'updated', not {other:?}"),
                ));
            }
        };
        let api = self.api()?;
        let mut list = api.events().list(&calendar_id);
        if let Some(t) = time_min {
            list = list.time_min(t);
        }
        if let Some(t) = time_max {
            list = list.time_max(t);
        }
        if single_events {
            list = list.single_events(true);
        }
        if let Some(q) = query {
            list = list.q(q);
        }
        if let Some(o) = order_by {
            list = list.order_by(o.as_str().into());
        }
        if show_deleted {
            list = list.show_deleted(true);
        }
        if let Some(n) = max_results {
            list = list.max_results(n);
        }
        if let Some(tz) = time_zone {
            list = list.time_zone(tz);
        }
        let (events, _) = stream_events(py, list)?;
        Ok(events)
    }

    /// One event, or `NotFoundError`.
    fn get_event(&self, py: Python<'_>, calendar_id: String, event_id: String) -> PyResult<Event> {
        let api = self.api()?;
        let event = block_on(py, async move {
            Ok(api.events().get(&calendar_id, &event_id).send().await?)
        })?;
        Ok(Event::new_core(event))
    }

    /// Creates an event (an `Event` or a dict in Google's shape) and returns it as stored. A
    /// retried insert never creates a duplicate. `send_updates`: `"all"`, `"externalOnly"`
    /// or `"none"`.
    #[pyo3(signature = (calendar_id, event, *, send_updates=None))]
    fn create_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event: &Bound<'_, PyAny>,
        send_updates: Option<String>,
    ) -> PyResult<Event> {
        let event = core_event(event, "event")?;
        let notify = crate::calendar::send_updates(py, send_updates)?;
        let api = self.api()?;
        let event = block_on(py, async move {
            let mut insert = api.events().insert(&calendar_id, event);
            if let Some(n) = notify {
                insert = insert.send_updates(n);
            }
            Ok(insert.send().await?)
        })?;
        Ok(Event::new_core(event))
    }

    /// Replaces an event. With `etag`, only if it is unchanged since read
    /// (`PreconditionFailedError` otherwise).
    #[pyo3(signature = (calendar_id, event_id, event, *, etag=None, send_updates=None))]
    fn update_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event_id: String,
        event: &Bound<'_, PyAny>,
        etag: Option<String>,
        send_updates: Option<String>,
    ) -> PyResult<Event> {
        let event = core_event(event, "event")?;
        let notify = crate::calendar::send_updates(py, send_updates)?;
        let api = self.api()?;
        let event = block_on(py, async move {
            let mut update = api.events().update(&calendar_id, &event_id, event);
            if let Some(etag) = etag {
                update = update.if_match(etag);
            }
            if let Some(n) = notify {
                update = update.send_updates(n);
            }
            Ok(update.send().await?)
        })?;
        Ok(Event::new_core(event))
    }

    /// Changes only the fields given (a dict in Google's shape or an `Event`); a key set to
    /// `None` clears that field. With `etag`, only if unchanged since read.
    #[pyo3(signature = (calendar_id, event_id, changes, *, etag=None, send_updates=None))]
    fn patch_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event_id: String,
        changes: &Bound<'_, PyAny>,
        etag: Option<String>,
        send_updates: Option<String>,
    ) -> PyResult<Event> {
        let mut map = object_from_py(changes, "changes")?;
        let cleared: Vec<String> = map
            .iter()
            .filter(|(_, v)| v.is_null())
            .map(|(k, _)| k.clone())
            .collect();
        map.retain(|_, v| !v.is_null());
        let changes = from_json(py, Value::Object(map), "changes")?;
        let notify = crate::calendar::send_updates(py, send_updates)?;
        let api = self.api()?;
        let event = block_on(py, async move {
            let mut patch = api.events().patch(&calendar_id, &event_id, changes);
            for field in &cleared {
                patch = patch.clear(field);
            }
            if let Some(etag) = etag {
                patch = patch.if_match(etag);
            }
            if let Some(n) = notify {
                patch = patch.send_updates(n);
            }
            Ok(patch.send().await?)
        })?;
        Ok(Event::new_core(event))
    }

    /// The account's Calendar settings as a dict of id → value (`"timezone"`: `"Europe/Zurich"`,
    /// `"weekStart"`: `"1"`, …). Values are strings, as Google sends them.
    fn settings(&self, py: Python<'_>) -> PyResult<BTreeMap<String, String>> {
        let api = self.api()?;
        let settings = block_on(
            py,
            async move { Ok(api.settings().list().collect_all().await?) },
        )?;
        Ok(settings
            .into_iter()
            .filter_map(|s| Some((s.id?, s.value.unwrap_or_default())))
            .collect())
    }

    /// Who the calendar is shared with (its ACL rules, every page). Needs owner access.
    fn list_acl(&self, py: Python<'_>, calendar_id: String) -> PyResult<Vec<AclRule>> {
        let api = self.api()?;
        let rules = block_on(py, async move {
            Ok(api.acl().list(&calendar_id).collect_all().await?)
        })?;
        Ok(rules.into_iter().map(AclRule::new_core).collect())
    }

    /// Shares the calendar with `email` (a user, or a group with `scope="group"`; a domain
    /// name with `scope="domain"`) as `role`: `"freeBusyReader"`, `"reader"` (the default),
    /// `"writer"` or `"owner"`. Returns the rule; sharing again changes the role.
    #[pyo3(signature = (calendar_id, email, role="reader", *, scope="user", send_notifications=None))]
    fn share(
        &self,
        py: Python<'_>,
        calendar_id: String,
        email: String,
        role: &str,
        scope: &str,
        send_notifications: Option<bool>,
    ) -> PyResult<AclRule> {
        let role = AclRole::grantable(role).ok_or_else(|| {
            validation(
                py,
                "role",
                format!("must be 'freeBusyReader', 'reader', 'writer' or 'owner', not {role:?}"),
            )
        })?;
        let scope = AclScope::named(scope, email).ok_or_else(|| {
            validation(
                py,
                "scope",
                format!("must be 'user', 'group' or 'domain', not {scope:?}"),
            )
        })?;
        let api = self.api()?;
        let rule = block_on(py, async move {
            let mut insert = api
                .acl()
                .insert(&calendar_id, CoreAclRule::new(scope, role));
            if let Some(notify) = send_notifications {
                insert = insert.send_notifications(notify);
            }
            Ok(insert.send().await?)
        })?;
        Ok(AclRule::new_core(rule))
    }

    /// Removes an ACL rule (by its id, e.g. `"user:alice@example.com"`): that access ends.
    fn unshare(&self, py: Python<'_>, calendar_id: String, rule_id: String) -> PyResult<()> {
        let api = self.api()?;
        block_on(py, async move {
            Ok(api.acl().delete(&calendar_id, &rule_id).send().await?)
        })
    }

    /// Deletes an event (it then shows up in `sync_events` as cancelled).
    #[pyo3(signature = (calendar_id, event_id, *, etag=None, send_updates=None))]
    fn delete_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event_id: String,
        etag: Option<String>,
        send_updates: Option<String>,
    ) -> PyResult<()> {
        let notify = crate::calendar::send_updates(py, send_updates)?;
        let api = self.api()?;
        block_on(py, async move {
            let mut delete = api.events().delete(&calendar_id, &event_id);
            if let Some(etag) = etag {
                delete = delete.if_match(etag);
            }
            if let Some(n) = notify {
                delete = delete.send_updates(n);
            }
            Ok(delete.send().await?)
        })
    }

    /// Incremental sync: without a token, every event (a full sync); with the
    /// `next_sync_token` of a previous result, only what changed since, deletions included
    /// (as cancelled events). `SyncTokenExpiredError` means: drop local state and sync again
    /// without a token.
    #[pyo3(signature = (calendar_id, sync_token=None))]
    fn sync_events(
        &self,
        py: Python<'_>,
        calendar_id: String,
        sync_token: Option<String>,
    ) -> PyResult<SyncResult> {
        let mut list = self.api()?.events().list(&calendar_id);
        if let Some(token) = sync_token {
            list = list.sync_token(token);
        }
        let (events, next) = stream_events(py, list)?;
        if next.is_none() {
            return Err(errors::core_error_to_py(
                py,
                calstack_core::Error::Decode {
                    path: "nextSyncToken".to_owned(),
                    message: "the last page carried no nextSyncToken".to_owned(),
                },
            ));
        }
        Ok(SyncResult::new(events.unbind(), next))
    }

    fn __repr__(&self) -> String {
        format!(
            "Calendar(client_id={}, base_url={})",
            py_repr(&self.client_id.to_string()),
            py_repr(self.api.base_url().as_str())
        )
    }
}
