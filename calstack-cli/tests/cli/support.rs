//! What every CLI test shares: [`Env`] (a temporary store, key and home, an emulator on
//! loopback, and the `calstack` binary pointed at them) and the assertions on output.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use calstack_emulator::{Emulator, RunningEmulator};
use serde_json::Value;

pub(crate) const SECRET: &str = "GOCSPX-test-secret-do-not-print";

pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
    emulator: Option<RunningEmulator>,
    runtime: tokio::runtime::Runtime,
    key: String,
}

impl Env {
    pub(crate) fn new() -> Self {
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

    pub(crate) fn emulator(&self) -> &RunningEmulator {
        self.emulator.as_ref().expect("running")
    }

    pub(crate) fn db_path(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// `calstack` with a store, key and endpoints of this test, and a private home.
    pub(crate) fn cmd(&self) -> Command {
        Command::from(self.std_cmd())
    }

    /// [`Env::cmd`] as a plain `std::process::Command` (to spawn and talk to while it runs).
    pub(crate) fn std_cmd(&self) -> std::process::Command {
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
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("runs");
        assert_success(&out, args);
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Runs with `--json` and parses stdout.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
    }

    /// Runs and expects failure; returns stderr.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("runs");
        assert!(
            !out.status.success(),
            "{args:?} should fail\nstdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("utf-8")
    }

    /// A client with an authorized Google account (`<slug>@example.com`).
    pub(crate) fn connected_client(&self, name: &str, slug: &str) {
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

pub(crate) fn key_text(seed: u8) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([seed; 32])
}

pub(crate) fn assert_success(out: &Output, args: &[&str]) {
    assert!(
        out.status.success(),
        "{args:?} failed ({})\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn assert_no_secrets(text: &str) {
    assert!(!text.contains(SECRET), "client secret printed: {text}");
    assert!(!text.contains("ya29."), "access token printed: {text}");
    assert!(!text.contains("1//"), "refresh token printed: {text}");
}
