//! The library's `tracing` events, delivered to Python's `logging` (logger `calstack`).
//!
//! Events are forwarded only at levels the `calstack` logger is enabled for (its effective
//! level, WARNING unless the application lowers it), read from Python at each call and by the
//! delivery thread, so a quiet logger costs one atomic load per event. Fields whose name says
//! they hold a secret (`token`, `secret`, `password`, `authorization`, `key`, `code`, `state`,
//! `verifier`, `cookie`) are replaced by `[redacted]`; calstack never formats secrets into
//! messages (its secret types print `[redacted]`).
//!
//! An event may be emitted on any thread, some of which hold calstack locks, so it is never
//! handed to Python there: it is queued (at most [`CAPACITY`] records), and the queue is
//! drained into `logging` by a delivery thread and, synchronously, at the end of every
//! blocking call, so a blocking call's records are logged before it returns.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Records kept waiting for Python at most; older ones are dropped (and counted) past it.
const CAPACITY: usize = 10_000;

/// Python's numeric level below which nothing is forwarded (WARNING until Python says).
static THRESHOLD: AtomicU8 = AtomicU8::new(30);

/// One event, ready for `logging.Logger.log`.
struct Record {
    level: u8,
    target: String,
    message: String,
}

/// The records waiting for Python, how many were dropped, and the process whose delivery
/// thread serves them.
struct Queue {
    records: VecDeque<Record>,
    dropped: u64,
    delivery_pid: Option<u32>,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    records: VecDeque::new(),
    dropped: 0,
    delivery_pid: None,
});
static WAKE: Condvar = Condvar::new();
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// Whether a field of this name may hold a secret.
fn is_secret(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "token",
        "secret",
        "password",
        "authorization",
        "key",
        "code",
        "state",
        "verifier",
        "cookie",
    ];
    let name = name.to_ascii_lowercase();
    WORDS.iter().any(|w| name.contains(w))
}

/// Collects an event's message and fields as `message name=value ...`.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else if is_secret(field.name()) {
            let _ = write!(self.fields, " {}=[redacted]", field.name());
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else if is_secret(field.name()) {
            let _ = write!(self.fields, " {}=[redacted]", field.name());
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

/// The tracing layer that queues events for Python.
struct PythonLogging;

impl PythonLogging {
    fn wanted(metadata: &Metadata<'_>) -> bool {
        let level = python_level(metadata.level());
        level >= THRESHOLD.load(Ordering::Relaxed)
            && (metadata.target().starts_with("calstack") || level >= 30)
    }
}

impl<S: Subscriber> Layer<S> for PythonLogging {
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        Self::wanted(metadata)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if !Self::wanted(metadata) {
            return;
        }
        let mut text = Text::default();
        event.record(&mut text);
        text.message.push_str(&text.fields);
        enqueue(Record {
            level: python_level(metadata.level()),
            target: metadata.target().to_owned(),
            message: text.message,
        });
    }
}

fn enqueue(record: Record) {
    let pid = std::process::id();
    let mut queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
    if queue.records.len() >= CAPACITY {
        queue.records.pop_front();
        queue.dropped += 1;
    }
    queue.records.push_back(record);
    if queue.delivery_pid != Some(pid) {
        // First record in this process (or in a forked child, where the thread is gone).
        let started = std::thread::Builder::new()
            .name("calstack-logging".into())
            .spawn(deliver_forever)
            .is_ok();
        if started {
            queue.delivery_pid = Some(pid);
        }
    }
    WAKE.notify_one();
}

fn deliver_forever() {
    loop {
        {
            let queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
            let _queue = WAKE
                .wait_while(queue, |q| q.records.is_empty())
                .unwrap_or_else(PoisonError::into_inner);
        }
        if Python::try_attach(drain).is_none() {
            return; // the interpreter is shutting down
        }
    }
}

/// Logs every waiting record to the `calstack` logger, and re-reads its level.
pub(crate) fn drain(py: Python<'_>) {
    let (records, dropped) = {
        let mut queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
        (
            std::mem::take(&mut queue.records),
            std::mem::take(&mut queue.dropped),
        )
    };
    if records.is_empty() && dropped == 0 {
        refresh_level(py);
        return;
    }
    let Some(logger) = logger(py) else {
        return;
    };
    if dropped > 0 {
        let _ = logger.call_method1(
            "log",
            (
                30,
                format!("{dropped} calstack log records were dropped (too many at once)"),
            ),
        );
    }
    for record in records {
        let extra = pyo3::types::PyDict::new(py);
        let _ = extra.set_item("target", &record.target);
        let kwargs = pyo3::types::PyDict::new(py);
        let _ = kwargs.set_item("extra", extra);
        let _ = logger.call_method("log", (record.level, "%s", record.message), Some(&kwargs));
    }
    refresh_level(py);
}

/// Re-reads the `calstack` logger's effective level, so what Python wants is forwarded.
/// Until the application imports `logging` nobody can have configured it: the default
/// (WARNING) stands, and `import calstack` does not pay for importing `logging`.
pub(crate) fn refresh_level(py: Python<'_>) {
    if LOGGER.get(py).is_none() && !logging_imported(py) {
        return;
    }
    if let Some(level) = logger(py)
        .and_then(|l| l.call_method0("getEffectiveLevel").ok())
        .and_then(|l| l.extract::<i64>().ok())
    {
        let level = u8::try_from(level.clamp(1, 255)).unwrap_or(30);
        if THRESHOLD.swap(level, Ordering::Relaxed) != level {
            tracing::callsite::rebuild_interest_cache();
        }
    }
}

fn logging_imported(py: Python<'_>) -> bool {
    py.import("sys")
        .and_then(|sys| sys.getattr("modules"))
        .and_then(|modules| modules.contains("logging"))
        .unwrap_or(false)
}

fn logger(py: Python<'_>) -> Option<Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("logging")?
                .call_method1("getLogger", ("calstack",))?
                .unbind())
        })
        .ok()
        .map(|l| l.bind(py).clone())
}

/// Installs the forwarding as the process's tracing subscriber (unless the embedding
/// application installed one already) and reads the logger's level.
pub(crate) fn install(py: Python<'_>) {
    let subscriber = tracing_subscriber::registry().with(PythonLogging);
    let _ = tracing::subscriber::set_global_default(subscriber);
    refresh_level(py);
}

#[cfg(test)]
mod tests {
    use super::is_secret;

    #[test]
    fn secret_looking_field_names_are_recognised() {
        for name in [
            "access_token",
            "client_secret",
            "Authorization",
            "code",
            "state",
            "api_key",
        ] {
            assert!(is_secret(name), "{name}");
        }
        for name in ["credential_id", "client_id", "attempt", "error", "delay_ms"] {
            assert!(!is_secret(name), "{name}");
        }
    }
}
