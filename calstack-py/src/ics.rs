//! The Rust half of `calstack.ics`: iCalendar parse, write, import and export, each a thin
//! call into `calstack_core::ics` (the Python wrappers and result classes live in
//! `python/calstack/ics.py`). Import and export run through the calendar's stack handle, in
//! the mode the Python function asks for: blocking, or an asyncio awaitable (`asyncio=True`, for
//! `import_ics_async` / `export_ics_async`).

use calstack_core::ics::{self as core_ics, ImportOptions, ParseOptions};
use chrono::Utc;
use chrono_tz::Tz;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::calendar::{Calendar, core_event};
use crate::convert::optional_datetime;
use crate::errors::{CallError, core_error_to_py, python_window_names, validation};
use crate::handle::{Handle, Mode};
use crate::models::Event;

fn zone(py: Python<'_>, field: &str, name: Option<&str>) -> PyResult<Option<Tz>> {
    name.map(|n| {
        n.parse::<Tz>()
            .map_err(|_| validation(py, field, format!("{n:?} is not an IANA time zone name")))
    })
    .transpose()
}

fn events_list<'py>(
    py: Python<'py>,
    events: Vec<calstack_core::Event>,
) -> PyResult<Bound<'py, PyList>> {
    PyList::new(
        py,
        events
            .into_iter()
            .map(|e| Py::new(py, Event::new_core(e)))
            .collect::<PyResult<Vec<_>>>()?,
    )
}

/// `(events, exceptions, refused, notes)`; refused is a list of `(event, line, reason)`.
#[pyfunction]
#[pyo3(signature = (text, default_zone="UTC", skip_invalid=false))]
fn _ics_parse<'py>(
    py: Python<'py>,
    text: &str,
    default_zone: &str,
    skip_invalid: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let default_zone = zone(py, "default_zone", Some(default_zone))?.unwrap_or(Tz::UTC);
    let options = ParseOptions {
        default_zone,
        skip_invalid,
    };
    let parsed = py
        .detach(|| core_ics::parse(text, &options))
        .map_err(|e| core_error_to_py(py, e.into()))?;
    let out = PyDict::new(py);
    out.set_item("events", events_list(py, parsed.events)?)?;
    out.set_item("exceptions", events_list(py, parsed.exceptions)?)?;
    let refused: Vec<(String, Option<usize>, String)> = parsed
        .refused
        .iter()
        .map(|r| (r.event.clone(), r.error.line(), r.error.to_string()))
        .collect();
    out.set_item("refused", refused)?;
    out.set_item("notes", parsed.notes)?;
    Ok(out)
}

/// The events (Event objects or dicts) as one VCALENDAR.
#[pyfunction]
#[pyo3(signature = (events, name="calstack"))]
fn _ics_write(py: Python<'_>, events: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    let mut core = Vec::new();
    for (i, item) in events.try_iter()?.enumerate() {
        core.push(core_event(&item?, &format!("events[{i}]"))?);
    }
    Ok(py.detach(|| core_ics::write(&core, name, Utc::now())))
}

/// The calendar's handle answering blocking, or as an asyncio awaitable when the Python
/// function asks (`import_ics_async`), whichever stack the calendar came from.
fn handle_in(calendar: &Bound<'_, Calendar>, asyncio: bool) -> Handle {
    let mode = if asyncio {
        Mode::Asyncio
    } else {
        Mode::Blocking
    };
    calendar.get().handle().with_mode(mode)
}

/// Imports `text` into `calendar_id`; the report as a dict, or with `asyncio=True` an
/// awaitable of it (needs a running loop). `progress(done, total)` is called (from a runtime
/// thread) as events are settled.
#[pyfunction]
#[pyo3(signature = (calendar, calendar_id, text, skip_invalid=false, default_zone=None, batch=true, progress=None, *, asyncio=false))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of `calstack.ics.import_ics`
fn _ics_import(
    py: Python<'_>,
    calendar: &Bound<'_, Calendar>,
    calendar_id: String,
    text: String,
    skip_invalid: bool,
    default_zone: Option<&str>,
    batch: bool,
    progress: Option<Py<PyAny>>,
    asyncio: bool,
) -> PyResult<Py<PyAny>> {
    let api = calendar.get().api()?;
    let mut options = ImportOptions::default()
        .skip_invalid(skip_invalid)
        .default_zone(zone(py, "default_zone", default_zone)?);
    if !batch {
        options = options.batch_size(0);
    }
    handle_in(calendar, asyncio).run(py, async move {
        let on_progress = |done: usize, total: usize| {
            if let Some(callback) = &progress {
                Python::attach(|py| {
                    if let Err(e) = callback.call1(py, (done, total)) {
                        e.write_unraisable(py, Some(callback.bind(py)));
                    }
                });
            }
        };
        let report = core_ics::import(&api, &calendar_id, &text, &options, &on_progress).await?;
        Ok(Python::attach(|py| -> PyResult<Py<PyDict>> {
            let out = PyDict::new(py);
            out.set_item("created", report.created)?;
            out.set_item("updated", report.updated)?;
            out.set_item("unchanged", report.unchanged)?;
            out.set_item("failed", &report.failed)?;
            out.set_item("skipped", &report.skipped)?;
            out.set_item("notes", &report.notes)?;
            Ok(out.unbind())
        })?)
    })
}

/// The calendar as iCalendar text, optionally only events overlapping the window (refused by
/// the core, naming `time_max`, when it ends before it starts); with `asyncio=True` an
/// awaitable of it (needs a running loop).
#[pyfunction]
#[pyo3(signature = (calendar, calendar_id, time_min=None, time_max=None, *, asyncio=false))]
fn _ics_export(
    py: Python<'_>,
    calendar: &Bound<'_, Calendar>,
    calendar_id: String,
    time_min: Option<&Bound<'_, PyAny>>,
    time_max: Option<&Bound<'_, PyAny>>,
    asyncio: bool,
) -> PyResult<Py<PyAny>> {
    let api = calendar.get().api()?;
    let from = optional_datetime(time_min, "time_min")?.map(|t| t.to_utc());
    let to = optional_datetime(time_max, "time_max")?.map(|t| t.to_utc());
    handle_in(calendar, asyncio).run(py, async move {
        core_ics::export(&api, &calendar_id, from, to, Utc::now())
            .await
            .map_err(|e| CallError::Core(python_window_names(e)))
    })
}

/// Adds the functions to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_ics_parse, m)?)?;
    m.add_function(wrap_pyfunction!(_ics_write, m)?)?;
    m.add_function(wrap_pyfunction!(_ics_import, m)?)?;
    m.add_function(wrap_pyfunction!(_ics_export, m)?)?;
    Ok(())
}
