//! `calendars.*`: a calendar's own metadata (`get`, `insert`, `update`, `patch`, `delete`,
//! `clear`) and the admin call that invalidates sync tokens.

use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::state::model::calendar::{CALENDAR_FIELDS, Calendar};
use crate::state::model::etag::{etag, etag_matches};
use crate::state::patch::{merge_patch, pick};
use crate::state::world::State;
use crate::time::parse_tz;

impl State {
    /// `calendars.get`.
    pub(crate) fn calendar_get(&self, account: &str, calendar_id: &str) -> Result<Value, ApiError> {
        let id = self.resolve(account, calendar_id);
        self.role(account, id)?;
        self.calendars
            .get(id)
            .map(Calendar::render)
            .ok_or_else(ApiError::not_found)
    }

    fn calendar_fields(body: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
        let meta = pick(body, &CALENDAR_FIELDS);
        if let Some(tz) = meta.get("timeZone")
            && tz.as_str().and_then(parse_tz).is_none()
        {
            return Err(ApiError::invalid(format!("Invalid time zone: {tz}")));
        }
        Ok(meta)
    }

    /// `calendars.insert`: a new secondary calendar owned by the caller.
    pub(crate) fn calendar_insert(
        &mut self,
        account: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut meta = Self::calendar_fields(body)?;
        if meta
            .get("summary")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(ApiError::required("Missing summary."));
        }
        if !meta.contains_key("timeZone") {
            let tz = self
                .accounts
                .get(account)
                .map_or_else(|| "UTC".to_owned(), |a| a.time_zone.clone());
            meta.insert("timeZone".into(), json!(tz));
        }
        let id = format!(
            "{}@group.calendar.google.com",
            uuid::Uuid::new_v4().simple()
        );
        self.create_calendar(account, id.clone(), meta, false);
        self.calendar_get(account, &id)
    }

    /// `calendars.update` (`replace`) and `calendars.patch`.
    pub(crate) fn calendar_write(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: &Map<String, Value>,
        replace: bool,
        if_match: Option<&str>,
    ) -> Result<Value, ApiError> {
        let id = self.resolve(account, calendar_id).to_owned();
        self.require_owner(account, &id)?;
        let fields = Self::calendar_fields(body)?;
        if replace
            && fields
                .get("summary")
                .and_then(Value::as_str)
                .is_none_or(|s| s.trim().is_empty())
        {
            return Err(ApiError::required("Missing summary."));
        }
        let seq = self.next_seq();
        let cal = self
            .calendars
            .get_mut(&id)
            .ok_or_else(ApiError::not_found)?;
        if if_match.is_some_and(|h| !etag_matches(h, &cal.etag)) {
            return Err(ApiError::condition_not_met());
        }
        if replace {
            let tz = cal.meta.get("timeZone").cloned();
            cal.meta = fields;
            if let Some(tz) = tz {
                cal.meta.entry("timeZone").or_insert(tz);
            }
        } else {
            let mut patch = fields;
            for f in CALENDAR_FIELDS {
                if f != "summary" && f != "timeZone" && body.get(f) == Some(&Value::Null) {
                    patch.insert(f.into(), Value::Null);
                }
            }
            merge_patch(&mut cal.meta, &patch);
        }
        if let Some(tz) = cal
            .meta
            .get("timeZone")
            .and_then(Value::as_str)
            .and_then(parse_tz)
        {
            cal.tz = tz;
        }
        cal.etag = etag(seq);
        // Every list entry shows the calendar's summary, so their etags change too.
        for acct in self.accounts.values_mut() {
            if let Some(entry) = acct.list.get_mut(&id) {
                entry.etag = etag(seq);
                entry.seq = seq;
            }
        }
        self.calendar_get(account, &id)
    }

    /// `calendars.delete`: secondary calendars only.
    pub(crate) fn calendar_delete(
        &mut self,
        account: &str,
        calendar_id: &str,
    ) -> Result<(), ApiError> {
        let id = self.resolve(account, calendar_id).to_owned();
        self.require_owner(account, &id)?;
        if id == account {
            return Err(ApiError::bad_request(
                "The primary calendar cannot be deleted; use calendars.clear instead.",
            ));
        }
        let seq = self.next_seq();
        if let Some(cal) = self.calendars.get_mut(&id) {
            cal.deleted = true;
        }
        for acct in self.accounts.values_mut() {
            if let Some(entry) = acct.list.get_mut(&id) {
                entry.deleted = true;
                entry.etag = etag(seq);
                entry.seq = seq;
            }
        }
        Ok(())
    }

    /// `calendars.clear`: deletes every event of a calendar (tombstones stay for sync).
    pub(crate) fn calendar_clear(
        &mut self,
        account: &str,
        calendar_id: &str,
    ) -> Result<(), ApiError> {
        let id = self.resolve(account, calendar_id).to_owned();
        self.require_owner(account, &id)?;
        let seq = self.next_seq();
        let now = self.now();
        let cal = self
            .calendars
            .get_mut(&id)
            .ok_or_else(ApiError::not_found)?;
        for event in cal.events.values_mut() {
            if !event.cancelled {
                event.cancel(now, seq);
            }
        }
        cal.seq = seq;
        cal.updated = now;
        Ok(())
    }

    /// Admin: invalidates every sync token of one calendar (or of everything).
    pub(crate) fn expire_sync_tokens(&mut self, calendar_id: Option<&str>) -> usize {
        let mut n = 0;
        for cal in self.calendars.values_mut() {
            if calendar_id.is_none_or(|id| id == cal.id) {
                cal.sync_epoch += 1;
                n += 1;
            }
        }
        if calendar_id.is_none() {
            for acct in self.accounts.values_mut() {
                acct.list_epoch += 1;
            }
        }
        n
    }
}
