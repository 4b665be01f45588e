//! Conformance checks for clients: round trip, ordering, unique email, missing rows, and the
//! cascade of deleting a client.

use uuid::Uuid;

use super::fixtures::{
    add_client, add_credential, assert_conflict, assert_not_found, at, client, pending,
    remove_clients,
};
use crate::store::{Client, ClientId, Store};

/// Insert, get, update (keeping `created_at`), delete.
pub async fn clients_round_trip_update_and_delete(s: &dyn Store) {
    let original = add_client(s, "Acme Dental", "ops@acme.test").await;
    let got = s.get_client(original.id).await.expect("get client");
    assert_eq!(
        got.as_ref(),
        Some(&original),
        "a client reads back as inserted"
    );
    assert_eq!(
        s.get_client(ClientId::new())
            .await
            .expect("get unknown client"),
        None,
        "an unknown client id reads as None"
    );

    let mut changed = original.clone();
    changed.name = "Acme Dental Group".to_owned();
    changed.email = "admin@acme.test".to_owned();
    changed.updated_at = at(60, 999_999);
    changed.created_at = at(999, 0);
    s.update_client(&changed).await.expect("update client");
    let got = s
        .get_client(original.id)
        .await
        .expect("get")
        .expect("still there");
    assert_eq!(got.name, changed.name, "update_client writes the name");
    assert_eq!(got.email, changed.email, "update_client writes the email");
    assert_eq!(
        got.updated_at, changed.updated_at,
        "update_client writes updated_at"
    );
    assert_eq!(
        got.created_at, original.created_at,
        "update_client keeps created_at"
    );

    assert!(
        s.delete_client(original.id).await.expect("delete"),
        "delete of an existing client returns true"
    );
    assert_eq!(
        s.get_client(original.id).await.expect("get deleted"),
        None,
        "a deleted client is gone"
    );
    assert!(
        !s.delete_client(original.id).await.expect("delete again"),
        "deleting twice returns false"
    );
}

/// `list_clients` orders by name (byte-wise), then id.
pub async fn clients_are_listed_by_name_then_id(s: &dyn Store) {
    let mut inserted = Vec::new();
    for (name, id) in [
        ("delta", 9u128),
        ("alpha", 5),
        ("Zeta", 7),
        ("delta", 2),
        ("charlie", 1),
        ("delta", 0x8000_0000_0000_0000_0000_0000_0000_0000),
    ] {
        let mut c = client(name, &format!("{name}-{id}@order.test"));
        c.id = ClientId(Uuid::from_u128(id));
        s.insert_client(&c).await.expect("insert client");
        inserted.push(c);
    }
    let mut expected = inserted.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let listed = s.list_clients().await.expect("list clients");
    let names: Vec<(String, ClientId)> = listed.iter().map(|c| (c.name.clone(), c.id)).collect();
    let want: Vec<(String, ClientId)> = expected.iter().map(|c| (c.name.clone(), c.id)).collect();
    assert_eq!(
        names, want,
        "clients are listed by name (byte order), then id"
    );
    assert_eq!(listed, expected, "listed clients carry every field");
    remove_clients(s).await;
    assert!(
        s.list_clients().await.expect("list").is_empty(),
        "an empty store lists no clients"
    );
}

/// Two clients cannot share an email, whatever its ASCII case.
pub async fn client_email_is_unique_ignoring_case(s: &dyn Store) {
    let first = add_client(s, "First", "Owner@Example.test").await;
    assert_conflict(
        s.insert_client(&client("Second", "owner@EXAMPLE.TEST"))
            .await,
        "inserting a client whose email differs only in case",
    );
    s.insert_client(&client("Second", "other@example.test"))
        .await
        .expect("a different email is accepted");
    assert_conflict(
        s.insert_client(&Client {
            email: "third@example.test".to_owned(),
            ..first.clone()
        })
        .await,
        "inserting a client with an existing id",
    );
    let second = s
        .list_clients()
        .await
        .expect("list")
        .into_iter()
        .find(|c| c.email == "other@example.test")
        .expect("the client with a fresh email was inserted");
    let mut stolen = second.clone();
    stolen.email = "OWNER@example.test".to_owned();
    assert_conflict(
        s.update_client(&stolen).await,
        "updating a client to another client's email",
    );
    let kept = s.get_client(second.id).await.expect("get").expect("exists");
    assert_eq!(
        kept.email, "other@example.test",
        "a refused update changes nothing"
    );

    let mut recased = first.clone();
    recased.email = "owner@example.test".to_owned();
    s.update_client(&recased)
        .await
        .expect("a client may change the case of its own email");
    let conflict = s
        .insert_client(&client("Fourth", "OWNER@example.TEST"))
        .await;
    assert_conflict(conflict, "the re-cased email is still taken");
    remove_clients(s).await;
}

/// Updating a client that does not exist is NotFound; deleting one returns false.
pub async fn missing_clients_are_reported(s: &dyn Store) {
    assert_not_found(
        s.update_client(&client("Ghost", "ghost@nowhere.test"))
            .await,
        "update of a missing client",
    );
    assert!(
        !s.delete_client(ClientId::new())
            .await
            .expect("delete missing"),
        "deleting a missing client returns false"
    );
    assert!(
        s.list_credentials(Some(ClientId::new()))
            .await
            .expect("list")
            .is_empty(),
        "an unknown client has no credentials"
    );
}

/// Deleting a client deletes its credentials, their pending authorizations and leases, and
/// nothing of other clients.
pub async fn deleting_a_client_cascades(s: &dyn Store) {
    let doomed = add_client(s, "Doomed", "doomed@cascade.test").await;
    let kept = add_client(s, "Kept", "kept@cascade.test").await;
    let doomed_cred = add_credential(s, doomed.id).await;
    let kept_cred = add_credential(s, kept.id).await;
    s.insert_pending(&pending(doomed_cred.id, "state-doomed", at(600, 0)))
        .await
        .expect("insert pending");
    s.insert_pending(&pending(kept_cred.id, "state-kept", at(600, 0)))
        .await
        .expect("insert pending");
    assert!(
        s.try_acquire_lease(doomed_cred.id, "worker-a", at(0, 0), at(30, 0))
            .await
            .expect("lease")
    );

    assert!(s.delete_client(doomed.id).await.expect("delete client"));
    assert_eq!(
        s.get_credential(doomed_cred.id).await.expect("get"),
        None,
        "a deleted client's credentials are gone"
    );
    assert_eq!(
        s.take_pending("state-doomed").await.expect("take"),
        None,
        "a deleted client's pending authorizations are gone"
    );
    assert_not_found(
        s.try_acquire_lease(doomed_cred.id, "worker-b", at(0, 0), at(30, 0))
            .await,
        "a lease on a deleted client's credential",
    );
    assert_eq!(
        s.get_credential(kept_cred.id).await.expect("get"),
        Some(kept_cred.clone()),
        "other clients' credentials stay"
    );
    assert!(
        s.take_pending("state-kept").await.expect("take").is_some(),
        "other clients' pending authorizations stay"
    );
    remove_clients(s).await;
}
