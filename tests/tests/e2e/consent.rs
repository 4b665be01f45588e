//! Consent through the facade against the emulator's OAuth endpoints.

use calstack_core::Error;
use calstack_core::oauth::CredentialExt as _;
use calstack_e2e::Harness;
use calstack_emulator::Consent;

#[tokio::test]
async fn full_consent_gives_a_valid_credential_and_the_accounts_primary_calendar() {
    let harness = Harness::start().await;
    let (client, registered) = harness.register("Acme Ltd", "alice@acme.test").await;
    assert!(!registered.is_valid, "invalid until consent completes");

    let callback = harness.consent_redirect(registered.id).await;
    assert_eq!(
        callback.as_str().split('?').next(),
        Some(calstack_e2e::REDIRECT_URI),
        "the emulator redirects to the registered redirect URI"
    );
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .expect("the callback carries code and state")
    };
    let (code, state) = (param("code"), param("state"));
    let credential = harness
        .calstack()
        .oauth()
        .complete(&code, &state)
        .await
        .expect("consent completes");
    assert!(credential.is_valid);
    assert!(credential.last_error.is_none());
    assert!(
        credential.refresh_token.is_some(),
        "offline access gives a refresh token"
    );
    assert!(
        credential
            .granted_scopes
            .iter()
            .any(|s| s == "https://www.googleapis.com/auth/calendar"),
        "granted: {:?}",
        credential.granted_scopes
    );

    // The same callback cannot be replayed.
    let replay = harness
        .calstack()
        .oauth()
        .complete(&code, &state)
        .await
        .expect_err("a state is single-use");
    assert!(
        matches!(&replay, Error::Authorization { code, .. } if code == "invalid_state"),
        "{replay:?}"
    );

    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("a Calendar client for the consented client");
    let calendars = calendar
        .calendar_list()
        .list()
        .collect_all()
        .await
        .expect("calendar list");
    let primary = calendars
        .iter()
        .find(|c| c.primary == Some(true))
        .expect("a primary calendar");
    assert_eq!(primary.id.as_deref(), Some("alice@acme.test"));
}

#[tokio::test]
async fn denied_consent_is_an_authorization_error_and_the_credential_stays_invalid() {
    let harness = Harness::start().await;
    harness.emulator().set_consent(Consent::Deny);
    let (client, credential) = harness.register("Denied Co", "bob@denied.test").await;
    let callback = harness.consent_redirect(credential.id).await;
    let err = harness
        .calstack()
        .oauth()
        .complete_callback_query(callback.query().unwrap_or_default())
        .await
        .expect_err("the user said no");
    assert!(
        matches!(&err, Error::Authorization { code, .. } if code == "access_denied"),
        "{err:?}"
    );
    let stored = harness
        .calstack()
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("credential");
    assert!(!stored.is_valid);
    let calendar = harness.calstack().calendar(client.id).await;
    assert!(
        matches!(calendar, Err(Error::ReauthorizationRequired { .. })),
        "no Calendar client without consent: {calendar:?}"
    );
}

#[tokio::test]
async fn scopes_the_user_unticked_are_reported_missing_and_writes_are_refused() {
    let harness = Harness::start().await;
    let readonly = "https://www.googleapis.com/auth/calendar.readonly";
    harness
        .emulator()
        .set_consent(Consent::GrantOnly(vec![readonly.to_owned()]));
    let (client, registered) = harness
        .register_with_scopes(
            "Partial Ltd",
            "pam@partial.test",
            &["calendar.readonly", "calendar.events"],
        )
        .await;
    let credential = harness.consent(registered.id).await;
    assert!(
        credential.is_valid,
        "a partial grant still works for what it covers"
    );
    assert_eq!(
        credential.missing_scopes(),
        vec!["https://www.googleapis.com/auth/calendar.events".to_owned()]
    );
    assert!(credential.has_scope(readonly));

    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("reading is granted");
    let err = calendar
        .events()
        .insert("primary", crate::event_at("Not allowed", 9))
        .send()
        .await
        .expect_err("writing was not granted");
    assert_eq!(err.status(), Some(403), "{err:?}");
    assert!(!err.is_retryable(), "a missing scope is not worth retrying");
}
