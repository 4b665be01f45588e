//! Setup: `calstack doctor`, the default key file and store location, `--db` over the
//! environment, and `--verbose` errors.

use serde_json::Value;

use super::support::{Env, assert_success, key_text};

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
