//! End-to-end tests of the `calstack` binary against the emulator (started in-process on
//! loopback) and a temporary SQLite store. Each test gets its own store, key and emulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Output, Stdio};

use assert_cmd::Command;
use calstack_emulator::{Emulator, RunningEmulator};
use predicates::prelude::*;
use serde_json::Value;

#[path = "cli/stack_views.rs"]
mod stack_views;
#[path = "cli/sync_watch.rs"]
mod sync_watch;

const SECRET: &str = "GOCSPX-test-secret-do-not-print";

struct Env {
    dir: tempfile::TempDir,
    emulator: Option<RunningEmulator>,
    runtime: tokio::runtime::Runtime,
    key: String,
}

impl Env {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let emulator = runtime
            .block_on(Emulator::builder().port(0).start())
            .expect("emulator starts");
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
            emulator: Some(emulator),
            runtime,
            key: key_text(7),
        }
    }

    fn emulator(&self) -> &RunningEmulator {
        self.emulator.as_ref().expect("running")
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// `calstack` with a store, key and endpoints of this test, and a private home.
    fn cmd(&self) -> Command {
        Command::from(self.std_cmd())
    }

    /// [`Env::cmd`] as a plain `std::process::Command` (to spawn and talk to while it runs).
    fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("calstack"));
        let e = self.emulator();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("TZ", "UTC")
            .env(
                "CALSTACK_DATABASE_URL",
                format!("sqlite://{}", self.db_path().display()),
            )
            .env("CALSTACK_ENCRYPTION_KEY", &self.key)
            .env("CALSTACK_GOOGLE_API_BASE", e.calendar_api_base().as_str())
            .env("CALSTACK_GOOGLE_AUTH_URL", e.auth_url().as_str())
            .env("CALSTACK_GOOGLE_TOKEN_URL", e.token_url().as_str())
            .env("CALSTACK_GOOGLE_REVOKE_URL", e.revoke_url().as_str());
        cmd
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("runs");
        assert_success(&out, args);
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Runs with `--json` and parses stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
    }

    /// Runs and expects failure; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("runs");
        assert!(
            !out.status.success(),
            "{args:?} should fail\nstdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("utf-8")
    }

    /// A client with an authorized Google account (`<slug>@example.com`).
    fn connected_client(&self, name: &str, slug: &str) {
        self.ok(&[
            "clients",
            "add",
            "--name",
            name,
            "--email",
            &format!("{slug}@office.test"),
        ]);
        self.ok(&[
            "oauth",
            "set",
            name,
            "--client-id",
            &format!("{slug}.apps.googleusercontent.com"),
            "--client-secret",
            SECRET,
            "--account",
            &format!("{slug}@example.com"),
        ]);
        self.ok(&["oauth", "authorize", name, "--follow-redirect"]);
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(e) = self.emulator.take() {
            self.runtime.block_on(e.shutdown());
        }
    }
}

fn key_text(seed: u8) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([seed; 32])
}

fn assert_success(out: &Output, args: &[&str]) {
    assert!(
        out.status.success(),
        "{args:?} failed ({})\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_no_secrets(text: &str) {
    assert!(!text.contains(SECRET), "client secret printed: {text}");
    assert!(!text.contains("ya29."), "access token printed: {text}");
    assert!(!text.contains("1//"), "refresh token printed: {text}");
}

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

#[test]
fn loopback_authorization_completes_without_a_browser_and_never_prints_secrets() {
    let env = Env::new();
    env.ok(&[
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "ops@acme.test",
    ]);
    // The secret comes from stdin, so it is not in the process list or shell history.
    let set = env
        .cmd()
        .args([
            "oauth",
            "set",
            "Acme",
            "--client-id",
            "acme.apps.googleusercontent.com",
            "--client-secret",
            "-",
            "--account",
            "dr.ada@example.com",
        ])
        .write_stdin(format!("{SECRET}\n"))
        .output()
        .expect("runs");
    assert_success(&set, &["oauth", "set"]);

    let before = env.json(&["oauth", "status", "Acme"]);
    assert_eq!(before[0]["state"], "invalid");

    let auth = env
        .cmd()
        .args(["oauth", "authorize", "Acme", "--follow-redirect", "-vv"])
        .output()
        .expect("runs");
    assert_success(&auth, &["oauth", "authorize"]);
    let mut everything = String::from_utf8_lossy(&auth.stdout).into_owned();
    everything.push_str(&String::from_utf8_lossy(&auth.stderr));
    assert!(
        everything.contains("authorized Acme as dr.ada@example.com"),
        "{everything}"
    );

    let status = env.json(&["oauth", "status"]);
    assert_eq!(status[0]["state"], "valid", "{status}");
    assert_eq!(status[0]["account_email"], "dr.ada@example.com");
    assert_eq!(status[0]["has_refresh_token"], true);

    // Use the tokens, verbosely, and look everywhere for a secret.
    for args in [
        vec!["calendars", "Acme", "-vvv"],
        vec!["oauth", "status", "-vvv"],
        vec!["clients", "show", "Acme", "--json"],
        vec!["doctor", "-v"],
    ] {
        let out = env.cmd().args(&args).output().expect("runs");
        everything.push_str(&String::from_utf8_lossy(&out.stdout));
        everything.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert_no_secrets(&everything);

    // Sealed at rest: the SQLite file never holds the secret in plaintext.
    let db = std::fs::read(env.db_path()).expect("db file");
    let db_text = String::from_utf8_lossy(&db);
    assert!(
        !db_text.contains(SECRET),
        "client secret stored in plaintext"
    );
    assert!(
        !db_text.contains("ya29."),
        "access token stored in plaintext"
    );
}

#[test]
fn no_browser_prints_the_consent_url_and_times_out_cleanly() {
    let env = Env::new();
    env.ok(&[
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "ops@acme.test",
    ]);
    env.ok(&[
        "oauth",
        "set",
        "Acme",
        "--client-id",
        "acme.apps.googleusercontent.com",
        "--client-secret",
        SECRET,
    ]);
    let err = env.fails(&[
        "oauth",
        "authorize",
        "Acme",
        "--no-browser",
        "--timeout",
        "1",
    ]);
    assert!(err.contains("code_challenge_method=S256"), "{err}");
    assert!(
        err.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{err}"
    );
    assert!(err.contains("timed out"), "{err}");
    assert_no_secrets(&err);
}

#[test]
fn revoked_credential_reports_invalid_and_calendar_calls_say_what_to_do() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    env.ok(&["oauth", "revoke", "Acme"]);
    let status = env.json(&["oauth", "status", "Acme"]);
    assert_eq!(status[0]["state"], "invalid", "{status}");
    let err = env.fails(&["calendars", "Acme"]);
    assert!(err.contains("calstack oauth authorize Acme"), "{err}");
}

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

const ICS: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:standup-1@example.com\r
DTSTAMP:20300101T000000Z\r
SUMMARY:Standup\r
DTSTART;TZID=Europe/Zurich:20300304T090000\r
DTEND;TZID=Europe/Zurich:20300304T091500\r
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday-1@example.com\r
DTSTAMP:20300101T000000Z\r
SUMMARY:Holiday\r
DTSTART;VALUE=DATE:20300704\r
DTEND;VALUE=DATE:20300705\r
TRANSP:TRANSPARENT\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call-1@example.com\r
DTSTAMP:20300101T000000Z\r
SUMMARY:Call\\, with Bob\r
DTSTART:20300310T150000Z\r
DTEND:20300310T154500Z\r
ATTENDEE;CN=Bob:mailto:bob@example.com\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn import_export_import_is_idempotent() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let file = env.dir.path().join("in.ics");
    std::fs::write(&file, ICS).expect("write");
    let file = file.to_str().expect("utf-8 path");

    let first = env.json(&["import", "Acme", "primary", file]);
    assert_eq!(
        (
            first["created"].as_u64(),
            first["updated"].as_u64(),
            first["unchanged"].as_u64()
        ),
        (Some(3), Some(0), Some(0)),
        "{first}"
    );
    let again = env.json(&["import", "Acme", "primary", file]);
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(3)),
        "{again}"
    );

    let exported = env.ok(&["export", "Acme", "primary"]);
    assert!(exported.contains("UID:call-1@example.com"), "{exported}");
    assert!(
        exported.contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"),
        "{exported}"
    );
    let out = env.dir.path().join("out.ics");
    std::fs::write(&out, &exported).expect("write");
    let round = env.json(&["import", "Acme", "primary", out.to_str().expect("utf-8")]);
    assert_eq!(
        (
            round["created"].as_u64(),
            round["updated"].as_u64(),
            round["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(3)),
        "{round}"
    );

    // A changed title is an update, found by UID.
    std::fs::write(
        env.dir.path().join("changed.ics"),
        ICS.replace("SUMMARY:Holiday", "SUMMARY:Bank holiday"),
    )
    .expect("write");
    let changed = env.json(&[
        "import",
        "Acme",
        "primary",
        env.dir.path().join("changed.ics").to_str().expect("utf-8"),
    ]);
    assert_eq!(
        (changed["updated"].as_u64(), changed["unchanged"].as_u64()),
        (Some(1), Some(2)),
        "{changed}"
    );

    let text = env.ok(&["import", "Acme", "primary", file]);
    assert!(
        text.contains("0 created, 1 updated, 2 unchanged, 0 failed"),
        "{text}"
    );
}

#[test]
fn bad_ics_is_a_clear_error_and_changes_nothing() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let bad = env.dir.path().join("bad.ics");
    // The first event is fine; the second has no start. Nothing may be imported.
    std::fs::write(&bad, ICS.replace("DTSTART:20300310T150000Z\r\n", "")).expect("write");
    let err = env.fails(&["import", "Acme", "primary", bad.to_str().expect("utf-8")]);
    assert!(
        err.contains("event call-1@example.com: invalid DTSTART: missing"),
        "{err}"
    );
    assert!(err.contains("nothing changed"), "{err}");
    std::fs::write(&bad, "this is not a calendar").expect("write");
    let err = env.fails(&["import", "Acme", "primary", bad.to_str().expect("utf-8")]);
    assert!(err.contains("not an iCalendar file"), "{err}");
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
fn doctor_passes_on_a_working_setup() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let report = env.json(&["doctor"]);
    assert_eq!(report["ok"], true, "{report}");
    let text = env.ok(&["doctor"]);
    assert!(text.contains("everything looks fine"), "{text}");
}

#[test]
fn doctor_detects_a_wrong_key_and_says_what_to_do() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let out = env
        .cmd()
        .env("CALSTACK_ENCRYPTION_KEY", key_text(9))
        .args(["doctor", "--json"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let secrets = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "stored secrets")
        .expect("secrets check");
    assert_eq!(secrets["status"], "fail", "{report}");
    assert!(
        secrets["detail"].as_str().unwrap().contains("wrong key"),
        "{report}"
    );
    assert!(secrets["fix"].as_str().is_some());
}

#[test]
fn doctor_fails_when_google_is_unreachable() {
    let env = Env::new();
    let out = env
        .cmd()
        .env("CALSTACK_GOOGLE_TOKEN_URL", "http://127.0.0.1:9/token")
        .args(["doctor"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL") && text.contains("unreachable"),
        "{text}"
    );
}

#[test]
fn default_key_file_is_created_once_with_a_notice() {
    let env = Env::new();
    let first = env
        .cmd()
        .env_remove("CALSTACK_ENCRYPTION_KEY")
        .args(["clients", "list"])
        .output()
        .expect("runs");
    assert_success(&first, &["clients", "list"]);
    let note = String::from_utf8_lossy(&first.stderr);
    assert!(note.contains("created a new encryption key"), "{note}");
    let key_file = env.dir.path().join("data/calstack/encryption.key");
    assert!(key_file.exists());
    let second = env
        .cmd()
        .env_remove("CALSTACK_ENCRYPTION_KEY")
        .args(["clients", "list"])
        .output()
        .expect("runs");
    assert!(
        !String::from_utf8_lossy(&second.stderr).contains("created"),
        "reported once"
    );
}

#[test]
fn default_store_lives_in_the_data_directory() {
    let env = Env::new();
    let out = env
        .cmd()
        .env_remove("CALSTACK_DATABASE_URL")
        .env_remove("CALSTACK_ENCRYPTION_KEY")
        .args([
            "clients",
            "add",
            "--name",
            "Acme",
            "--email",
            "ops@acme.test",
        ])
        .output()
        .expect("runs");
    assert_success(&out, &["clients", "add"]);
    assert!(env.dir.path().join("data/calstack/calstack.db").exists());
}

#[test]
fn demo_runs_end_to_end() {
    let mut cmd = Command::cargo_bin("calstack").expect("binary");
    let home = tempfile::tempdir().expect("tempdir");
    let assert = cmd
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .env("TMPDIR", home.path())
        .env_remove("CALSTACK_DATABASE_URL")
        .env_remove("CALSTACK_ENCRYPTION_KEY")
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains("CONFLICT with"))
        .stdout(predicate::str::contains("3 clients authorized"))
        .stdout(predicate::str::contains("GOCSPX").not())
        .stdout(predicate::str::contains("ya29.").not());
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();

    // The mirror: one line per client, each with events in it, and the total in the summary.
    let mut mirrored = 0;
    for client in ["Acme Dental", "Bolt Fitness", "Cove Studio"] {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("✓ {client}")) && l.contains("events mirrored"))
            .unwrap_or_else(|| panic!("no mirror line for {client}:\n{out}"));
        let events = number_before(line, " events mirrored");
        assert!(events > 0, "{line}");
        assert!(number_before(line, " requests to Google") > 0, "{line}");
        mirrored += events;
    }
    let summary = out
        .lines()
        .find(|l| l.starts_with("demo finished"))
        .expect("a summary line");
    assert_eq!(
        number_before(summary, " events mirrored"),
        mirrored,
        "{summary}"
    );

    // The agenda comes from the mirror, without asking Google.
    assert!(
        out.contains("read from the mirror (0 requests to Google)"),
        "{out}"
    );

    // Free windows for Acme Dental and Bolt Fitness over the three days from tomorrow:
    // day one after Acme's 09:00 standup; day two around the colliding 14:00 consult and
    // 14:30 review; day three none (Bolt's all-day offsite).
    let windows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("both free for 45 minutes"))
        .collect();
    assert_eq!(windows.len(), 3, "{out}");
    assert!(windows[0].ends_with(" 09:15-17:00"), "{}", windows[0]);
    assert!(windows[1].ends_with(" 09:00-14:00"), "{}", windows[1]);
    assert!(windows[2].ends_with(" 15:30-17:00"), "{}", windows[2]);
    assert_eq!(
        number_before(summary, " free window(s) found"),
        3,
        "{summary}"
    );
}

/// The number written just before `marker` in `line`.
fn number_before(line: &str, marker: &str) -> u64 {
    let head = &line[..line
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {line:?}"))];
    let digits: String = head
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number before {marker:?} in {line:?}"))
}

#[test]
fn emulator_command_prints_its_url_first() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("calstack"))
        .args(["emulator", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("calstack-emulator listening on http://127.0.0.1:"),
        "{line}"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    for args in [
        vec!["--help"],
        vec!["clients", "add", "--help"],
        vec!["oauth", "authorize", "--help"],
        vec!["events", "add", "--help"],
        vec!["agenda", "--help"],
        vec!["import", "--help"],
        vec!["demo", "--help"],
    ] {
        Command::cargo_bin("calstack")
            .expect("binary")
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
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
fn unconnected_client_is_told_how_to_connect() {
    let env = Env::new();
    env.ok(&[
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "ops@acme.test",
    ]);
    let err = env.fails(&["calendars", "Acme"]);
    assert!(
        err.contains("not connected to Google") && err.contains("calstack oauth set Acme"),
        "{err}"
    );
    // The agenda names it, and fails because nothing at all could be read.
    let err = env.fails(&["agenda"]);
    assert!(err.contains("Acme"), "{err}");
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

#[test]
fn db_flag_wins_over_the_environment() {
    let env = Env::new();
    let other = env.dir.path().join("other.db");
    let other_url = format!("sqlite://{}", other.display());
    env.ok(&[
        "--db",
        &other_url,
        "clients",
        "add",
        "--name",
        "Acme",
        "--email",
        "ops@acme.test",
    ]);
    assert!(other.exists());
    assert_eq!(
        env.json(&["clients", "list"]),
        serde_json::json!([]),
        "the env store is untouched"
    );
    let listed = env.json(&["clients", "list", "--db", &other_url]);
    assert_eq!(listed.as_array().expect("array").len(), 1);
}

#[test]
fn verbose_errors_show_the_cause_chain() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["--db", "nosuch://x", "clients", "list", "-v"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.lines().count() > 1, "{err}");
    let quiet = env.fails(&["--db", "nosuch://x", "clients", "list"]);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
}

#[test]
fn import_reads_stdin_and_export_honours_the_window() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let out = env
        .cmd()
        .args(["import", "Acme", "primary", "-", "--json"])
        .write_stdin(ICS)
        .output()
        .expect("runs");
    assert_success(&out, &["import", "-"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["created"], 3, "{report}");
    assert!(
        out.stderr.is_empty(),
        "no progress bar when piped: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let july = env.ok(&[
        "export",
        "Acme",
        "primary",
        "--from",
        "2030-07-01",
        "--to",
        "2030-07-31",
    ]);
    assert!(july.contains("UID:holiday-1@example.com"), "{july}");
    assert!(!july.contains("UID:call-1@example.com"), "{july}");
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

#[test]
fn import_skip_invalid_imports_the_good_events_and_names_the_refused_ones() {
    let env = Env::new();
    env.connected_client("Acme", "acme");
    let mixed = ICS.replace("DTSTART:20300310T150000Z", "DTSTART:2030-03-10 15:00");
    let file = env.dir.path().join("mixed.ics");
    std::fs::write(&file, mixed).expect("write");
    let file = file.to_str().expect("utf-8");
    let err = env.fails(&["import", "Acme", "primary", file]);
    assert!(
        err.contains("event call-1@example.com: invalid DTSTART") && err.contains("line "),
        "{err}"
    );
    let report = env.json(&["import", "Acme", "primary", file, "--skip-invalid"]);
    assert_eq!(report["created"], 2, "{report}");
    let skipped = report["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{report}");
    assert!(
        skipped[0]
            .as_str()
            .is_some_and(|s| s.contains("call-1@example.com")),
        "{report}"
    );
    let unbatched = env.json(&[
        "import",
        "Acme",
        "primary",
        file,
        "--skip-invalid",
        "--no-batch",
    ]);
    assert_eq!(unbatched["unchanged"], 2, "{unbatched}");
}

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
