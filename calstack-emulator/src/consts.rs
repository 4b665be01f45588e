//! The crate's well-known values: the account that consents by default, Google's Calendar
//! scope URLs, and where seeded events start. `lib.rs` re-exports the public ones.

/// The account that consents when an authorization request carries no `login_hint`.
pub const DEFAULT_ACCOUNT: &str = "user@example.com";

/// Full Calendar access.
pub const SCOPE_CALENDAR: &str = "https://www.googleapis.com/auth/calendar";
/// Read-only Calendar access.
pub const SCOPE_CALENDAR_READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
/// Read/write access to events.
pub const SCOPE_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
/// Read-only access to events.
pub const SCOPE_EVENTS_READONLY: &str = "https://www.googleapis.com/auth/calendar.events.readonly";

/// Where seeded events start unless told otherwise.
pub(crate) const DEFAULT_SEED_START: &str = "2024-01-01T00:00:00Z";
