//! `calstack._calstack`: the Rust half of the `calstack` Python package.
//!
//! Thin by design: it converts types (Python ⇄ JSON ⇄ calstack-core models), maps errors to
//! the `calstack.CalstackError` hierarchy, releases the GIL around every blocking call and
//! owns the one tokio runtime those calls run on. All behaviour lives in calstack-core.

use pyo3::prelude::*;

mod asyncio;
mod calendar;
mod clients;
mod convert;
mod errors;
mod handle;
mod ics;
mod logging;
mod models;
mod oauth;
mod prometheus;
mod runtime;
mod stack;
mod stack_views;
mod sync;

/// The extension module.
#[pymodule]
fn _calstack(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(m.py());
    errors::register(m)?;
    models::register(m)?;
    m.add_class::<stack::Calstack>()?;
    m.add_class::<stack::Clients>()?;
    m.add_class::<stack::OAuth>()?;
    m.add_class::<calendar::Calendar>()?;
    m.add_class::<calendar::EventStream>()?;
    stack_views::register(m)?;
    m.add_function(wrap_pyfunction!(stack::generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(sync::validate_push_address, m)?)?;
    ics::register(m)?;
    prometheus::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
