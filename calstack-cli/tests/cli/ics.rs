//! `calstack import` / `export`: ICS files and stdin, idempotent re-imports, windows, and bad
//! or partly bad input.

use serde_json::Value;

use super::support::{Env, assert_success};

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
