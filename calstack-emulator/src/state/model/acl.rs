//! One access control rule of a calendar, keyed `{scope.type}:{scope.value}`
//! (`user:alice@example.com`, `domain:example.com`, or `default` for the public), and how
//! roles rank.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::state::model::etag::etag;

/// One access control rule of a calendar.
#[derive(Debug, Clone)]
pub(crate) struct AclRule {
    pub(crate) scope_type: &'static str,
    /// The user or group email or the domain; `None` for the `default` scope.
    pub(crate) scope_value: Option<String>,
    pub(crate) role: &'static str,
    pub(crate) seq: u64,
    pub(crate) deleted: bool,
}

impl AclRule {
    /// The rules of a new calendar: its creator owns it.
    pub(crate) fn owner_rules(owner: &str, seq: u64) -> BTreeMap<String, Self> {
        let rule = Self {
            scope_type: "user",
            scope_value: Some(owner.to_owned()),
            role: "owner",
            seq,
            deleted: false,
        };
        BTreeMap::from([(rule.id(), rule)])
    }

    pub(crate) fn id(&self) -> String {
        match &self.scope_value {
            None => self.scope_type.to_owned(),
            Some(value) => format!("{}:{value}", self.scope_type),
        }
    }

    pub(crate) fn etag(&self) -> String {
        etag(self.seq)
    }

    /// Whether the rule covers `account` (whose domain is `domain`).
    pub(crate) fn covers(&self, account: &str, domain: Option<&str>) -> bool {
        let value = self.scope_value.as_deref();
        match self.scope_type {
            "default" => true,
            "user" => value.is_some_and(|v| v.eq_ignore_ascii_case(account)),
            "domain" => value
                .zip(domain)
                .is_some_and(|(v, d)| v.eq_ignore_ascii_case(d)),
            _ => false,
        }
    }

    /// The rule in Google's shape; a deleted rule shows role `none`.
    pub(crate) fn render(&self, id: &str) -> Value {
        let mut scope = json!({"type": self.scope_type});
        if let Some(value) = &self.scope_value {
            scope["value"] = json!(value);
        }
        json!({
            "kind": "calendar#aclRule",
            "etag": self.etag(),
            "id": id,
            "scope": scope,
            "role": if self.deleted { "none" } else { self.role },
        })
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
