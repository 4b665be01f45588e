//! The context every command runs in: the resolved configuration, the store, the keyring and
//! the [`Calstack`] facade, plus the lookups commands share (a client by id or name, its
//! credential).

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use calstack_core::calendar::CalendarClient;
use calstack_core::crypto::Keyring;
use calstack_core::facade::Calstack;
use calstack_core::oauth::GoogleEndpoints;
use calstack_core::{Client, Error, OAuthCredential, Store};

use crate::cli::GlobalArgs;
use crate::config::{self, KeyConfig, Origin};

/// Everything a command needs.
#[derive(Debug)]
pub struct App {
    /// The facade: clients, OAuth manager, store.
    pub calstack: Calstack,
    /// The database URL in use.
    pub db_url: String,
    /// Where the database URL came from.
    pub db_origin: Origin,
    /// The encryption key in use (and its file).
    pub key: KeyConfig,
    /// The global flags.
    pub global: GlobalArgs,
}

impl App {
    /// Resolves the configuration, connects the store (running migrations) and builds the
    /// facade. Creates the default key file on first use and says so on stderr.
    pub async fn open(global: &GlobalArgs) -> Result<Self> {
        let data_dir = config::default_data_dir();
        let (db_url, db_origin) = config::database_url(global, data_dir.as_deref())?;
        let key = config::encryption_key(global, data_dir.as_deref(), true)?;
        if key.created
            && let Some(file) = &key.file
        {
            eprintln!(
                "calstack: created a new encryption key at {} (mode 0600). Back it up: without it the stored secrets cannot be opened.",
                file.display()
            );
        }
        Self::assemble(global, db_url, db_origin, key, endpoints(global)?).await
    }

    /// Builds the context from resolved parts (the demo brings its own store, key and
    /// endpoints).
    pub async fn assemble(
        global: &GlobalArgs,
        db_url: String,
        db_origin: Origin,
        key: KeyConfig,
        endpoints: GoogleEndpoints,
    ) -> Result<Self> {
        let keyring = keyring(&key)?;
        let store = connect(&db_url).await?;
        let calstack = Calstack::builder()
            .store(store)
            .keyring(keyring)
            .endpoints(endpoints)
            .build()?;
        Ok(Self {
            calstack,
            db_url,
            db_origin,
            key,
            global: global.clone(),
        })
    }

    /// The client named by `handle` (its id or its unique name).
    pub async fn client(&self, handle: &str) -> Result<Client> {
        self.calstack
            .clients()
            .find(handle)
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => anyhow!(
                    "no client with id or name {:?} (see `calstack clients list`)",
                    handle.trim()
                ),
                Error::Validation { reason, .. } => {
                    anyhow!("ambiguous client {handle:?}: {reason}")
                }
                other => other.into(),
            })
    }

    /// The client's OAuth credential to manage: the most recently created one.
    pub async fn credential(&self, client: &Client) -> Result<Option<OAuthCredential>> {
        let credentials = self
            .calstack
            .oauth()
            .list_credentials(Some(client.id))
            .await?;
        Ok(credentials.into_iter().max_by_key(|c| (c.created_at, c.id)))
    }

    /// A Calendar API client for `client`, using its valid credential (refreshed as needed).
    pub async fn calendar(&self, client: &Client) -> Result<CalendarClient> {
        let credential = self
            .calstack
            .credential_for(client.id)
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => anyhow!(
                    "client {:?} is not connected to Google: run `calstack oauth set {} …` then `calstack oauth authorize {}`",
                    client.name,
                    shell_word(&client.name),
                    shell_word(&client.name)
                ),
                other => explain(&client.name, other),
            })?;
        Ok(self.calstack.calendar_for_credential(credential.id)?)
    }

    /// Like [`App::credential`], but a missing credential is an error telling what to do.
    pub async fn require_credential(&self, client: &Client) -> Result<OAuthCredential> {
        self.credential(client).await?.ok_or_else(|| {
            anyhow!(
                "client {:?} has no Google OAuth app yet: run `calstack oauth set {} --client-id … --client-secret …`",
                client.name,
                shell_word(&client.name)
            )
        })
    }
}

/// Turns a Calendar API error for `client` into one a user can act on: a dead grant says
/// which command brings it back.
pub fn explain(client: &str, e: Error) -> anyhow::Error {
    match e {
        Error::ReauthorizationRequired { reason, .. } => anyhow!(
            "{client} must authorize again ({reason}): run `calstack oauth authorize {}`",
            shell_word(client)
        ),
        other => other.into(),
    }
}

/// The keyring for a key text (comma-separated base64 keys; the first seals).
pub fn keyring(key: &KeyConfig) -> Result<Keyring> {
    Keyring::from_base64(key.secret()).map_err(|e| {
        let from = match &key.file {
            Some(f) => format!("the key file {}", f.display()),
            None => "--key / CALSTACK_ENCRYPTION_KEY".to_owned(),
        };
        anyhow!("invalid encryption key in {from}: {e}")
    })
}

/// Google's endpoints with each flag / environment override applied.
pub fn endpoints(global: &GlobalArgs) -> Result<GoogleEndpoints> {
    let google = GoogleEndpoints::google();
    let pick = |given: &Option<String>, default: &url::Url| {
        given
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map_or_else(|| default.to_string(), str::to_owned)
    };
    GoogleEndpoints::new(
        &pick(&global.auth_url, &google.auth_url),
        &pick(&global.token_url, &google.token_url),
        &pick(&global.revoke_url, &google.revoke_url),
        &pick(&global.api_base, &google.api_base),
    )
    .context("invalid Google endpoint override")
}

/// Connects the store named by `url`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    calstack_store::connect(url).await.with_context(|| {
        format!(
            "could not open the store {}",
            crate::commands::doctor::redact_url(url)
        )
    })
}

/// Quotes `s` for a shell command suggestion when it needs it.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("Acme"), "Acme");
        assert_eq!(shell_word("Acme Corp"), "'Acme Corp'");
        assert_eq!(shell_word("O'Brien"), "'O'\\''Brien'");
    }

    #[test]
    fn endpoint_overrides_apply_one_by_one() {
        let global = GlobalArgs {
            api_base: Some("http://127.0.0.1:9/calendar/v3".into()),
            ..GlobalArgs::default()
        };
        let e = endpoints(&global).expect("valid");
        assert_eq!(e.api_base.as_str(), "http://127.0.0.1:9/calendar/v3/");
        assert_eq!(e.token_url, GoogleEndpoints::google().token_url);
    }

    #[test]
    fn bad_endpoint_override_names_the_field() {
        let global = GlobalArgs {
            token_url: Some("not a url".into()),
            ..GlobalArgs::default()
        };
        let e = endpoints(&global).expect_err("invalid");
        assert!(format!("{e:#}").contains("token_url"), "{e:#}");
    }
}
