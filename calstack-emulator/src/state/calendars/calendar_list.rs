//! `calendarList.*`: each account's view of the calendars it can see, with its own display
//! preferences.

use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::listing::{Listing, list_etag};
use crate::state::model::account::ListEntry;
use crate::state::model::acl::role_rank;
use crate::state::model::calendar::CALENDAR_FIELDS;
use crate::state::model::etag::{etag, etag_matches};
use crate::state::patch::{merge_patch, pick};
use crate::state::world::State;

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

impl State {
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
}
