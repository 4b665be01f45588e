//! `calstack clients`: adding, listing, showing, updating and removing clients, and the
//! refusals of unknown, ambiguous or bad input.

use super::support::Env;

#[test]
fn clients_can_be_added_listed_shown_updated_and_removed() {
    let env = Env::new();
    let added = env.json(&[
        "clients",
        "add",
        "--name",
        "Acme Dental",
        "--email",
        "ops@acme.test",
    ]);
    let id = added["id"].as_str().expect("id").to_owned();
    env.ok(&[
        "clients",
        "add",
        "--name",
        "Bolt",
        "--email",
        "hi@bolt.test",
    ]);

    let list = env.json(&["clients", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Acme Dental", "Bolt"]);

    // By name, case-insensitively, or by id.
    assert_eq!(
        env.json(&["clients", "show", "acme dental"])["id"],
        id.as_str()
    );
    assert_eq!(
        env.json(&["clients", "show", &id])["email"],
        "ops@acme.test"
    );

    let updated = env.json(&[
        "clients",
        "update",
        "Acme Dental",
        "--email",
        "desk@acme.test",
    ]);
    assert_eq!(updated["email"], "desk@acme.test");
    assert_eq!(updated["id"], id.as_str());

    let table = env.ok(&["clients", "list"]);
    assert!(
        table.contains("desk@acme.test") && table.contains("not connected"),
        "{table}"
    );

    env.ok(&["clients", "rm", "Bolt", "--yes"]);
    assert_eq!(
        env.json(&["clients", "list"])
            .as_array()
            .expect("array")
            .len(),
        1
    );
}

#[test]
fn unknown_and_ambiguous_clients_are_clear_errors() {
    let env = Env::new();
    let err = env.fails(&["clients", "show", "Nobody"]);
    assert!(
        err.contains("no client with id or name \"Nobody\""),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    env.ok(&["clients", "add", "--name", "Acme", "--email", "a@acme.test"]);
    env.ok(&["clients", "add", "--name", "ACME", "--email", "b@acme.test"]);
    let err = env.fails(&["clients", "show", "acme"]);
    assert!(
        err.contains("ambiguous client") && err.contains("client id"),
        "{err}"
    );
    // An exact name still works.
    assert_eq!(
        env.json(&["clients", "show", "ACME"])["email"],
        "b@acme.test"
    );
}

#[test]
fn bad_email_is_refused_naming_the_field_and_nothing_is_stored() {
    let env = Env::new();
    let err = env.fails(&[
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "not-an-email",
    ]);
    assert!(err.contains("invalid email"), "{err}");
    assert_eq!(env.json(&["clients", "list"]), serde_json::json!([]));
    env.ok(&[
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "ops@acme.test",
    ]);
    let err = env.fails(&[
        "clients",
        "add",
        "--name",
        "Other",
        "--email",
        "OPS@acme.test",
    ]);
    assert!(
        err.contains("invalid email") && err.contains("already used"),
        "{err}"
    );
}

#[test]
fn rm_refuses_without_yes_when_nobody_can_confirm() {
    let env = Env::new();
    env.ok(&[
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "ops@acme.test",
    ]);
    let err = env.fails(&["clients", "rm", "Acme"]);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(
        env.json(&["clients", "list"])
            .as_array()
            .expect("array")
            .len(),
        1
    );
}
