//! The Python exception hierarchy, rooted at `calstack.CalstackError`, and the one conversion
//! from calstack-core's [`Error`] to a Python exception.
//!
//! Each exception carries the fields a caller acts on as attributes (`ValidationError.field`,
//! `RateLimitedError.retry_after`, `ApiError.status` / `.reason`, ...). Where a built-in
//! exception fits, it is a second base: `ValidationError` is also a `ValueError`,
//! `NotFoundError` also a `LookupError`. Messages come from core's `Display`, which never
//! contains a token or secret.

use calstack_core::{Error, StoreError as CoreStoreError};
use pyo3::IntoPyObjectExt;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyLookupError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

create_exception!(
    calstack,
    CalstackError,
    PyException,
    "Base class of every error calstack raises."
);
create_exception!(
    calstack,
    ReauthorizationRequired,
    CalstackError,
    "The credential can no longer be refreshed (revoked or expired grant): send the client through consent again. Attributes: credential_id, reason."
);
create_exception!(
    calstack,
    AuthorizationError,
    CalstackError,
    "The OAuth callback or authorization request was refused (consent denied, unknown, expired or replayed state). Attributes: code, reason."
);
create_exception!(
    calstack,
    RateLimitedError,
    CalstackError,
    "Google refused because of rate limits and the retry budget is spent. Attributes: retry_after (seconds or None), reason."
);
create_exception!(
    calstack,
    PreconditionFailedError,
    CalstackError,
    "The resource changed since it was read (stale etag, HTTP 412): fetch it again and reapply."
);
create_exception!(
    calstack,
    SyncTokenExpiredError,
    CalstackError,
    "The sync token is no longer valid (HTTP 410): drop local state and run a full sync."
);
create_exception!(
    calstack,
    ApiError,
    CalstackError,
    "Google answered with an error not covered by a more specific exception. Attributes: status, reason, message, body."
);
create_exception!(
    calstack,
    QuotaExceededError,
    ApiError,
    "Google's usage quota is spent (403 quotaExceeded / dailyLimitExceeded). Never retried: back off for hours (the daily quota resets at midnight Pacific time) or raise the quota in the Cloud console. Attributes: status (403), reason, message, body (empty)."
);
create_exception!(
    calstack,
    TransportError,
    CalstackError,
    "The request never got an HTTP answer (connection refused, reset, timeout, TLS)."
);
create_exception!(
    calstack,
    StoreError,
    CalstackError,
    "The storage backend failed. Attribute: kind ('conflict', 'unavailable', 'corrupt', 'migration', 'backend')."
);
create_exception!(
    calstack,
    ConflictError,
    StoreError,
    "The row kept changing concurrently and the write gave up. (A duplicate client email is a ValidationError on `email`.)"
);

static VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NOT_FOUND_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Builds an exception class with two bases (calstack's and a built-in one), which
/// `create_exception!` cannot express.
fn two_base_class<'py>(
    py: Python<'py>,
    name: &str,
    doc: &str,
    builtin: Bound<'py, PyType>,
) -> PyResult<Py<PyType>> {
    let bases = PyTuple::new(py, [py.get_type::<CalstackError>(), builtin])?;
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "calstack")?;
    namespace.set_item("__doc__", doc)?;
    let class = py
        .import("builtins")?
        .getattr("type")?
        .call1((name, bases, namespace))?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

/// `calstack.ValidationError` (a `CalstackError` and a `ValueError`).
pub(crate) fn validation_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    VALIDATION_ERROR
        .get_or_try_init(py, || {
            two_base_class(
                py,
                "ValidationError",
                "The input was refused before anything was sent or stored. Attributes: field (the parameter or JSON path at fault), reason.",
                py.get_type::<PyValueError>(),
            )
        })
        .map(|t| t.bind(py))
}

/// `calstack.NotFoundError` (a `CalstackError` and a `LookupError`).
pub(crate) fn not_found_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    NOT_FOUND_ERROR
        .get_or_try_init(py, || {
            two_base_class(
                py,
                "NotFoundError",
                "The client, credential, calendar or event does not exist. Attribute: what.",
                py.get_type::<PyLookupError>(),
            )
        })
        .map(|t| t.bind(py))
}

/// Adds every exception class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CalstackError", py.get_type::<CalstackError>())?;
    m.add("ValidationError", validation_error_type(py)?)?;
    m.add("NotFoundError", not_found_error_type(py)?)?;
    m.add(
        "ReauthorizationRequired",
        py.get_type::<ReauthorizationRequired>(),
    )?;
    m.add("AuthorizationError", py.get_type::<AuthorizationError>())?;
    m.add("RateLimitedError", py.get_type::<RateLimitedError>())?;
    m.add(
        "PreconditionFailedError",
        py.get_type::<PreconditionFailedError>(),
    )?;
    m.add(
        "SyncTokenExpiredError",
        py.get_type::<SyncTokenExpiredError>(),
    )?;
    m.add("ApiError", py.get_type::<ApiError>())?;
    m.add("TransportError", py.get_type::<TransportError>())?;
    m.add("QuotaExceededError", py.get_type::<QuotaExceededError>())?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    Ok(())
}

/// An exception of class `class` with message `message` and the given attributes set.
fn raise_with(
    py: Python<'_>,
    class: &Bound<'_, PyType>,
    message: String,
    attributes: &[(&str, Py<PyAny>)],
) -> PyErr {
    let err = PyErr::from_type(class.clone(), (message,));
    let value = err.value(py);
    for (name, attribute) in attributes {
        if let Err(e) = value.setattr(*name, attribute.bind(py)) {
            return e;
        }
    }
    err
}

/// A `calstack.CalstackError` with `message` (for failures that have no better class).
pub(crate) fn calstack_error(message: impl Into<String>) -> PyErr {
    CalstackError::new_err(message.into())
}

/// A `calstack.ValidationError` naming `field`.
pub(crate) fn validation(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    let reason = reason.into();
    match validation_error_type(py) {
        Ok(class) => raise_with(
            py,
            class,
            format!("invalid {field}: {reason}"),
            &[
                ("field", into_py(py, field)),
                ("reason", into_py(py, reason)),
            ],
        ),
        Err(e) => e,
    }
}

/// A `calstack.NotFoundError` about `what`.
pub(crate) fn not_found(py: Python<'_>, what: impl Into<String>) -> PyErr {
    let what = what.into();
    match not_found_error_type(py) {
        Ok(class) => raise_with(
            py,
            class,
            format!("not found: {what}"),
            &[("what", into_py(py, what))],
        ),
        Err(e) => e,
    }
}

fn into_py<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> Py<PyAny> {
    value
        .into_bound_py_any(py)
        .map_or_else(|_| py.None(), Bound::unbind)
}

/// Why a call into the core failed: the core's error, or a Python exception raised while
/// waiting (Ctrl-C) or while converting.
#[derive(Debug)]
pub(crate) enum CallError {
    /// calstack-core refused or failed.
    Core(Error),
    /// A Python exception (KeyboardInterrupt, or a conversion failure).
    Python(PyErr),
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Core(e)
    }
}

impl From<CoreStoreError> for CallError {
    fn from(e: CoreStoreError) -> Self {
        CallError::Core(Error::Store(e))
    }
}

impl From<PyErr> for CallError {
    fn from(e: PyErr) -> Self {
        CallError::Python(e)
    }
}

impl From<CallError> for PyErr {
    fn from(e: CallError) -> Self {
        Python::attach(|py| e.into_pyerr(py))
    }
}

impl CallError {
    /// The Python exception for this failure.
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            CallError::Python(e) => e,
            CallError::Core(e) => core_error_to_py(py, e),
        }
    }
}

/// A core refusal naming Google's window parameters (`timeMin`, `timeMax`) renamed to this
/// module's (`time_min`, `time_max`); every other error as it is.
pub(crate) fn python_window_names(error: Error) -> Error {
    let python = |text: &str| {
        text.replace("timeMin", "time_min")
            .replace("timeMax", "time_max")
    };
    match error {
        Error::Validation { field, reason } => Error::validation(python(&field), python(&reason)),
        other => other,
    }
}

/// The one mapping from calstack-core's errors to Python exceptions.
pub(crate) fn core_error_to_py(py: Python<'_>, error: Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::NotFound { what } => not_found(py, what),
        Error::Validation { field, reason } => validation(py, &field, reason),
        Error::ReauthorizationRequired {
            credential_id,
            reason,
        } => raise_with(
            py,
            &py.get_type::<ReauthorizationRequired>(),
            message,
            &[
                ("credential_id", into_py(py, credential_id)),
                ("reason", into_py(py, reason)),
            ],
        ),
        Error::Authorization { code, reason } => raise_with(
            py,
            &py.get_type::<AuthorizationError>(),
            message,
            &[("code", into_py(py, code)), ("reason", into_py(py, reason))],
        ),
        Error::RateLimited {
            retry_after,
            reason,
        } => raise_with(
            py,
            &py.get_type::<RateLimitedError>(),
            message,
            &[
                (
                    "retry_after",
                    into_py(py, retry_after.map(|d| d.as_secs_f64())),
                ),
                ("reason", into_py(py, reason)),
            ],
        ),
        Error::PreconditionFailed => PreconditionFailedError::new_err(message),
        Error::SyncTokenExpired => SyncTokenExpiredError::new_err(message),
        Error::Api(api) => raise_with(
            py,
            &py.get_type::<ApiError>(),
            message,
            &[
                ("status", into_py(py, api.status)),
                ("reason", into_py(py, api.reason)),
                ("message", into_py(py, api.message)),
                ("body", into_py(py, api.body)),
            ],
        ),
        Error::QuotaExceeded { reason, message } => raise_with(
            py,
            &py.get_type::<QuotaExceededError>(),
            format!("quota exceeded ({reason}): {message}"),
            &[
                ("status", into_py(py, 403)),
                ("reason", into_py(py, reason)),
                ("message", into_py(py, message)),
                ("body", into_py(py, "")),
            ],
        ),
        Error::Transport { .. } => TransportError::new_err(message),
        Error::Store(store) => store_error_to_py(py, store),
        other => CalstackError::new_err(other.to_string()),
    }
}

fn store_error_to_py(py: Python<'_>, error: CoreStoreError) -> PyErr {
    let message = error.to_string();
    let kind = match &error {
        CoreStoreError::NotFound { what } => return not_found(py, what.clone()),
        CoreStoreError::Conflict { .. } => {
            return raise_with(
                py,
                &py.get_type::<ConflictError>(),
                message,
                &[("kind", into_py(py, "conflict"))],
            );
        }
        CoreStoreError::Unavailable { .. } => "unavailable",
        CoreStoreError::Corrupt { .. } => "corrupt",
        CoreStoreError::Migration { .. } => "migration",
        _ => "backend",
    };
    raise_with(
        py,
        &py.get_type::<StoreError>(),
        message,
        &[("kind", into_py(py, kind))],
    )
}
