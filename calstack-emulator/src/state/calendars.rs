//! Accounts, their calendar lists and calendars: `calendarList.*` and `calendars.*`.
//! Every account has a primary calendar whose id is its email; secondary calendars get
//! `…@group.calendar.google.com` ids.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::State;
use super::acl::AclRule;
use super::events::StoredEvent;
use super::listing::{Listing, list_etag};
use super::settings::{self, Setting};
use crate::api_error::ApiError;
use crate::params::Params;
use crate::time::parse_tz;

/// Read-only calendar fields copied into list entries.
const CALENDAR_FIELDS: [&str; 4] = ["summary", "description", "location", "timeZone"];
/// The per-user fields of a calendar list entry.
const ENTRY_FIELDS: [&str; 9] = [
    "summaryOverride",
    "colorId",
    "backgroundColor",
    "foregroundColor",
    "hidden",
    "selected",
    "defaultReminders",
    "notificationSettings",
    "conferenceProperties",
];

/// An emulated Google account.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) time_zone: String,
    pub(crate) list: BTreeMap<String, ListEntry>,
    pub(crate) list_epoch: u64,
    /// User settings by id (`timezone`, `locale`, ...).
    pub(crate) settings: BTreeMap<String, Setting>,
}

/// One entry of an account's calendar list.
#[derive(Debug, Clone)]
pub(crate) struct ListEntry {
    pub(crate) access_role: &'static str,
    pub(crate) prefs: Map<String, Value>,
    pub(crate) etag: String,
    pub(crate) seq: u64,
    pub(crate) deleted: bool,
    pub(crate) primary: bool,
}

impl ListEntry {
    /// A fresh entry with Google's default display preferences.
    pub(crate) fn new(access_role: &'static str, seq: u64, primary: bool) -> Self {
        let mut prefs = Map::new();
        prefs.insert("colorId".into(), json!("14"));
        prefs.insert("backgroundColor".into(), json!("#9fe1e7"));
        prefs.insert("foregroundColor".into(), json!("#000000"));
        prefs.insert("selected".into(), json!(true));
        prefs.insert(
            "defaultReminders".into(),
            if primary {
                json!([{"method": "popup", "minutes": 10}])
            } else {
                json!([])
            },
        );
        Self {
            access_role,
            prefs,
            etag: etag(seq),
            seq,
            deleted: false,
            primary,
        }
    }
}

/// A calendar with its events.
#[derive(Debug)]
pub(crate) struct Calendar {
    pub(crate) id: String,
    pub(crate) owner: String,
    pub(crate) meta: Map<String, Value>,
    pub(crate) etag: String,
    pub(crate) tz: Tz,
    pub(crate) seq: u64,
    /// When an event of the calendar last changed.
    pub(crate) updated: DateTime<Utc>,
    pub(crate) sync_epoch: u64,
    pub(crate) deleted: bool,
    pub(crate) events: BTreeMap<String, StoredEvent>,
    pub(crate) ical_index: HashMap<String, String>,
    /// Access control rules by rule id (`user:alice@example.com`, `default`), tombstones kept.
    pub(crate) acl: BTreeMap<String, AclRule>,
}

impl Calendar {
    fn render(&self) -> Value {
        let mut out = self.meta.clone();
        out.insert("kind".into(), json!("calendar#calendar"));
        out.insert("etag".into(), json!(self.etag));
        out.insert("id".into(), json!(self.id));
        out.insert(
            "conferenceProperties".into(),
            json!({"allowedConferenceSolutionTypes": ["hangoutsMeet"]}),
        );
        Value::Object(out)
    }

    /// The calendar's title, for list responses.
    pub(crate) fn summary(&self) -> &str {
        self.meta
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or(&self.id)
    }
}

/// An etag in Google's shape (a quoted 16-digit number), unique to each write.
pub(crate) fn etag(seq: u64) -> String {
    format!("\"{}\"", 3_000_000_000_000_000u64 + seq)
}

/// Compares an `If-Match`/`If-None-Match` header value with an etag, ignoring a weak prefix.
pub(crate) fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|h| h == "*" || h.trim_start_matches("W/") == etag)
}

fn pick(body: &Map<String, Value>, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            body.get(*f)
                .filter(|v| !v.is_null())
                .map(|v| ((*f).to_owned(), v.clone()))
        })
        .collect()
}

/// JSON-merge-patch `patch` into `target`: objects merge recursively, `null` removes.
pub(crate) fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => match target.get_mut(key) {
                Some(Value::Object(existing)) => merge_patch(existing, inner),
                _ => {
                    target.insert(key.clone(), value.clone());
                }
            },
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Orders roles: `none` < `freeBusyReader` < `reader` < `writer` < `owner`.
pub(crate) fn role_rank(role: &str) -> u8 {
    match role {
        "freeBusyReader" => 1,
        "reader" => 2,
        "writer" => 3,
        "owner" => 4,
        _ => 0,
    }
}

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
                settings: settings::defaults(&time_zone, seq),
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
                settings::TIMEZONE.to_owned(),
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

    fn create_calendar(
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
    fn list_entry(&self, account: &str, calendar_id: &str) -> Result<&ListEntry, ApiError> {
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

    fn render_entry(&self, id: &str, entry: &ListEntry) -> Value {
        let mut out = Map::new();
        out.insert("kind".into(), json!("calendar#calendarListEntry"));
        out.insert("etag".into(), json!(entry.etag));
        out.insert("id".into(), json!(id));
        if entry.deleted {
            out.insert("deleted".into(), json!(true));
            return Value::Object(out);
        }
        if let Some(cal) = self.calendars.get(id) {
            out.extend(pick(&cal.meta, &CALENDAR_FIELDS));
        }
        out.extend(entry.prefs.clone());
        if out.get("hidden") != Some(&json!(true)) {
            out.remove("hidden");
        }
        out.insert("accessRole".into(), json!(entry.access_role));
        if entry.primary {
            out.insert("primary".into(), json!(true));
        }
        out.entry("conferenceProperties")
            .or_insert_with(|| json!({"allowedConferenceSolutionTypes": ["hangoutsMeet"]}));
        Value::Object(out)
    }

    /// `calendarList.list`.
    pub(crate) fn calendar_list_list(
        &self,
        account: &str,
        params: &Params,
    ) -> Result<Value, ApiError> {
        let acct = self.accounts.get(account).ok_or_else(ApiError::not_found)?;
        let listing = Listing::parse(
            params,
            format!("list:{account}"),
            acct.list_epoch,
            self.current_seq(),
            &["minAccessRole"],
        )?;
        let min_role = match params.get("minAccessRole") {
            None => 0,
            Some(r @ ("freeBusyReader" | "reader" | "writer" | "owner")) => role_rank(r),
            Some(_) => {
                return Err(ApiError::invalid_param(
                    "minAccessRole",
                    "Invalid minAccessRole value.",
                ));
            }
        };
        let show_deleted = listing.show_deleted(params)?;
        let show_hidden = listing.since.is_some() || params.bool("showHidden", false)?;
        Ok(listing.respond(
            "calendar#calendarList",
            list_etag(self.current_seq()),
            acct.list.iter().map(|(id, entry)| (id.as_str(), entry)),
            |entry| entry.seq,
            |entry| {
                (show_deleted || !entry.deleted)
                    && (show_hidden || entry.prefs.get("hidden") != Some(&json!(true)))
                    && role_rank(entry.access_role) >= min_role
            },
            |id, entry| self.render_entry(id, entry),
        ))
    }

    /// `calendarList.get`.
    pub(crate) fn calendar_list_get(
        &self,
        account: &str,
        calendar_id: &str,
    ) -> Result<Value, ApiError> {
        let id = self.resolve(account, calendar_id);
        let entry = self.list_entry(account, id)?;
        Ok(self.render_entry(id, entry))
    }

    fn write_prefs(body: &Map<String, Value>, rgb: bool) -> Result<Map<String, Value>, ApiError> {
        let mut prefs = pick(body, &ENTRY_FIELDS);
        if let Some(color) = prefs.get("colorId").and_then(Value::as_str)
            && !color.parse::<u8>().is_ok_and(|n| (1..=24).contains(&n))
        {
            return Err(ApiError::invalid(format!("Invalid colorId: {color}")));
        }
        if !rgb {
            prefs.remove("backgroundColor");
            prefs.remove("foregroundColor");
        }
        Ok(prefs)
    }

    /// `calendarList.insert`: adds an existing calendar to the caller's list (an upsert).
    pub(crate) fn calendar_list_insert(
        &mut self,
        account: &str,
        body: &Map<String, Value>,
        rgb: bool,
    ) -> Result<Value, ApiError> {
        let id = body
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::required("Missing calendar id."))?
            .to_owned();
        let role = self.role(account, &id)?;
        let prefs = Self::write_prefs(body, rgb)?;
        let seq = self.next_seq();
        let acct = self
            .accounts
            .get_mut(account)
            .ok_or_else(ApiError::not_found)?;
        let entry = acct
            .list
            .entry(id.clone())
            .or_insert_with(|| ListEntry::new(role, seq, false));
        entry.access_role = role;
        entry.deleted = false;
        merge_patch(&mut entry.prefs, &prefs);
        entry.prefs.entry("selected").or_insert(json!(true));
        entry.etag = etag(seq);
        entry.seq = seq;
        self.calendar_list_get(account, &id)
    }

    /// `calendarList.update` (`replace`) and `calendarList.patch`.
    pub(crate) fn calendar_list_write(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: &Map<String, Value>,
        replace: bool,
        rgb: bool,
        if_match: Option<&str>,
    ) -> Result<Value, ApiError> {
        let id = self.resolve(account, calendar_id).to_owned();
        self.list_entry(account, &id)?;
        let prefs = Self::write_prefs(body, rgb)?;
        let seq = self.next_seq();
        let entry = self
            .accounts
            .get_mut(account)
            .and_then(|a| a.list.get_mut(&id))
            .ok_or_else(ApiError::not_found)?;
        if if_match.is_some_and(|h| !etag_matches(h, &entry.etag)) {
            return Err(ApiError::condition_not_met());
        }
        if replace {
            entry.prefs = prefs;
        } else {
            let mut patch = prefs;
            for f in ENTRY_FIELDS {
                if body.get(f) == Some(&Value::Null) {
                    patch.insert(f.into(), Value::Null);
                }
            }
            merge_patch(&mut entry.prefs, &patch);
        }
        entry.etag = etag(seq);
        entry.seq = seq;
        self.calendar_list_get(account, &id)
    }

    /// `calendarList.delete`.
    pub(crate) fn calendar_list_delete(
        &mut self,
        account: &str,
        calendar_id: &str,
    ) -> Result<(), ApiError> {
        let id = self.resolve(account, calendar_id).to_owned();
        self.list_entry(account, &id)?;
        let seq = self.next_seq();
        let entry = self
            .accounts
            .get_mut(account)
            .and_then(|a| a.list.get_mut(&id))
            .ok_or_else(ApiError::not_found)?;
        if entry.primary {
            return Err(ApiError::bad_request(
                "The primary calendar cannot be removed from the calendar list.",
            ));
        }
        entry.deleted = true;
        entry.etag = etag(seq);
        entry.seq = seq;
        Ok(())
    }

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
