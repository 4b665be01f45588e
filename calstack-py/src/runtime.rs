//! The one tokio runtime every blocking call runs on, and the helper that runs a future on it
//! with the GIL released.
//!
//! Python code is synchronous (Flask, scripts), so each call blocks its thread until the Rust
//! future finishes. While it waits the GIL is released, so other Python threads keep running,
//! and Python's pending signals are checked every [`SIGNAL_POLL`]: Ctrl-C cancels the call
//! (dropping the future) and surfaces as `KeyboardInterrupt`.
//!
//! A forked child cannot use its parent's runtime (its worker threads do not exist in the
//! child), so the runtime remembers the process id it was built in and a new one is built
//! when that changes.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::{self, CallError};

/// How often a waiting call checks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The runtime and the process it was built in.
struct Shared {
    pid: u32,
    runtime: Arc<Runtime>,
}

static RUNTIME: Mutex<Option<Shared>> = Mutex::new(None);

/// The shared runtime, built on first use and rebuilt in a forked child.
pub(crate) fn runtime() -> PyResult<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(shared) = slot.as_ref()
        && shared.pid == pid
    {
        return Ok(Arc::clone(&shared.runtime));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("calstack-worker")
        .build()
        .map_err(|e| {
            errors::calstack_error(format!("could not start the calstack runtime: {e}"))
        })?;
    let runtime = Arc::new(runtime);
    if let Some(inherited) = slot.replace(Shared {
        pid,
        runtime: Arc::clone(&runtime),
    }) {
        // The parent's runtime: its threads are gone in this process, and dropping it would
        // wait for them. Leak it instead.
        std::mem::forget(inherited.runtime);
    }
    Ok(runtime)
}

/// Spawns `future` on this process's runtime (building it if needed).
///
/// Falls back to the runtime the caller is already on when the module's cannot be built
/// (the OS refused threads), so a task is never dropped silently.
pub(crate) fn spawn<F>(future: F) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    match runtime() {
        Ok(rt) => rt.spawn(future),
        Err(_) => tokio::spawn(future),
    }
}

/// Runs `f` on this process's runtime's blocking pool.
pub(crate) fn spawn_blocking<F>(f: F) -> tokio::task::JoinHandle<()>
where
    F: FnOnce() + Send + 'static,
{
    match runtime() {
        Ok(rt) => rt.spawn_blocking(f),
        Err(_) => tokio::task::spawn_blocking(f),
    }
}

/// Runs `future` on the shared runtime with the GIL released, returning its output or the
/// Python exception its error maps to. Ctrl-C (any pending Python signal whose handler
/// raises) cancels the future and that exception is raised instead.
pub(crate) fn block_on<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, CallError>> + Send,
    T: Send,
{
    let runtime = runtime()?;
    let outcome = py.detach(|| {
        runtime.block_on(async {
            tokio::pin!(future);
            loop {
                tokio::select! {
                    result = &mut future => return result,
                    () = tokio::time::sleep(SIGNAL_POLL) => {
                        if let Err(interrupt) = Python::attach(|py| py.check_signals()) {
                            return Err(CallError::Python(interrupt));
                        }
                    }
                }
            }
        })
    });
    outcome.map_err(|e| e.into_pyerr(py))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_shared_within_a_process() {
        let a = runtime().expect("runtime builds");
        let b = runtime().expect("runtime builds");
        assert!(Arc::ptr_eq(&a, &b));
    }
}
