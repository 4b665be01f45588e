//! Builders for the `acl` resource: who a calendar is shared with, and how.

use futures::Stream;
use reqwest::Method;

use super::{Call, IfNoneMatch, failed, query_setters};
use crate::calendar::client::CalendarClient;
use crate::calendar::model::{Acl, AclRule, AclScope, AclScopeType, Channel, SyncResult};
use crate::error::{Error, Result};
use crate::transport::Idempotency;
use crate::validate::event::validate_email;

/// The `acl` resource. Made by [`CalendarClient::acl`].
#[derive(Debug, Clone)]
pub struct AclApi {
    client: CalendarClient,
}

fn rule_path<'a>(calendar_id: &'a str, rule_id: &'a str) -> [&'a str; 4] {
    ["calendars", calendar_id, "acl", rule_id]
}

impl AclApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    fn call(&self, method: Method, segments: &[&str], idempotency: Idempotency) -> Call {
        Call::new(self.client.clone(), method, segments, idempotency)
    }

    /// `acl.list`: the sharing rules of a calendar.
    pub fn list(&self, calendar_id: &str) -> ListAcl {
        ListAcl {
            call: self.call(
                Method::GET,
                &["calendars", calendar_id, "acl"],
                Idempotency::Safe,
            ),
            show_deleted: None,
        }
    }

    /// `acl.get`: one rule, by id (`user:bob@example.com`, `domain:example.com`, `default`).
    pub fn get(&self, calendar_id: &str, rule_id: &str) -> GetAclRule {
        GetAclRule {
            call: self.call(
                Method::GET,
                &rule_path(calendar_id, rule_id),
                Idempotency::Safe,
            ),
        }
    }

    /// `acl.insert`: shares the calendar (needs `scope` and `role`).
    ///
    /// The rule id is chosen by Google, so an insert is only retried when the connection
    /// failed before the request was sent.
    pub fn insert(&self, calendar_id: &str, rule: AclRule) -> InsertAclRule {
        InsertAclRule {
            call: self.call(
                Method::POST,
                &["calendars", calendar_id, "acl"],
                Idempotency::ConnectOnly,
            ),
            rule,
        }
    }

    /// `acl.update`: replaces a rule (needs `scope`).
    pub fn update(&self, calendar_id: &str, rule_id: &str, rule: AclRule) -> UpdateAclRule {
        UpdateAclRule {
            call: self.call(
                Method::PUT,
                &rule_path(calendar_id, rule_id),
                Idempotency::Safe,
            ),
            rule,
        }
    }

    /// `acl.patch`: changes only the fields set (usually the `role`).
    pub fn patch(&self, calendar_id: &str, rule_id: &str, changes: AclRule) -> PatchAclRule {
        PatchAclRule {
            call: self.call(
                Method::PATCH,
                &rule_path(calendar_id, rule_id),
                Idempotency::Safe,
            ),
            changes,
        }
    }

    /// `acl.delete`: stops sharing with the rule's scope.
    pub fn delete(&self, calendar_id: &str, rule_id: &str) -> DeleteAclRule {
        DeleteAclRule {
            call: self.call(
                Method::DELETE,
                &rule_path(calendar_id, rule_id),
                Idempotency::Safe,
            ),
        }
    }

    /// `acl.watch`: asks Google to push a notification to `channel.address` whenever the
    /// calendar's sharing rules change.
    pub fn watch(&self, calendar_id: &str, channel: Channel) -> WatchAcl {
        WatchAcl {
            call: self.call(
                Method::POST,
                &["calendars", calendar_id, "acl", "watch"],
                Idempotency::ConnectOnly,
            ),
            channel,
            show_deleted: None,
        }
    }

    /// Incremental sync of a calendar's sharing rules: every rule changed since `sync_token`
    /// (removed ones have role `none`) and the token for next time. `None` = full sync.
    ///
    /// A token Google no longer accepts gives [`Error::SyncTokenExpired`].
    pub async fn sync(
        &self,
        calendar_id: &str,
        sync_token: Option<&str>,
    ) -> Result<SyncResult<AclRule>> {
        let mut list = self.list(calendar_id);
        if let Some(token) = sync_token {
            list = list.sync_token(token);
        }
        list.send_sync().await
    }
}

/// Expands the query setters shared by `acl.list` and `acl.watch` (both need a
/// `show_deleted: Option<bool>` field beside `call`).
macro_rules! acl_list_setters {
    () => {
        query_setters! {
            /// Page size (default 100, at most 250).
            max_results: u32 => "maxResults",
            /// Continue from this page.
            page_token: str => "pageToken",
            /// Only changes since this token (deleted rules, role `none`, are then always
            /// included; see also [`AclApi::sync`]).
            sync_token: str => "syncToken",
        }

        /// Include deleted rules (they have role `none`).
        pub fn show_deleted(mut self, value: bool) -> Self {
            self.show_deleted = Some(value);
            self.call.set("showDeleted", value.to_string());
            self
        }
    };
}

/// Google always returns deleted rules with a sync token and refuses `showDeleted=false`.
fn check_sync_conflicts(call: &Call, show_deleted: Option<bool>) -> Result<()> {
    if call.has("syncToken") && show_deleted == Some(false) {
        return Err(Error::validation(
            "showDeleted",
            "cannot be false with syncToken (deleted rules are always included)",
        ));
    }
    Ok(())
}

/// `acl.list`. Made by [`AclApi::list`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct ListAcl {
    call: Call,
    show_deleted: Option<bool>,
}

impl ListAcl {
    acl_list_setters!();

    /// Sends the request and returns one page.
    pub async fn send(self) -> Result<Acl> {
        check_sync_conflicts(&self.call, self.show_deleted)?;
        self.call.send_json().await
    }

    /// Every rule of every page, fetched as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<AclRule>> + Send + 'static {
        match check_sync_conflicts(&self.call, self.show_deleted) {
            Ok(()) => futures::StreamExt::boxed(self.call.items::<AclRule>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every page.
    pub fn pages(self) -> impl Stream<Item = Result<Acl>> + Send + 'static {
        match check_sync_conflicts(&self.call, self.show_deleted) {
            Ok(()) => futures::StreamExt::boxed(self.call.pages::<AclRule>()),
            Err(e) => futures::StreamExt::boxed(failed(e)),
        }
    }

    /// Every rule of every page, collected.
    pub async fn collect_all(self) -> Result<Vec<AclRule>> {
        futures::TryStreamExt::try_collect(self.stream()).await
    }

    /// Every page, collected into the changed rules plus the final `nextSyncToken`.
    pub async fn send_sync(self) -> Result<SyncResult<AclRule>> {
        check_sync_conflicts(&self.call, self.show_deleted)?;
        self.call.sync_all().await
    }
}

/// `acl.watch`. Made by [`AclApi::watch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct WatchAcl {
    call: Call,
    channel: Channel,
    show_deleted: Option<bool>,
}

impl WatchAcl {
    acl_list_setters!();

    /// Sends the request; the answer carries the `resourceId` needed to stop the channel.
    pub async fn send(mut self) -> Result<Channel> {
        check_sync_conflicts(&self.call, self.show_deleted)?;
        self.call.json_body(&self.channel)?;
        self.call.send_json().await
    }
}

/// `acl.get`. Made by [`AclApi::get`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct GetAclRule {
    call: Call,
}

impl GetAclRule {
    /// Only fetch the rule if its etag differs from `etag` (HTTP 304 otherwise).
    pub fn if_none_match(self, etag: impl Into<String>) -> IfNoneMatch<AclRule> {
        IfNoneMatch::new(self.call, etag.into())
    }

    /// Sends the request.
    pub async fn send(self) -> Result<AclRule> {
        self.call.send_json().await
    }
}

/// Checks a scope as Google would: it has a type, and every known type but `default` has a
/// value (an email address for `user` and `group`). Unknown types pass unchecked.
fn check_scope(scope: Option<&AclScope>) -> Result<()> {
    let scope = scope.ok_or_else(|| {
        Error::validation("rule.scope", "a rule needs a scope (who it applies to)")
    })?;
    let kind = scope.kind.as_ref().ok_or_else(|| {
        Error::validation(
            "rule.scope.type",
            "a scope needs a type: default, user, group or domain",
        )
    })?;
    let value = scope.value.as_deref().filter(|v| !v.is_empty());
    match (kind, value) {
        (AclScopeType::Default | AclScopeType::Unknown(_), _) => Ok(()),
        (AclScopeType::User | AclScopeType::Group, Some(email)) => {
            validate_email("rule.scope.value", email)
        }
        (AclScopeType::Domain, Some(_)) => Ok(()),
        (AclScopeType::User | AclScopeType::Group | AclScopeType::Domain, None) => {
            Err(Error::validation(
                "rule.scope.value",
                format!("a {kind} scope needs a value (an email address or a domain name)"),
            ))
        }
    }
}

/// `acl.insert`. Made by [`AclApi::insert`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct InsertAclRule {
    call: Call,
    rule: AclRule,
}

impl InsertAclRule {
    query_setters! {
        /// Whether Google emails the new reader about the share (Google's default: yes).
        send_notifications: bool => "sendNotifications",
    }

    /// Sends the request (not retried once it may have reached Google).
    pub async fn send(mut self) -> Result<AclRule> {
        check_scope(self.rule.scope.as_ref())?;
        if self.rule.role.is_none() {
            return Err(Error::validation(
                "rule.role",
                "a new rule needs a role: none, freeBusyReader, reader, writer or owner",
            ));
        }
        self.call.json_body(&self.rule)?;
        self.call.send_json().await
    }
}

/// `acl.update`. Made by [`AclApi::update`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct UpdateAclRule {
    call: Call,
    rule: AclRule,
}

impl UpdateAclRule {
    query_setters! {
        /// Whether Google emails about the change (Google's default: yes; none on removal).
        send_notifications: bool => "sendNotifications",
    }

    /// Only update if the rule still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<AclRule> {
        check_scope(self.rule.scope.as_ref())?;
        self.call.json_body(&self.rule)?;
        self.call.send_json().await
    }
}

/// `acl.patch`. Made by [`AclApi::patch`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct PatchAclRule {
    call: Call,
    changes: AclRule,
}

impl PatchAclRule {
    query_setters! {
        /// Whether Google emails about the change (Google's default: yes; none on removal).
        send_notifications: bool => "sendNotifications",
    }

    /// Only patch if the rule still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.call.if_match(etag.into());
        self
    }

    /// Sends the request (a scope, if set, is checked like on insert).
    pub async fn send(mut self) -> Result<AclRule> {
        if self.changes.scope.is_some() {
            check_scope(self.changes.scope.as_ref())?;
        }
        self.call.json_body(&self.changes)?;
        self.call.send_json().await
    }
}

/// `acl.delete`. Made by [`AclApi::delete`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct DeleteAclRule {
    call: Call,
}

impl DeleteAclRule {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.call.send_empty().await
    }
}
