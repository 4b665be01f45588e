//! `calstack.prometheus_metrics()`: calstack-core's request, retry, error and token series in
//! the Prometheus text format, for a web app's own `/metrics` route. The first call installs
//! calstack-core's Prometheus recorder for the process (`metrics::prometheus::install`); series
//! are counted from then on, so call it once at startup.

use calstack_core::metrics::prometheus;
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

/// Adds `prometheus_metrics` to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(prometheus_metrics, m)?)
}
