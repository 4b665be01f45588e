//! The asyncio face: a calstack call as an awaitable on the running asyncio loop, executed on
//! the module's one tokio runtime (the same one blocking calls use, rebuilt after a fork).
//!
//! pyo3-async-runtimes does the asyncio side (a future on the caller's loop, results handed
//! back with `call_soon_threadsafe`, and cancelling the Python task drops the Rust future, which
//! cancels the request). [`ModuleRuntime`] plugs our runtime into it instead of the library's
//! own global one, so there is still exactly one runtime per process.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{self, ContextExt, JoinError, Runtime};

use crate::errors::CallError;
use crate::runtime;

tokio::task_local! {
    /// The asyncio loop (and context) of the Python task a Rust future runs for.
    static TASK_LOCALS: TaskLocals;
}

/// The module's tokio runtime, as pyo3-async-runtimes sees a runtime.
pub(crate) struct ModuleRuntime;

/// A task of [`ModuleRuntime`] that panicked or was cancelled.
pub(crate) struct TaskFailed(tokio::task::JoinError);

impl JoinError for TaskFailed {
    fn is_panic(&self) -> bool {
        self.0.is_panic()
    }

    fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.0.into_panic()
    }
}

type Joined = Pin<Box<dyn Future<Output = Result<(), TaskFailed>> + Send>>;

impl Runtime for ModuleRuntime {
    type JoinError = TaskFailed;
    type JoinHandle = Joined;

    fn spawn<F>(fut: F) -> Joined
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let task = runtime::spawn(fut);
        Box::pin(async move { task.await.map_err(TaskFailed) })
    }

    fn spawn_blocking<F>(f: F) -> Joined
    where
        F: FnOnce() + Send + 'static,
    {
        let task = runtime::spawn_blocking(f);
        Box::pin(async move { task.await.map_err(TaskFailed) })
    }
}

impl ContextExt for ModuleRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(locals, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(Clone::clone).ok()
    }
}

/// `future` as an asyncio awaitable on the running loop: its output converted to Python, its
/// error raised as the matching `calstack` exception. Must be called with a running loop
/// (from a coroutine).
pub(crate) fn awaitable<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, CallError>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime::runtime()?;
    let locals = generic::get_current_locals::<ModuleRuntime>(py)?;
    generic::future_into_py_with_locals::<ModuleRuntime, _, T>(py, locals, async move {
        future
            .await
            .map_err(|e| Python::attach(|py| e.into_pyerr(py)))
    })
}
