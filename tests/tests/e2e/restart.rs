//! The store outlives processes: a restarted process keeps working with the stored grant, and
//! a key rotation carried out on the database keeps every client working under the new key.

use calstack_core::Error;
use calstack_core::crypto::EncryptionKey;
use calstack_e2e::Harness;

#[tokio::test]
async fn a_restarted_process_uses_the_stored_tokens_without_consent_or_refresh() {
    let harness = Harness::start().await;
    let (client, credential) = harness
        .authorized_client("Durable Ltd", "yan@durable.test")
        .await;
    let first = harness
        .calstack()
        .oauth()
        .access_token(credential.id)
        .await
        .expect("token");
    harness.emulator().reset_counters();

    let restarted = harness.another_process(harness.keyring().clone()).await;
    let calendar = restarted.calendar(client.id).await.expect("calendar");
    calendar
        .events()
        .list("primary")
        .send()
        .await
        .expect("the stored grant works after a restart");
    let token = restarted
        .oauth()
        .access_token(credential.id)
        .await
        .expect("token");
    assert_eq!(token, first, "the stored access token is reused");
    assert_eq!(
        harness.emulator().counter("oauth.token"),
        0,
        "no refresh, no consent"
    );
}

#[tokio::test]
async fn rotating_the_key_keeps_every_client_working_under_the_new_key() {
    let harness = Harness::start().await;
    let old_key_id = harness.keyring().current_key_id().to_owned();
    let (acme, _) = harness.authorized_client("Acme Ltd", "zed@acme.test").await;
    let (globex, _) = harness.authorized_client("Globex", "ava@globex.test").await;

    // Step 1: new key first, old key kept, then re-seal everything.
    let new_key = EncryptionKey::generate();
    let new_key_id = new_key.id();
    let rotating = harness
        .another_process(harness.keyring().rotated_to(new_key.clone()))
        .await;
    let report = rotating.rotate_keys().await.expect("rotation");
    assert_eq!((report.examined, report.resealed), (2, 2));
    let again = rotating.rotate_keys().await.expect("rotation again");
    assert_eq!(again.resealed, 0, "running it twice re-seals nothing");

    // Step 2: the old key is gone; every client still works.
    let new_only = harness
        .another_process(calstack_core::crypto::Keyring::new(new_key))
        .await;
    for client in [acme.id, globex.id] {
        new_only
            .calendar(client)
            .await
            .expect("calendar")
            .events()
            .list("primary")
            .send()
            .await
            .expect("works under the new key alone");
    }

    // A process still on the old key alone cannot open anything, and says why.
    let old_only = harness.calstack();
    let credential = old_only.credential_for(acme.id).await.expect("credential");
    let err = old_only
        .oauth()
        .access_token(credential.id)
        .await
        .expect_err("the old key no longer opens the secrets");
    match &err {
        Error::Crypto(message) => {
            assert!(
                message.contains(&new_key_id),
                "names the key the value needs: {message}"
            );
            assert!(
                message.contains(&old_key_id),
                "and the key it has: {message}"
            );
        }
        other => panic!("expected Error::Crypto, got {other:?}"),
    }
}
