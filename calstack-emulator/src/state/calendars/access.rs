//! Accounts and who may do what: creating an account with its primary calendar, resolving
//! `primary`, the caller's role on a calendar (from its access rules) and the checks every
//! operation starts with.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::state::model::account::{Account, ListEntry};
use crate::state::model::acl::{AclRule, role_rank};
use crate::state::model::calendar::Calendar;
use crate::state::model::etag::etag;
use crate::state::model::setting::{self, Setting};
use crate::state::world::State;
use crate::time::parse_tz;

impl State {
    /// Creates an account (with its primary calendar) unless it exists.
    pub(crate) fn ensure_account(&mut self, email: &str) {
        if self.accounts.contains_key(email) {
            return;
        }
        let time_zone = "UTC".to_owned();
        let seq = self.next_seq();
        self.accounts.insert(
            email.to_owned(),
            Account {
                time_zone: time_zone.clone(),
                list: BTreeMap::new(),
                list_epoch: 0,
                settings: setting::defaults(&time_zone, seq),
            },
        );
        let mut meta = Map::new();
        meta.insert("summary".into(), json!(email));
        meta.insert("timeZone".into(), json!(time_zone));
        self.create_calendar(email, email.to_owned(), meta, true);
    }

    /// Sets an account's time zone (its primary calendar's zone too).
    pub(crate) fn set_account_time_zone(&mut self, email: &str, tz: Tz) {
        self.ensure_account(email);
        let seq = self.next_seq();
        if let Some(account) = self.accounts.get_mut(email) {
            account.time_zone = tz.name().to_owned();
            account.settings.insert(
                setting::TIMEZONE.to_owned(),
                Setting {
                    value: account.time_zone.clone(),
                    seq,
                },
            );
        }
        if let Some(cal) = self.calendars.get_mut(email) {
            cal.meta.insert("timeZone".into(), json!(tz.name()));
            cal.tz = tz;
            cal.etag = etag(seq);
        }
    }

    /// Creates a calendar owned by `owner` and puts it on the owner's list; returns its id.
    pub(crate) fn create_calendar(
        &mut self,
        owner: &str,
        id: String,
        meta: Map<String, Value>,
        primary: bool,
    ) -> String {
        let seq = self.next_seq();
        let now = self.now();
        let tz = meta
            .get("timeZone")
            .and_then(Value::as_str)
            .and_then(parse_tz)
            .unwrap_or(Tz::UTC);
        let mut meta = meta;
        meta.entry("timeZone").or_insert_with(|| json!(tz.name()));
        self.calendars.insert(
            id.clone(),
            Calendar {
                id: id.clone(),
                owner: owner.to_owned(),
                meta,
                etag: etag(seq),
                tz,
                seq,
                updated: now,
                sync_epoch: 0,
                deleted: false,
                events: BTreeMap::new(),
                ical_index: HashMap::new(),
                acl: AclRule::owner_rules(owner, seq),
            },
        );
        if let Some(account) = self.accounts.get_mut(owner) {
            account
                .list
                .insert(id.clone(), ListEntry::new("owner", seq, primary));
        }
        id
    }

    /// Maps `primary` to the account's email.
    pub(crate) fn resolve<'a>(&self, account: &'a str, calendar_id: &'a str) -> &'a str {
        if calendar_id == "primary" {
            account
        } else {
            calendar_id
        }
    }

    /// The caller's role on a calendar as its ACL grants it, or 404 when it grants none.
    pub(crate) fn role(&self, account: &str, calendar_id: &str) -> Result<&'static str, ApiError> {
        match self.calendars.get(calendar_id) {
            Some(cal) if !cal.deleted => match cal.access_role(account) {
                "none" => Err(ApiError::not_found()),
                role => Ok(role),
            },
            _ => Err(ApiError::not_found()),
        }
    }

    /// 404 unless the caller has any access, 403 when it is free/busy only.
    pub(crate) fn require_reader(
        &self,
        account: &str,
        calendar_id: &str,
    ) -> Result<&'static str, ApiError> {
        let role = self.role(account, calendar_id)?;
        if role_rank(role) < role_rank("reader") {
            return Err(ApiError::forbidden("Forbidden"));
        }
        Ok(role)
    }

    /// The caller's live calendar list entry, or 404.
    pub(crate) fn list_entry(
        &self,
        account: &str,
        calendar_id: &str,
    ) -> Result<&ListEntry, ApiError> {
        self.role(account, calendar_id)?;
        self.accounts
            .get(account)
            .and_then(|a| a.list.get(calendar_id))
            .filter(|e| !e.deleted)
            .ok_or_else(ApiError::not_found)
    }

    /// 404 unless the caller can read, 403 unless they can write.
    pub(crate) fn require_writer(&self, account: &str, calendar_id: &str) -> Result<(), ApiError> {
        if role_rank(self.role(account, calendar_id)?) < role_rank("writer") {
            return Err(ApiError::writer_access_needed());
        }
        Ok(())
    }

    /// 404 unless the caller can see the calendar, 403 unless they own it.
    pub(crate) fn require_owner(&self, account: &str, calendar_id: &str) -> Result<(), ApiError> {
        if self.role(account, calendar_id)? != "owner" {
            return Err(ApiError::forbidden("Forbidden"));
        }
        Ok(())
    }

    /// A live (not deleted) calendar, or 404.
    pub(crate) fn calendar(&self, id: &str) -> Result<&Calendar, ApiError> {
        self.calendars
            .get(id)
            .filter(|c| !c.deleted)
            .ok_or_else(ApiError::not_found)
    }

    /// A live (not deleted) calendar to change, or 404.
    pub(crate) fn calendar_mut(&mut self, id: &str) -> Result<&mut Calendar, ApiError> {
        self.calendars
            .get_mut(id)
            .filter(|c| !c.deleted)
            .ok_or_else(ApiError::not_found)
    }
}
