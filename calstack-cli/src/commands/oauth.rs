//! `calstack oauth set | authorize | status | revoke`, and the loopback consent flow the demo
//! reuses.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use calstack_core::oauth::{AuthorizeOptions, CredentialExt, CredentialUpdate, NewCredential};
use calstack_core::{Client, ClientSecret, OAuthCredential};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::app::{App, shell_word};
use crate::cli::OauthCommand;
use crate::loopback::{Loopback, follow_consent};
use crate::output::{Table, print_json};

/// An access token expiring sooner than this is reported as `expiring`.
const EXPIRING_WITHIN: TimeDelta = TimeDelta::minutes(10);

/// A credential's state as `oauth status` reports it. Never holds a token or secret.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialStatus {
    /// The client's name.
    pub client: String,
    /// The client's id.
    pub client_id: String,
    /// The credential's id.
    pub credential_id: String,
    /// The Google OAuth client id.
    pub google_client_id: String,
    /// The Google account, when known.
    pub account_email: Option<String>,
    /// `valid`, `expiring` or `invalid`.
    pub state: &'static str,
    /// Why it is expiring or invalid.
    pub reason: Option<String>,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// Scopes asked for but not granted.
    pub missing_scopes: Vec<String>,
    /// When the current access token expires.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// Whether a refresh token is stored.
    pub has_refresh_token: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl CredentialStatus {
    /// `valid`, `expiring (reason)` or `invalid (reason)`.
    pub fn state_text(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{} ({reason})", self.state),
            None => self.state.to_owned(),
        }
    }
}

/// Classifies a credential at `now`.
pub fn credential_status(
    credential: &OAuthCredential,
    client_name: &str,
    now: DateTime<Utc>,
) -> CredentialStatus {
    let (state, reason) = if !credential.is_valid {
        (
            "invalid",
            Some(
                credential
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "not authorized".into()),
            ),
        )
    } else if credential.refresh_token.is_none() {
        (
            "invalid",
            Some("no refresh token: run `calstack oauth authorize`".into()),
        )
    } else {
        match credential.expires_at {
            Some(at) if at - now > EXPIRING_WITHIN => ("valid", None),
            Some(at) if at > now => (
                "expiring",
                Some(format!(
                    "access token expires in {}s; refreshed on next use",
                    (at - now).num_seconds()
                )),
            ),
            _ => (
                "expiring",
                Some("access token expired; refreshed on next use".into()),
            ),
        }
    };
    CredentialStatus {
        client: client_name.to_owned(),
        client_id: credential.client_id.to_string(),
        credential_id: credential.id.to_string(),
        google_client_id: credential.google_client_id.clone(),
        account_email: credential.account_email.clone(),
        state,
        reason,
        scopes: credential.scopes.clone(),
        missing_scopes: if credential.is_authorized() {
            credential.missing_scopes()
        } else {
            Vec::new()
        },
        access_token_expires_at: credential.expires_at,
        has_refresh_token: credential.refresh_token.is_some(),
        updated_at: credential.updated_at,
    }
}

/// Runs one `oauth` subcommand.
pub async fn run(app: &App, cmd: OauthCommand) -> Result<()> {
    match cmd {
        OauthCommand::Set {
            client,
            client_id,
            client_secret,
            scopes,
            redirect_uri,
            account,
        } => {
            let client = app.client(&client).await?;
            let secret = if client_secret == "-" {
                read_secret_from_stdin()?
            } else {
                ClientSecret::new(client_secret)
            };
            let credential = set_app(
                app,
                &client,
                AppSettings {
                    google_client_id: client_id,
                    client_secret: secret,
                    scopes,
                    redirect_uri,
                    account_email: account,
                },
            )
            .await?;
            if app.global.json {
                print_json(&credential_status(
                    &credential,
                    &client.name,
                    app.calstack.clock().now(),
                ))?;
            } else {
                println!(
                    "saved the Google OAuth app for {} (credential {}); next: calstack oauth authorize {}",
                    client.name,
                    credential.id,
                    shell_word(&client.name)
                );
            }
        }
        OauthCommand::Authorize {
            client,
            no_browser,
            timeout,
            login_hint,
            follow_redirect,
        } => {
            let client = app.client(&client).await?;
            let how = if follow_redirect {
                Consent::FollowRedirect
            } else if no_browser {
                Consent::PrintUrl
            } else {
                Consent::Browser
            };
            let credential =
                authorize(app, &client, how, login_hint, Duration::from_secs(timeout)).await?;
            let status = credential_status(&credential, &client.name, app.calstack.clock().now());
            if app.global.json {
                print_json(&status)?;
            } else {
                let account = credential
                    .account_email
                    .as_deref()
                    .map(|a| format!(" as {a}"))
                    .unwrap_or_default();
                println!(
                    "authorized {}{account}: {}",
                    client.name,
                    status.state_text()
                );
                if !status.missing_scopes.is_empty() {
                    println!(
                        "warning: Google did not grant {}; authorize again and tick every box",
                        status.missing_scopes.join(", ")
                    );
                }
            }
        }
        OauthCommand::Status { client } => {
            let clients = match client {
                Some(handle) => vec![app.client(&handle).await?],
                None => app.calstack.clients().list().await?,
            };
            let now = app.calstack.clock().now();
            let mut statuses = Vec::new();
            for client in &clients {
                for credential in app
                    .calstack
                    .oauth()
                    .list_credentials(Some(client.id))
                    .await?
                {
                    statuses.push(credential_status(&credential, &client.name, now));
                }
            }
            if app.global.json {
                return print_json(&statuses);
            }
            if statuses.is_empty() {
                println!(
                    "no OAuth credentials yet: run `calstack oauth set CLIENT --client-id … --client-secret …`"
                );
                return Ok(());
            }
            let mut table = Table::new(["CLIENT", "ACCOUNT", "STATE", "EXPIRES", "SCOPES"]);
            for s in &statuses {
                table.row([
                    s.client.clone(),
                    s.account_email.clone().unwrap_or_default(),
                    s.state_text(),
                    s.access_token_expires_at
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default(),
                    s.scopes
                        .iter()
                        .map(|x| x.trim_start_matches("https://www.googleapis.com/auth/"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ]);
            }
            print!("{}", table.render());
        }
        OauthCommand::Revoke { client } => {
            let client = app.client(&client).await?;
            let credential = app.require_credential(&client).await?;
            app.calstack.oauth().revoke(credential.id).await?;
            if app.global.json {
                let revoked = app.calstack.oauth().get_credential(credential.id).await?;
                print_json(&credential_status(
                    &revoked,
                    &client.name,
                    app.calstack.clock().now(),
                ))?;
            } else {
                println!(
                    "revoked the Google grant of {}; authorize again with `calstack oauth authorize {}`",
                    client.name,
                    shell_word(&client.name)
                );
            }
        }
    }
    Ok(())
}

/// A client's Google OAuth app settings.
#[derive(Debug)]
pub struct AppSettings {
    /// Google OAuth client id.
    pub google_client_id: String,
    /// Google OAuth client secret.
    pub client_secret: ClientSecret,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Redirect URI.
    pub redirect_uri: String,
    /// Account to pre-select.
    pub account_email: Option<String>,
}

/// Registers the client's OAuth app, or replaces the settings of its existing credential.
pub async fn set_app(app: &App, client: &Client, settings: AppSettings) -> Result<OAuthCredential> {
    let oauth = app.calstack.oauth();
    Ok(match app.credential(client).await? {
        None => {
            oauth
                .register(NewCredential {
                    client_id: client.id,
                    google_client_id: settings.google_client_id,
                    client_secret: settings.client_secret,
                    scopes: settings.scopes,
                    redirect_uri: settings.redirect_uri,
                    account_email: settings.account_email,
                })
                .await?
        }
        Some(existing) => {
            oauth
                .update_credential(
                    existing.id,
                    CredentialUpdate {
                        google_client_id: Some(settings.google_client_id),
                        client_secret: Some(settings.client_secret),
                        scopes: Some(settings.scopes),
                        redirect_uri: Some(settings.redirect_uri),
                        account_email: settings.account_email.map(Some),
                    },
                )
                .await?
        }
    })
}

fn read_secret_from_stdin() -> Result<ClientSecret> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        // One line typed at a prompt (it is echoed: prefer piping it in from a password manager).
        eprint!("Google OAuth client secret: ");
        std::io::stderr().flush()?;
        stdin
            .lock()
            .read_line(&mut text)
            .context("could not read the client secret")?;
    } else {
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("could not read the client secret from stdin")?;
    }
    let secret = text.trim();
    if secret.is_empty() {
        bail!("invalid client_secret: stdin was empty");
    }
    Ok(ClientSecret::new(secret))
}

/// How the consent page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Open the system browser (falls back to printing the URL).
    Browser,
    /// Print the URL on stderr for the user to open.
    PrintUrl,
    /// Fetch the URL and follow its redirect (the emulator approves at once).
    FollowRedirect,
}

/// The installed-app loopback flow: listen on 127.0.0.1, send the user to the consent page
/// (PKCE, single-use state), receive the redirect, exchange the code, store the tokens.
pub async fn authorize(
    app: &App,
    client: &Client,
    how: Consent,
    login_hint: Option<String>,
    timeout: Duration,
) -> Result<OAuthCredential> {
    let credential = app.require_credential(client).await?;
    let listener = Loopback::bind(&credential.redirect_uri).await?;
    run_consent(app, &credential, listener, how, login_hint, timeout).await?;
    Ok(app.calstack.oauth().get_credential(credential.id).await?)
}

async fn run_consent(
    app: &App,
    credential: &OAuthCredential,
    listener: Loopback,
    how: Consent,
    login_hint: Option<String>,
    timeout: Duration,
) -> Result<()> {
    let oauth = app.calstack.oauth();
    // The loopback port is chosen now; the code exchange repeats this exact URI.
    let options = AuthorizeOptions {
        login_hint,
        redirect_uri: Some(listener.redirect_uri().to_string()),
    };
    let request = oauth.authorize_url_with(credential.id, options).await?;
    let url = request.url.clone();
    let waiting = tokio::spawn(listener.wait(timeout));
    match how {
        Consent::FollowRedirect => follow_consent(&url).await?,
        Consent::PrintUrl => {
            eprintln!(
                "Open this URL in a browser to authorize (waiting up to {}s):\n\n  {url}\n",
                timeout.as_secs()
            );
        }
        Consent::Browser => {
            eprintln!(
                "Opening the browser for Google's consent page (waiting up to {}s)…",
                timeout.as_secs()
            );
            if let Err(e) = open::that_detached(url.as_str()) {
                tracing::debug!(error = %e, "could not open a browser");
                eprintln!("Could not open a browser; open this URL yourself:\n\n  {url}\n");
            }
        }
    }
    let query = waiting.await.context("the loopback listener stopped")??;
    oauth.complete_callback_query(&query).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calstack_core::{ClientId, CredentialId, Sealed};

    fn credential(now: DateTime<Utc>) -> OAuthCredential {
        OAuthCredential {
            id: CredentialId::new(),
            client_id: ClientId::new(),
            google_client_id: "app.apps.googleusercontent.com".into(),
            client_secret: Sealed::from_stored("k1:sealed-secret"),
            scopes: vec!["https://www.googleapis.com/auth/calendar".into()],
            granted_scopes: vec!["https://www.googleapis.com/auth/calendar".into()],
            redirect_uri: "http://127.0.0.1".into(),
            account_email: Some("a@example.com".into()),
            access_token: Some(Sealed::from_stored("k1:sealed-access")),
            refresh_token: Some(Sealed::from_stored("k1:sealed-refresh")),
            expires_at: Some(now + TimeDelta::hours(1)),
            is_valid: true,
            last_error: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn fresh_credential_is_valid() {
        let now = Utc::now();
        let s = credential_status(&credential(now), "Acme", now);
        assert_eq!((s.state, s.reason), ("valid", None));
    }

    #[test]
    fn token_about_to_expire_is_expiring() {
        let now = Utc::now();
        let mut c = credential(now);
        c.expires_at = Some(now + TimeDelta::minutes(3));
        let s = credential_status(&c, "Acme", now);
        assert_eq!(s.state, "expiring");
        c.expires_at = None;
        assert_eq!(credential_status(&c, "Acme", now).state, "expiring");
    }

    #[test]
    fn refused_credential_is_invalid_with_its_reason() {
        let now = Utc::now();
        let mut c = credential(now);
        c.is_valid = false;
        c.last_error = Some("invalid_grant: Token has been expired or revoked.".into());
        let s = credential_status(&c, "Acme", now);
        assert_eq!(s.state, "invalid");
        assert!(s.state_text().contains("invalid_grant"));
    }

    #[test]
    fn status_json_never_contains_sealed_values() {
        let now = Utc::now();
        let json = serde_json::to_string(&credential_status(&credential(now), "Acme", now))
            .expect("serializes");
        assert!(!json.contains("sealed"), "{json}");
    }
}
