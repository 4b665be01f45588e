//! The Python classes for calstack's records and Google's Calendar resources.
//!
//! Google resources (`Event`, `EventDateTime`, `EventAttendee`, `CalendarListEntry`, ...) wrap
//! calstack-core's typed models: attributes read the typed fields, `to_dict()` serialises to
//! Google's camelCase JSON, and fields calstack does not model are kept (the core models carry
//! them in `extra`), so a get → modify → update cycle never drops what Google sent.
//! Constructors accept the same dicts (checked by serde, errors naming the JSON path), so plain
//! dicts and these classes are interchangeable as inputs. Holding the typed model (not a JSON
//! tree) keeps a listed event small and makes listing a matter of wrapping, not converting.
//!
//! Every class is declared with one of the two macros in [`macros`], so a field is one line.
//! calstack's own records (`Client`, `OAuthCredential`) are plain values; an `OAuthCredential`
//! never holds, shows or returns its client secret or tokens.

mod event;
mod macros;
mod records;
mod resources;

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::convert::json_to_py;
use crate::errors::validation;

pub(crate) use event::{Event, EventAttendee, EventDateTime};
pub(crate) use records::{Client, Metrics, OAuthCredential, RotationReport, SyncResult};
pub(crate) use resources::{
    AclRule, CalendarListEntry, CalendarResource, Channel, Colors, FreeBusy,
};

/// A Python class that wraps a Google resource: its JSON (Google's shape).
pub(crate) trait Model {
    /// The wrapped model as a JSON object.
    fn json(&self) -> Map<String, Value>;
}

/// The JSON object behind a model instance, if `obj` is one of the Google resource classes.
pub(crate) fn model_json(obj: &Bound<'_, PyAny>) -> Option<Map<String, Value>> {
    fn as_model<T: Model + pyo3::PyClass>(obj: &Bound<'_, PyAny>) -> Option<Map<String, Value>> {
        obj.cast::<T>().ok().map(|m| m.borrow().json())
    }
    as_model::<Event>(obj)
        .or_else(|| as_model::<EventDateTime>(obj))
        .or_else(|| as_model::<EventAttendee>(obj))
        .or_else(|| as_model::<CalendarListEntry>(obj))
        .or_else(|| as_model::<AclRule>(obj))
        .or_else(|| as_model::<CalendarResource>(obj))
        .or_else(|| as_model::<Channel>(obj))
}

/// A typed model as a JSON object (Google's shape).
pub(crate) fn to_map<T: Serialize + ?Sized>(value: &T) -> Map<String, Value> {
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

/// A JSON value handed to Python as dicts, lists and scalars (for nested Google objects calstack
/// does not wrap in a class, such as an event's organizer).
pub(crate) struct JsonValue(pub(crate) Value);

impl JsonValue {
    /// Any serialisable model as a JSON value.
    pub(crate) fn of<T: Serialize>(value: &T) -> Self {
        Self(serde_json::to_value(value).unwrap_or(Value::Null))
    }
}

impl<'py> IntoPyObject<'py> for JsonValue {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0)
    }
}

/// `Name(field=value, ...)`, with values already shown as Python would.
pub(crate) fn repr_of(class: &str, fields: &[(&str, String)]) -> String {
    let shown: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{class}({})", shown.join(", "))
}

/// How a field's value shows in a `__repr__`, as Python would show it.
pub(crate) trait ReprValue {
    /// The value as Python's `repr` shows it.
    fn repr(&self) -> String;
}

impl ReprValue for String {
    fn repr(&self) -> String {
        py_repr(self)
    }
}

impl ReprValue for Option<String> {
    fn repr(&self) -> String {
        self.as_deref().map_or_else(|| "None".to_owned(), py_repr)
    }
}

impl ReprValue for Option<&str> {
    fn repr(&self) -> String {
        self.map_or_else(|| "None".to_owned(), py_repr)
    }
}

impl ReprValue for bool {
    fn repr(&self) -> String {
        if *self { "True" } else { "False" }.to_owned()
    }
}

impl ReprValue for Vec<String> {
    fn repr(&self) -> String {
        let items: Vec<String> = self.iter().map(|s| py_repr(s)).collect();
        format!("[{}]", items.join(", "))
    }
}

/// How a record's field goes into `to_dict()`: JSON-ready (times as RFC 3339 text).
pub(crate) trait DictValue {
    /// The value as JSON.
    fn dict_value(&self) -> Value;
}

impl DictValue for String {
    fn dict_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl DictValue for bool {
    fn dict_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl DictValue for Vec<String> {
    fn dict_value(&self) -> Value {
        Value::Array(self.iter().cloned().map(Value::String).collect())
    }
}

impl DictValue for DateTime<Utc> {
    fn dict_value(&self) -> Value {
        Value::String(self.to_rfc3339())
    }
}

impl<T: DictValue> DictValue for Option<T> {
    fn dict_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, DictValue::dict_value)
    }
}

macro_rules! number_values {
    ($($t:ty),*) => {$(
        impl ReprValue for $t {
            fn repr(&self) -> String {
                self.to_string()
            }
        }

        impl DictValue for $t {
            fn dict_value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
number_values!(u64, usize);

impl DictValue for std::collections::BTreeMap<String, u64> {
    fn dict_value(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(k, v)| (k.clone(), Value::from(*v)))
                .collect(),
        )
    }
}

/// `value` as Python's `repr` shows a str (`'text'`), or `None`.
pub(crate) fn quoted(value: Option<&str>) -> String {
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
    m.add_class::<CalendarResource>()?;
    m.add_class::<Channel>()?;
    m.add_class::<Colors>()?;
    m.add_class::<FreeBusy>()?;
    m.add_class::<Metrics>()?;
    m.add_class::<RotationReport>()?;
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
