//! Deleting a credential, or a whole client, stops its push channels at Google first (while
//! the credential can still authenticate `channels.stop`): the emulator's open channels go.

use calstack_core::sync::{PushOptions, SyncOptions};
use calstack_e2e::{Harness, WebhookSink};

async fn watched(harness: &Harness, account: &str) -> calstack_core::Client {
    let (client, _) = harness
        .authorized_client(&format!("Client {account}"), account)
        .await;
    harness
        .emulator()
        .create_calendar(account, "Team")
        .expect("calendar");
    client
}

#[tokio::test]
async fn deleting_a_credential_or_a_client_stops_its_push_channels_at_google() {
    let harness = Harness::start().await;
    let ana = watched(&harness, "ana@channels.test").await;
    let ben = watched(&harness, "ben@channels.test").await;
    let sink = WebhookSink::start().await;
    let syncer = harness
        .calstack()
        .syncer(SyncOptions::default().with_push(PushOptions::new(sink.url().clone())));
    assert!(syncer.discover().await.expect("discover").is_success());
    syncer.run_round().await.expect("round");
    assert_eq!(
        harness.emulator().channel_ids().len(),
        4,
        "two calendars each"
    );

    let credentials = harness
        .calstack()
        .oauth()
        .list_credentials(Some(ana.id))
        .await
        .expect("credentials");
    harness
        .calstack()
        .oauth()
        .delete_credential(credentials[0].id)
        .await
        .expect("deleted");
    assert_eq!(
        harness.emulator().channel_ids().len(),
        2,
        "ana's two stopped"
    );
    assert_eq!(harness.emulator().counter("channels.stop"), 2);

    harness
        .calstack()
        .clients()
        .delete(ben.id)
        .await
        .expect("deleted");
    assert!(harness.emulator().channel_ids().is_empty(), "ben's too");
}
