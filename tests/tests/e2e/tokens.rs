//! Tokens end to end: transparent refresh, one refresh for many callers, and dead grants
//! (revoked, expired) turning into `ReauthorizationRequired` with the credential marked invalid.

use std::time::Duration;

use calstack_core::{ClientId, CredentialId, Error};
use calstack_e2e::Harness;
use calstack_emulator::{Emulator, Fault, ScriptedFault};

/// More than an access token's lifetime (3599 s).
const AN_HOUR_AND_A_BIT: Duration = Duration::from_secs(3700);

async fn assert_needs_reauthorization(harness: &Harness, client: ClientId, id: CredentialId) {
    let err = harness
        .calstack()
        .oauth()
        .access_token(id)
        .await
        .expect_err("the grant is dead");
    match &err {
        Error::ReauthorizationRequired {
            credential_id,
            reason,
        } => {
            assert_eq!(credential_id, &id.to_string());
            assert!(reason.contains("invalid_grant"), "reason: {reason}");
        }
        other => panic!("expected ReauthorizationRequired, got {other:?}"),
    }
    let stored = harness
        .calstack()
        .oauth()
        .get_credential(id)
        .await
        .expect("credential");
    assert!(!stored.is_valid, "the credential is marked invalid");
    assert!(
        stored
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("invalid_grant")),
        "last_error: {:?}",
        stored.last_error
    );
    // Asking again costs Google nothing.
    let before = harness.emulator().counter("oauth.token");
    let again = harness.calstack().oauth().access_token(id).await;
    assert!(matches!(again, Err(Error::ReauthorizationRequired { .. })));
    assert_eq!(harness.emulator().counter("oauth.token"), before);
    let calendar = harness.calstack().calendar(client).await;
    assert!(
        matches!(calendar, Err(Error::ReauthorizationRequired { .. })),
        "{calendar:?}"
    );
}

#[tokio::test]
async fn grant_revoked_by_the_user_requires_reauthorization() {
    let harness = Harness::start().await;
    let account = "ida@revoked.test";
    let (client, credential) = harness.authorized_client("Revoked Ltd", account).await;
    assert_eq!(harness.emulator().revoke_account_grants(account), 1);
    harness.clock().advance(AN_HOUR_AND_A_BIT);
    assert_needs_reauthorization(&harness, client.id, credential.id).await;
}

#[tokio::test]
async fn expired_refresh_token_requires_reauthorization() {
    let harness = Harness::start().await;
    let (client, credential) = harness
        .authorized_client("Expired Ltd", "jo@expired.test")
        .await;
    let refresh = harness.refresh_token(credential.id).await;
    harness
        .emulator()
        .expire_refresh_token(&refresh)
        .expect("the emulator knows the grant");
    harness.clock().advance(AN_HOUR_AND_A_BIT);
    assert_needs_reauthorization(&harness, client.id, credential.id).await;
}

#[tokio::test]
async fn testing_mode_grant_dies_after_seven_days() {
    let harness = Harness::with_emulator(
        Emulator::builder().refresh_token_lifetime(Some(Duration::from_secs(7 * 24 * 3600))),
    )
    .await;
    let (client, credential) = harness
        .authorized_client("Testing App", "kim@testing.test")
        .await;
    let eight_days = Duration::from_secs(8 * 24 * 3600);
    harness.emulator().advance_clock(eight_days);
    harness.clock().advance(eight_days);
    assert_needs_reauthorization(&harness, client.id, credential.id).await;
}

#[tokio::test]
async fn revoking_through_calstack_ends_the_grant_at_google() {
    let harness = Harness::start().await;
    let (client, credential) = harness
        .authorized_client("Leaving Ltd", "lee@leaving.test")
        .await;
    let refresh = harness.refresh_token(credential.id).await;
    harness
        .calstack()
        .oauth()
        .revoke(credential.id)
        .await
        .expect("revoked");
    assert_eq!(harness.emulator().counter("oauth.revoke"), 1);
    let err = harness
        .calstack()
        .oauth()
        .access_token(credential.id)
        .await
        .expect_err("revoked");
    assert!(
        matches!(err, Error::ReauthorizationRequired { .. }),
        "{err:?}"
    );
    // Google forgot the grant: the old refresh token is refused there too.
    let response = reqwest::Client::new()
        .post(harness.emulator().token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", calstack_e2e::GOOGLE_CLIENT_ID),
            ("client_secret", calstack_e2e::CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token endpoint answers");
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let calendar = harness.calstack().calendar(client.id).await;
    assert!(matches!(
        calendar,
        Err(Error::ReauthorizationRequired { .. })
    ));
}

#[tokio::test]
async fn expiring_access_token_is_refreshed_transparently() {
    let harness = Harness::start().await;
    let (client, credential) = harness
        .authorized_client("Fresh Ltd", "max@fresh.test")
        .await;
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
        .expect("works with the first token");
    let first = harness
        .calstack()
        .oauth()
        .access_token(credential.id)
        .await
        .expect("token");

    // An hour later, for both sides.
    harness.emulator().advance_clock(AN_HOUR_AND_A_BIT);
    harness.clock().advance(AN_HOUR_AND_A_BIT);
    harness.emulator().reset_counters();
    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("works after a transparent refresh");
    assert_eq!(harness.emulator().counter("oauth.token"), 1, "one refresh");
    let second = harness
        .calstack()
        .oauth()
        .access_token(credential.id)
        .await
        .expect("token");
    assert_ne!(first, second, "a new access token");
    assert_eq!(harness.emulator().counter("oauth.token"), 1, "and no other");
}

#[tokio::test]
async fn token_rejected_with_401_is_refreshed_once_and_the_call_succeeds() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Unauthorized Ltd", "ned@401.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    // Google stops accepting the token early (e.g. the user changed their password); the
    // credential still believes it is valid.
    harness.emulator().expire_access_tokens();
    harness.emulator().reset_counters();
    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("the 401 is healed by one refresh");
    assert_eq!(harness.emulator().counter("oauth.token"), 1);
    assert_eq!(calendar.metrics().unauthorized_refreshes, 1);
}

#[tokio::test]
async fn fifty_concurrent_calls_with_an_expired_token_cause_one_refresh() {
    let harness = Harness::start().await;
    let (client, credential) = harness.authorized_client("Busy Ltd", "ola@busy.test").await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    harness.emulator().advance_clock(AN_HOUR_AND_A_BIT);
    harness.clock().advance(AN_HOUR_AND_A_BIT);
    harness.emulator().reset_counters();

    let calls = (0..50).map(|i| {
        let calendar = calendar.clone();
        let oauth = harness.calstack().oauth().clone();
        async move {
            if i % 2 == 0 {
                calendar.events().list("primary").send().await.map(|_| ())
            } else {
                oauth.access_token(credential.id).await.map(|_| ())
            }
        }
    });
    for result in futures::future::join_all(calls).await {
        result.expect("every call succeeds");
    }
    assert_eq!(
        harness.emulator().counter("oauth.token"),
        1,
        "exactly one refresh reached the token endpoint"
    );
    assert_eq!(harness.emulator().counter("events.list"), 25);
}

#[tokio::test]
async fn token_endpoint_outage_is_retried_and_never_invalidates_the_credential() {
    let harness = Harness::start().await;
    let (client, credential) = harness
        .authorized_client("Outage Ltd", "sam@outage.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let emulator = harness.emulator();

    // A short outage: two 503s, then the refresh goes through.
    harness.clock().advance(AN_HOUR_AND_A_BIT);
    emulator.advance_clock(AN_HOUR_AND_A_BIT);
    emulator.reset_counters();
    emulator.script_fault(ScriptedFault::new(
        "oauth.token",
        Fault::ServiceUnavailable,
        2,
    ));
    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("works once the token endpoint recovers");
    assert_eq!(
        emulator.counter("oauth.token"),
        3,
        "two failures, one success"
    );

    // A long outage: the call fails with a retryable error, and the credential stays valid.
    harness.clock().advance(AN_HOUR_AND_A_BIT);
    emulator.advance_clock(AN_HOUR_AND_A_BIT);
    emulator.script_fault(ScriptedFault::new(
        "oauth.token",
        Fault::ServiceUnavailable,
        100,
    ));
    let err = harness
        .calstack()
        .oauth()
        .access_token(credential.id)
        .await
        .expect_err("Google's token endpoint is down");
    assert!(err.is_retryable(), "worth retrying later: {err:?}");
    let stored = harness
        .calstack()
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("credential");
    assert!(stored.is_valid, "an outage is not a dead grant");
    emulator.clear_faults();
    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("works again after the outage");
}
