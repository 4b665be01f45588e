//! Sharing and user preferences: `AclRule` (who may do what on a calendar) and `Setting`
//! (one of the user's Calendar settings), with their list pages `Acl` and `Settings`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enums::{AclRole, AclScopeType};
use super::page::Page;

/// One access-control rule of a calendar (`calendar#aclRule`).
///
/// Google names a rule after its scope (`user:bob@example.com`, `domain:example.com`,
/// `default`), so the id is known before the rule exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AclRule {
    /// Resource kind, `calendar#aclRule`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ETag of the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Rule id (read-only; set by Google from the scope).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Who the rule applies to (required for insert and update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<AclScope>,
    /// What the rule grants (required for insert). Deleted rules come back with `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<AclRole>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AclRule {
    /// A rule granting `role` to `scope`.
    pub fn new(scope: AclScope, role: AclRole) -> Self {
        Self {
            scope: Some(scope),
            role: Some(role),
            ..Self::default()
        }
    }

    /// Whether the rule is a deletion tombstone (role `none`, as returned by sync and by
    /// `showDeleted`).
    pub fn is_deleted(&self) -> bool {
        self.role == Some(AclRole::None)
    }
}

impl AclRole {
    /// The role called `name`, if it is one that can be granted (`freeBusyReader`, `reader`,
    /// `writer`, `owner`): for front ends that take the role as text.
    pub fn grantable(name: &str) -> Option<Self> {
        matches!(name, "freeBusyReader" | "reader" | "writer" | "owner").then(|| Self::from(name))
    }
}

/// `AclRule.scope`: who a rule applies to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AclScope {
    /// `default` (public), `user`, `group` or `domain`; `type` on the wire.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<AclScopeType>,
    /// The user's or group's email address, or the domain name; absent for `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AclScope {
    fn with(kind: AclScopeType, value: Option<String>) -> Self {
        Self {
            kind: Some(kind),
            value,
            extra: Map::new(),
        }
    }

    /// The public scope: anyone, signed in or not.
    pub fn public() -> Self {
        Self::with(AclScopeType::Default, None)
    }

    /// One user, by email address.
    pub fn user(email: impl Into<String>) -> Self {
        Self::with(AclScopeType::User, Some(email.into()))
    }

    /// A group, by email address.
    pub fn group(email: impl Into<String>) -> Self {
        Self::with(AclScopeType::Group, Some(email.into()))
    }

    /// Everyone in a domain, by domain name.
    pub fn domain(name: impl Into<String>) -> Self {
        Self::with(AclScopeType::Domain, Some(name.into()))
    }

    /// A `user`, `group` or `domain` scope for `value`, by the type's name (`None` for any
    /// other name): for front ends that take the scope type as text.
    pub fn named(kind: &str, value: impl Into<String>) -> Option<Self> {
        match kind {
            "user" => Some(Self::user(value)),
            "group" => Some(Self::group(value)),
            "domain" => Some(Self::domain(value)),
            _ => None,
        }
    }
}

/// One of the user's Calendar settings (`calendar#setting`), e.g. `timezone`,
/// `format24HourTime`, `weekStart`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Setting {
    /// Resource kind, `calendar#setting`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ETag of the setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The setting's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its value, always a string whose format depends on the id (`"true"`, `"Europe/Zurich"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of a calendar's access-control list (`calendar#acl`).
pub type Acl = Page<AclRule>;

/// One page of the user's settings (`calendar#settings`).
pub type Settings = Page<Setting>;

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn only_grantable_roles_and_known_scope_types_are_read_from_text() {
        assert_eq!(AclRole::grantable("writer"), Some(AclRole::Writer));
        assert_eq!(
            AclRole::grantable("none"),
            None,
            "none removes, it is not granted"
        );
        assert_eq!(AclRole::grantable("admin"), None);
        assert_eq!(
            AclScope::named("domain", "acme.test"),
            Some(AclScope::domain("acme.test"))
        );
        assert_eq!(AclScope::named("default", "x"), None);
    }
}
