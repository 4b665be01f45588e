//! The two macros every Python model class is written with, so a new field is one line.
//!
//! - [`google_model!`] wraps a calstack-core Google resource (`inner`): one getter per listed
//!   field, `from_dict` / `to_dict` (Google's camelCase JSON, unknown keys kept), `__eq__`, and
//!   a `__repr__` of the chosen fields. Class-specific methods (constructors, setters) go in the
//!   `methods { ... }` block, which lands in the same `#[pymethods]` impl.
//! - [`record!`] declares one of calstack's own records (`Client`, `OAuthCredential`): a frozen
//!   class with a getter per field (`get_all`), `to_dict` (JSON-ready) and `__repr__`.

/// Declares a Python class around a calstack-core Google model. Each field line is
/// `/// doc` then `name: PythonType = |m| expression_on_the_core_model;`.
macro_rules! google_model {
    (
        $(#[$attr:meta])*
        $py:literal => $name:ident { inner: $storage:ty, core: $core:ty, param: $param:literal, from: $from:path }
        fields { $( $(#[$fdoc:meta])* $field:ident : $ty:ty = $get:expr ; )* }
        $( repr($($rfield:ident),*) )?
        $( methods { $($extra:tt)* } )?
    ) => {
        $(#[$attr])*
        #[derive(Clone)]
        pub(crate) struct $name {
            pub(crate) inner: $storage,
        }

        impl $name {
            /// Wraps a core model.
            #[allow(dead_code)]
            pub(crate) fn new_core(inner: $core) -> Self {
                Self { inner: inner.into() }
            }
        }

        impl $crate::models::Model for $name {
            fn json(&self) -> serde_json::Map<String, serde_json::Value> {
                $crate::models::to_map(&self.inner)
            }
        }

        #[pymethods]
        impl $name {
            /// From a dict in Google's shape (camelCase keys); unknown keys are kept.
            #[staticmethod]
            fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let map = $from(data, $param)?;
                Ok(Self::new_core($crate::models::from_json(
                    data.py(),
                    serde_json::Value::Object(map),
                    $param,
                )?))
            }

            /// As a dict in Google's JSON shape (camelCase keys, RFC 3339 strings).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
                $crate::convert::map_to_py(py, &$crate::models::to_map(&self.inner))
            }

            $(
                $(#[$fdoc])*
                #[getter]
                fn $field(&self) -> $ty {
                    let get: fn(&$core) -> $ty = $get;
                    get(&self.inner)
                }
            )*

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                other.cast::<$name>().is_ok_and(|o| o.borrow().inner == self.inner)
            }

            $(
                fn __repr__(&self) -> String {
                    $crate::models::repr_of(
                        $py,
                        &[$((stringify!($rfield), $crate::models::ReprValue::repr(&self.$rfield()))),*],
                    )
                }
            )?

            $( $($extra)* )?
        }
    };
}

/// Declares one of calstack's records as a frozen Python class: every field is readable
/// (`get_all`), `to_dict()` gives a JSON-ready dict (times as RFC 3339), `__repr__` shows the
/// fields named in `repr(...)`.
macro_rules! record {
    (
        $(#[$attr:meta])*
        $py:literal => $name:ident {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty, )*
        }
        repr($($rfield:ident),*)
    ) => {
        $(#[$attr])*
        #[pyclass(module = "calstack", name = $py, frozen, get_all)]
        #[derive(Clone, PartialEq)]
        pub(crate) struct $name {
            $( $(#[$fdoc])* pub(crate) $field: $ty, )*
        }

        #[pymethods]
        impl $name {
            /// Every attribute as a JSON-ready dict (RFC 3339 times).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
                let d = pyo3::types::PyDict::new(py);
                $( d.set_item(stringify!($field), $crate::convert::json_to_py(py, &$crate::models::DictValue::dict_value(&self.$field))?)?; )*
                Ok(d)
            }

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                other.cast::<$name>().is_ok_and(|o| o.get() == self)
            }

            fn __repr__(&self) -> String {
                $crate::models::repr_of(
                    $py,
                    &[$((stringify!($rfield), $crate::models::ReprValue::repr(&self.$rfield))),*],
                )
            }
        }
    };
}

pub(crate) use {google_model, record};
