//! Cross-crate end to end: the SQLite store, the OAuth manager and the Calendar client,
//! together, against the emulator. Each test is a small story a user would live through.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use calstack_core::Error;
use calstack_core::calendar::{Event, EventDateTime};
use calstack_core::crypto::EncryptionKey;
use calstack_e2e::{World, connected_client};
use chrono::{TimeDelta, Utc};

fn event(title: &str, hours_from_now: i64) -> Event {
    let start = Utc::now() + TimeDelta::hours(hours_from_now);
    Event::new(
        title,
        EventDateTime::utc(start),
        EventDateTime::utc(start + TimeDelta::hours(1)),
    )
}

#[tokio::test]
async fn credentials_survive_a_restart_and_keep_working() {
    let world = World::start().await.expect("world");
    let key = EncryptionKey::generate();
    let first = world.open(&key).await.expect("first process");
    let (client, _) = connected_client(&first, "Acme", "ada@acme.test")
        .await
        .expect("connected");
    first
        .calendar(client.id)
        .await
        .expect("calendar client")
        .events()
        .insert("primary", event("Consult", 2))
        .send()
        .await
        .expect("inserted");
    drop(first);

    // A new process with the same store and key picks up where the first left off.
    let second = world.open(&key).await.expect("second process");
    let found = second
        .clients()
        .find("Acme")
        .await
        .expect("client persisted");
    let events = second
        .calendar(found.id)
        .await
        .expect("calendar client")
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("listed with stored tokens");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].summary.as_deref(), Some("Consult"));
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_without_the_caller_noticing() {
    let world = World::start().await.expect("world");
    let key = EncryptionKey::generate();
    let calstack = world.open(&key).await.expect("open");
    let (client, _) = connected_client(&calstack, "Acme", "ada@acme.test")
        .await
        .expect("connected");
    let api = calstack.calendar(client.id).await.expect("calendar client");
    api.calendar_list()
        .list()
        .collect_all()
        .await
        .expect("first call");
    let token_calls = world.emulator.counter("oauth.token");

    world.emulator.expire_access_tokens();
    let calendars = api
        .calendar_list()
        .list()
        .collect_all()
        .await
        .expect("after expiry");
    assert_eq!(calendars.len(), 1);
    assert_eq!(
        world.emulator.counter("oauth.token"),
        token_calls + 1,
        "one refresh"
    );
}

#[tokio::test]
async fn the_wrong_key_cannot_use_stored_credentials() {
    let world = World::start().await.expect("world");
    let calstack = world.open(&EncryptionKey::generate()).await.expect("open");
    let (client, _) = connected_client(&calstack, "Acme", "ada@acme.test")
        .await
        .expect("connected");
    drop(calstack);

    let wrong = world.open(&EncryptionKey::generate()).await.expect("open");
    let api_calls = world.emulator.counter("calendarList.list");
    let result = match wrong.calendar(client.id).await {
        Ok(api) => api.calendar_list().list().collect_all().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(matches!(result, Err(Error::Crypto(_))), "{result:?}");
    assert_eq!(
        world.emulator.counter("calendarList.list"),
        api_calls,
        "nothing reached Google"
    );
}

#[tokio::test]
async fn a_grant_revoked_at_google_marks_the_credential_invalid() {
    let world = World::start().await.expect("world");
    let calstack = world.open(&EncryptionKey::generate()).await.expect("open");
    let (client, credential) = connected_client(&calstack, "Acme", "ada@acme.test")
        .await
        .expect("connected");
    world.emulator.revoke_account_grants("ada@acme.test");
    world.emulator.expire_access_tokens();

    let api = calstack
        .calendar(client.id)
        .await
        .expect("still believed valid");
    let result = api.calendar_list().list().collect_all().await;
    assert!(
        matches!(result, Err(Error::ReauthorizationRequired { .. })),
        "{result:?}"
    );
    let stored = calstack
        .oauth()
        .get_credential(credential.id)
        .await
        .expect("stored");
    assert!(!stored.is_valid);
    assert!(matches!(
        calstack.calendar(client.id).await,
        Err(Error::ReauthorizationRequired { .. })
    ));
}

#[tokio::test]
async fn every_client_sees_only_its_own_calendar() {
    let world = World::start().await.expect("world");
    let calstack = world.open(&EncryptionKey::generate()).await.expect("open");
    let (acme, _) = connected_client(&calstack, "Acme", "ada@acme.test")
        .await
        .expect("acme");
    let (bolt, _) = connected_client(&calstack, "Bolt", "ben@bolt.test")
        .await
        .expect("bolt");
    let acme_api = calstack.calendar(acme.id).await.expect("acme api");
    let bolt_api = calstack.calendar(bolt.id).await.expect("bolt api");
    acme_api
        .events()
        .insert("primary", event("Acme only", 3))
        .send()
        .await
        .expect("inserted");
    let bolt_events = bolt_api
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("listed");
    assert!(bolt_events.is_empty(), "{bolt_events:?}");
    let primary = bolt_api
        .calendar_list()
        .list()
        .collect_all()
        .await
        .expect("calendars");
    assert_eq!(primary[0].id.as_deref(), Some("ben@bolt.test"));
}
