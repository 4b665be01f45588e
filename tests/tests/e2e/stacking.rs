//! Several clients in one store: each credential reaches its own Google account only, and the
//! store keeps every emulator-issued secret sealed.

use calstack_core::oauth::CredentialExt as _;
use calstack_e2e::Harness;

use crate::event_at;

#[tokio::test]
async fn each_client_sees_only_its_own_calendar() {
    let harness = Harness::start().await;
    let (acme, _) = harness
        .authorized_client("Acme Ltd", "tess@acme.test")
        .await;
    let (globex, _) = harness.authorized_client("Globex", "uma@globex.test").await;
    let acme_calendar = harness
        .calstack()
        .calendar(acme.id)
        .await
        .expect("calendar");
    let globex_calendar = harness
        .calstack()
        .calendar(globex.id)
        .await
        .expect("calendar");

    acme_calendar
        .events()
        .insert("primary", event_at("Acme board meeting", 9))
        .send()
        .await
        .expect("insert");

    let acme_events = acme_calendar
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("list");
    let globex_events = globex_calendar
        .events()
        .list("primary")
        .collect_all()
        .await
        .expect("list");
    assert_eq!(acme_events.len(), 1);
    assert!(globex_events.is_empty(), "Globex does not see Acme's event");
    for (calendar, email) in [
        (&acme_calendar, "tess@acme.test"),
        (&globex_calendar, "uma@globex.test"),
    ] {
        let primary = calendar
            .calendar_list()
            .list()
            .collect_all()
            .await
            .expect("calendar list")
            .into_iter()
            .find(|c| c.primary == Some(true))
            .expect("a primary calendar");
        assert_eq!(primary.id.as_deref(), Some(email));
    }
    let credentials = harness
        .calstack()
        .oauth()
        .list_credentials(None)
        .await
        .expect("credentials");
    assert_eq!(credentials.len(), 2);
    assert!(credentials.iter().all(|c| c.is_valid && c.is_authorized()));
}

#[tokio::test]
async fn emulator_issued_tokens_never_reach_the_sqlite_file_in_plaintext() {
    let harness = Harness::start().await;
    let (client, credential) = harness
        .authorized_client("Sealed Ltd", "vic@sealed.test")
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
        .expect("list");
    let access = harness
        .calstack()
        .oauth()
        .access_token(credential.id)
        .await
        .expect("token");
    let refresh = harness.refresh_token(credential.id).await;

    let mut bytes = std::fs::read(harness.database_path()).expect("the database file");
    let wal = harness.database_path().with_extension("db-wal");
    bytes.extend(std::fs::read(wal).expect("the write-ahead log"));
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains(&credential.id.to_string()),
        "the scan sees the credential's row"
    );
    for (what, secret) in [
        ("access token", access.secret()),
        ("refresh token", refresh.as_str()),
        ("client secret", calstack_e2e::CLIENT_SECRET),
    ] {
        assert!(
            !contains(secret),
            "the {what} is in the SQLite file in plaintext"
        );
    }
}
