//! Conversions between Python values and JSON (Google's wire shape), and between Python
//! `datetime`/`date` objects and RFC 3339 text.
//!
//! Inputs are checked here so that a wrong type or a naive datetime raises a
//! `calstack.ValidationError` naming the parameter or JSON path at fault (`event.start.dateTime`),
//! instead of a serde message.

use chrono::{DateTime, FixedOffset};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

use crate::errors::validation;
use crate::models;

static DATETIME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME_TYPE.import(py, "datetime", "datetime")
}

fn date_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATE_TYPE.import(py, "datetime", "date")
}

/// A JSON value as the equivalent Python value (dicts, lists, str, int, float, bool, None).
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => map_to_py(py, map)?.into_any(),
    })
}

/// A JSON object as a Python dict.
pub(crate) fn map_to_py<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in map {
        dict.set_item(key, json_to_py(py, value)?)?;
    }
    Ok(dict)
}

/// A Python value as JSON. `path` names the value in errors (`event.attendees[0].email`).
///
/// Accepts None, bool, int, float, str, mappings with str keys, lists and tuples, calstack's
/// model classes, timezone-aware `datetime` (as RFC 3339) and `date` (as `YYYY-MM-DD`).
pub(crate) fn py_to_json(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(validation(py, path, "integer out of range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| validation(py, path, "must be a finite number"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Some(map) = models::model_json(obj) {
        return Ok(Value::Object(map));
    }
    if obj.is_instance(datetime_type(py)?)? {
        return Ok(Value::String(aware_datetime(obj, path)?.to_rfc3339()));
    }
    if obj.is_instance(date_type(py)?)? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    if let Ok(mapping) = obj.cast::<PyMapping>() {
        return Ok(Value::Object(mapping_to_json(mapping, path)?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(py_to_json(&item?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    Err(validation(
        py,
        path,
        format!("unsupported type {}", obj.get_type().name()?),
    ))
}

/// A Python mapping (with str keys) as a JSON object.
pub(crate) fn mapping_to_json(
    mapping: &Bound<'_, PyMapping>,
    path: &str,
) -> PyResult<Map<String, Value>> {
    let py = mapping.py();
    let mut map = Map::new();
    for item in mapping.items()?.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let Ok(key) = key.cast::<PyString>() else {
            return Err(validation(py, path, "keys must be strings"));
        };
        let key = key.to_cow()?.into_owned();
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        map.insert(key, py_to_json(&value, &child)?);
    }
    Ok(map)
}

/// A Python value that must be a JSON object: a model instance or a mapping.
pub(crate) fn object_from_py(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Map<String, Value>> {
    if let Some(map) = models::model_json(obj) {
        return Ok(map);
    }
    match obj.cast::<PyMapping>() {
        Ok(mapping) => mapping_to_json(mapping, path),
        Err(_) => Err(validation(
            obj.py(),
            path,
            format!(
                "expected a calstack model or a dict, got {}",
                obj.get_type().name()?
            ),
        )),
    }
}

/// A timezone-aware `datetime` as a chrono timestamp; a naive one (or any other type) is a
/// `ValidationError` naming `param`.
pub(crate) fn aware_datetime(
    obj: &Bound<'_, PyAny>,
    param: &str,
) -> PyResult<DateTime<FixedOffset>> {
    let py = obj.py();
    if !obj.is_instance(datetime_type(py)?)? {
        return Err(validation(
            py,
            param,
            format!(
                "expected a timezone-aware datetime, got {}",
                obj.get_type().name()?
            ),
        ));
    }
    if obj.call_method0("utcoffset")?.is_none() {
        return Err(validation(
            py,
            param,
            "naive datetime: give it a timezone (e.g. datetime.now(timezone.utc))",
        ));
    }
    let text: String = obj.call_method0("isoformat")?.extract()?;
    DateTime::parse_from_rfc3339(&text).map_err(|e| validation(py, param, e.to_string()))
}

/// An optional aware datetime parameter.
pub(crate) fn optional_datetime(
    obj: Option<&Bound<'_, PyAny>>,
    param: &str,
) -> PyResult<Option<DateTime<FixedOffset>>> {
    match obj {
        Some(o) if !o.is_none() => aware_datetime(o, param).map(Some),
        _ => Ok(None),
    }
}

/// A `date` (not a `datetime`) as `YYYY-MM-DD`, or a `ValidationError` naming `param`.
pub(crate) fn date_from_py(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<String> {
    let py = obj.py();
    if obj.is_instance(datetime_type(py)?)? || !obj.is_instance(date_type(py)?)? {
        return Err(validation(
            py,
            param,
            format!("expected a date, got {}", obj.get_type().name()?),
        ));
    }
    obj.call_method0("isoformat")?.extract()
}

/// Whether `obj` is a `datetime.datetime`.
pub(crate) fn is_datetime(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(datetime_type(obj.py())?)
}

/// Whether `obj` is a `datetime.date` but not a `datetime.datetime`.
pub(crate) fn is_date(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(!is_datetime(obj)? && obj.is_instance(date_type(obj.py())?)?)
}
