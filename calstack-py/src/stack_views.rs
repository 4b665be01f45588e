//! The stacked views on `calstack.Calstack`: `stack.agenda`, `stack.conflicts`,
//! `stack.free_busy` and `stack.find_slots`, plus a client's working hours on
//! `stack.clients`. Each converts its arguments and runs the calstack-core query through the
//! stack's handle — blocking with the GIL released, or as a coroutine on `calstack.aio` — and
//! wraps the answer; the rules live in `calstack_core::stack`.

use calstack_core::stack::params::parse_duration;
use calstack_core::stack::{
    Agenda, AgendaEntry as CoreEntry, ConflictSide as CoreSide, Conflicts, FreeBusy, Interval,
    Problem, SlotQuery, StackQuery,
};
use calstack_core::validate::working_hours;
use std::sync::{Arc, OnceLock};

use calstack_core::{Calstack as CoreCalstack, LazyEvent};
use chrono::{DateTime, TimeDelta, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::convert::aware_datetime;
use crate::errors::{CallError, validation};
use crate::models::Event;
use crate::stack::{Calstack, Clients, client_id};

/// One line of the stacked agenda.
#[pyclass(module = "calstack", name = "AgendaEntry", frozen)]
pub(crate) struct AgendaEntry {
    /// The client's id.
    #[pyo3(get)]
    client_id: String,
    /// The client's name.
    #[pyo3(get)]
    client: String,
    /// The calendar's id.
    #[pyo3(get)]
    calendar_id: String,
    /// The calendar's name.
    #[pyo3(get)]
    calendar: String,
    /// The event (or instance) id.
    #[pyo3(get)]
    event_id: String,
    /// Title (`(no title)` when the event has none).
    #[pyo3(get)]
    summary: String,
    /// The core's event: single events from the mirror are decoded in full on first use.
    core_event: LazyEvent,
    /// The Python `Event`, made on first use of `event`.
    event: OnceLock<Py<Event>>,
    /// Start (all-day events: midnight in the agenda's time zone).
    #[pyo3(get)]
    start: DateTime<Utc>,
    /// End (exclusive).
    #[pyo3(get)]
    end: DateTime<Utc>,
    /// Whether the event is all-day.
    #[pyo3(get)]
    all_day: bool,
    /// Whether it blocks time.
    #[pyo3(get)]
    busy: bool,
    /// Indexes (into the returned list) of the entries it overlaps with.
    #[pyo3(get)]
    conflicts_with: Vec<u32>,
}

#[pymethods]
impl AgendaEntry {
    /// The event (or instance), as Google lists it with `singleEvents=true`; made on first
    /// use (an agenda of thousands of entries shown as titles and times makes none).
    #[getter]
    fn event(&self, py: Python<'_>) -> PyResult<Py<Event>> {
        if let Some(event) = self.event.get() {
            return Ok(event.clone_ref(py));
        }
        let made = Py::new(py, Event::new_core(self.core_event.get().clone()))?;
        // Two threads may both make one: the first kept is the one every later call returns.
        let _ = self.event.set(made);
        match self.event.get() {
            Some(event) => Ok(event.clone_ref(py)),
            None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the event was not kept",
            )),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "AgendaEntry(client={:?}, start={}, summary={:?}, conflicts_with={:?})",
            self.client, self.start, self.summary, self.conflicts_with
        )
    }
}

/// One side of a [`Conflict`].
#[pyclass(module = "calstack", name = "ConflictSide", frozen, get_all)]
pub(crate) struct ConflictSide {
    /// The client's id.
    client_id: String,
    /// The client's name.
    client: String,
    /// The calendar's id.
    calendar_id: String,
    /// The event (or instance) id.
    event_id: String,
    /// Its title.
    summary: String,
    /// Its start.
    start: DateTime<Utc>,
    /// Its end.
    end: DateTime<Utc>,
}

/// Two busy events that overlap.
#[pyclass(module = "calstack", name = "Conflict", frozen, get_all)]
pub(crate) struct Conflict {
    /// The event that starts first.
    first: Py<ConflictSide>,
    /// The other one.
    second: Py<ConflictSide>,
    /// Where they start to overlap.
    overlap_start: DateTime<Utc>,
    /// Where they stop overlapping.
    overlap_end: DateTime<Utc>,
}

/// The common arguments of every view.
struct Window<'py> {
    time_min: &'py Bound<'py, PyAny>,
    time_max: &'py Bound<'py, PyAny>,
    clients: Option<Vec<Bound<'py, PyAny>>>,
    calendars: Option<Vec<String>>,
    live: bool,
    max_staleness: Option<&'py Bound<'py, PyAny>>,
}

impl<'py> Window<'py> {
    fn new(
        time_min: &'py Bound<'py, PyAny>,
        time_max: &'py Bound<'py, PyAny>,
        clients: Option<Vec<Bound<'py, PyAny>>>,
        calendars: Option<Vec<String>>,
        live: bool,
    ) -> Self {
        Self {
            time_min,
            time_max,
            clients,
            calendars,
            live,
            max_staleness: None,
        }
    }

    /// Reading the mirror, sync first what was synced longer ago than this.
    fn max_staleness(mut self, max_staleness: Option<&'py Bound<'py, PyAny>>) -> Self {
        self.max_staleness = max_staleness;
        self
    }

    /// The core query, with the viewer's `time_zone`.
    fn query(&self, py: Python<'_>, time_zone: Option<String>) -> PyResult<StackQuery> {
        let from = aware_datetime(self.time_min, "time_min")?.with_timezone(&Utc);
        let to = aware_datetime(self.time_max, "time_max")?.with_timezone(&Utc);
        let clients: Option<Vec<String>> = self
            .clients
            .as_ref()
            .map(|list| list.iter().map(|c| client_handle(py, c)).collect())
            .transpose()?;
        let max_staleness = optional_length(self.max_staleness, "max_staleness")?
            .map(|d| d.to_std())
            .transpose()
            .map_err(|_| validation(py, "max_staleness", "must not be negative"))?;
        Ok(StackQuery::new(from, to)
            .clients(clients)
            .calendars(self.calendars.clone())
            .time_zone(time_zone)
            .live(self.live)
            .max_staleness(max_staleness))
    }
}

/// A client as an id or name, from a str or a `Client`.
fn client_handle(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    Ok(client_id(py, value)?.to_string())
}

/// A length from a `timedelta`, a str like `45m`, or a number of minutes.
fn length(value: &Bound<'_, PyAny>, param: &str) -> PyResult<TimeDelta> {
    if let Ok(delta) = value.extract::<TimeDelta>() {
        return Ok(delta);
    }
    if let Ok(minutes) = value.extract::<i64>() {
        return Ok(TimeDelta::minutes(minutes));
    }
    if let Ok(text) = value.extract::<String>() {
        return parse_duration(param, &text).map_err(|e| CallError::Core(e).into());
    }
    Err(validation(
        value.py(),
        param,
        "expected a timedelta, a str like \"45m\" or a number of minutes",
    ))
}

fn optional_length(value: Option<&Bound<'_, PyAny>>, param: &str) -> PyResult<Option<TimeDelta>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| length(v, param))
        .transpose()
}

/// Raises when nothing could be read; warns about each problem otherwise.
fn report(py: Python<'_>, problems: Vec<Problem>, anything_read: bool) -> PyResult<()> {
    if !anything_read && let Some(first) = problems.into_iter().next() {
        return Err(CallError::Core(first.error).into_pyerr(py));
    }
    Ok(())
}

fn warn(py: Python<'_>, problems: &[Problem]) -> PyResult<()> {
    let warnings = py.import("warnings")?;
    for p in problems {
        warnings.call_method1("warn", (format!("calstack could not read {p}"),))?;
    }
    Ok(())
}

fn entry(e: CoreEntry) -> AgendaEntry {
    AgendaEntry {
        client_id: e.client_id.to_string(),
        client: e.client.to_string(),
        calendar_id: e.calendar_id.to_string(),
        calendar: e.calendar.to_string(),
        event_id: e.event_id,
        summary: e.summary,
        core_event: e.event,
        event: OnceLock::new(),
        start: e.start,
        end: e.end,
        all_day: e.all_day.is_some(),
        busy: e.busy,
        conflicts_with: e.conflicts_with,
    }
}

fn side(py: Python<'_>, s: CoreSide) -> PyResult<Py<ConflictSide>> {
    Py::new(
        py,
        ConflictSide {
            client_id: s.client_id.to_string(),
            client: s.client.to_string(),
            calendar_id: s.calendar_id.to_string(),
            event_id: s.event_id,
            summary: s.summary,
            start: s.start,
            end: s.end,
        },
    )
}

/// The core's error, with the window's fields named as the Python API names them
/// (`time_min`, `time_max`, where the core says `from`, `to`).
fn named(e: calstack_core::Error) -> CallError {
    match e {
        calstack_core::Error::Validation { field, reason } => {
            let field = match field.as_str() {
                "from" => "time_min".to_owned(),
                "to" => "time_max".to_owned(),
                _ => field,
            };
            CallError::Core(calstack_core::Error::Validation { field, reason })
        }
        other => CallError::Core(other),
    }
}

fn pairs(slots: Vec<Interval>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    slots.into_iter().map(|s| (s.start, s.end)).collect()
}

impl Calstack {
    /// Runs `run` on the core through the handle (blocking, or a coroutine on `calstack.aio`),
    /// errors named as the Python API names its parameters.
    fn view<Q, T, F, Fut>(&self, py: Python<'_>, query: Q, run: F) -> PyResult<Py<PyAny>>
    where
        Q: Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
        F: FnOnce(Arc<CoreCalstack>, Q) -> Fut,
        Fut: std::future::Future<Output = calstack_core::Result<T>> + Send + 'static,
    {
        self.handle.call(py, move |core| {
            let answer = run(core, query);
            async move { answer.await.map_err(named) }
        })
    }
}

/// The agenda, turned into a list of `AgendaEntry` once the GIL is held: problems become
/// warnings, and raise when nothing at all could be read.
struct AgendaOut(Agenda);

impl<'py> IntoPyObject<'py> for AgendaOut {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let agenda = self.0;
        warn(py, &agenda.problems)?;
        let anything = !agenda.entries.is_empty() || agenda.problems.is_empty();
        report(py, agenda.problems, anything)?;
        let entries: Vec<AgendaEntry> = agenda.entries.into_iter().map(entry).collect();
        PyList::new(py, entries)
    }
}

/// The conflicts as a list of `Conflict`; problems become warnings.
struct ConflictsOut(Conflicts);

impl<'py> IntoPyObject<'py> for ConflictsOut {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        warn(py, &self.0.problems)?;
        let conflicts: Vec<Conflict> = self
            .0
            .conflicts
            .into_iter()
            .map(|c| {
                Ok(Conflict {
                    first: side(py, c.first)?,
                    second: side(py, c.second)?,
                    overlap_start: c.overlap_start,
                    overlap_end: c.overlap_end,
                })
            })
            .collect::<PyResult<_>>()?;
        PyList::new(py, conflicts)
    }
}

/// Free/busy as `{client_id: [(start, end), ...]}`.
struct BusyOut(FreeBusy);

impl<'py> IntoPyObject<'py> for BusyOut {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for client in self.0.clients {
            out.set_item(client.client_id.to_string(), pairs(client.busy))?;
        }
        Ok(out)
    }
}

#[pymethods]
impl Calstack {
    /// Every chosen client's events from `time_min` to `time_max` on one time-ordered list,
    /// recurring events expanded, each entry with the entries it conflicts with. Read from the
    /// local mirror (calendars synced longer ago than `max_staleness`, or never, are synced
    /// first), or from Google with `live=True`.
    #[pyo3(signature = (time_min, time_max, clients=None, calendars=None, live=false, time_zone=None, max_staleness=None))]
    #[allow(clippy::too_many_arguments)]
    fn agenda<'py>(
        &self,
        py: Python<'py>,
        time_min: &Bound<'py, PyAny>,
        time_max: &Bound<'py, PyAny>,
        clients: Option<Vec<Bound<'py, PyAny>>>,
        calendars: Option<Vec<String>>,
        live: bool,
        time_zone: Option<String>,
        max_staleness: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let query = Window::new(time_min, time_max, clients, calendars, live)
            .max_staleness(max_staleness)
            .query(py, time_zone)?;
        self.view(py, query, |core, q| async move {
            core.agenda(&q).await.map(AgendaOut)
        })
    }

    /// The double bookings from `time_min` to `time_max`, each pair once.
    #[pyo3(signature = (time_min, time_max, clients=None, calendars=None, live=false, max_staleness=None))]
    #[allow(clippy::too_many_arguments)]
    fn conflicts<'py>(
        &self,
        py: Python<'py>,
        time_min: &Bound<'py, PyAny>,
        time_max: &Bound<'py, PyAny>,
        clients: Option<Vec<Bound<'py, PyAny>>>,
        calendars: Option<Vec<String>>,
        live: bool,
        max_staleness: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let query = Window::new(time_min, time_max, clients, calendars, live)
            .max_staleness(max_staleness)
            .query(py, None)?;
        self.view(py, query, |core, q| async move {
            core.conflicts(&q).await.map(ConflictsOut)
        })
    }

    /// Busy intervals per client id, merged across each client's calendars:
    /// `{client_id: [(start, end), ...]}`.
    #[pyo3(signature = (time_min, time_max, clients=None, calendars=None, live=false, max_staleness=None))]
    #[allow(clippy::too_many_arguments)]
    fn free_busy<'py>(
        &self,
        py: Python<'py>,
        time_min: &Bound<'py, PyAny>,
        time_max: &Bound<'py, PyAny>,
        clients: Option<Vec<Bound<'py, PyAny>>>,
        calendars: Option<Vec<String>>,
        live: bool,
        max_staleness: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let query = Window::new(time_min, time_max, clients, calendars, live)
            .max_staleness(max_staleness)
            .query(py, None)?;
        self.view(py, query, |core, q| async move {
            core.free_busy(&q).await.map(BusyOut)
        })
    }

    /// The `(start, end)` slots of `duration` when every chosen client is free, inside
    /// working hours (`working_hours` for everyone, read in `time_zone`, else each client's
    /// own), keeping `buffer` around busy times, starting every `step` from midnight in
    /// `time_zone`.
    #[pyo3(signature = (duration, time_min, time_max, clients=None, working_hours=None, time_zone=None, buffer=None, step=None, calendars=None, live=false, max_staleness=None))]
    #[allow(clippy::too_many_arguments)]
    fn find_slots<'py>(
        &self,
        py: Python<'py>,
        duration: &Bound<'py, PyAny>,
        time_min: &Bound<'py, PyAny>,
        time_max: &Bound<'py, PyAny>,
        clients: Option<Vec<Bound<'py, PyAny>>>,
        working_hours: Option<String>,
        time_zone: Option<String>,
        buffer: Option<&Bound<'py, PyAny>>,
        step: Option<&Bound<'py, PyAny>>,
        calendars: Option<Vec<String>>,
        live: bool,
        max_staleness: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let zone = time_zone.clone().unwrap_or_else(|| "UTC".to_owned());
        let hours = working_hours
            .map(|text| working_hours::parse(&text, &zone))
            .transpose()
            .map_err(|e| CallError::Core(e).into_pyerr(py))?;
        let window = Window::new(time_min, time_max, clients, calendars, live)
            .max_staleness(max_staleness)
            .query(py, time_zone)?;
        let query = SlotQuery::new(window, length(duration, "duration")?)
            .working_hours(hours)
            .buffer(optional_length(buffer, "buffer")?)
            .step(optional_length(step, "step")?);
        self.view(py, query, |core, q| async move {
            core.find_slots(&q).await.map(pairs)
        })
    }
}

#[pymethods]
impl Clients {
    /// The client's working hours as text (`mon 09:00-17:00; … (Europe/Zurich)`), or None.
    fn working_hours(&self, py: Python<'_>, client_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id = crate::stack::client_id(py, client_id)?;
        self.handle.call(py, move |core| async move {
            let hours = core.clients().working_hours(id).await?;
            Ok(hours.map(|h| h.to_string()))
        })
    }

    /// Sets the client's working hours from text (`09:00-17:00` = Monday to Friday, or
    /// `mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00`) read in `time_zone`; None clears
    /// them. `ValidationError` names `working_hours` or `time_zone`.
    #[pyo3(signature = (client_id, working_hours, time_zone="UTC"))]
    fn set_working_hours(
        &self,
        py: Python<'_>,
        client_id: &Bound<'_, PyAny>,
        working_hours: Option<String>,
        time_zone: &str,
    ) -> PyResult<Py<PyAny>> {
        let id = crate::stack::client_id(py, client_id)?;
        let hours = working_hours
            .map(|text| working_hours::parse(&text, time_zone))
            .transpose()
            .map_err(|e| CallError::Core(e).into_pyerr(py))?;
        self.handle.call(py, move |core| async move {
            Ok(core.clients().set_working_hours(id, hours).await?)
        })
    }
}

/// Registers the classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AgendaEntry>()?;
    m.add_class::<ConflictSide>()?;
    m.add_class::<Conflict>()?;
    Ok(())
}
