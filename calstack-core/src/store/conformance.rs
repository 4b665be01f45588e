//! The conformance suite every storage backend runs (enabled by the `conformance` feature).
//!
//! Written once as generic async functions over a [`Store`]; a backend's test calls
//! [`run_all`] with a fresh, empty store:
//!
//! ```ignore
//! #[tokio::test]
//! async fn my_store_conforms() {
//!     let store = std::sync::Arc::new(MyStore::connect("…").await.expect("connect"));
//!     calstack_core::store::conformance::run_all(store).await;
//! }
//! ```
//!
//! Every check starts from an empty store and deletes what it created, so the checks can also
//! be called one by one. A failed check panics with a message naming the behaviour.
//!
//! The checks live a file per topic: clients, credentials, timestamps, pending
//! authorizations, leases and client settings; the mirror's are in
//! [`mirror_conformance`](super::mirror_conformance).

mod clients;
mod credentials;
mod fixtures;
mod leases;
mod pending;
pub mod settings;
mod timestamps;

use std::sync::Arc;

use super::Store;

pub use clients::{
    client_email_is_unique_ignoring_case, clients_are_listed_by_name_then_id,
    clients_round_trip_update_and_delete, deleting_a_client_cascades, missing_clients_are_reported,
};
pub use credentials::{
    concurrent_credential_updates_have_one_winner, credential_fields_round_trip,
    credential_needs_an_existing_client_and_a_new_id, credential_update_is_versioned,
    credentials_are_listed_by_creation_then_id, deleting_a_credential_cascades,
};
pub use fixtures::full_credential_for;
pub(crate) use fixtures::{add_client, add_credential};
pub(super) use fixtures::{assert_conflict, assert_not_found, at, remove_clients};
pub use leases::{
    lease_acquire_extend_expire_release, lease_has_one_winner_among_concurrent_holders,
};
pub use pending::{
    expired_pending_authorizations_are_purged, pending_authorization_is_taken_once,
    pending_authorization_taken_once_by_concurrent_takers,
    pending_authorizations_are_listed_and_resealed_by_compare_and_set,
};
pub use timestamps::timestamps_keep_microseconds;

/// Runs every conformance check against `store`, which must be empty.
pub async fn run_all(store: Arc<dyn Store>) {
    let s = &*store;
    clients_round_trip_update_and_delete(s).await;
    clients_are_listed_by_name_then_id(s).await;
    client_email_is_unique_ignoring_case(s).await;
    missing_clients_are_reported(s).await;
    deleting_a_client_cascades(s).await;
    credential_needs_an_existing_client_and_a_new_id(s).await;
    credential_fields_round_trip(s).await;
    credential_update_is_versioned(s).await;
    concurrent_credential_updates_have_one_winner(s).await;
    credentials_are_listed_by_creation_then_id(s).await;
    deleting_a_credential_cascades(s).await;
    timestamps_keep_microseconds(s).await;
    pending_authorization_is_taken_once(s).await;
    pending_authorization_taken_once_by_concurrent_takers(s).await;
    expired_pending_authorizations_are_purged(s).await;
    pending_authorizations_are_listed_and_resealed_by_compare_and_set(s).await;
    lease_acquire_extend_expire_release(s).await;
    lease_has_one_winner_among_concurrent_holders(s).await;
    super::mirror_conformance::run_all(s).await;
    settings::run_all(s).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn memory_store_passes_the_conformance_suite() {
        run_all(Arc::new(MemoryStore::new())).await;
    }
}
