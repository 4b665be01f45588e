//! The Python classes for calstack's records and Google's Calendar resources.
//!
//! Google resources (`Event`, `EventDateTime`, `EventAttendee`, `CalendarListEntry`) wrap
//! calstack-core's typed models: attributes read the typed fields, `to_dict()` serialises to
//! Google's camelCase JSON, and fields calstack does not model are kept (the core models carry
//! them in `extra`), so a get → modify → update cycle never drops what Google sent.
//! Constructors accept the same dicts (checked by serde, errors naming the JSON path), so plain
//! dicts and these classes are interchangeable as inputs. Holding the typed model (not a JSON
//! tree) keeps a listed event small and makes listing a matter of wrapping, not converting.
//!
//! calstack's own records (`Client`, `OAuthCredential`) are plain values; an `OAuthCredential`
//! never holds, shows or returns its client secret or tokens.

use calstack_core::Client as CoreClient;
use calstack_core::calendar::{
    AclRule as CoreAclRule, CalendarListEntry as CoreEntry, Event as CoreEvent,
    EventAttendee as CoreAttendee, EventDateTime as CoreDateTime,
};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::convert::{
    self, date_from_py, is_date, is_datetime, json_to_py, map_to_py, object_from_py,
};
use crate::errors::validation;

/// The JSON object behind a model instance, if `obj` is one of the Google resource classes.
pub(crate) fn model_json(obj: &Bound<'_, PyAny>) -> Option<Map<String, Value>> {
    if let Ok(e) = obj.cast::<Event>() {
        return Some(to_map(&e.borrow().inner));
    }
    if let Ok(e) = obj.cast::<EventDateTime>() {
        return Some(to_map(&e.get().inner));
    }
    if let Ok(e) = obj.cast::<EventAttendee>() {
        return Some(to_map(&e.get().inner));
    }
    if let Ok(e) = obj.cast::<CalendarListEntry>() {
        return Some(to_map(&e.get().inner));
    }
    None
}

/// A typed model as a JSON object (Google's shape).
fn to_map<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// A JSON value as a typed model; a mismatch is a `ValidationError` naming the JSON path
/// under `param` (`event.start.dateTime`).
pub(crate) fn from_json<T: DeserializeOwned>(
    py: Python<'_>,
    value: Value,
    param: &str,
) -> PyResult<T> {
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            param.to_owned()
        } else {
            format!("{param}.{path}")
        };
        validation(py, &field, e.inner().to_string())
    })
}

/// A typed model as a Python dict in Google's shape.
fn dict<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyDict>> {
    let map = to_map(value);
    map_to_py(py, &map)
}

fn opt_time<'py>(py: Python<'py>, t: Option<DateTime<Utc>>) -> PyResult<Option<Bound<'py, PyAny>>> {
    t.map(|t| t.into_pyobject(py).map(Bound::into_any))
        .transpose()
}

/// `value` as Python's `repr` shows a str (`'text'`), or `None`.
fn quoted(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), py_repr)
}

/// A str as Python's `repr` shows it: single quotes, backslash and quote escaped.
pub(crate) fn py_repr(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A start or end, from any accepted Python form, as Google's JSON.
///
/// Accepts an `EventDateTime`, a dict in Google's shape, an aware `datetime` (a `zoneinfo`
/// zone also fills `timeZone`, which recurring events need) or a `date` (all-day).
pub(crate) fn event_datetime_json(
    obj: &Bound<'_, PyAny>,
    path: &str,
) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    if is_datetime(obj)? {
        let when = convert::aware_datetime(obj, path)?;
        map.insert("dateTime".into(), Value::String(when.to_rfc3339()));
        let tzinfo = obj.getattr("tzinfo")?;
        if let Ok(key) = tzinfo.getattr("key")
            && let Ok(key) = key.cast::<PyString>()
        {
            map.insert("timeZone".into(), Value::String(key.to_cow()?.into_owned()));
        }
        return Ok(map);
    }
    if is_date(obj)? {
        map.insert("date".into(), Value::String(date_from_py(obj, path)?));
        return Ok(map);
    }
    object_from_py(obj, path)
}

fn attendee_json(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Map<String, Value>> {
    if let Ok(email) = obj.cast::<PyString>() {
        let mut map = Map::new();
        map.insert("email".into(), Value::String(email.to_cow()?.into_owned()));
        return Ok(map);
    }
    object_from_py(obj, path)
}

fn list_json(
    obj: &Bound<'_, PyAny>,
    path: &str,
    item: impl Fn(&Bound<'_, PyAny>, &str) -> PyResult<Value>,
) -> PyResult<Value> {
    if obj.is_instance_of::<PyString>() || obj.cast::<PyMapping>().is_ok() {
        return Err(validation(obj.py(), path, "expected a list"));
    }
    let mut items = Vec::new();
    for (i, element) in obj.try_iter()?.enumerate() {
        items.push(item(&element?, &format!("{path}[{i}]"))?);
    }
    Ok(Value::Array(items))
}

/// How an Event field given as a keyword or set as an attribute is turned into JSON.
#[derive(Clone, Copy)]
enum Field {
    Text,
    When,
    Attendees,
    Lines,
}

impl Field {
    fn to_json(self, value: &Bound<'_, PyAny>, key: &str) -> PyResult<Value> {
        let py = value.py();
        let path = format!("event.{key}");
        match self {
            Field::Text => match value.cast::<PyString>() {
                Ok(s) => Ok(Value::String(s.to_cow()?.into_owned())),
                Err(_) => Err(validation(py, &path, "expected a str")),
            },
            Field::When => Ok(Value::Object(event_datetime_json(value, &path)?)),
            Field::Attendees => {
                list_json(value, &path, |v, p| attendee_json(v, p).map(Value::Object))
            }
            Field::Lines => list_json(value, &path, |v, p| match v.cast::<PyString>() {
                Ok(s) => Ok(Value::String(s.to_cow()?.into_owned())),
                Err(_) => Err(validation(v.py(), p, "expected a str")),
            }),
        }
    }
}

/// A Calendar event (Google's `Event` resource).
#[pyclass(module = "calstack", name = "Event")]
#[derive(Clone)]
pub(crate) struct Event {
    /// Boxed so the Python object stays small: a listing boxes its events on a worker thread,
    /// and the calling thread only allocates the small Python objects around them.
    pub(crate) inner: Box<CoreEvent>,
}

impl Event {
    /// Wraps a core event.
    pub(crate) fn new_core(inner: CoreEvent) -> Self {
        Self::new_boxed(Box::new(inner))
    }

    /// Wraps a core event already on the heap.
    pub(crate) fn new_boxed(inner: Box<CoreEvent>) -> Self {
        Self { inner }
    }

    /// Sets one field from Python (None removes it), checked through the typed model.
    fn set_field(
        &mut self,
        py: Python<'_>,
        key: &str,
        value: Option<&Bound<'_, PyAny>>,
        kind: Field,
    ) -> PyResult<()> {
        let json = match value {
            Some(v) if !v.is_none() => Some(kind.to_json(v, key)?),
            _ => None,
        };
        let mut map = to_map(&self.inner);
        match json {
            Some(v) => map.insert(key.to_owned(), v),
            None => map.remove(key),
        };
        *self.inner = from_json(py, Value::Object(map), "event")?;
        Ok(())
    }
}

#[pymethods]
impl Event {
    /// `Event(data=None, *, id=None, summary=None, description=None, location=None,
    /// start=None, end=None, attendees=None, recurrence=None)`: an event from a dict in
    /// Google's shape and/or keyword fields (keywords win).
    #[new]
    #[pyo3(signature = (data=None, *, id=None, summary=None, description=None, location=None, start=None, end=None, attendees=None, recurrence=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        data: Option<&Bound<'_, PyAny>>,
        id: Option<&Bound<'_, PyAny>>,
        summary: Option<&Bound<'_, PyAny>>,
        description: Option<&Bound<'_, PyAny>>,
        location: Option<&Bound<'_, PyAny>>,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
        attendees: Option<&Bound<'_, PyAny>>,
        recurrence: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut map = match data {
            Some(d) if !d.is_none() => object_from_py(d, "event")?,
            _ => Map::new(),
        };
        for (key, value, kind) in [
            ("id", id, Field::Text),
            ("summary", summary, Field::Text),
            ("description", description, Field::Text),
            ("location", location, Field::Text),
            ("start", start, Field::When),
            ("end", end, Field::When),
            ("attendees", attendees, Field::Attendees),
            ("recurrence", recurrence, Field::Lines),
        ] {
            if let Some(v) = value
                && !v.is_none()
            {
                map.insert(key.to_owned(), kind.to_json(v, key)?);
            }
        }
        Ok(Event::new_core(from_json(py, Value::Object(map), "event")?))
    }

    /// An event from a dict in Google's shape.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let map = object_from_py(data, "event")?;
        Ok(Event::new_core(from_json(
            data.py(),
            Value::Object(map),
            "event",
        )?))
    }

    /// The event as a dict in Google's JSON shape (camelCase keys, RFC 3339 strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict(py, &self.inner)
    }

    /// Opaque identifier of the event.
    #[getter]
    fn id(&self) -> Option<String> {
        self.inner.id.clone()
    }

    #[setter]
    fn set_id(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "id", value, Field::Text)
    }

    /// Title of the event.
    #[getter]
    fn summary(&self) -> Option<String> {
        self.inner.summary.clone()
    }

    #[setter]
    fn set_summary(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "summary", value, Field::Text)
    }

    /// Description of the event (may contain HTML).
    #[getter]
    fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }

    #[setter]
    fn set_description(
        &mut self,
        py: Python<'_>,
        value: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.set_field(py, "description", value, Field::Text)
    }

    /// Geographic location of the event as free-form text.
    #[getter]
    fn location(&self) -> Option<String> {
        self.inner.location.clone()
    }

    #[setter]
    fn set_location(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "location", value, Field::Text)
    }

    /// The (inclusive) start.
    #[getter]
    fn start(&self) -> Option<EventDateTime> {
        self.inner.start.clone().map(EventDateTime::new_core)
    }

    #[setter]
    fn set_start(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "start", value, Field::When)
    }

    /// The (exclusive) end.
    #[getter]
    fn end(&self) -> Option<EventDateTime> {
        self.inner.end.clone().map(EventDateTime::new_core)
    }

    #[setter]
    fn set_end(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "end", value, Field::When)
    }

    /// For an instance of a recurring event, the start it has in the recurrence.
    #[getter]
    fn original_start_time(&self) -> Option<EventDateTime> {
        self.inner
            .original_start_time
            .clone()
            .map(EventDateTime::new_core)
    }

    /// The attendees (empty when there are none).
    #[getter]
    fn attendees(&self) -> Vec<EventAttendee> {
        self.inner
            .attendees
            .iter()
            .flatten()
            .cloned()
            .map(EventAttendee::new_core)
            .collect()
    }

    #[setter]
    fn set_attendees(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "attendees", value, Field::Attendees)
    }

    /// RRULE, EXRULE, RDATE and EXDATE lines of a recurring event (empty otherwise).
    #[getter]
    fn recurrence(&self) -> Vec<String> {
        self.inner.recurrence.clone().unwrap_or_default()
    }

    #[setter]
    fn set_recurrence(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_field(py, "recurrence", value, Field::Lines)
    }

    /// `confirmed`, `tentative` or `cancelled` (a deleted event seen by sync).
    #[getter]
    fn status(&self) -> Option<String> {
        self.inner.status.as_ref().map(|s| s.as_str().to_owned())
    }

    /// ETag of the resource, for `update_event(..., etag=...)`.
    #[getter]
    fn etag(&self) -> Option<String> {
        self.inner.etag.clone()
    }

    /// Link to the event in the Google Calendar web UI.
    #[getter]
    fn html_link(&self) -> Option<String> {
        self.inner.html_link.clone()
    }

    /// Event id in the iCalendar format, shared by all instances of a recurring event.
    #[getter]
    fn i_cal_uid(&self) -> Option<String> {
        self.inner.ical_uid.clone()
    }

    /// For an instance of a recurring event, the id of the recurring event.
    #[getter]
    fn recurring_event_id(&self) -> Option<String> {
        self.inner.recurring_event_id.clone()
    }

    /// Creation time (aware `datetime`).
    #[getter]
    fn created<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_time(py, self.inner.created)
    }

    /// Last modification time (aware `datetime`).
    #[getter]
    fn updated<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_time(py, self.inner.updated)
    }

    /// The organizer, as Google's dict (`email`, `displayName`, `self`).
    #[getter]
    fn organizer<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .organizer
            .as_ref()
            .map(|o| json_to_py(py, &Value::Object(to_map(o))))
            .transpose()
    }

    /// Whether this is an all-day event (its start is a `date`, not a `dateTime`).
    #[getter]
    fn is_all_day(&self) -> bool {
        self.inner.start.as_ref().is_some_and(|s| s.date.is_some())
    }

    /// Whether the event is cancelled (deleted), as incremental sync reports deletions.
    #[getter]
    fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Event>()
            .is_ok_and(|o| o.borrow().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        let when = |w: &Option<CoreDateTime>| {
            w.as_ref().and_then(|w| {
                w.date_time
                    .map(|t| t.to_rfc3339())
                    .or_else(|| w.date.map(|d| d.to_string()))
            })
        };
        let mut repr = format!(
            "Event(id={}, summary={}, start={}, end={}",
            quoted(self.inner.id.as_deref()),
            quoted(self.inner.summary.as_deref()),
            quoted(when(&self.inner.start).as_deref()),
            quoted(when(&self.inner.end).as_deref()),
        );
        if let Some(status) = &self.inner.status
            && status.as_str() != "confirmed"
        {
            repr.push_str(&format!(", status={}", py_repr(status.as_str())));
        }
        repr.push(')');
        repr
    }
}

/// When an event starts or ends: a `date_time` (timed) or a `date` (all-day), with an
/// optional IANA `time_zone`.
#[pyclass(module = "calstack", name = "EventDateTime", frozen)]
#[derive(Clone)]
pub(crate) struct EventDateTime {
    inner: CoreDateTime,
}

impl EventDateTime {
    fn new_core(inner: CoreDateTime) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl EventDateTime {
    /// `EventDateTime(date_time=None, *, date=None, time_zone=None)`: give exactly one of an
    /// aware `date_time` or an all-day `date`.
    #[new]
    #[pyo3(signature = (date_time=None, *, date=None, time_zone=None))]
    fn new(
        py: Python<'_>,
        date_time: Option<&Bound<'_, PyAny>>,
        date: Option<&Bound<'_, PyAny>>,
        time_zone: Option<String>,
    ) -> PyResult<Self> {
        let mut map = match (date_time, date) {
            (Some(t), None) => {
                if !is_datetime(t)? {
                    return Err(validation(
                        py,
                        "date_time",
                        "expected a timezone-aware datetime",
                    ));
                }
                event_datetime_json(t, "date_time")?
            }
            (None, Some(d)) => {
                let mut m = Map::new();
                m.insert("date".into(), Value::String(date_from_py(d, "date")?));
                m
            }
            (Some(_), Some(_)) => {
                return Err(validation(
                    py,
                    "date",
                    "give either date_time or date, not both",
                ));
            }
            (None, None) => {
                return Err(validation(py, "date_time", "give date_time or date"));
            }
        };
        if let Some(tz) = time_zone {
            map.insert("timeZone".into(), Value::String(tz));
        }
        Ok(Self::new_core(from_json(
            py,
            Value::Object(map),
            "event_date_time",
        )?))
    }

    /// From a dict in Google's shape (`{"dateTime": ..., "timeZone": ...}` or `{"date": ...}`).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let map = event_datetime_json(data, "event_date_time")?;
        Ok(Self::new_core(from_json(
            data.py(),
            Value::Object(map),
            "event_date_time",
        )?))
    }

    /// As a dict in Google's shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict(py, &self.inner)
    }

    /// The instant, for a timed event (aware `datetime`).
    #[getter]
    fn date_time<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .date_time
            .map(|t| t.into_pyobject(py).map(Bound::into_any))
            .transpose()
    }

    /// The day, for an all-day event.
    #[getter]
    fn date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .date
            .map(|d| d.into_pyobject(py).map(Bound::into_any))
            .transpose()
    }

    /// The IANA time zone (`Europe/Paris`), when given.
    #[getter]
    fn time_zone(&self) -> Option<String> {
        self.inner.time_zone.clone()
    }

    /// Whether this is an all-day `date`.
    #[getter]
    fn is_all_day(&self) -> bool {
        self.inner.date.is_some()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<EventDateTime>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        match (self.inner.date, self.inner.date_time) {
            (Some(d), _) => format!("EventDateTime(date={})", py_repr(&d.to_string())),
            (None, t) => {
                let t = t.map(|t| t.to_rfc3339());
                match &self.inner.time_zone {
                    Some(tz) => format!(
                        "EventDateTime(date_time={}, time_zone={})",
                        quoted(t.as_deref()),
                        py_repr(tz)
                    ),
                    None => format!("EventDateTime(date_time={})", quoted(t.as_deref())),
                }
            }
        }
    }
}

/// An attendee of an event.
#[pyclass(module = "calstack", name = "EventAttendee", frozen)]
#[derive(Clone)]
pub(crate) struct EventAttendee {
    inner: CoreAttendee,
}

impl EventAttendee {
    fn new_core(inner: CoreAttendee) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl EventAttendee {
    /// `EventAttendee(email, *, display_name=None, optional=None, response_status=None)`.
    #[new]
    #[pyo3(signature = (email, *, display_name=None, optional=None, response_status=None))]
    fn new(
        py: Python<'_>,
        email: String,
        display_name: Option<String>,
        optional: Option<bool>,
        response_status: Option<String>,
    ) -> PyResult<Self> {
        let mut data = Map::new();
        data.insert("email".into(), Value::String(email));
        if let Some(v) = display_name {
            data.insert("displayName".into(), Value::String(v));
        }
        if let Some(v) = optional {
            data.insert("optional".into(), Value::Bool(v));
        }
        if let Some(v) = response_status {
            data.insert("responseStatus".into(), Value::String(v));
        }
        Ok(Self::new_core(from_json(
            py,
            Value::Object(data),
            "attendee",
        )?))
    }

    /// From a dict in Google's shape.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let map = object_from_py(data, "attendee")?;
        Ok(Self::new_core(from_json(
            data.py(),
            Value::Object(map),
            "attendee",
        )?))
    }

    /// As a dict in Google's shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict(py, &self.inner)
    }

    /// The attendee's email address.
    #[getter]
    fn email(&self) -> Option<String> {
        self.inner.email.clone()
    }

    /// The attendee's name, if available.
    #[getter]
    fn display_name(&self) -> Option<String> {
        self.inner.display_name.clone()
    }

    /// `needsAction`, `declined`, `tentative` or `accepted`.
    #[getter]
    fn response_status(&self) -> Option<String> {
        self.inner
            .response_status
            .as_ref()
            .map(|s| s.as_str().to_owned())
    }

    /// Whether this is an optional attendee.
    #[getter]
    fn optional(&self) -> bool {
        self.inner.optional.unwrap_or(false)
    }

    /// Whether the attendee is the organizer.
    #[getter]
    fn organizer(&self) -> bool {
        self.inner.organizer.unwrap_or(false)
    }

    /// Whether this entry is the calendar's owner (Google's `self`).
    #[getter]
    fn is_self(&self) -> bool {
        self.inner.is_self.unwrap_or(false)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<EventAttendee>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "EventAttendee(email={}, response_status={})",
            quoted(self.inner.email.as_deref()),
            quoted(self.inner.response_status.as_ref().map(|s| s.as_str()))
        )
    }
}

/// Who a calendar is shared with, and how (Google's `AclRule`).
#[pyclass(module = "calstack", name = "AclRule", frozen)]
#[derive(Clone)]
pub(crate) struct AclRule {
    inner: CoreAclRule,
}

impl AclRule {
    /// Wraps a core rule.
    pub(crate) fn new_core(inner: CoreAclRule) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl AclRule {
    /// From a dict in Google's shape (`{"scope": {"type": "user", "value": ...}, "role": ...}`).
    #[new]
    fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let map = object_from_py(data, "rule")?;
        Ok(Self::new_core(from_json(
            data.py(),
            Value::Object(map),
            "rule",
        )?))
    }

    /// From a dict in Google's shape.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::new(data)
    }

    /// As a dict in Google's shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict(py, &self.inner)
    }

    /// The rule id (`user:alice@example.com`, `domain:example.com`, `default`).
    #[getter]
    fn id(&self) -> Option<String> {
        self.inner.id.clone()
    }

    /// `none` (a deleted rule), `freeBusyReader`, `reader`, `writer` or `owner`.
    #[getter]
    fn role(&self) -> Option<String> {
        self.inner.role.as_ref().map(|r| r.as_str().to_owned())
    }

    /// `default` (public), `user`, `group` or `domain`.
    #[getter]
    fn scope_type(&self) -> Option<String> {
        self.inner
            .scope
            .as_ref()
            .and_then(|s| s.kind.as_ref())
            .map(|k| k.as_str().to_owned())
    }

    /// The email address or domain the rule applies to (None for `default`).
    #[getter]
    fn scope_value(&self) -> Option<String> {
        self.inner.scope.as_ref().and_then(|s| s.value.clone())
    }

    /// ETag of the rule.
    #[getter]
    fn etag(&self) -> Option<String> {
        self.inner.etag.clone()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<AclRule>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "AclRule(id={}, role={})",
            quoted(self.inner.id.as_deref()),
            quoted(self.inner.role.as_ref().map(|r| r.as_str()))
        )
    }
}

/// A calendar on the user's calendar list (Google's `CalendarListEntry`).
#[pyclass(module = "calstack", name = "CalendarListEntry", frozen)]
#[derive(Clone)]
pub(crate) struct CalendarListEntry {
    inner: CoreEntry,
}

impl CalendarListEntry {
    /// Wraps a core entry.
    pub(crate) fn new_core(inner: CoreEntry) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl CalendarListEntry {
    /// From a dict in Google's shape.
    #[new]
    fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let map = object_from_py(data, "calendar_list_entry")?;
        Ok(Self::new_core(from_json(
            data.py(),
            Value::Object(map),
            "calendar_list_entry",
        )?))
    }

    /// From a dict in Google's shape.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::new(data)
    }

    /// As a dict in Google's shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict(py, &self.inner)
    }

    /// The calendar id (`primary` is an alias for the user's main calendar).
    #[getter]
    fn id(&self) -> Option<String> {
        self.inner.id.clone()
    }

    /// Title of the calendar.
    #[getter]
    fn summary(&self) -> Option<String> {
        self.inner.summary.clone()
    }

    /// The title the user set for themselves, if any.
    #[getter]
    fn summary_override(&self) -> Option<String> {
        self.inner.summary_override.clone()
    }

    /// Description of the calendar.
    #[getter]
    fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }

    /// The calendar's IANA time zone.
    #[getter]
    fn time_zone(&self) -> Option<String> {
        self.inner.time_zone.clone()
    }

    /// `freeBusyReader`, `reader`, `writer` or `owner`.
    #[getter]
    fn access_role(&self) -> Option<String> {
        self.inner
            .access_role
            .as_ref()
            .map(|r| r.as_str().to_owned())
    }

    /// Whether this is the user's primary calendar.
    #[getter]
    fn primary(&self) -> bool {
        self.inner.primary.unwrap_or(false)
    }

    /// Whether the calendar is shown in the UI.
    #[getter]
    fn selected(&self) -> bool {
        self.inner.selected.unwrap_or(false)
    }

    /// Background colour (`#0088aa`).
    #[getter]
    fn background_color(&self) -> Option<String> {
        self.inner.background_color.clone()
    }

    /// Foreground colour (`#ffffff`).
    #[getter]
    fn foreground_color(&self) -> Option<String> {
        self.inner.foreground_color.clone()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<CalendarListEntry>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "CalendarListEntry(id={}, summary={}, access_role={})",
            quoted(self.inner.id.as_deref()),
            quoted(self.inner.summary.as_deref()),
            quoted(self.inner.access_role.as_ref().map(|r| r.as_str()))
        )
    }
}

/// The changes an incremental sync found: changed and cancelled (deleted) events, and the
/// token to pass to the next sync.
#[pyclass(module = "calstack", name = "SyncResult", frozen)]
pub(crate) struct SyncResult {
    events: Py<PyList>,
    next_sync_token: Option<String>,
}

impl SyncResult {
    /// Wraps the events (already Python `Event`s) and the next token.
    pub(crate) fn new(events: Py<PyList>, next_sync_token: Option<String>) -> Self {
        Self {
            events,
            next_sync_token,
        }
    }
}

#[pymethods]
impl SyncResult {
    /// Changed events, cancelled ones included (`event.is_cancelled`).
    #[getter]
    fn events(&self, py: Python<'_>) -> Py<PyList> {
        self.events.clone_ref(py)
    }

    /// Pass this to the next `sync_events` call to get only later changes.
    #[getter]
    fn next_sync_token(&self) -> Option<String> {
        self.next_sync_token.clone()
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.events.bind(py).len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SyncResult(events=<{} events>, next_sync_token={})",
            self.events.bind(py).len(),
            if self.next_sync_token.is_some() {
                "'…'"
            } else {
                "None"
            }
        )
    }
}

/// Someone whose calendars you run.
#[pyclass(module = "calstack", name = "Client", frozen)]
#[derive(Clone)]
pub(crate) struct Client {
    #[pyo3(get)]
    pub(crate) id: String,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    email: String,
    #[pyo3(get)]
    created_at: DateTime<Utc>,
    #[pyo3(get)]
    updated_at: DateTime<Utc>,
}

impl From<CoreClient> for Client {
    fn from(c: CoreClient) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            email: c.email,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[pymethods]
impl Client {
    /// `{"id", "name", "email", "created_at", "updated_at"}` with RFC 3339 times (JSON-ready).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", &self.id)?;
        d.set_item("name", &self.name)?;
        d.set_item("email", &self.email)?;
        d.set_item("created_at", self.created_at.to_rfc3339())?;
        d.set_item("updated_at", self.updated_at.to_rfc3339())?;
        Ok(d)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Client>().is_ok_and(|o| {
            let o = o.get();
            o.id == self.id
                && o.name == self.name
                && o.email == self.email
                && o.updated_at == self.updated_at
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Client(id={}, name={}, email={})",
            py_repr(&self.id),
            py_repr(&self.name),
            py_repr(&self.email)
        )
    }
}

/// What the module shows of an OAuth credential: everything but its secrets.
#[derive(Clone)]
pub(crate) struct CredentialView {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) google_client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) granted_scopes: Vec<String>,
    pub(crate) redirect_uri: String,
    pub(crate) account_email: Option<String>,
    pub(crate) is_valid: bool,
    pub(crate) has_refresh_token: bool,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) last_error: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// A client's Google OAuth grant. Never holds or shows the client secret or the tokens.
#[pyclass(module = "calstack", name = "OAuthCredential", frozen)]
pub(crate) struct OAuthCredential {
    pub(crate) view: CredentialView,
}

impl From<CredentialView> for OAuthCredential {
    fn from(view: CredentialView) -> Self {
        Self { view }
    }
}

#[pymethods]
impl OAuthCredential {
    /// Stable id of the credential.
    #[getter]
    fn id(&self) -> String {
        self.view.id.clone()
    }

    /// The client this credential belongs to.
    #[getter]
    fn client_id(&self) -> String {
        self.view.client_id.clone()
    }

    /// The Google OAuth client id (`….apps.googleusercontent.com`).
    #[getter]
    fn google_client_id(&self) -> String {
        self.view.google_client_id.clone()
    }

    /// Scopes asked for at consent.
    #[getter]
    fn scopes(&self) -> Vec<String> {
        self.view.scopes.clone()
    }

    /// Scopes Google granted (empty until consent).
    #[getter]
    fn granted_scopes(&self) -> Vec<String> {
        self.view.granted_scopes.clone()
    }

    /// The redirect URI registered with Google.
    #[getter]
    fn redirect_uri(&self) -> String {
        self.view.redirect_uri.clone()
    }

    /// The Google account, when known.
    #[getter]
    fn account_email(&self) -> Option<String> {
        self.view.account_email.clone()
    }

    /// Whether the credential holds a usable grant (consent done, not revoked or refused).
    #[getter]
    fn is_valid(&self) -> bool {
        self.view.is_valid
    }

    /// Whether a refresh token is stored (its value is never exposed).
    #[getter]
    fn has_refresh_token(&self) -> bool {
        self.view.has_refresh_token
    }

    /// When the current access token expires.
    #[getter]
    fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.view.expires_at
    }

    /// Why the credential is invalid (or the last refresh failure).
    #[getter]
    fn last_error(&self) -> Option<String> {
        self.view.last_error.clone()
    }

    /// When created.
    #[getter]
    fn created_at(&self) -> DateTime<Utc> {
        self.view.created_at
    }

    /// When last changed.
    #[getter]
    fn updated_at(&self) -> DateTime<Utc> {
        self.view.updated_at
    }

    /// Every attribute above as a JSON-ready dict (RFC 3339 times). Contains no secret.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let v = &self.view;
        let d = PyDict::new(py);
        d.set_item("id", &v.id)?;
        d.set_item("client_id", &v.client_id)?;
        d.set_item("google_client_id", &v.google_client_id)?;
        d.set_item("scopes", &v.scopes)?;
        d.set_item("granted_scopes", &v.granted_scopes)?;
        d.set_item("redirect_uri", &v.redirect_uri)?;
        d.set_item("account_email", &v.account_email)?;
        d.set_item("is_valid", v.is_valid)?;
        d.set_item("has_refresh_token", v.has_refresh_token)?;
        d.set_item("expires_at", v.expires_at.map(|t| t.to_rfc3339()))?;
        d.set_item("last_error", &v.last_error)?;
        d.set_item("created_at", v.created_at.to_rfc3339())?;
        d.set_item("updated_at", v.updated_at.to_rfc3339())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "OAuthCredential(id={}, client_id={}, google_client_id={}, is_valid={}, scopes=[{}])",
            py_repr(&self.view.id),
            py_repr(&self.view.client_id),
            py_repr(&self.view.google_client_id),
            if self.view.is_valid { "True" } else { "False" },
            self.view
                .scopes
                .iter()
                .map(|s| py_repr(s))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Registers every model class on the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Event>()?;
    m.add_class::<EventDateTime>()?;
    m.add_class::<EventAttendee>()?;
    m.add_class::<CalendarListEntry>()?;
    m.add_class::<AclRule>()?;
    m.add_class::<SyncResult>()?;
    m.add_class::<Client>()?;
    m.add_class::<OAuthCredential>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::py_repr;

    #[test]
    fn py_repr_quotes_like_python() {
        assert_eq!(py_repr("Acme"), "'Acme'");
        assert_eq!(py_repr("O'Brien\\n"), "'O\\'Brien\\\\n'");
        assert_eq!(py_repr("a\nb"), "'a\\nb'");
    }
}
