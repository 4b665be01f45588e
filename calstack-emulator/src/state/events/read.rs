//! `events.get` (stored events and generated instances) and `events.instances` (the
//! occurrences of one series, paged).

use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::params::Params;
use crate::recurrence::instance_id;
use crate::state::events::instance::{generated_instance, make_instance};
use crate::state::events::page::{assemble, events_head};
use crate::state::events::query::ListQuery;
use crate::state::events::walk::Item;
use crate::state::model::event::Resource;
use crate::state::world::State;
use crate::time::parse_event_time;
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
        let show_deleted = params.bool("showDeleted", false)?;
        let time_min = params.time("timeMin")?;
        let time_max = params.time("timeMax")?;
        let original = match params.get("originalStart") {
            Some(v) => Some(
                parse_event_time(&json!({"dateTime": v}), "originalStart")
                    .or_else(|_| parse_event_time(&json!({"date": v}), "originalStart"))
                    .map_err(|_| ApiError::invalid_param("originalStart", "Bad Request"))?,
            ),
            None => None,
        };
        let collection = format!("instances:{cal_id}/{event_id}");
        let resume = match params.get("pageToken") {
            Some(p) => Some(
                tokens::decode::<PageToken>(p)
                    .filter(|t| t.collection == collection)
                    .ok_or_else(|| {
                        ApiError::invalid_param("pageToken", "Invalid page token value.")
                    })?
                    .key,
            ),
            None => None,
        };
        let mut items: Vec<(String, Item<'_>)> = Vec::new();
        let q = ListQuery {
            time_min,
            time_max,
            ..ListQuery::default()
        };
        match &master.series {
            None => items.push((String::new(), Item::Stored(master))),
            Some(series) => {
                for (n, occ) in series
                    .occurrences(cal.tz, time_min, time_max, usize::MAX)
                    .into_iter()
                    .enumerate()
                {
                    if original.is_some_and(|o| o.instant(cal.tz) != occ.instant(cal.tz)) {
                        continue;
                    }
                    let key = format!("{n:010}");
                    if resume.as_deref().is_some_and(|r| key.as_str() <= r) {
                        continue;
                    }
                    let inst_id = instance_id(event_id, occ);
                    let item = match cal.events.get(&inst_id) {
                        Some(exc) if exc.cancelled && !show_deleted => continue,
                        Some(exc) => {
                            let (s, e) = exc.span(cal.tz);
                            if !exc.cancelled && !q.overlaps(s, e) {
                                continue;
                            }
                            Item::Stored(exc)
                        }
                        None => Item::Owned(Value::Object(make_instance(master, occ, cal.tz))),
                    };
                    items.push((key, item));
                    if items.len() > max {
                        break;
                    }
                }
            }
        }
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
