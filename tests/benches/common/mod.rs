//! What the benchmarks of this package share: sizes from the environment, running the
//! benchmark on a multi-threaded tokio runtime, and this process's CPU time.

use std::future::Future;
use std::time::Duration;

/// The number in the environment variable `name`, else `default`.
pub(crate) fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `benchmark` to completion on a new multi-threaded runtime.
pub(crate) fn run(benchmark: impl Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(benchmark);
}

/// CPU time (user + system, every thread) this process has used so far, from Linux's
/// `/proc/self/stat` (in clock ticks: `USER_HZ`, 100 per second on Linux); `None` elsewhere.
#[allow(dead_code)]
pub(crate) fn process_cpu() -> Option<Duration> {
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (in parentheses) may hold spaces; the fields after it do not.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// Page faults this process has taken so far that needed no disk read (minor faults: mostly
/// fresh memory the kernel maps and zeroes on first touch), from `/proc/self/stat`; `None`
/// elsewhere.
#[allow(dead_code)]
pub(crate) fn process_minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // minflt is field 10 of the line, 8 after the name.
    fields.get(7)?.parse().ok()
}

/// "mean 281 ms over 6 runs", or "not measured" where [`process_cpu`] is not available.
#[allow(dead_code)]
pub(crate) fn cpu_summary(runs: &[Duration]) -> String {
    if runs.is_empty() {
        return "not measured".to_owned();
    }
    let total: Duration = runs.iter().sum();
    let mean = total.as_secs_f64() * 1000.0 / runs.len() as f64;
    format!("mean {mean:.0} ms over {} runs", runs.len())
}
