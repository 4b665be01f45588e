//! `events.list`: the calendar's events (or, with `singleEvents`, their instances), paged, in
//! stored, start-time or updated order, or the changes since a sync token.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::events::page::{assemble, events_head};
use crate::state::events::query::{ListQuery, Order};
use crate::state::events::walk::{Item, walk};
use crate::state::model::calendar::Calendar;
use crate::state::world::State;
use crate::time::parse_tz;
use crate::tokens::{self, PageToken, SyncToken};

/// A page of list items, each with the key a next page resumes after.
type Page<'a> = Vec<(String, Item<'a>)>;

/// Where a page starts: the snapshot it belongs to, the key it resumes after (none on the
/// first page) and the sync epoch its tokens carry.
struct Position {
    snapshot: u64,
    resume: Option<String>,
    epoch: u64,
}

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
        let (q, order) = ListQuery::parse(params, cal, self.now())?;
        let time_zone = time_zone_param(params)?;
        let position = page_position(params, cal, q.since)?;
        let mut page = match order {
            Order::Stored => stored_order_page(cal, &q, position.resume.as_deref(), max),
            Order::StartTime | Order::Updated => {
                sorted_page(cal, &q, order, position.resume.as_deref(), max)
            }
        };
        let more = page.len() > max;
        page.truncate(max);
        let mut head = events_head(cal, role, time_zone, &format!("\"p{:x}\"", cal.seq));
        let last_key = page.last().map(|(k, _)| k.clone()).unwrap_or_default();
        add_next_token(
            &mut head,
            &cal.id,
            &position,
            q.since,
            more.then_some(last_key),
        );
        let items: Vec<Item<'_>> = page.into_iter().map(|(_, item)| item).collect();
        Ok(assemble(head, &items))
    }
}

/// The `timeZone` the answer is given in, when the request names a valid one.
fn time_zone_param(params: &Params) -> Result<Option<&'static str>, ApiError> {
    match params.get("timeZone") {
        Some(tz) => Ok(Some(
            parse_tz(tz)
                .ok_or_else(|| {
                    ApiError::invalid_param("timeZone", format!("Invalid time zone: {tz}"))
                })?
                .name(),
        )),
        None => Ok(None),
    }
}

/// Where the requested page starts: from its page token, or the calendar's current state.
fn page_position(
    params: &Params,
    cal: &Calendar,
    since: Option<u64>,
) -> Result<Position, ApiError> {
    let Some(p) = params.get("pageToken") else {
        return Ok(Position {
            snapshot: cal.seq,
            resume: None,
            epoch: cal.sync_epoch,
        });
    };
    let token: PageToken = tokens::decode(p)
        .filter(|t: &PageToken| t.collection == cal.id && t.since == since)
        .ok_or_else(|| ApiError::invalid_param("pageToken", "Invalid page token value."))?;
    if token.epoch != cal.sync_epoch && since.is_some() {
        return Err(ApiError::full_sync_required());
    }
    Ok(Position {
        snapshot: token.snapshot,
        resume: Some(token.key),
        epoch: token.epoch,
    })
}

/// Up to `max + 1` items in stored order after `resume` (the extra one says there is more).
fn stored_order_page<'a>(
    cal: &'a Calendar,
    q: &ListQuery,
    resume: Option<&str>,
    max: usize,
) -> Page<'a> {
    let mut page: Page<'a> = Vec::with_capacity(max.min(4096) + 1);
    walk(cal, q, resume, |key, item| {
        page.push((key, item));
        page.len() <= max
    });
    page
}

/// Up to `max + 1` items by start time or last change, after `resume`: every matching item
/// is visited and sorted, keyed by its sort value and walk key.
fn sorted_page<'a>(
    cal: &'a Calendar,
    q: &ListQuery,
    order: Order,
    resume: Option<&str>,
    max: usize,
) -> Page<'a> {
    let mut all: Page<'a> = Vec::new();
    walk(cal, q, None, |key, item| {
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
    all.into_iter()
        .filter(|(k, _)| resume.is_none_or(|r| k.as_str().cmp(r) == Ordering::Greater))
        .take(max + 1)
        .collect()
}

/// Ends a list head with `nextPageToken` (resuming after `next_key`) when there is more, or
/// with `nextSyncToken` when this was the last page.
fn add_next_token(
    head: &mut Map<String, Value>,
    collection: &str,
    position: &Position,
    since: Option<u64>,
    next_key: Option<String>,
) {
    let collection = collection.to_owned();
    match next_key {
        Some(key) => head.insert(
            "nextPageToken".into(),
            json!(tokens::encode(&PageToken {
                collection,
                snapshot: position.snapshot,
                key,
                since,
                epoch: position.epoch,
            })),
        ),
        None => head.insert(
            "nextSyncToken".into(),
            json!(tokens::encode(&SyncToken {
                collection,
                epoch: position.epoch,
                seq: position.snapshot,
            })),
        ),
    };
}
