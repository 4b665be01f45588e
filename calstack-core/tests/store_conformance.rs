//! The storage conformance suite against the in-memory store.
#![cfg(feature = "conformance")]

use std::sync::Arc;

use calstack_core::store::{MemoryStore, conformance};

#[tokio::test]
async fn memory_store_passes_the_conformance_suite() {
    conformance::run_all(Arc::new(MemoryStore::new())).await;
}
