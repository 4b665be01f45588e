//! `calstack calendars`, `events` and `sharing`: one client's calendars and events end to
//! end, and the refusals of bad or unknown input.

use serde_json::Value;

use super::support::Env;

#[test]
fn calendars_lists_the_accounts_primary_calendar() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let cals = env.json(&["calendars", "Acme"]);
    let primary = cals
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["primary"] == true)
        .expect("a primary");
    assert_eq!(primary["id"], "acme@example.com");
    let table = env.ok(&["calendars", "Acme"]);
    assert!(table.starts_with("ID"), "{table}");
}

#[test]
fn events_can_be_added_listed_updated_and_removed() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let created = env.json(&[
        "events",
        "add",
        "Acme",
        "--title",
        "Design review",
        "--start",
        "2030-03-12 10:00",
        "--end",
        "2030-03-12 11:00",
        "--tz",
        "Europe/Zurich",
        "--attendee",
        "bob@example.com",
        "--location",
        "Room 4B",
    ]);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["start"]["dateTime"], "2030-03-12T10:00:00+01:00");
    assert_eq!(created["start"]["timeZone"], "Europe/Zurich");
    assert_eq!(created["attendees"][0]["email"], "bob@example.com");

    env.ok(&[
        "events",
        "add",
        "Acme",
        "--title",
        "Offsite",
        "--start",
        "2030-03-13",
        "--all-day",
    ]);
    env.ok(&[
        "events",
        "add",
        "Acme",
        "--title",
        "Standup",
        "--start",
        "2030-03-11 09:00",
        "--end",
        "2030-03-11 09:15",
        "--tz",
        "Europe/Zurich",
        "--rrule",
        "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4",
    ]);

    let listed = env.json(&[
        "events",
        "list",
        "Acme",
        "--from",
        "2030-03-11",
        "--to",
        "2030-03-15",
    ]);
    let titles: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        ["Standup", "Design review", "Offsite", "Standup"],
        "{listed}"
    );

    let found = env.json(&[
        "events",
        "list",
        "Acme",
        "--from",
        "2030-03-01",
        "--to",
        "2030-04-01",
        "--query",
        "design",
    ]);
    assert_eq!(found.as_array().expect("array").len(), 1);

    let moved = env.json(&[
        "events",
        "update",
        "Acme",
        &id,
        "--start",
        "2030-03-12 14:00",
        "--title",
        "Design review (moved)",
    ]);
    assert_eq!(moved["summary"], "Design review (moved)");
    assert_eq!(
        moved["end"]["dateTime"], "2030-03-12T15:00:00+01:00",
        "length kept: {moved}"
    );

    env.ok(&["events", "rm", "Acme", &id]);
    let after = env.json(&[
        "events",
        "list",
        "Acme",
        "--from",
        "2030-03-12",
        "--to",
        "2030-03-13",
    ]);
    assert!(
        after
            .as_array()
            .expect("array")
            .iter()
            .all(|e| e["id"] != id.as_str())
    );
}

#[test]
fn bad_event_input_names_the_field_and_creates_nothing() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--start", "2030-03-12 10:00", "--end", "2030-03-12 09:00"],
            "invalid end",
        ),
        (
            &["--start", "2030-03-12 10:00", "--rrule", "FREQ=SOMETIMES"],
            "recurrence",
        ),
        (
            &[
                "--start",
                "2030-03-12 10:00",
                "--attendee",
                "bob-at-example",
            ],
            "email",
        ),
        (&["--start", "next blursday"], "invalid start"),
    ];
    for (extra, field) in cases {
        let mut args = vec!["events", "add", "Acme", "--title", "X"];
        args.extend_from_slice(extra);
        let err = env.fails(&args);
        assert!(err.contains(field), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    let listed = env.json(&[
        "events",
        "list",
        "Acme",
        "--from",
        "2030-01-01",
        "--to",
        "2031-01-01",
    ]);
    assert_eq!(listed, serde_json::json!([]));
}

#[test]
fn unknown_event_or_calendar_is_a_plain_error() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let err = env.fails(&["events", "rm", "Acme", "nosuchevent"]);
    assert!(
        err.contains("no event \"nosuchevent\" in calendar \"primary\" of Acme"),
        "{err}"
    );
    let err = env.fails(&["events", "list", "Acme", "--calendar", "nope@example.com"]);
    assert!(
        err.contains("no calendar \"nope@example.com\" for Acme"),
        "{err}"
    );
    let err = env.fails(&["export", "Acme", "nope@example.com"]);
    assert!(err.contains("no calendar"), "{err}");
}

#[test]
fn sharing_a_calendar_grants_another_client_access_until_removed() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    env.connected_client("Bolt", "bolt");
    let bolt_sees_acme = || {
        env.json(&["calendars", "Bolt"])
            .as_array()
            .expect("array")
            .iter()
            .find(|c| c["id"] == "acme@example.com")
            .map(|c| c["accessRole"].clone())
    };
    assert_eq!(bolt_sees_acme(), None);

    let out = env.ok(&[
        "sharing",
        "add",
        "Acme",
        "bolt@example.com",
        "--role",
        "writer",
    ]);
    assert!(
        out.contains("shared primary of Acme with bolt@example.com as writer"),
        "{out}"
    );
    let rules = env.json(&["sharing", "list", "Acme"]);
    let rule = rules
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["id"] == "user:bolt@example.com")
        .expect("the new rule is listed");
    assert_eq!(rule["role"], "writer");
    assert_eq!(bolt_sees_acme(), Some(Value::from("writer")));
    let table = env.ok(&["sharing", "list", "Acme"]);
    assert!(table.starts_with("RULE"), "{table}");

    let err = env.fails(&[
        "sharing",
        "add",
        "Acme",
        "bolt@example.com",
        "--role",
        "admin",
    ]);
    assert!(err.contains("--role"), "{err}");
    assert_eq!(
        bolt_sees_acme(),
        Some(Value::from("writer")),
        "a refused change changes nothing"
    );

    env.ok(&["sharing", "remove", "Acme", "user:bolt@example.com"]);
    assert_eq!(
        bolt_sees_acme(),
        None,
        "removed: gone from Bolt's calendars"
    );
}
