//! Event methods of `Calendar`: get, create, update, patch, delete, quick add, move, import,
//! and push-notification channels (watch, stop).

use calstack_core::calendar::Channel as CoreChannel;
use pyo3::prelude::*;
use serde_json::Value;

use super::{Calendar, core_event};
use crate::convert::object_from_py;
use crate::models::{Channel, Event, from_json};

#[pymethods]
impl Calendar {
    /// One event, or `NotFoundError`.
    fn get_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event_id: String,
    ) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(Event::new_core(
                api.events().get(&calendar_id, &event_id).send().await?,
            ))
        })
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
    ) -> PyResult<Py<PyAny>> {
        let event = core_event(event, "event")?;
        let notify = super::send_updates(py, send_updates)?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut insert = api.events().insert(&calendar_id, event);
            if let Some(n) = notify {
                insert = insert.send_updates(n);
            }
            Ok(Event::new_core(insert.send().await?))
        })
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
    ) -> PyResult<Py<PyAny>> {
        let event = core_event(event, "event")?;
        let notify = super::send_updates(py, send_updates)?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut update = api.events().update(&calendar_id, &event_id, event);
            if let Some(etag) = etag {
                update = update.if_match(etag);
            }
            if let Some(n) = notify {
                update = update.send_updates(n);
            }
            Ok(Event::new_core(update.send().await?))
        })
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
    ) -> PyResult<Py<PyAny>> {
        let mut map = object_from_py(changes, "changes")?;
        let cleared: Vec<String> = map
            .iter()
            .filter(|(_, v)| v.is_null())
            .map(|(k, _)| k.clone())
            .collect();
        map.retain(|_, v| !v.is_null());
        let changes = from_json(py, Value::Object(map), "changes")?;
        let notify = super::send_updates(py, send_updates)?;
        let api = self.api()?;
        self.handle.run(py, async move {
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
            Ok(Event::new_core(patch.send().await?))
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
    ) -> PyResult<Py<PyAny>> {
        let notify = super::send_updates(py, send_updates)?;
        let api = self.api()?;
        self.handle.run(py, async move {
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

    /// Creates an event from a line of text, as Google reads it (`"Lunch with Ana tomorrow
    /// 12:30"`). `ValidationError` on `text` when it is blank.
    #[pyo3(signature = (calendar_id, text, *, send_updates=None))]
    fn quick_add(
        &self,
        py: Python<'_>,
        calendar_id: String,
        text: String,
        send_updates: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let notify = super::send_updates(py, send_updates)?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut add = api.events().quick_add(&calendar_id, &text);
            if let Some(n) = notify {
                add = add.send_updates(n);
            }
            Ok(Event::new_core(add.send().await?))
        })
    }

    /// Moves an event to the calendar `destination` (its organizer changes); returns it as
    /// it now is.
    #[pyo3(signature = (calendar_id, event_id, destination, *, send_updates=None))]
    fn move_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event_id: String,
        destination: String,
        send_updates: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let notify = super::send_updates(py, send_updates)?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut move_to = api.events().move_to(&calendar_id, &event_id, &destination);
            if let Some(n) = notify {
                move_to = move_to.send_updates(n);
            }
            Ok(Event::new_core(move_to.send().await?))
        })
    }

    /// Imports a private copy of an existing event (it needs an `iCalUID`, as Google does:
    /// `ValidationError` on `iCalUID` otherwise). Importing the same UID again updates it.
    fn import_event(
        &self,
        py: Python<'_>,
        calendar_id: String,
        event: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let event = core_event(event, "event")?;
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(Event::new_core(
                api.events().import(&calendar_id, event).send().await?,
            ))
        })
    }

    /// Asks Google to POST a notification to `address` (HTTPS; plain HTTP only on loopback)
    /// whenever events of the calendar change. `channel_id` is yours to choose (a UUID);
    /// `token` comes back with every notification. Keep the returned `Channel` to stop it.
    #[pyo3(signature = (calendar_id, channel_id, address, *, token=None))]
    fn watch_events(
        &self,
        py: Python<'_>,
        calendar_id: String,
        channel_id: String,
        address: String,
        token: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let mut channel = CoreChannel::checked_web_hook(&channel_id, &address)
            .map_err(|e| crate::errors::core_error_to_py(py, e))?;
        channel.token = token;
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(Channel::new_core(
                api.events().watch(&calendar_id, channel).send().await?,
            ))
        })
    }

    /// Stops the notifications of a channel (a `Channel` from `watch_events`, or a dict with
    /// its `id` and `resourceId`).
    fn stop_channel(&self, py: Python<'_>, channel: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let channel: CoreChannel = from_json(
            py,
            Value::Object(object_from_py(channel, "channel")?),
            "channel",
        )?;
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(api.channels().stop(&channel).send().await?)
        })
    }
}
