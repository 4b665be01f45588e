//! Which Google account of a client to act as, and the counters of every Calendar client a
//! [`Calstack`] handed out. Fronts (the Python module, the CLI) call these instead of choosing
//! credentials or summing counters themselves.

use std::collections::BTreeSet;
use std::sync::PoisonError;

use super::Calstack;
use crate::calendar::CalendarClient;
use crate::error::{Error, Result};
use crate::store::{ClientId, OAuthCredential};
use crate::transport::MetricsSnapshot;

impl Calstack {
    /// The credential to act as for `client_id`, chosen by Google account.
    ///
    /// With `account` (an email, compared ignoring case and surrounding spaces): the client's
    /// valid credential for that account, else [`Error::NotFound`] naming the accounts it has.
    /// Without: as [`Calstack::credential_for`], except that a client whose valid credentials
    /// belong to several Google accounts is [`Error::Validation`] on `account`, naming them, so
    /// nobody acts as the wrong person by accident.
    pub async fn credential_for_account(
        &self,
        client_id: ClientId,
        account: Option<&str>,
    ) -> Result<OAuthCredential> {
        let Some(wanted) = account.map(str::trim) else {
            let accounts = self.valid_accounts(client_id).await?;
            if accounts.len() > 1 {
                return Err(Error::validation(
                    "account",
                    format!(
                        "client {client_id} has credentials for several Google accounts ({}): choose one",
                        join(&accounts)
                    ),
                ));
            }
            return self.credential_for(client_id).await;
        };
        if wanted.is_empty() {
            return Err(Error::validation("account", "must not be empty"));
        }
        self.clients.get(client_id).await?;
        let credentials = self.oauth.list_credentials(Some(client_id)).await?;
        let matching = credentials
            .iter()
            .filter(|c| same_account(c, wanted))
            .max_by_key(|c| (c.is_valid, c.updated_at, c.created_at));
        match matching {
            Some(c) if c.is_valid => Ok(c.clone()),
            Some(c) => Err(Error::ReauthorizationRequired {
                credential_id: c.id.to_string(),
                reason: c
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "no valid credential".into()),
            }),
            None => {
                let known: BTreeSet<String> = credentials
                    .iter()
                    .filter_map(|c| c.account_email.clone())
                    .collect();
                Err(Error::NotFound {
                    what: format!(
                        "Google account {wanted:?} of client {client_id} (its accounts: {})",
                        if known.is_empty() {
                            "none known".to_owned()
                        } else {
                            join(&known)
                        }
                    ),
                })
            }
        }
    }

    /// A Calendar client for `client_id` acting as `account` (see
    /// [`Calstack::credential_for_account`]).
    pub async fn calendar_for_account(
        &self,
        client_id: ClientId,
        account: Option<&str>,
    ) -> Result<CalendarClient> {
        let credential = self.credential_for_account(client_id, account).await?;
        self.calendar_for_credential(credential.id)
    }

    /// The counters of every Calendar client this handle made, added up: requests, retries,
    /// throttled waits, 401 refreshes and errors by reason.
    pub fn metrics(&self) -> MetricsSnapshot {
        let cache = self
            .calendars
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut total = MetricsSnapshot::default();
        for client in cache.values() {
            let m = client.metrics();
            total.requests += m.requests;
            total.retries += m.retries;
            total.throttled_waits += m.throttled_waits;
            total.unauthorized_refreshes += m.unauthorized_refreshes;
            for (reason, n) in m.errors {
                *total.errors.entry(reason).or_insert(0) += n;
            }
        }
        total
    }

    /// The distinct Google accounts of the client's valid credentials (lower-cased).
    async fn valid_accounts(&self, client_id: ClientId) -> Result<BTreeSet<String>> {
        let credentials = self.oauth.list_credentials(Some(client_id)).await?;
        Ok(credentials
            .iter()
            .filter(|c| c.is_valid)
            .filter_map(|c| c.account_email.as_deref())
            .map(|e| e.trim().to_lowercase())
            .collect())
    }
}

fn same_account(credential: &OAuthCredential, wanted: &str) -> bool {
    credential
        .account_email
        .as_deref()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case(wanted))
}

fn join(accounts: &BTreeSet<String>) -> String {
    accounts.iter().cloned().collect::<Vec<_>>().join(", ")
}
