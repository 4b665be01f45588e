//! Helpers for the cross-crate end-to-end tests: an emulator, a SQLite store in a temporary
//! folder, a facade wired to both, and consent completed without a browser.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use calstack_core::crypto::{EncryptionKey, Keyring};
use calstack_core::oauth::{GoogleEndpoints, NewCredential};
use calstack_core::{Calstack, Client, ClientSecret, OAuthCredential, Store};
use calstack_emulator::{Emulator, RunningEmulator};

/// An emulator and a SQLite file; facades built over them share the data like processes would.
pub struct World {
    /// The running emulator.
    pub emulator: RunningEmulator,
    /// Holds the SQLite file.
    pub dir: tempfile::TempDir,
}

impl World {
    /// Starts an emulator on a free loopback port and makes a temporary folder for the store.
    pub async fn start() -> Result<Self> {
        Ok(Self {
            emulator: Emulator::builder().port(0).start().await?,
            dir: tempfile::tempdir()?,
        })
    }

    /// The SQLite URL of this world's store.
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("e2e.db").display())
    }

    /// Opens the store (running migrations) and builds a facade with `key`, as a new process
    /// would.
    pub async fn open(&self, key: &EncryptionKey) -> Result<Calstack> {
        let store: Arc<dyn Store> = calstack_store::connect(&self.db_url()).await?;
        let endpoints = GoogleEndpoints::new(
            self.emulator.auth_url().as_str(),
            self.emulator.token_url().as_str(),
            self.emulator.revoke_url().as_str(),
            self.emulator.calendar_api_base().as_str(),
        )?;
        Ok(Calstack::builder()
            .store(store)
            .keyring(Keyring::new(key.clone()))
            .endpoints(endpoints)
            .build()?)
    }
}

/// Creates a client with a registered Google OAuth app for `account` and completes consent:
/// the emulator's consent page redirects at once, and the redirect's query is handed to the
/// OAuth manager exactly as a loopback listener would.
pub async fn connected_client(
    calstack: &Calstack,
    name: &str,
    account: &str,
) -> Result<(Client, OAuthCredential)> {
    let client = calstack
        .clients()
        .create(
            name,
            &format!("office@{}", account.split('@').nth(1).unwrap_or("x.test")),
        )
        .await?;
    let credential = calstack
        .oauth()
        .register(NewCredential {
            client_id: client.id,
            google_client_id: format!("{}.apps.googleusercontent.com", client.id.0.simple()),
            client_secret: ClientSecret::new("GOCSPX-e2e"),
            scopes: vec!["calendar".into()],
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            account_email: Some(account.into()),
        })
        .await?;
    let request = calstack.oauth().authorize_url(credential.id).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = http.get(request.url.clone()).send().await?;
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow!("consent did not redirect ({})", response.status()))?;
    let query = url::Url::parse(location)
        .context("redirect location")?
        .query()
        .unwrap_or_default()
        .to_owned();
    let credential = calstack.oauth().complete_callback_query(&query).await?;
    Ok((client, credential))
}
