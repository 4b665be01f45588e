//! [`EventWriteObserver`]: a hook told about every event write a [`super::CalendarClient`]
//! made successfully (insert, update, patch, import, move, delete), so a local copy such as
//! the mirror can follow calstack's own writes at once.

use async_trait::async_trait;

use super::model::Event;

/// Told about successful event writes. Called after Google answered, before the write call
/// returns; it cannot fail the write (an observer reports its own failures).
#[async_trait]
pub trait EventWriteObserver: Send + Sync {
    /// `event` (as Google answered) now exists in `calendar_id` (the id as the caller gave
    /// it, possibly `primary`).
    async fn event_written(&self, calendar_id: &str, event: &Event);

    /// The event `event_id` is no longer in `calendar_id` (deleted or moved away).
    async fn event_removed(&self, calendar_id: &str, event_id: &str);
}
