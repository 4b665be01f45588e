//! Calendar-level methods of `Calendar`: the calendar list (list, insert, update, delete),
//! calendars themselves (get, create, update, patch, delete, clear), colours, free/busy and
//! the account's settings.

use std::collections::BTreeMap;

use calstack_core::calendar::{
    Calendar as CoreCalendar, CalendarListEntry as CoreEntry, FreeBusyRequest,
};
use pyo3::prelude::*;
use pyo3::types::PyString;
use serde_json::Value;

use super::Calendar;
use crate::convert::{aware_datetime, object_from_py};
use crate::models::{CalendarListEntry, CalendarResource, Colors, FreeBusy, from_json};

/// A calendar resource from a `CalendarResource` or a dict in Google's shape.
fn core_calendar(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<CoreCalendar> {
    from_json(obj.py(), Value::Object(object_from_py(obj, param)?), param)
}

/// A calendar list entry from a `CalendarListEntry`, a dict, or (`id_alone`) a calendar id.
fn core_entry(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<CoreEntry> {
    if let Ok(id) = obj.cast::<PyString>() {
        return Ok(CoreEntry::new(id.to_cow()?.into_owned()));
    }
    from_json(obj.py(), Value::Object(object_from_py(obj, param)?), param)
}

#[pymethods]
impl Calendar {
    /// The calendars on the user's calendar list (every page).
    fn list_calendars(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            let entries = api.calendar_list().list().collect_all().await?;
            Ok(entries
                .into_iter()
                .map(CalendarListEntry::new_core)
                .collect::<Vec<_>>())
        })
    }

    /// Adds an existing calendar (one shared with the user) to their calendar list: a
    /// calendar id, or an entry (`CalendarListEntry` or dict) with `id` and the user's
    /// settings (`summaryOverride`, `colorId`, `hidden`, `selected`, ...).
    fn insert_calendar_list_entry(
        &self,
        py: Python<'_>,
        entry: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let entry = core_entry(entry, "entry")?;
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(CalendarListEntry::new_core(
                api.calendar_list().insert(entry).send().await?,
            ))
        })
    }

    /// Replaces the user's settings for a calendar on their list. With `etag`, only if
    /// unchanged since read.
    #[pyo3(signature = (calendar_id, entry, *, etag=None))]
    fn update_calendar_list_entry(
        &self,
        py: Python<'_>,
        calendar_id: String,
        entry: &Bound<'_, PyAny>,
        etag: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let entry = core_entry(entry, "entry")?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut update = api.calendar_list().update(&calendar_id, entry);
            if let Some(etag) = etag {
                update = update.if_match(etag);
            }
            Ok(CalendarListEntry::new_core(update.send().await?))
        })
    }

    /// Removes a calendar from the user's list (the calendar itself stays).
    fn delete_calendar_list_entry(
        &self,
        py: Python<'_>,
        calendar_id: String,
    ) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(api.calendar_list().delete(&calendar_id).send().await?)
        })
    }

    /// A calendar's own metadata (title, description, location, time zone).
    fn get_calendar(&self, py: Python<'_>, calendar_id: String) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(CalendarResource::new_core(
                api.calendars().get(&calendar_id).send().await?,
            ))
        })
    }

    /// Creates a secondary calendar owned by the user. `ValidationError` on `summary` when
    /// blank, on `timeZone` when not an IANA zone.
    #[pyo3(signature = (summary, *, description=None, location=None, time_zone=None))]
    fn create_calendar(
        &self,
        py: Python<'_>,
        summary: String,
        description: Option<String>,
        location: Option<String>,
        time_zone: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let calendar = CoreCalendar {
            description,
            location,
            time_zone,
            ..CoreCalendar::new(summary.trim())
        };
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(CalendarResource::new_core(
                api.calendars().insert(calendar).send().await?,
            ))
        })
    }

    /// Replaces a calendar's metadata (a `CalendarResource` or a dict). With `etag`, only if
    /// unchanged since read.
    #[pyo3(signature = (calendar_id, calendar, *, etag=None))]
    fn update_calendar(
        &self,
        py: Python<'_>,
        calendar_id: String,
        calendar: &Bound<'_, PyAny>,
        etag: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let calendar = core_calendar(calendar, "calendar")?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut update = api.calendars().update(&calendar_id, calendar);
            if let Some(etag) = etag {
                update = update.if_match(etag);
            }
            Ok(CalendarResource::new_core(update.send().await?))
        })
    }

    /// Changes only the given fields of a calendar's metadata (a dict in Google's shape).
    #[pyo3(signature = (calendar_id, changes, *, etag=None))]
    fn patch_calendar(
        &self,
        py: Python<'_>,
        calendar_id: String,
        changes: &Bound<'_, PyAny>,
        etag: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let changes = core_calendar(changes, "changes")?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut patch = api.calendars().patch(&calendar_id, changes);
            if let Some(etag) = etag {
                patch = patch.if_match(etag);
            }
            Ok(CalendarResource::new_core(patch.send().await?))
        })
    }

    /// Deletes a secondary calendar and its events (use `clear_calendar` for `primary`).
    fn delete_calendar(&self, py: Python<'_>, calendar_id: String) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(api.calendars().delete(&calendar_id).send().await?)
        })
    }

    /// Deletes every event of the primary calendar (the calendar stays).
    fn clear_calendar(&self, py: Python<'_>, calendar_id: String) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(api.calendars().clear(&calendar_id).send().await?)
        })
    }

    /// The colour palettes of calendars and events.
    fn colors(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(Colors::new_core(api.colors().get().send().await?))
        })
    }

    /// When the given calendars are busy between `time_min` and `time_max` (aware
    /// datetimes). `ValidationError` on `timeMax` when it is not after `time_min`.
    #[pyo3(signature = (calendar_ids, time_min, time_max, *, time_zone=None))]
    fn free_busy(
        &self,
        py: Python<'_>,
        calendar_ids: Vec<String>,
        time_min: &Bound<'_, PyAny>,
        time_max: &Bound<'_, PyAny>,
        time_zone: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let min = aware_datetime(time_min, "time_min")?.to_utc();
        let max = aware_datetime(time_max, "time_max")?.to_utc();
        let mut request = FreeBusyRequest::new(min, max, calendar_ids);
        request.time_zone = time_zone;
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(FreeBusy::new_core(
                api.freebusy().query(request).send().await?,
            ))
        })
    }

    /// The account's Calendar settings as a dict of id → value (`"timezone"`: `"Europe/Zurich"`,
    /// `"weekStart"`: `"1"`, …). Values are strings, as Google sends them.
    fn settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            let settings = api.settings().list().collect_all().await?;
            Ok(settings
                .into_iter()
                .filter_map(|s| Some((s.id?, s.value.unwrap_or_default())))
                .collect::<BTreeMap<String, String>>())
        })
    }
}
