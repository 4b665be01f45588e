//! `calstack agenda`: every client's events stacked, the collision flagged, and everyone else
//! shown when one client cannot be read.

use super::support::{Env, assert_success};

#[test]
fn agenda_stacks_every_client_and_flags_the_collision() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    env.connected_client("Bolt", "bolt");
    let day = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let at = |h: &str| format!("{day} {h}");
    env.ok(&[
        "events",
        "add",
        "Acme",
        "--title",
        "Consult",
        "--start",
        &at("14:00"),
        "--end",
        &at("15:00"),
    ]);
    env.ok(&[
        "events",
        "add",
        "Bolt",
        "--title",
        "Review",
        "--start",
        &at("14:30"),
        "--end",
        &at("15:30"),
    ]);
    env.ok(&[
        "events",
        "add",
        "Bolt",
        "--title",
        "Gym",
        "--start",
        &at("08:00"),
        "--end",
        &at("09:00"),
    ]);

    let agenda = env.json(&["agenda", "--days", "3"]);
    let entries = agenda["entries"].as_array().expect("entries");
    let order: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["client"].as_str().unwrap(),
                e["summary"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [("Bolt", "Gym"), ("Acme", "Consult"), ("Bolt", "Review")]
    );
    assert_eq!(agenda["conflicts"], 1);
    assert_eq!(entries[1]["conflicts_with"], serde_json::json!([2]));
    assert_eq!(entries[0]["conflicts_with"], serde_json::json!([]));

    let only_bolt = env.json(&["agenda", "--days", "3", "--client", "Bolt"]);
    assert_eq!(only_bolt["entries"].as_array().expect("entries").len(), 2);
    assert_eq!(only_bolt["conflicts"], 0);

    let table = env.ok(&["agenda", "--days", "3"]);
    assert!(table.contains("CONFLICT with Review (Bolt)"), "{table}");
}

#[test]
fn agenda_shows_everyone_else_when_one_client_cannot_be_read() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    env.connected_client("Bolt", "bolt");
    let day = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    env.ok(&[
        "events",
        "add",
        "Acme",
        "--title",
        "Consult",
        "--start",
        &format!("{day} 10:00"),
    ]);
    env.ok(&[
        "events",
        "add",
        "Bolt",
        "--title",
        "Review",
        "--start",
        &format!("{day} 12:00"),
    ]);
    // Bolt's grant dies at Google: its access token expires and the refresh is refused.
    env.emulator().revoke_account_grants("bolt@example.com");
    env.emulator().expire_access_tokens();

    let out = env
        .cmd()
        .args(["agenda", "--days", "3"])
        .output()
        .expect("runs");
    assert_success(&out, &["agenda"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Consult") && !stdout.contains("Review"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: Bolt") && stderr.contains("calstack oauth authorize Bolt"),
        "{stderr}"
    );

    let status = env.json(&["oauth", "status", "Bolt"]);
    assert_eq!(status[0]["state"], "invalid", "{status}");
}
