//! `calstack doctor`: checks the setup one piece at a time (store, key, secrets, credentials,
//! Google endpoints) and says what to do about each problem. Exits non-zero when any check
//! fails. Never creates a key and never prints a secret.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use calstack_core::crypto::{Keyring, aad};
use calstack_core::{OAuthCredential, Store};
use chrono::Utc;
use serde::Serialize;

use crate::app::{connect, endpoints, keyring};
use crate::cli::GlobalArgs;
use crate::commands::oauth::credential_status;
use crate::config::{self, Origin};
use crate::output::{Table, print_json};

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but worth a look.
    Warn,
    /// Broken: calstack cannot work like this.
    Fail,
}

/// One line of the doctor's report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// The outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, when something is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn bad(
        status: Status,
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            status,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Runs every check and prints the report.
pub async fn run(global: &GlobalArgs) -> Result<ExitCode> {
    let checks = checks(global).await;
    let ok = checks.iter().all(|c| c.status != Status::Fail);
    if global.json {
        print_json(&serde_json::json!({ "ok": ok, "checks": checks }))?;
    } else {
        let mut t = Table::new(["", "CHECK", "RESULT"]);
        for c in &checks {
            let mark = match c.status {
                Status::Ok => "ok",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            t.row([mark.to_owned(), c.name.clone(), c.detail.clone()]);
            if let Some(fix) = &c.fix {
                t.row([String::new(), String::new(), format!("→ {fix}")]);
            }
        }
        print!("{}", t.render());
        println!(
            "{}",
            if ok {
                "everything looks fine"
            } else {
                "some checks failed: see → for what to do"
            }
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn checks(global: &GlobalArgs) -> Vec<Check> {
    let mut out = Vec::new();
    let data_dir = config::default_data_dir();

    // Store.
    let store = match config::database_url(global, data_dir.as_deref()) {
        Err(e) => {
            out.push(Check::bad(
                Status::Fail,
                "store",
                format!("{e:#}"),
                "set --db or CALSTACK_DATABASE_URL",
            ));
            None
        }
        Ok((url, origin)) => {
            let shown = redact_url(&url);
            match connect(&url).await {
                Ok(store) => {
                    out.push(Check::ok(
                        "store",
                        format!(
                            "{shown} reachable and migrated{}",
                            if origin == Origin::Default {
                                " (default location)"
                            } else {
                                ""
                            }
                        ),
                    ));
                    Some(store)
                }
                Err(e) => {
                    out.push(Check::bad(
                        Status::Fail,
                        "store",
                        format!("{shown}: {e:#}"),
                        "check --db / CALSTACK_DATABASE_URL and that the database server is running",
                    ));
                    None
                }
            }
        }
    };

    // Key.
    let ring = match config::encryption_key(global, data_dir.as_deref(), false) {
        Err(e) => {
            out.push(Check::bad(
                Status::Fail,
                "encryption key",
                format!("{e:#}"),
                "set --key / CALSTACK_ENCRYPTION_KEY to the key your secrets were sealed with (any calstack command creates a default key file on first use)",
            ));
            None
        }
        Ok(key) => match keyring(&key) {
            Ok(ring) => {
                let source = match &key.file {
                    Some(f) => format!("key file {}", f.display()),
                    None => "--key / CALSTACK_ENCRYPTION_KEY".to_owned(),
                };
                out.push(Check::ok(
                    "encryption key",
                    format!("{source}, current key id {}", ring.current_key_id()),
                ));
                Some(ring)
            }
            Err(e) => {
                out.push(Check::bad(
                    Status::Fail,
                    "encryption key",
                    format!("{e:#}"),
                    "the key must be base64 of 32 random bytes",
                ));
                None
            }
        },
    };

    // Secrets and credentials.
    if let (Some(store), Some(ring)) = (&store, &ring) {
        out.extend(credential_checks(store, ring).await);
    }
    // Endpoints.
    match endpoints(global) {
        Err(e) => out.push(Check::bad(
            Status::Fail,
            "google endpoints",
            format!("{e:#}"),
            "fix the CALSTACK_GOOGLE_* overrides",
        )),
        Ok(ep) => {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                .build();
            for (name, url) in [
                ("calendar api", &ep.api_base),
                ("oauth consent page", &ep.auth_url),
                ("oauth token endpoint", &ep.token_url),
                ("oauth revoke endpoint", &ep.revoke_url),
            ] {
                let reached = match &http {
                    Ok(http) => http
                        .get(url.clone())
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                out.push(match reached {
                    // Any HTTP answer (even 404 or 405) means the host is there.
                    Ok(()) => Check::ok(name, format!("{url} reachable")),
                    Err(e) => Check::bad(
                        Status::Fail,
                        name,
                        format!("{url} unreachable: {e}"),
                        "check the network, a proxy, or the CALSTACK_GOOGLE_* overrides",
                    ),
                });
            }
        }
    }
    out
}

/// Opens every credential's sealed secrets with the key (a wrong key fails here) and reports
/// each credential's state.
async fn credential_checks(store: &std::sync::Arc<dyn Store>, ring: &Keyring) -> Vec<Check> {
    let mut out = Vec::new();
    let clients = match store.list_clients().await {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::bad(
                Status::Fail,
                "clients",
                format!("{e}"),
                "check the store",
            ));
            return out;
        }
    };
    let credentials = match store.list_credentials(None).await {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::bad(
                Status::Fail,
                "credentials",
                format!("{e}"),
                "check the store",
            ));
            return out;
        }
    };
    out.push(Check::ok(
        "clients",
        format!(
            "{} client(s), {} OAuth credential(s)",
            clients.len(),
            credentials.len()
        ),
    ));
    let unreadable: Vec<&OAuthCredential> =
        credentials.iter().filter(|c| !opens(ring, c)).collect();
    if credentials.is_empty() {
        out.push(Check::ok("stored secrets", "none yet"));
    } else if unreadable.is_empty() {
        out.push(Check::ok(
            "stored secrets",
            "the key opens every stored secret",
        ));
    } else {
        out.push(Check::bad(
            Status::Fail,
            "stored secrets",
            format!(
                "the key cannot open the secrets of {} of {} credential(s): wrong key?",
                unreadable.len(),
                credentials.len()
            ),
            "use the key they were sealed with (--key / CALSTACK_ENCRYPTION_KEY, or the key file); after rotating, list the new key first and the old one after it, comma-separated",
        ));
    }
    let now = Utc::now();
    for c in &credentials {
        let name = clients
            .iter()
            .find(|x| x.id == c.client_id)
            .map_or_else(|| c.client_id.to_string(), |x| x.name.clone());
        let status = credential_status(c, &name, now);
        out.push(match status.state {
            "invalid" => Check::bad(
                Status::Fail,
                format!("credential {name}"),
                status.state_text(),
                format!(
                    "run `calstack oauth authorize {}`",
                    crate::app::shell_word(&name)
                ),
            ),
            _ => Check::ok(format!("credential {name}"), status.state_text()),
        });
    }
    out
}

/// Whether `ring` opens every sealed field of `c`.
fn opens(ring: &Keyring, c: &OAuthCredential) -> bool {
    let mut fields = vec![(aad::CLIENT_SECRET, Some(&c.client_secret))];
    fields.push((aad::ACCESS_TOKEN, c.access_token.as_ref()));
    fields.push((aad::REFRESH_TOKEN, c.refresh_token.as_ref()));
    fields.into_iter().all(|(field, sealed)| match sealed {
        None => true,
        Some(s) => ring.open(s, &aad::credential(c.id, field)).is_ok(),
    })
}

/// Hides a password in a database URL.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_hidden() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db.internal/calstack"),
            "postgres://app:****@db.internal/calstack"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
