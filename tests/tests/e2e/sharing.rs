//! Sharing between clients through the ACL: a grant really gives the other account access, and
//! deleting the rule takes it away again.

use calstack_core::Error;
use calstack_core::calendar::{AccessRole, AclRole, AclRule, AclScope};
use calstack_e2e::Harness;

use crate::event_at;

#[tokio::test]
async fn an_acl_grant_shares_a_calendar_and_deleting_it_unshares() {
    let harness = Harness::start().await;
    let (acme, _) = harness
        .authorized_client("Acme Ltd", "tess@acme.test")
        .await;
    let (globex, _) = harness.authorized_client("Globex", "uma@globex.test").await;
    let calstack = harness.calstack();
    let owner = calstack.calendar(acme.id).await.expect("calendar");
    let guest = calstack.calendar(globex.id).await.expect("calendar");
    owner
        .events()
        .insert("primary", event_at("Acme board meeting", 9))
        .send()
        .await
        .expect("insert");

    let rule = owner
        .acl()
        .insert(
            "primary",
            AclRule::new(AclScope::user("uma@globex.test"), AclRole::Reader),
        )
        .send()
        .await
        .expect("share");
    let rule_id = rule.id.clone().expect("Google names the rule");
    let rules = owner
        .acl()
        .list("primary")
        .collect_all()
        .await
        .expect("acl");
    assert!(
        rules
            .iter()
            .any(|r| r.id.as_deref() == Some(rule_id.as_str()))
    );

    let shared = guest
        .calendar_list()
        .list()
        .collect_all()
        .await
        .expect("calendar list")
        .into_iter()
        .find(|entry| entry.id.as_deref() == Some("tess@acme.test"))
        .expect("the shared calendar is in the guest's list");
    assert_eq!(shared.access_role, Some(AccessRole::Reader));
    let seen = guest
        .events()
        .list("tess@acme.test")
        .collect_all()
        .await
        .expect("a reader lists events");
    assert_eq!(seen.len(), 1);
    let write = guest
        .events()
        .insert("tess@acme.test", event_at("Globex was here", 10))
        .send()
        .await;
    assert_eq!(
        write.expect_err("a reader cannot write").status(),
        Some(403)
    );

    owner
        .acl()
        .delete("primary", &rule_id)
        .send()
        .await
        .expect("unshare");
    let still_listed = guest
        .calendar_list()
        .list()
        .collect_all()
        .await
        .expect("calendar list")
        .into_iter()
        .any(|entry| entry.id.as_deref() == Some("tess@acme.test"));
    assert!(!still_listed, "revoked: gone from the guest's list");
    let after = guest.events().list("tess@acme.test").collect_all().await;
    assert!(
        matches!(after, Err(Error::NotFound { .. }) | Err(Error::Api(_))),
        "{after:?}"
    );
}
