//! Storage: the domain records calstack persists, the traits a backend implements, the
//! in-memory backend, and (behind the `conformance` feature) the test suite every backend runs.
//!
//! Backends see secrets only as [`Sealed`] strings produced by [`crate::crypto`]; they never
//! hold plaintext. Every read returns `Result<Option<T>, StoreError>` so a broken store never
//! looks like a missing row.

mod error;
mod memory;
mod mirror;
mod mirror_memory;
mod mirror_records;
mod records;
mod settings;
mod traits;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
#[cfg(any(test, feature = "conformance"))]
pub mod mirror_conformance;

pub use error::StoreError;
pub use memory::MemoryStore;
pub use mirror::{MirrorStore, WindowVisitor, visit_in_chunks};
pub use mirror_records::{
    CalendarKey, CalendarListState, CalendarMetadata, MirrorEventRow, MirrorSelection,
    MirrorWindowRow, MirroredCalendar, PushChannel, SyncFinish, TokenUpdate, WindowBounds,
    WindowRowRef, initial_revision,
};
pub use records::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, SealedRef,
};
pub(crate) use records::{SealedForm, SealedRefForm};
pub use settings::{ClientSettings, ClientSettingsStore, WorkInterval, WorkingHours};
pub use traits::{AuthorizationStore, ClientStore, CredentialStore, LeaseStore, Store};
