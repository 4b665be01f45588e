//! `events.list`: the calendar's events (or, with `singleEvents`, their instances), paged, in
//! stored, start-time or updated order, or the changes since a sync token.

use std::cmp::Ordering;

use chrono::TimeDelta;
use serde_json::json;

use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::events::page::{assemble, events_head};
use crate::state::events::query::{ListQuery, Order, pairs};
use crate::state::events::walk::{Item, walk};
use crate::state::world::State;
use crate::time::parse_tz;
use crate::tokens::{self, PageToken, SyncToken};

impl State {
    /// The etag of a calendar's events collection (changes whenever any event changes).
    pub(crate) fn events_etag(&self, account: &str, calendar_id: &str) -> Option<String> {
        let id = self.resolve(account, calendar_id);
        self.calendars.get(id).map(|c| format!("\"p{:x}\"", c.seq))
    }

    /// `events.list`.
    pub(crate) fn events_list(
        &self,
        account: &str,
        calendar_id: &str,
        params: &Params,
    ) -> Result<String, ApiError> {
        let cal_id = self.resolve(account, calendar_id);
        let role = self.require_reader(account, cal_id)?;
        let cal = self.calendar(cal_id)?;
        let max = params.max_results(250, 2500)?;
        let max = self.faults.page_cap.map_or(max, |cap| max.min(cap.max(1)));
        let mut q = ListQuery {
            single: params.bool("singleEvents", false)?,
            show_deleted: params.bool("showDeleted", false)?,
            ..ListQuery::default()
        };
        let mut epoch = cal.sync_epoch;
        if let Some(sync) = params.get("syncToken") {
            const FORBIDDEN: [&str; 8] = [
                "iCalUID",
                "orderBy",
                "privateExtendedProperty",
                "q",
                "sharedExtendedProperty",
                "timeMin",
                "timeMax",
                "updatedMin",
            ];
            if FORBIDDEN.iter().any(|p| params.has(p)) {
                return Err(ApiError::invalid_param(
                    "syncToken",
                    "Sync token cannot be used with other request restrictions.",
                ));
            }
            let token: SyncToken = tokens::decode(sync)
                .ok_or_else(|| ApiError::invalid_param("syncToken", "Invalid sync token value."))?;
            if token.collection != cal.id || token.epoch != cal.sync_epoch {
                return Err(ApiError::full_sync_required());
            }
            q.since = Some(token.seq);
        }
        let order = match params.get("orderBy") {
            None => Order::Stored,
            Some("startTime") if q.single => Order::StartTime,
            Some("startTime") => {
                return Err(ApiError::invalid_param(
                    "orderBy",
                    "The requested ordering is not available for the particular query.",
                ));
            }
            Some("updated") => Order::Updated,
            Some(other) => {
                return Err(ApiError::invalid_param(
                    "orderBy",
                    format!("Invalid value '{other}'."),
                ));
            }
        };
        q.time_min = params.time("timeMin")?;
        q.time_max = params.time("timeMax")?;
        if let (Some(min), Some(max)) = (q.time_min, q.time_max)
            && min >= max
        {
            return Err(ApiError::time_range_empty("timeMax"));
        }
        q.updated_min = params.time("updatedMin")?;
        if q.updated_min
            .is_some_and(|m| m < self.now() - TimeDelta::days(28))
        {
            return Err(ApiError::updated_min_too_long_ago());
        }
        q.text = params
            .get("q")
            .map(str::to_lowercase)
            .filter(|s| !s.trim().is_empty());
        q.ical_uid = params.get("iCalUID").map(str::to_owned);
        q.private_props = pairs(
            params.all("privateExtendedProperty"),
            "privateExtendedProperty",
        )?;
        q.shared_props = pairs(
            params.all("sharedExtendedProperty"),
            "sharedExtendedProperty",
        )?;
        q.event_types = params
            .all("eventTypes")
            .into_iter()
            .map(str::to_owned)
            .collect();
        let time_zone = match params.get("timeZone") {
            Some(tz) => Some(
                parse_tz(tz)
                    .ok_or_else(|| {
                        ApiError::invalid_param("timeZone", format!("Invalid time zone: {tz}"))
                    })?
                    .name(),
            ),
            None => None,
        };
        let collection = cal.id.clone();
        let (snapshot, resume) = match params.get("pageToken") {
            Some(p) => {
                let token: PageToken = tokens::decode(p)
                    .filter(|t: &PageToken| t.collection == collection && t.since == q.since)
                    .ok_or_else(|| {
                        ApiError::invalid_param("pageToken", "Invalid page token value.")
                    })?;
                if token.epoch != cal.sync_epoch && q.since.is_some() {
                    return Err(ApiError::full_sync_required());
                }
                epoch = token.epoch;
                (token.snapshot, Some(token.key))
            }
            None => (cal.seq, None),
        };

        let mut page: Vec<(String, Item<'_>)> = Vec::with_capacity(max.min(4096) + 1);
        match order {
            Order::Stored => walk(cal, &q, resume.as_deref(), |key, item| {
                page.push((key, item));
                page.len() <= max
            }),
            Order::StartTime | Order::Updated => {
                let mut all: Vec<(String, Item<'_>)> = Vec::new();
                walk(cal, &q, None, |key, item| {
                    let sort = match (order, &item) {
                        (Order::Updated, Item::Stored(ev)) => format!("{:020}\0{key}", ev.seq),
                        (Order::Updated, Item::Owned(_)) => format!("{:020}\0{key}", 0),
                        _ => {
                            let ms = item
                                .start(cal.tz)
                                .timestamp_millis()
                                .saturating_add(1 << 50);
                            format!("{ms:020}\0{key}")
                        }
                    };
                    all.push((sort, item));
                    true
                });
                all.sort_by(|a, b| a.0.cmp(&b.0));
                page = all
                    .into_iter()
                    .filter(|(k, _)| {
                        resume
                            .as_deref()
                            .is_none_or(|r| k.as_str().cmp(r) == Ordering::Greater)
                    })
                    .take(max + 1)
                    .collect();
            }
        }
        let more = page.len() > max;
        page.truncate(max);
        let list_etag = format!("\"p{:x}\"", cal.seq);
        let mut head = events_head(cal, role, time_zone, &list_etag);
        if more {
            let key = page.last().map(|(k, _)| k.clone()).unwrap_or_default();
            head.insert(
                "nextPageToken".into(),
                json!(tokens::encode(&PageToken {
                    collection,
                    snapshot,
                    key,
                    since: q.since,
                    epoch
                })),
            );
        } else {
            head.insert(
                "nextSyncToken".into(),
                json!(tokens::encode(&SyncToken {
                    collection,
                    epoch,
                    seq: snapshot
                })),
            );
        }
        let items: Vec<Item<'_>> = page.into_iter().map(|(_, item)| item).collect();
        Ok(assemble(head, &items))
    }
}
