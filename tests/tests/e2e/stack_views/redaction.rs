//! Mirrored event contents never leave through `Debug`, logs, errors or the database file:
//! the stacked views read from the mirror show where and when, never what.

use calstack_core::Event;
use calstack_core::stack::StackQuery;
use calstack_core::store::MirrorSelection;
use calstack_e2e::Harness;
use tracing_test::traced_test;

use super::scenario::utc;

const SECRETS: [&str; 3] = [
    "Oncology follow-up",
    "results of the biopsy",
    "Clinic Rue Secrète",
];

#[tokio::test]
#[traced_test]
async fn mirrored_event_contents_never_appear_in_debug_logs_or_the_database() {
    let harness = Harness::start().await;
    let (client, _) = harness.authorized_client("Acme", "acme@acme.test").await;
    let api = harness.calstack().calendar(client.id).await.expect("api");
    let at = |t: &str| calstack_core::EventDateTime::utc(utc(t));
    for start in ["2026-03-30T09:00:00Z", "2026-03-30T09:30:00Z"] {
        let mut event = Event::new(SECRETS[0], at(start), at("2026-03-30T10:30:00Z"));
        event.description = Some(SECRETS[1].into());
        event.location = Some(SECRETS[2].into());
        api.events()
            .insert("primary", event)
            .send()
            .await
            .expect("inserted");
    }
    let cs = harness.calstack();
    let query = StackQuery::new(utc("2026-03-30T00:00:00Z"), utc("2026-03-31T00:00:00Z"));
    let agenda = cs.agenda(&query).await.expect("agenda from the mirror");
    assert_eq!(agenda.entries.len(), 2);
    assert_eq!(agenda.conflicts, 1, "the two overlap");
    let conflicts = cs.conflicts(&query).await.expect("conflicts");
    let mirrored = cs
        .mirror()
        .events_between(&MirrorSelection::all(), query.from(), query.to())
        .await
        .expect("mirrored events");
    let shown = [
        format!("{agenda:?}"),
        format!("{:#?}", agenda.entries[0]),
        format!("{:?}", agenda.entries[0].event),
        format!("{conflicts:?}"),
        format!("{mirrored:?}"),
    ];
    for text in &shown {
        let id = &agenda.entries[0].event_id;
        assert!(text.contains(id.as_str()), "which event is shown: {text}");
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret:?} leaked into {text}");
        }
    }
    // The library's API still hands the contents to the caller who asked for them.
    assert_eq!(agenda.entries[0].summary, SECRETS[0]);
    for secret in SECRETS {
        assert!(!logs_contain(secret), "{secret:?} was logged");
    }
    let database = std::fs::read(harness.database_path()).expect("the SQLite file");
    for secret in SECRETS {
        let found = database
            .windows(secret.len())
            .any(|w| w == secret.as_bytes());
        assert!(!found, "{secret:?} is in the database file in plaintext");
    }
}
