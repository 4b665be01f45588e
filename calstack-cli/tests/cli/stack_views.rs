//! `calstack conflicts`, `freebusy`, `slots`, `agenda --from/--to` and `clients update
//! --working-hours` end to end against the emulator, and their refusals of bad input.

use super::support::Env;

/// Acme (consult 14:00–15:00) and Bolt (review 14:30–15:30) on 2030-01-08 (a Tuesday), UTC.
fn two_clients() -> Env {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    env.connected_client("Bolt", "bolt");
    for (client, title, start, end) in [
        ("Acme", "Consult", "2030-01-08 14:00", "2030-01-08 15:00"),
        ("Bolt", "Review", "2030-01-08 14:30", "2030-01-08 15:30"),
    ] {
        env.ok(&[
            "events", "add", client, "--title", title, "--start", start, "--end", end,
        ]);
    }
    env
}

const WINDOW: [&str; 4] = ["--from", "2030-01-08", "--to", "2030-01-09"];

#[test]
fn conflicts_freebusy_and_agenda_over_an_explicit_window() {
    let env = two_clients();
    let found = env.json(&[&["conflicts"][..], &WINDOW].concat());
    let pairs = found["conflicts"].as_array().expect("conflicts");
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["first"]["summary"], "Consult");
    assert_eq!(pairs[0]["second"]["client"], "Bolt");
    assert_eq!(pairs[0]["overlap_start"], "2030-01-08T14:30:00Z");
    let table = env.ok(&[&["conflicts"][..], &WINDOW].concat());
    assert!(table.contains("Consult (Acme, 14:00–15:00)"), "{table}");

    let busy = env.json(&[&["freebusy", "--client", "Bolt"][..], &WINDOW].concat());
    let clients = busy["clients"].as_array().expect("clients");
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["busy"][0]["start"], "2030-01-08T14:30:00Z");
    assert_eq!(clients[0]["busy"][0]["end"], "2030-01-08T15:30:00Z");

    let agenda = env.json(&[&["agenda", "--live"][..], &WINDOW].concat());
    assert_eq!(agenda["entries"].as_array().expect("entries").len(), 2);
    assert_eq!(agenda["conflicts"], 1);
}

#[test]
fn slots_follow_the_working_hours_stored_per_client() {
    let env = two_clients();
    env.ok(&[
        "clients",
        "update",
        "Acme",
        "--working-hours",
        "mon-fri 13:00-16:00",
        "--time-zone",
        "UTC",
    ]);
    let shown = env.json(&["clients", "show", "Acme"]);
    assert_eq!(
        shown["working_hours"],
        "mon 13:00-16:00; tue 13:00-16:00; wed 13:00-16:00; thu 13:00-16:00; fri 13:00-16:00 (UTC)"
    );
    let slots = env.json(
        &[
            &["slots", "--duration", "30m", "--step", "30m"][..],
            &WINDOW,
        ]
        .concat(),
    );
    let starts: Vec<&str> = slots
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["start"].as_str().expect("start"))
        .collect();
    assert_eq!(
        starts,
        [
            "2030-01-08T13:00:00Z",
            "2030-01-08T13:30:00Z",
            "2030-01-08T15:30:00Z"
        ]
    );
    // One set of hours for everyone replaces the stored ones.
    let table = env.ok(&[
        &[
            "slots",
            "--duration",
            "1h",
            "--step",
            "1h",
            "--working-hours",
            "16:00-18:00",
        ][..],
        &WINDOW,
    ]
    .concat());
    assert!(
        table.contains("16:00") && table.contains("2 slot(s)"),
        "{table}"
    );
    env.ok(&["clients", "update", "Acme", "--no-working-hours"]);
    let shown = env.json(&["clients", "show", "Acme"]);
    assert!(shown["working_hours"].is_null());
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    for (args, field) in [
        (
            vec!["agenda", "--from", "2030-01-09", "--to", "2030-01-08"],
            "invalid to",
        ),
        (
            vec!["freebusy", "--from", "2030-01-01", "--to", "2031-06-01"],
            "invalid to",
        ),
        (vec!["conflicts", "--client", "Nobody"], "invalid clients"),
        (vec!["agenda", "--tz", "Mars/Olympus"], "--tz"),
        (
            vec!["agenda", "--max-staleness", "soon"],
            "invalid max_staleness",
        ),
        (vec!["slots", "--duration", "0m"], "invalid duration"),
        (vec!["slots", "--duration", "8d"], "invalid duration"),
        (vec!["slots", "--duration", "soon"], "invalid duration"),
        (
            vec!["slots", "--duration", "1h", "--working-hours", "9-5"],
            "invalid working_hours",
        ),
        (
            vec![
                "clients",
                "update",
                "Acme",
                "--working-hours",
                "17:00-09:00",
            ],
            "invalid working_hours",
        ),
        (
            vec![
                "clients",
                "update",
                "Acme",
                "--working-hours",
                "09:00-17:00",
                "--time-zone",
                "X/Y",
            ],
            "invalid time_zone",
        ),
    ] {
        let err = env.fails(&args);
        assert!(err.contains(field), "{args:?}: {err}");
    }
    let shown = env.json(&["clients", "show", "Acme"]);
    assert!(shown["working_hours"].is_null(), "nothing was stored");
}

#[test]
fn agenda_reads_the_mirror_and_max_staleness_syncs_first() {
    let env = two_clients();
    let entries = |v: &serde_json::Value| v["entries"].as_array().map_or(0, Vec::len);
    // Nothing mirrored yet: the mirror is synced first, then read.
    let first = env.json(&[&["agenda"][..], &WINDOW].concat());
    assert_eq!(entries(&first), 2, "{first}");
    let status = env.json(&["sync", "status"]);
    let rows = status.as_array().expect("a list");
    assert!(!rows.is_empty() && rows.iter().all(|r| r["last_synced"].is_string()));
    // A meeting added in Google itself, not through calstack.
    env.emulator()
        .insert_event(
            "bolt@example.com",
            "primary",
            serde_json::json!({
                "summary": "Added in Google",
                "start": {"dateTime": "2030-01-08T10:00:00Z"},
                "end": {"dateTime": "2030-01-08T11:00:00Z"},
            }),
        )
        .expect("seeded");
    let cached = env.json(&[&["agenda"][..], &WINDOW].concat());
    assert_eq!(entries(&cached), 2, "the mirror as it is");
    let fresh = env.json(&[&["agenda", "--max-staleness", "0m"][..], &WINDOW].concat());
    assert_eq!(entries(&fresh), 3, "synced first: {fresh}");
    let live = env.json(&[&["agenda", "--live"][..], &WINDOW].concat());
    assert_eq!(
        fresh["entries"], live["entries"],
        "the mirror equals Google"
    );
}
