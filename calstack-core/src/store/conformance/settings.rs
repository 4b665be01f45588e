//! Conformance checks for [`ClientSettingsStore`](crate::store::ClientSettingsStore): settings
//! round-trip, are replaced, belong to an existing client and go with it.

use crate::store::{ClientSettings, Store};
use crate::validate::working_hours;

use super::{add_client, assert_not_found, remove_clients};

/// Runs every client-settings check against `s`, which must be empty.
pub async fn run_all(s: &dyn Store) {
    client_settings_round_trip_and_are_replaced(s).await;
    client_settings_need_a_client_and_go_with_it(s).await;
}

/// Nothing stored reads as `None`; stored settings read back equal; a second put replaces.
pub async fn client_settings_round_trip_and_are_replaced(s: &dyn Store) {
    let c = add_client(s, "Hours", "hours@example.com").await;
    assert_eq!(
        s.get_client_settings(c.id).await.expect("get settings"),
        None,
        "a client without settings reads as None"
    );
    let hours = working_hours::parse(
        "mon-fri 09:00-12:00,13:00-17:30; sat 10:00-24:00",
        "Europe/Zurich",
    )
    .expect("valid hours");
    let settings = ClientSettings {
        working_hours: Some(hours),
    };
    s.put_client_settings(c.id, &settings)
        .await
        .expect("put settings");
    assert_eq!(
        s.get_client_settings(c.id).await.expect("get settings"),
        Some(settings),
        "settings read back as stored"
    );
    s.put_client_settings(c.id, &ClientSettings::default())
        .await
        .expect("replace settings");
    assert_eq!(
        s.get_client_settings(c.id).await.expect("get settings"),
        Some(ClientSettings::default()),
        "a second put replaces the settings"
    );
    remove_clients(s).await;
}

/// Settings of an unknown client are refused; deleting the client deletes its settings.
pub async fn client_settings_need_a_client_and_go_with_it(s: &dyn Store) {
    let ghost = crate::store::ClientId::new();
    assert_not_found(
        s.put_client_settings(ghost, &ClientSettings::default())
            .await,
        "settings of an unknown client",
    );
    let c = add_client(s, "Gone", "gone@example.com").await;
    s.put_client_settings(c.id, &ClientSettings::default())
        .await
        .expect("put settings");
    s.delete_client(c.id).await.expect("delete client");
    assert_eq!(
        s.get_client_settings(c.id).await.expect("get settings"),
        None,
        "a deleted client's settings are gone"
    );
    remove_clients(s).await;
}
