//! `calstack.prometheus_metrics()`: calstack-core's request, retry, error and token series in
//! the Prometheus text format, for a web app's own `/metrics` route. The first call installs
//! calstack-core's Prometheus recorder for the process (`metrics::prometheus::install`); series
//! are counted from then on, so call it once at startup. `calstack.merge_prometheus_metrics()`
//! adds several processes' pages up into one.

use calstack_core::metrics::{merge_text, prometheus};
use pyo3::prelude::*;

use crate::errors::core_error_to_py;

/// The process's calstack metrics in the Prometheus text format (version 0.0.4). The first
/// call installs the recorder; counting starts then. Raises `ValidationError` (field
/// `recorder`) if another `metrics` recorder was installed in this process first.
#[pyfunction]
fn prometheus_metrics(py: Python<'_>) -> PyResult<String> {
    let handle = prometheus::install().map_err(|e| core_error_to_py(py, e))?;
    Ok(py.detach(move || {
        handle.run_upkeep();
        handle.render()
    }))
}

/// One page from several processes' pages (each as `prometheus_metrics()` returned it): the
/// same series summed, each family described once. Raises `ValidationError` (field `pages`)
/// naming the page and line that is not in the text format.
#[pyfunction]
fn merge_prometheus_metrics(py: Python<'_>, pages: Vec<String>) -> PyResult<String> {
    py.detach(|| merge_text(pages.iter().map(String::as_str)))
        .map_err(|e| core_error_to_py(py, e))
}

/// Adds `prometheus_metrics` and `merge_prometheus_metrics` to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(prometheus_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(merge_prometheus_metrics, m)?)
}
