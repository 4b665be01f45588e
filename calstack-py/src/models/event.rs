//! `Event`, `EventDateTime` and `EventAttendee`: Google's event resource and its parts.
//!
//! An `Event` is mutable from Python (its setters go through the typed model, so a bad value
//! is refused with the JSON path named); its parts are frozen values.

use calstack_core::calendar::{
    Event as CoreEvent, EventAttendee as CoreAttendee, EventDateTime as CoreDateTime,
};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use serde_json::{Map, Value};

use super::macros::google_model;
use super::resources::text;
use super::{JsonValue, from_json, py_repr, quoted, to_map};
use crate::convert::{self, date_from_py, is_date, is_datetime, object_from_py};
use crate::errors::validation;

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

impl Event {
    /// Wraps a core event already on the heap (a listing boxes events on a worker thread, so
    /// the calling thread only allocates the small Python objects around them).
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
        let mut map = to_map(&*self.inner);
        match json {
            Some(v) => map.insert(key.to_owned(), v),
            None => map.remove(key),
        };
        *self.inner = from_json(py, Value::Object(map), "event")?;
        Ok(())
    }
}

google_model! {
    /// A Calendar event (Google's `Event` resource).
    #[pyclass(module = "calstack", name = "Event")]
    "Event" => Event {
        inner: Box<CoreEvent>, core: CoreEvent, param: "event", from: object_from_py
    }
    fields {
        /// Opaque identifier of the event.
        id: Option<&str> = |m| m.id.as_deref();
        /// Title of the event.
        summary: Option<&str> = |m| m.summary.as_deref();
        /// Description of the event (may contain HTML).
        description: Option<&str> = |m| m.description.as_deref();
        /// Geographic location of the event as free-form text.
        location: Option<&str> = |m| m.location.as_deref();
        /// The (inclusive) start.
        start: Option<EventDateTime> = |m| m.start.clone().map(EventDateTime::new_core);
        /// The (exclusive) end.
        end: Option<EventDateTime> = |m| m.end.clone().map(EventDateTime::new_core);
        /// For an instance of a recurring event, the start it has in the recurrence.
        original_start_time: Option<EventDateTime> = |m| m.original_start_time.clone().map(EventDateTime::new_core);
        /// The attendees (empty when there are none).
        attendees: Vec<EventAttendee> = |m| m.attendees.iter().flatten().cloned().map(EventAttendee::new_core).collect();
        /// RRULE, EXRULE, RDATE and EXDATE lines of a recurring event (empty otherwise).
        recurrence: Vec<String> = |m| m.recurrence.clone().unwrap_or_default();
        /// `confirmed`, `tentative` or `cancelled` (a deleted event seen by sync).
        status: Option<String> = |m| text(m.status.as_ref());
        /// ETag of the resource, for `update_event(..., etag=...)`.
        etag: Option<&str> = |m| m.etag.as_deref();
        /// Link to the event in the Google Calendar web UI.
        html_link: Option<&str> = |m| m.html_link.as_deref();
        /// Event id in the iCalendar format, shared by all instances of a recurring event.
        i_cal_uid: Option<&str> = |m| m.ical_uid.as_deref();
        /// For an instance of a recurring event, the id of the recurring event.
        recurring_event_id: Option<&str> = |m| m.recurring_event_id.as_deref();
        /// Colour id (a key of `colors().event`).
        color_id: Option<&str> = |m| m.color_id.as_deref();
        /// Creation time (aware `datetime`).
        created: Option<DateTime<Utc>> = |m| m.created;
        /// Last modification time (aware `datetime`).
        updated: Option<DateTime<Utc>> = |m| m.updated;
        /// The organizer, as Google's dict (`email`, `displayName`, `self`).
        organizer: Option<JsonValue> = |m| m.organizer.as_ref().map(JsonValue::of);
        /// Whether this is an all-day event (its start is a `date`, not a `dateTime`).
        is_all_day: bool = |m| m.start.as_ref().is_some_and(|s| s.date.is_some());
        /// Whether the event is cancelled (deleted), as incremental sync reports deletions.
        is_cancelled: bool = |m| m.is_cancelled();
    }
    methods {
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

        #[setter]
        fn set_id(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "id", value, Field::Text)
        }

        #[setter]
        fn set_summary(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "summary", value, Field::Text)
        }

        #[setter]
        fn set_description(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "description", value, Field::Text)
        }

        #[setter]
        fn set_location(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "location", value, Field::Text)
        }

        #[setter]
        fn set_start(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "start", value, Field::When)
        }

        #[setter]
        fn set_end(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "end", value, Field::When)
        }

        #[setter]
        fn set_attendees(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "attendees", value, Field::Attendees)
        }

        #[setter]
        fn set_recurrence(&mut self, py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.set_field(py, "recurrence", value, Field::Lines)
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
}

google_model! {
    /// When an event starts or ends: a `date_time` (timed) or a `date` (all-day), with an
    /// optional IANA `time_zone`.
    #[pyclass(module = "calstack", name = "EventDateTime", frozen)]
    "EventDateTime" => EventDateTime {
        inner: CoreDateTime, core: CoreDateTime, param: "event_date_time", from: event_datetime_json
    }
    fields {
        /// The instant, for a timed event (aware `datetime`).
        date_time: Option<DateTime<FixedOffset>> = |m| m.date_time;
        /// The day, for an all-day event.
        date: Option<NaiveDate> = |m| m.date;
        /// The IANA time zone (`Europe/Paris`), when given.
        time_zone: Option<String> = |m| m.time_zone.clone();
        /// Whether this is an all-day `date`.
        is_all_day: bool = |m| m.date.is_some();
    }
    methods {
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
                        return Err(validation(py, "date_time", "expected a timezone-aware datetime"));
                    }
                    event_datetime_json(t, "date_time")?
                }
                (None, Some(d)) => {
                    let mut m = Map::new();
                    m.insert("date".into(), Value::String(date_from_py(d, "date")?));
                    m
                }
                (Some(_), Some(_)) => {
                    return Err(validation(py, "date", "give either date_time or date, not both"));
                }
                (None, None) => return Err(validation(py, "date_time", "give date_time or date")),
            };
            if let Some(tz) = time_zone {
                map.insert("timeZone".into(), Value::String(tz));
            }
            Ok(Self::new_core(from_json(py, Value::Object(map), "event_date_time")?))
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
}

google_model! {
    /// An attendee of an event.
    #[pyclass(module = "calstack", name = "EventAttendee", frozen)]
    "EventAttendee" => EventAttendee {
        inner: CoreAttendee, core: CoreAttendee, param: "attendee", from: object_from_py
    }
    fields {
        /// The attendee's email address.
        email: Option<String> = |m| m.email.clone();
        /// The attendee's name, if available.
        display_name: Option<String> = |m| m.display_name.clone();
        /// `needsAction`, `declined`, `tentative` or `accepted`.
        response_status: Option<String> = |m| text(m.response_status.as_ref());
        /// Whether this is an optional attendee.
        optional: bool = |m| m.optional.unwrap_or(false);
        /// Whether the attendee is the organizer.
        organizer: bool = |m| m.organizer.unwrap_or(false);
        /// Whether this entry is the calendar's owner (Google's `self`).
        is_self: bool = |m| m.is_self.unwrap_or(false);
        /// The attendee's response comment.
        comment: Option<String> = |m| m.comment.clone();
    }
    repr(email, response_status)
    methods {
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
            Ok(Self::new_core(from_json(py, Value::Object(data), "attendee")?))
        }
    }
}
