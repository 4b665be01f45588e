//! `calstack oauth`: authorizing a client over loopback or by pasting the consent URL, a
//! revoked credential, an unconnected client; secrets never printed.

use super::support::{Env, SECRET, assert_no_secrets, assert_success};

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
