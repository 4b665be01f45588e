//! Push notifications end to end: the emulator watches each mirrored calendar, a change made
//! directly at Google is delivered to our receiver, `handle_notification` makes only that
//! calendar due, and the next round syncs only it. Forged notifications change nothing.

use calstack_core::Error;
use calstack_core::store::{CalendarKey, MirrorSelection};
use calstack_core::sync::{PushOptions, ResourceState, SyncOptions};
use calstack_e2e::{Harness, ReceivedHeaders, WebhookSink};

use crate::event_at;

const ACCOUNT: &str = "pia@push.test";

/// Hands every received notification to the facade until one about a change arrives.
async fn deliver_until_change(harness: &Harness, sink: &mut WebhookSink) -> CalendarKey {
    loop {
        let headers = sink.next().await;
        let note = harness
            .calstack()
            .handle_notification(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())))
            .await
            .expect("a genuine notification is accepted");
        if note.state == ResourceState::Exists {
            return note.calendar;
        }
    }
}

/// Hands the `sync` messages of `channels` new channels to the facade; each is accepted.
async fn accept_sync_messages(harness: &Harness, sink: &mut WebhookSink, channels: usize) {
    for _ in 0..channels {
        let headers = sink.next().await;
        let note = harness
            .calstack()
            .handle_notification(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())))
            .await
            .expect("sync message");
        assert_eq!(note.state, ResourceState::Sync);
    }
}

#[tokio::test]
async fn a_change_at_google_is_pushed_and_only_that_calendar_syncs() {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Push Ltd", ACCOUNT).await;
    let team = harness
        .emulator()
        .create_calendar(ACCOUNT, "Team")
        .expect("calendar");
    let mut sink = WebhookSink::start().await;
    let options = SyncOptions::default().with_push(PushOptions::new(sink.url().clone()));
    let syncer = harness.calstack().syncer(options);
    assert!(syncer.discover().await.expect("discover").is_success());
    let first = syncer.run_round().await.expect("first round");
    assert_eq!(first.synced.len(), 2, "{first:?}");
    let watched = harness
        .calstack()
        .mirror()
        .calendars(&MirrorSelection::clients([client.id]))
        .await
        .expect("calendars");
    assert!(watched.iter().all(|c| c.channel.is_some()), "{watched:?}");
    // The `sync` messages of both new channels.
    accept_sync_messages(&harness, &mut sink, 2).await;

    harness.emulator().reset_counters();
    harness
        .google_side(ACCOUNT)
        .events()
        .insert(&team, event_at("Pushed", 9))
        .send()
        .await
        .expect("a change made directly at Google");
    let changed = deliver_until_change(&harness, &mut sink).await;
    assert_eq!(changed, CalendarKey::new(client.id, &team));

    let round = syncer.run_round().await.expect("round");
    let synced: Vec<&str> = round
        .synced
        .iter()
        .map(|(k, _)| k.calendar_id.as_str())
        .collect();
    assert_eq!(synced, vec![team.as_str()], "only the notified calendar");
    assert_eq!(harness.emulator().counter("events.list"), 1);
    assert_eq!(harness.emulator().counter("calendarList.list"), 0);
    let events = harness
        .calstack()
        .mirror()
        .events(&changed)
        .await
        .expect("mirror");
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn forged_and_malformed_notifications_are_refused_and_change_nothing() {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Forge Ltd", ACCOUNT).await;
    let mut sink = WebhookSink::start().await;
    let options = SyncOptions::default().with_push(PushOptions::new(sink.url().clone()));
    let syncer = harness.calstack().syncer(options);
    syncer.sync_client(client.id).await.expect("sync");
    let genuine: ReceivedHeaders = sink.next().await;
    let before = harness
        .calstack()
        .mirror()
        .calendars(&MirrorSelection::clients([client.id]))
        .await
        .expect("calendars");

    let with = |name: &str, value: &str| -> ReceivedHeaders {
        genuine
            .iter()
            .map(|(k, v)| {
                let changed = k.eq_ignore_ascii_case(name);
                (
                    k.clone(),
                    if changed { value.to_owned() } else { v.clone() },
                )
            })
            .collect()
    };
    let cases = [
        (
            with("X-Goog-Channel-Token", "forged"),
            "X-Goog-Channel-Token",
        ),
        (
            with("X-Goog-Channel-ID", "unknown-channel"),
            "X-Goog-Channel-ID",
        ),
        (
            with("X-Goog-Resource-ID", "someone-else"),
            "X-Goog-Resource-ID",
        ),
        (
            with("X-Goog-Resource-State", "exploded"),
            "X-Goog-Resource-State",
        ),
        (
            with("X-Goog-Channel-Token", "a\u{7f}b"),
            "X-Goog-Channel-Token",
        ),
        (Vec::new(), "X-Goog-Channel-ID"),
    ];
    for (headers, field) in cases {
        let err = harness
            .calstack()
            .handle_notification(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())))
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, Error::Validation { field: f, .. } if f == field),
            "{field}: {err:?}"
        );
        let token = genuine
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("X-Goog-Channel-Token"))
            .map(|(_, v)| v.clone())
            .expect("a token");
        assert!(
            !err.to_string().contains(&token),
            "the token is never echoed"
        );
    }
    let after = harness
        .calstack()
        .mirror()
        .calendars(&MirrorSelection::clients([client.id]))
        .await
        .expect("calendars");
    assert_eq!(before, after, "nothing changed");

    let token = genuine
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("X-Goog-Channel-Token"))
        .map(|(_, v)| v.clone())
        .expect("a token");
    assert!(
        !format!("{after:?}").contains(&token),
        "Debug never shows the token"
    );
    let path = harness.database_path();
    let bytes = [
        std::fs::read(path).expect("database file"),
        std::fs::read(path.with_extension("db-wal")).unwrap_or_default(),
    ]
    .concat();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(&token),
        "the channel token is sealed at rest"
    );
}

#[tokio::test]
async fn sync_due_watches_unwatched_calendars_then_syncs_only_notified_ones() {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Due Ltd", ACCOUNT).await;
    let team = harness
        .emulator()
        .create_calendar(ACCOUNT, "Team")
        .expect("calendar");
    // Mirrored without push first: nothing is due, nothing is watched.
    assert!(
        harness
            .calstack()
            .sync_client(client.id)
            .await
            .expect("sync")
            .is_success()
    );
    let mut sink = WebhookSink::start().await;
    let push = PushOptions::parse("push_address", sink.url().as_str()).expect("loopback http");
    let syncer = harness
        .calstack()
        .syncer(SyncOptions::default().with_push(push));

    let watched = syncer.sync_due(Some(&[client.id])).await.expect("watch");
    assert_eq!(
        watched.synced.len(),
        2,
        "unwatched calendars are synced: {watched:?}"
    );
    let calendars = harness
        .calstack()
        .mirror()
        .calendars(&MirrorSelection::clients([client.id]))
        .await
        .expect("calendars");
    assert!(
        calendars.iter().all(|c| c.channel.is_some()),
        "{calendars:?}"
    );
    accept_sync_messages(&harness, &mut sink, 2).await;

    harness.emulator().reset_counters();
    let quiet = syncer.sync_due(None).await.expect("quiet");
    assert!(quiet.synced.is_empty() && quiet.is_success(), "{quiet:?}");
    assert_eq!(harness.emulator().counter("events.list"), 0);
    assert_eq!(harness.emulator().counter("calendarList.list"), 0);

    harness
        .google_side(ACCOUNT)
        .events()
        .insert(&team, event_at("Pushed", 9))
        .send()
        .await
        .expect("a change made directly at Google");
    let changed = deliver_until_change(&harness, &mut sink).await;
    harness.emulator().reset_counters();
    let after = syncer.sync_due(None).await.expect("after the notification");
    let synced: Vec<&CalendarKey> = after.synced.iter().map(|(k, _)| k).collect();
    assert_eq!(synced, vec![&changed], "only the notified calendar");
    assert_eq!(after.synced[0].1.upserted, 1);
    assert_eq!(harness.emulator().counter("events.list"), 1);
    assert_eq!(harness.emulator().counter("events.watch"), 0);
}

#[tokio::test]
async fn sync_due_of_an_unknown_client_is_not_found() {
    let harness = Harness::start().await;
    let syncer = harness.calstack().syncer(SyncOptions::default());
    let unknown = calstack_core::ClientId::new();
    let err = syncer
        .sync_due(Some(&[unknown]))
        .await
        .expect_err("unknown client");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn sync_due_renews_channels_a_day_before_they_expire() {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Renew Ltd", ACCOUNT).await;
    let sink = WebhookSink::start().await;
    let push = PushOptions::parse("push_address", sink.url().as_str()).expect("loopback http");
    let syncer = harness
        .calstack()
        .syncer(SyncOptions::default().with_push(push));
    syncer.sync_due(None).await.expect("watch");
    let channel_of = |calendars: &[calstack_core::store::MirroredCalendar]| {
        calendars[0]
            .channel
            .as_ref()
            .map(|c| (c.id.clone(), c.expires_at))
    };
    let selection = MirrorSelection::clients([client.id]);
    let mirror = harness.calstack().mirror();
    let (first, expires) =
        channel_of(&mirror.calendars(&selection).await.expect("calendars")).expect("watched");

    // Two days before expiry the channel is kept; within a day of it, renewed.
    harness.clock().set(expires - chrono::TimeDelta::days(2));
    harness.emulator().reset_counters();
    syncer.sync_due(None).await.expect("kept");
    assert_eq!(harness.emulator().counter("events.watch"), 0);
    harness.clock().set(expires - chrono::TimeDelta::hours(12));
    syncer.sync_due(None).await.expect("renewed");
    assert_eq!(harness.emulator().counter("events.watch"), 1);
    assert_eq!(
        harness.emulator().counter("channels.stop"),
        1,
        "the old channel is stopped"
    );
    let (second, renewed_until) =
        channel_of(&mirror.calendars(&selection).await.expect("calendars")).expect("watched");
    assert_ne!(second, first);
    // The emulator caps expiry at a week from its own (real) clock, so no earlier than before.
    assert!(renewed_until >= expires, "{renewed_until} >= {expires}");
}
