//! The storage traits. Object-safe (`Arc<dyn Store>` works), `Send + Sync`, speaking domain
//! records. Timestamps are written exactly as given (callers truncate to microseconds) and read
//! back equal.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::settings::ClientSettingsStore;
use super::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, StoreError,
};

/// Clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Inserts a new client. A second client with the same email (ignoring ASCII case) is
    /// [`StoreError::Conflict`].
    async fn insert_client(&self, client: &Client) -> Result<(), StoreError>;

    /// The client with this id.
    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, StoreError>;

    /// Every client, ordered by name, then id.
    async fn list_clients(&self) -> Result<Vec<Client>, StoreError>;

    /// Replaces name, email and `updated_at` of an existing client (`created_at` is kept).
    /// Missing → [`StoreError::NotFound`]; email taken by another client →
    /// [`StoreError::Conflict`].
    async fn update_client(&self, client: &Client) -> Result<(), StoreError>;

    /// Deletes a client and, with it, its credentials, their pending authorizations and
    /// leases. Returns whether it existed.
    async fn delete_client(&self, id: ClientId) -> Result<bool, StoreError>;
}

/// OAuth credentials (secrets sealed).
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Inserts a new credential, as given (its `version` is normally 1). Unknown client →
    /// [`StoreError::NotFound`]; existing id → [`StoreError::Conflict`].
    async fn insert_credential(&self, credential: &OAuthCredential) -> Result<(), StoreError>;

    /// The credential with this id.
    async fn get_credential(&self, id: CredentialId)
    -> Result<Option<OAuthCredential>, StoreError>;

    /// Credentials of one client, or of all clients, ordered by `created_at`, then id.
    async fn list_credentials(
        &self,
        client_id: Option<ClientId>,
    ) -> Result<Vec<OAuthCredential>, StoreError>;

    /// Writes every mutable field of `credential` (everything but `id`, `client_id` and
    /// `created_at`) if the stored version still equals `credential.version`, and stores
    /// `version + 1`. Returns the record as stored. A different stored version →
    /// [`StoreError::Conflict`]; missing → [`StoreError::NotFound`].
    async fn update_credential(
        &self,
        credential: &OAuthCredential,
    ) -> Result<OAuthCredential, StoreError>;

    /// Deletes a credential (and its pending authorizations and lease). Returns whether it
    /// existed.
    async fn delete_credential(&self, id: CredentialId) -> Result<bool, StoreError>;
}

/// Pending authorizations (the server-side half of `state` and PKCE).
#[async_trait]
pub trait AuthorizationStore: Send + Sync {
    /// Records a consent in progress. Same `state` twice → [`StoreError::Conflict`]; unknown
    /// credential → [`StoreError::NotFound`].
    async fn insert_pending(&self, pending: &PendingAuthorization) -> Result<(), StoreError>;

    /// Removes and returns the pending authorization for `state`, atomically: of any number of
    /// concurrent callers with the same state, exactly one gets `Some`. Expiry is the caller's
    /// to check (it returns expired rows too, so the caller can say "expired" rather than
    /// "unknown").
    async fn take_pending(&self, state: &str) -> Result<Option<PendingAuthorization>, StoreError>;

    /// Deletes pending authorizations that expired before `now`. Returns how many.
    async fn purge_expired_pending(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Every pending authorization (expired ones too), oldest first. For key rotation.
    async fn list_pending(&self) -> Result<Vec<PendingAuthorization>, StoreError>;

    /// Replaces the sealed PKCE verifier of the pending authorization `state`, if it is still
    /// pending and still sealed as `old` (compare-and-set). Returns whether it was replaced;
    /// `false` means the consent completed (or was re-sealed) meanwhile.
    async fn reseal_pending(
        &self,
        state: &str,
        old: &Sealed,
        new: &Sealed,
    ) -> Result<bool, StoreError>;
}

/// Refresh leases: at most one holder per credential refreshes at a time, across processes.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes the refresh lease of `credential` for `holder` until `until`, if it is free, has
    /// expired (`expires <= now`), or is already held by `holder` (then it is extended).
    /// Returns whether `holder` now holds it. Of concurrent callers, at most one wins. Unknown
    /// credential → [`StoreError::NotFound`].
    async fn try_acquire_lease(
        &self,
        credential: CredentialId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives the lease up if `holder` holds it; does nothing otherwise.
    async fn release_lease(&self, credential: CredentialId, holder: &str)
    -> Result<(), StoreError>;
}

/// Everything calstack persists. Implemented automatically for any type implementing the
/// parts (the mirror's [`MirrorStore`](super::MirrorStore) and [`ClientSettingsStore`] included); use it as
/// `Arc<dyn Store>`.
pub trait Store:
    ClientStore
    + CredentialStore
    + AuthorizationStore
    + LeaseStore
    + super::MirrorStore
    + ClientSettingsStore
{
}

impl<T> Store for T where
    T: ClientStore
        + CredentialStore
        + AuthorizationStore
        + LeaseStore
        + super::MirrorStore
        + ClientSettingsStore
{
}
