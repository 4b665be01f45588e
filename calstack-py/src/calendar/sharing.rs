//! Sharing (a calendar's ACL): who may see or change it.

use calstack_core::calendar::{AclRole, AclRule as CoreAclRule, AclScope};
use pyo3::prelude::*;

use super::Calendar;
use crate::errors::validation;
use crate::models::AclRule;

#[pymethods]
impl Calendar {
    /// Who the calendar is shared with (its ACL rules, every page). Needs owner access.
    fn list_acl(&self, py: Python<'_>, calendar_id: String) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            let rules = api.acl().list(&calendar_id).collect_all().await?;
            Ok(rules.into_iter().map(AclRule::new_core).collect::<Vec<_>>())
        })
    }

    /// Shares the calendar with `email` (a user, or a group with `scope="group"`; a domain
    /// name with `scope="domain"`) as `role`: `"freeBusyReader"`, `"reader"` (the default),
    /// `"writer"` or `"owner"`. Returns the rule; sharing again changes the role.
    #[pyo3(signature = (calendar_id, email, role="reader", *, scope="user", send_notifications=None))]
    fn share(
        &self,
        py: Python<'_>,
        calendar_id: String,
        email: String,
        role: &str,
        scope: &str,
        send_notifications: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        let role = AclRole::grantable(role).ok_or_else(|| {
            validation(
                py,
                "role",
                format!("must be 'freeBusyReader', 'reader', 'writer' or 'owner', not {role:?}"),
            )
        })?;
        let scope = AclScope::named(scope, email).ok_or_else(|| {
            validation(
                py,
                "scope",
                format!("must be 'user', 'group' or 'domain', not {scope:?}"),
            )
        })?;
        let api = self.api()?;
        self.handle.run(py, async move {
            let mut insert = api
                .acl()
                .insert(&calendar_id, CoreAclRule::new(scope, role));
            if let Some(notify) = send_notifications {
                insert = insert.send_notifications(notify);
            }
            Ok(AclRule::new_core(insert.send().await?))
        })
    }

    /// Removes an ACL rule (by its id, e.g. `"user:alice@example.com"`): that access ends.
    fn unshare(&self, py: Python<'_>, calendar_id: String, rule_id: String) -> PyResult<Py<PyAny>> {
        let api = self.api()?;
        self.handle.run(py, async move {
            Ok(api.acl().delete(&calendar_id, &rule_id).send().await?)
        })
    }
}
