//! Whole commands: `calstack demo` end to end, `calstack emulator`, and every command's help.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;

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
