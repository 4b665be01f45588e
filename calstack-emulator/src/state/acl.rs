//! Calendar sharing: `acl.*`. Every calendar carries rules keyed `{scope.type}:{scope.value}`
//! (`user:alice@example.com`, `domain:example.com`, or `default` for the public). Rules are the
//! emulator's access control: `State::role` reads them, and every change re-derives the
//! calendar list entries of the accounts it affects (a grant adds the calendar to the grantee's
//! list, a revocation removes it). Only owners may read or change a calendar's rules.

use serde_json::{Map, Value};

use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::listing::{Listing, list_etag};
use crate::state::model::account::ListEntry;
use crate::state::model::acl::AclRule;
use crate::state::model::calendar::Calendar;
use crate::state::model::etag::{etag, etag_matches};
use crate::state::world::State;

/// The roles a rule may grant.
const ROLES: [&str; 5] = ["none", "freeBusyReader", "reader", "writer", "owner"];
/// The kinds of scope a rule may have.
const SCOPE_TYPES: [&str; 4] = ["default", "user", "group", "domain"];

/// A rule's scope read from a request body: (type, value).
fn parse_scope(body: &Map<String, Value>) -> Result<(&'static str, Option<String>), ApiError> {
    let scope = body
        .get("scope")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::required("Missing scope."))?;
    let kind = scope
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::required("Missing scope.type."))?;
    let kind = SCOPE_TYPES
        .into_iter()
        .find(|t| *t == kind)
        .ok_or_else(|| ApiError::invalid(format!("Invalid scope.type value: {kind}")))?;
    if kind == "default" {
        return Ok((kind, None));
    }
    let value = scope
        .get("value")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::required("Missing scope.value."))?;
    let well_formed = if kind == "domain" {
        !value.contains('@') && value.contains('.')
    } else {
        value
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    };
    if !well_formed {
        return Err(ApiError::invalid(format!(
            "Invalid scope.value for scope.type {kind}: {value}"
        )));
    }
    Ok((kind, Some(value.to_ascii_lowercase())))
}

/// A rule's role read from a request body; `None` when absent and `required` is false.
fn parse_role(body: &Map<String, Value>, required: bool) -> Result<Option<&'static str>, ApiError> {
    match body.get("role") {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::required("Missing role.")),
        Some(role) => {
            let text = role.as_str().unwrap_or_default();
            ROLES
                .into_iter()
                .find(|r| *r == text)
                .map(Some)
                .ok_or_else(|| ApiError::invalid(format!("Invalid role value: {role}")))
        }
    }
}

impl State {
    /// The calendar behind `calendar_id` once the caller is known to own it.
    fn owned_calendar(&self, account: &str, calendar_id: &str) -> Result<&Calendar, ApiError> {
        let id = self.resolve(account, calendar_id);
        self.require_owner(account, id)?;
        self.calendars.get(id).ok_or_else(ApiError::not_found)
    }

    /// `acl.list`.
    pub(crate) fn acl_list(
        &self,
        account: &str,
        calendar_id: &str,
        params: &Params,
    ) -> Result<Value, ApiError> {
        let cal = self.owned_calendar(account, calendar_id)?;
        let listing = Listing::parse(
            params,
            format!("acl:{}", cal.id),
            cal.sync_epoch,
            self.current_seq(),
            &[],
        )?;
        let show_deleted = listing.show_deleted(params)?;
        let newest = cal.acl.values().map(|r| r.seq).max().unwrap_or(0);
        Ok(listing.respond(
            "calendar#acl",
            list_etag(newest),
            cal.acl.iter().map(|(id, rule)| (id.as_str(), rule)),
            |rule| rule.seq,
            |rule| show_deleted || !rule.deleted,
            |id, rule| rule.render(id),
        ))
    }

    /// `acl.get` (a deleted rule is `404`).
    pub(crate) fn acl_get(
        &self,
        account: &str,
        calendar_id: &str,
        rule_id: &str,
    ) -> Result<Value, ApiError> {
        let cal = self.owned_calendar(account, calendar_id)?;
        cal.acl
            .get(rule_id)
            .filter(|r| !r.deleted)
            .map(|r| r.render(rule_id))
            .ok_or_else(ApiError::not_found)
    }

    /// `acl.insert`: creates the rule for the body's scope, or changes its role when it exists.
    pub(crate) fn acl_insert(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let cal_id = self.owned_calendar(account, calendar_id)?.id.clone();
        let (scope_type, scope_value) = parse_scope(body)?;
        let role = parse_role(body, true)?.unwrap_or("none");
        let seq = self.next_seq();
        let rule = AclRule {
            scope_type,
            scope_value,
            role,
            seq,
            deleted: false,
        };
        let rule_id = rule.id();
        self.check_rule_change(account, &cal_id, &rule_id, Some(role))?;
        let cal = self
            .calendars
            .get_mut(&cal_id)
            .ok_or_else(ApiError::not_found)?;
        cal.acl.insert(rule_id.clone(), rule);
        self.sync_list_entries(&cal_id, &rule_id);
        self.acl_get(account, &cal_id, &rule_id)
    }

    /// `acl.update` (`replace`) and `acl.patch`: changes a rule's role (its scope is its id and
    /// cannot change).
    pub(crate) fn acl_write(
        &mut self,
        account: &str,
        calendar_id: &str,
        rule_id: &str,
        body: &Map<String, Value>,
        replace: bool,
        if_match: Option<&str>,
    ) -> Result<Value, ApiError> {
        let cal = self.owned_calendar(account, calendar_id)?;
        let cal_id = cal.id.clone();
        let rule = cal
            .acl
            .get(rule_id)
            .filter(|r| !r.deleted)
            .ok_or_else(ApiError::not_found)?;
        if if_match.is_some_and(|h| !etag_matches(h, &rule.etag())) {
            return Err(ApiError::condition_not_met());
        }
        if replace || body.contains_key("scope") {
            let (scope_type, scope_value) = parse_scope(body)?;
            if scope_type != rule.scope_type || scope_value != rule.scope_value {
                return Err(ApiError::invalid(
                    "The scope of a rule cannot be changed; insert a rule for the new scope.",
                ));
            }
        }
        let role = parse_role(body, replace)?.unwrap_or(rule.role);
        self.check_rule_change(account, &cal_id, rule_id, Some(role))?;
        self.change_rule(&cal_id, rule_id, |rule| rule.role = role);
        self.acl_get(account, &cal_id, rule_id)
    }

    /// `acl.delete`: the rule becomes a tombstone (role `none` in incremental lists).
    pub(crate) fn acl_delete(
        &mut self,
        account: &str,
        calendar_id: &str,
        rule_id: &str,
    ) -> Result<(), ApiError> {
        let cal = self.owned_calendar(account, calendar_id)?;
        let cal_id = cal.id.clone();
        if cal.acl.get(rule_id).is_none_or(|r| r.deleted) {
            return Err(ApiError::not_found());
        }
        self.check_rule_change(account, &cal_id, rule_id, None)?;
        self.change_rule(&cal_id, rule_id, |rule| rule.deleted = true);
        Ok(())
    }

    /// Applies `change` to an existing rule as one new write, then updates the calendar lists.
    fn change_rule(&mut self, cal_id: &str, rule_id: &str, change: impl FnOnce(&mut AclRule)) {
        let seq = self.next_seq();
        if let Some(rule) = self
            .calendars
            .get_mut(cal_id)
            .and_then(|c| c.acl.get_mut(rule_id))
        {
            change(rule);
            rule.seq = seq;
        }
        self.sync_list_entries(cal_id, rule_id);
    }

    /// 403 when a change would lower the caller's own access or the access of a primary
    /// calendar's owner (`role` `None` = the rule goes away).
    fn check_rule_change(
        &self,
        account: &str,
        cal_id: &str,
        rule_id: &str,
        role: Option<&str>,
    ) -> Result<(), ApiError> {
        let Some(cal) = self.calendars.get(cal_id) else {
            return Err(ApiError::not_found());
        };
        let lowers = role.is_none_or(|r| r != "owner");
        if !lowers {
            return Ok(());
        }
        let is_user_rule = |email: &str| {
            rule_id
                .strip_prefix("user:")
                .is_some_and(|v| v.eq_ignore_ascii_case(email))
        };
        if is_user_rule(account) {
            return Err(ApiError::cannot_change_own_acl());
        }
        if cal.id == cal.owner && is_user_rule(&cal.owner) {
            return Err(ApiError::forbidden(
                "The owner of a primary calendar keeps owner access.",
            ));
        }
        Ok(())
    }

    /// Brings every account's calendar list in line with the calendar's rules after rule
    /// `rule_id` changed: entries of accounts that lost access are removed, entries whose role
    /// changed are updated, and the user a `user:` rule names gets the calendar on their list.
    fn sync_list_entries(&mut self, cal_id: &str, rule_id: &str) {
        let Some(cal) = self.calendars.get(cal_id) else {
            return;
        };
        let grantee = rule_id.strip_prefix("user:");
        let roles: Vec<(String, &'static str)> = self
            .accounts
            .keys()
            .map(|a| (a.clone(), cal.access_role(a)))
            .collect();
        let seq = self.next_seq();
        for (email, role) in roles {
            let Some(acct) = self.accounts.get_mut(&email) else {
                continue;
            };
            match acct.list.get_mut(cal_id) {
                Some(entry) if !entry.deleted => {
                    if role == "none" {
                        entry.deleted = true;
                    } else if entry.access_role != role {
                        entry.access_role = role;
                    } else {
                        continue;
                    }
                    entry.etag = etag(seq);
                    entry.seq = seq;
                }
                _ if role != "none" && grantee.is_some_and(|g| g.eq_ignore_ascii_case(&email)) => {
                    acct.list
                        .insert(cal_id.to_owned(), ListEntry::new(role, seq, false));
                }
                _ => {}
            }
        }
    }
}
