//! What the benchmarks of this package share: sizes from the environment, and running the
//! benchmark on a multi-threaded tokio runtime.

use std::future::Future;

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
