//! The handle every Python object of one `Calstack` shares: how to open the core, the core
//! opened in this process, and whether calls block or return asyncio awaitables.
//!
//! Fork safety lives here. The core owns connection pools and an HTTP client whose sockets
//! belong to the process (and runtime) that opened them, so a forked child must never use
//! them: the first call in a child (gunicorn `--preload`, Celery prefork, `multiprocessing`)
//! opens a new core from the kept settings (database URL, keyring, endpoints, retry and
//! throttle) on the child's own runtime. The parent's core is leaked in the child, never
//! dropped, since dropping a pool would close sockets the parent still uses.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use calstack_core::crypto::Keyring;
use calstack_core::oauth::GoogleEndpoints;
use calstack_core::store::MemoryStore;
use calstack_core::{Calstack as CoreCalstack, RetryPolicy, Store};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;

use crate::errors::CallError;
use crate::runtime::block_on;

/// Everything needed to open the core again in a forked child. Holds the keyring and the
/// database URL (which may carry a password): never printed.
pub(crate) struct Settings {
    pub(crate) database_url: String,
    pub(crate) keyring: Keyring,
    pub(crate) endpoints: GoogleEndpoints,
    pub(crate) retry: RetryPolicy,
    pub(crate) requests_per_second: u32,
}

impl Settings {
    /// Opens (and migrates) the store and builds the core.
    pub(crate) async fn open(&self) -> Result<CoreCalstack, CallError> {
        let store = open_store(&self.database_url).await?;
        Ok(CoreCalstack::builder()
            .store(store)
            .keyring(self.keyring.clone())
            .endpoints(self.endpoints.clone())
            .retry(self.retry)
            .requests_per_second(self.requests_per_second)
            .build()?)
    }
}

async fn open_store(url: &str) -> Result<Arc<dyn Store>, CallError> {
    let trimmed = url.trim();
    if trimmed == "memory:" || trimmed == "memory://" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    Ok(calstack_store::connect(trimmed).await?)
}

/// The core and the process that opened it.
struct Opened {
    pid: u32,
    core: Arc<CoreCalstack>,
}

/// How a handle's methods answer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Block the calling thread (GIL released) until the answer is there.
    Blocking,
    /// Return an asyncio awaitable.
    Asyncio,
}

/// Shared by every service object of one `Calstack`.
#[derive(Clone)]
pub(crate) struct Handle {
    settings: Arc<Settings>,
    opened: Arc<Mutex<Opened>>,
    /// Whether calls block or return awaitables.
    pub(crate) mode: Mode,
}

impl Handle {
    /// Opens the core in this process (blocking, GIL released).
    pub(crate) fn open(py: Python<'_>, settings: Settings) -> PyResult<Self> {
        let settings = Arc::new(settings);
        let opening = Arc::clone(&settings);
        let core = block_on(py, async move { opening.open().await })?;
        Ok(Self {
            settings,
            opened: Arc::new(Mutex::new(Opened {
                pid: std::process::id(),
                core: Arc::new(core),
            })),
            mode: Mode::Blocking,
        })
    }

    /// The same handle answering in `mode`.
    pub(crate) fn with_mode(&self, mode: Mode) -> Self {
        Self {
            mode,
            ..self.clone()
        }
    }

    /// The core of this process: the one opened here, or, in a forked child, a new one opened
    /// now (blocking, GIL released) from the kept settings.
    pub(crate) fn core(&self) -> PyResult<Arc<CoreCalstack>> {
        if let Some(core) = self.current() {
            return Ok(core);
        }
        let settings = Arc::clone(&self.settings);
        let fresh = Python::attach(|py| block_on(py, async move { settings.open().await }))?;
        Ok(self.adopt(fresh))
    }

    /// The core, if it was opened in this process.
    fn current(&self) -> Option<Arc<CoreCalstack>> {
        let opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        (opened.pid == std::process::id()).then(|| Arc::clone(&opened.core))
    }

    /// Installs a core opened in this process, unless another thread already did.
    fn adopt(&self, fresh: CoreCalstack) -> Arc<CoreCalstack> {
        let pid = std::process::id();
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        if opened.pid != pid {
            let inherited = std::mem::replace(&mut opened.core, Arc::new(fresh));
            opened.pid = pid;
            // The parent's pools and sockets: never dropped (and so never closed) here.
            std::mem::forget(inherited);
        }
        Arc::clone(&opened.core)
    }

    /// Runs `future` as this handle answers: blocking (GIL released, Ctrl-C cancels) or as an
    /// asyncio awaitable (cancelling the task cancels the request). Its output is converted to
    /// Python, its error raised as the matching `calstack` exception.
    pub(crate) fn run<T, F>(&self, py: Python<'_>, future: F) -> PyResult<Py<PyAny>>
    where
        F: Future<Output = Result<T, CallError>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        match self.mode {
            Mode::Blocking => {
                crate::logging::refresh_level(py);
                let outcome = block_on(py, future);
                // This call's log records reach `logging` before it returns.
                crate::logging::drain(py);
                outcome?.into_py_any(py)
            }
            Mode::Asyncio => crate::asyncio::awaitable(py, future).map(Bound::unbind),
        }
    }

    /// Like [`Handle::run`] for a call on the core.
    pub(crate) fn call<T, F, Fut>(&self, py: Python<'_>, call: F) -> PyResult<Py<PyAny>>
    where
        F: FnOnce(Arc<CoreCalstack>) -> Fut,
        Fut: Future<Output = Result<T, CallError>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let core = self.core()?;
        self.run(py, call(core))
    }
}
