//! Syncing one calendar under its lease and recording the outcome: the next due time after a
//! success, exponential backoff after a failure (or Google's `Retry-After`), parking every
//! calendar of a credential that needs consent again, and keeping the push channel fresh.

use chrono::TimeDelta;

use super::engine::{self, ListChanges};
use super::{CalendarSync, SyncOptions, push};
use crate::error::{Error, Result};
use crate::facade::Calstack;
use crate::store::{ClientId, MirroredCalendar, SyncFinish, TokenUpdate};

/// A worker's hold on a calendar: who holds it, and for how long each extension lasts.
#[derive(Debug, Clone)]
pub(crate) struct Lease {
    /// The holder's name in the store.
    pub(crate) holder: String,
    /// How long the lease lasts from each (re)take.
    pub(crate) duration: TimeDelta,
}

impl Lease {
    pub(crate) fn new(holder: impl Into<String>, options: &SyncOptions) -> Self {
        Self {
            holder: holder.into(),
            duration: delta(options.lease),
        }
    }
}

pub(crate) fn delta(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Syncs a calendar `lease` holds (first its client's calendar list, with `with_list`), then
/// records the outcome and releases the lease.
pub(crate) async fn sync_leased(
    cs: &Calstack,
    calendar: &MirroredCalendar,
    options: &SyncOptions,
    lease: &Lease,
    with_list: bool,
) -> Result<CalendarSync> {
    if with_list && list_is_stale(cs, calendar.key().client_id, options).await? {
        match engine::sync_list(cs, calendar.key().client_id).await {
            Ok(changes) => {
                let gone = changes.removed.iter().any(|c| c.key() == calendar.key());
                drop_calendars(cs, changes).await?;
                if gone {
                    return Ok(CalendarSync {
                        skipped: true,
                        ..CalendarSync::default()
                    });
                }
            }
            Err(e) => {
                record_failure(cs, calendar, options, lease, &e).await?;
                return Err(e);
            }
        }
    }
    match engine::sync_events(cs, calendar, lease).await {
        Ok((outcome, token)) => {
            let now = cs.clock().now();
            let finish = SyncFinish {
                synced_at: Some(now),
                token,
                next_sync_due: now + delta(options.poll_interval.max(MIN_POLL)),
                failures: 0,
                last_error: None,
            };
            cs.store()
                .finish_sync(calendar.key(), &lease.holder, &finish)
                .await?;
            if let Some(push) = &options.push
                && let Err(e) = push::ensure_channel(cs, calendar, push).await
            {
                tracing::warn!(calendar = %calendar.key(), error = %e, "could not watch calendar");
            }
            Ok(outcome)
        }
        Err(e) => {
            record_failure(cs, calendar, options, lease, &e).await?;
            Err(e)
        }
    }
}

/// Whether the client's calendar list was never synced, or last synced more than half a poll
/// interval ago (a list synced just before, e.g. by `discover`, is not listed again).
pub(crate) async fn list_is_stale(
    cs: &Calstack,
    client: ClientId,
    options: &SyncOptions,
) -> Result<bool> {
    let state = cs.store().get_list_state(client).await?;
    let fresh_after = cs.clock().now() - delta(options.poll_interval / 2);
    Ok(state
        .and_then(|s| s.last_synced)
        .is_none_or(|at| at < fresh_after))
}

/// The shortest poll interval honoured (so a round always ends).
const MIN_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Records a failed sync: parks the credential's calendars when it needs consent again,
/// otherwise backs off (clearing a refused sync token).
async fn record_failure(
    cs: &Calstack,
    calendar: &MirroredCalendar,
    options: &SyncOptions,
    lease: &Lease,
    error: &Error,
) -> Result<()> {
    tracing::warn!(calendar = %calendar.key(), %error, "calendar sync failed");
    if let Error::ReauthorizationRequired { reason, .. } = error {
        let reason = format!("reauthorization required: {reason}");
        cs.store()
            .park_credential(calendar.meta.credential_id, &reason)
            .await?;
        return Ok(());
    }
    let failures = calendar.failures.saturating_add(1);
    let delay = match error {
        Error::RateLimited {
            retry_after: Some(wait),
            ..
        } => *wait,
        _ => backoff(options, failures),
    };
    let token = match error {
        Error::Validation { field, .. } if field == "syncToken" => TokenUpdate::Clear,
        _ => TokenUpdate::Keep,
    };
    let now = cs.clock().now();
    let finish = SyncFinish {
        synced_at: None,
        token,
        next_sync_due: now + delta(delay),
        failures,
        last_error: Some(error.to_string()),
    };
    cs.store()
        .finish_sync(calendar.key(), &lease.holder, &finish)
        .await?;
    Ok(())
}

/// `backoff_base × 2^(failures − 1)`, at most `backoff_max`.
pub(crate) fn backoff(options: &SyncOptions, failures: i32) -> std::time::Duration {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    options
        .backoff_base
        .saturating_mul(1 << doublings)
        .min(options.backoff_max)
}

/// Drops calendars that left their client's list: stops their push channels (best effort)
/// and deletes their rows.
pub(crate) async fn drop_calendars(cs: &Calstack, changes: ListChanges) -> Result<()> {
    for calendar in changes.removed {
        if calendar.channel.is_some()
            && let Err(e) = push::stop_channel(cs, &calendar).await
        {
            tracing::debug!(calendar = %calendar.key(), error = %e, "could not stop channel");
        }
        cs.store().delete_calendar(calendar.key()).await?;
        tracing::info!(calendar = %calendar.key(), "calendar left the list: mirror dropped");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_per_failure_up_to_the_cap() {
        let options = SyncOptions::default();
        assert_eq!(backoff(&options, 1), Duration::from_secs(30));
        assert_eq!(backoff(&options, 3), Duration::from_secs(120));
        assert_eq!(backoff(&options, 40), Duration::from_secs(3600));
    }
}
