//! `events.get` (stored events and generated instances) and `events.instances` (the
//! occurrences of one series, paged).

use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::params::Params;
use crate::recurrence::{Series, instance_id};
use crate::state::events::instance::{generated_instance, make_instance};
use crate::state::events::page::{assemble, events_head};
use crate::state::events::query::ListQuery;
use crate::state::events::walk::Item;
use crate::state::model::calendar::Calendar;
use crate::state::model::event::{Resource, StoredEvent};
use crate::state::world::State;
use crate::time::{EventTime, parse_event_time};
use crate::tokens::{self, PageToken};

impl State {
    /// `events.get` (stored events, cancelled ones included, and generated instances).
    pub(crate) fn event_get(
        &self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id);
        self.require_reader(account, cal_id)?;
        let cal = self.calendar(cal_id)?;
        if let Some(ev) = cal.events.get(event_id) {
            return Ok(Resource::of(ev));
        }
        generated_instance(cal, event_id)
            .map(Resource::owned)
            .ok_or_else(ApiError::not_found)
    }

    /// `events.instances`.
    pub(crate) fn event_instances(
        &self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        params: &Params,
    ) -> Result<String, ApiError> {
        let cal_id = self.resolve(account, calendar_id);
        let role = self.require_reader(account, cal_id)?;
        let cal = self.calendar(cal_id)?;
        let master = cal.events.get(event_id).ok_or_else(ApiError::not_found)?;
        if master.cancelled {
            return Err(ApiError::deleted());
        }
        let max = params.max_results(250, 2500)?;
        let filter = InstanceFilter {
            show_deleted: params.bool("showDeleted", false)?,
            window: ListQuery {
                time_min: params.time("timeMin")?,
                time_max: params.time("timeMax")?,
                ..ListQuery::default()
            },
            original: original_start(params)?,
        };
        let collection = format!("instances:{cal_id}/{event_id}");
        let resume = instances_resume(params, &collection)?;
        let mut items = match &master.series {
            None => vec![(String::new(), Item::Stored(master))],
            Some(series) => {
                let page = (resume.as_deref(), max);
                series_items(cal, event_id, master, series, &filter, page)
            }
        };
        let more = items.len() > max;
        items.truncate(max);
        let mut head = events_head(
            cal,
            role,
            params.get("timeZone"),
            &format!("\"p{:x}\"", master.seq),
        );
        if more {
            let key = items.last().map(|(k, _)| k.clone()).unwrap_or_default();
            head.insert(
                "nextPageToken".into(),
                json!(tokens::encode(&PageToken {
                    collection,
                    snapshot: cal.seq,
                    key,
                    since: None,
                    epoch: 0
                })),
            );
        }
        let items: Vec<Item<'_>> = items.into_iter().map(|(_, i)| i).collect();
        Ok(assemble(head, &items))
    }
}

/// Which instances of a series an `events.instances` call wants.
struct InstanceFilter {
    show_deleted: bool,
    /// Only `time_min` and `time_max` are set.
    window: ListQuery,
    /// `originalStart`: only the occurrence that originally started then.
    original: Option<EventTime>,
}

/// The `originalStart` parameter, a date-time or a date.
fn original_start(params: &Params) -> Result<Option<EventTime>, ApiError> {
    let Some(v) = params.get("originalStart") else {
        return Ok(None);
    };
    parse_event_time(&json!({"dateTime": v}), "originalStart")
        .or_else(|_| parse_event_time(&json!({"date": v}), "originalStart"))
        .map(Some)
        .map_err(|_| ApiError::invalid_param("originalStart", "Bad Request"))
}

/// The key an instances page resumes after, from a page token of this `collection`.
fn instances_resume(params: &Params, collection: &str) -> Result<Option<String>, ApiError> {
    let Some(p) = params.get("pageToken") else {
        return Ok(None);
    };
    tokens::decode::<PageToken>(p)
        .filter(|t| t.collection == collection)
        .map(|t| Some(t.key))
        .ok_or_else(|| ApiError::invalid_param("pageToken", "Invalid page token value."))
}

/// Up to `max + 1` instances of series `master_id` that pass `filter`, in occurrence order,
/// after `resume` (`page` = `(resume, max)`): stored exceptions as stored, the others
/// generated.
fn series_items<'a>(
    cal: &'a Calendar,
    master_id: &str,
    master: &'a StoredEvent,
    series: &Series,
    filter: &InstanceFilter,
    (resume, max): (Option<&str>, usize),
) -> Vec<(String, Item<'a>)> {
    let (tz, window) = (cal.tz, &filter.window);
    let mut items = Vec::new();
    for (n, occ) in series
        .occurrences(tz, window.time_min, window.time_max, usize::MAX)
        .into_iter()
        .enumerate()
    {
        if filter
            .original
            .is_some_and(|o| o.instant(tz) != occ.instant(tz))
        {
            continue;
        }
        let key = format!("{n:010}");
        if resume.is_some_and(|r| key.as_str() <= r) {
            continue;
        }
        let item = match cal.events.get(&instance_id(master_id, occ)) {
            Some(exc) if exc.cancelled && !filter.show_deleted => continue,
            Some(exc) => {
                let (s, e) = exc.span(tz);
                if !exc.cancelled && !window.overlaps(s, e) {
                    continue;
                }
                Item::Stored(exc)
            }
            None => Item::Owned(Value::Object(make_instance(master, occ, tz))),
        };
        items.push((key, item));
        if items.len() > max {
            break;
        }
    }
    items
}
