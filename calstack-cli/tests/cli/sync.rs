//! `calstack sync` fills the mirror; `sync status` shows each calendar.

use super::support::Env;

#[test]
fn sync_fills_the_mirror_and_status_shows_each_calendar() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    env.connected_client("Globex", "globex");
    for n in 0..3 {
        env.emulator()
            .insert_event(
                "acme@example.com",
                "primary",
                serde_json::json!({
                    "summary": format!("Standup {n}"),
                    "start": {"dateTime": format!("2030-01-0{}T09:00:00Z", n + 1)},
                    "end": {"dateTime": format!("2030-01-0{}T09:15:00Z", n + 1)},
                }),
            )
            .expect("seeded");
    }
    let report = env.json(&["sync"]);
    assert_eq!(
        report["synced"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
    assert_eq!(report["failed"], serde_json::json!([]));
    assert!(
        report["synced"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["full"] == true)
    );

    let status = env.json(&["sync", "status"]);
    let rows = status.as_array().expect("a list");
    let acme = rows
        .iter()
        .find(|r| r["calendar_id"] == "acme@example.com")
        .expect("Acme's calendar");
    assert_eq!(acme["events"], 3);
    assert!(acme["last_synced"].is_string());
    assert!(acme["last_error"].is_null());
    let table = env.ok(&["sync", "status", "--client", "Acme"]);
    assert!(table.contains("EVENTS") && table.contains(" ok"), "{table}");

    let again = env.json(&["sync", "--client", "Acme"]);
    assert_eq!(
        again["synced"][0]["full"], false,
        "the second sync is incremental"
    );
    let err = env.fails(&["sync", "--client", "Nobody"]);
    assert!(err.contains("Nobody"), "{err}");
}
