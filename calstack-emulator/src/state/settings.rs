//! Per-account user settings: `settings.list` / `settings.get`. Every account has Google's
//! defaults; `timezone` follows the account's primary calendar zone (the only setting that
//! changes, so the only one an incremental sync reports).

use serde_json::Value;

use crate::api_error::ApiError;
use crate::params::Params;
use crate::state::listing::{Listing, list_etag};
use crate::state::world::State;

impl State {
    /// `settings.list`.
    pub(crate) fn settings_list(&self, account: &str, params: &Params) -> Result<Value, ApiError> {
        let acct = self.accounts.get(account).ok_or_else(ApiError::not_found)?;
        let listing = Listing::parse(
            params,
            format!("settings:{account}"),
            acct.list_epoch,
            self.current_seq(),
            &[],
        )?;
        let newest = acct.settings.values().map(|s| s.seq).max().unwrap_or(0);
        Ok(listing.respond(
            "calendar#settings",
            list_etag(newest),
            acct.settings.iter().map(|(id, s)| (id.as_str(), s)),
            |setting| setting.seq,
            |_| true,
            |id, setting| setting.render(id),
        ))
    }

    /// `settings.get`; an unknown setting is `404`.
    pub(crate) fn settings_get(&self, account: &str, id: &str) -> Result<Value, ApiError> {
        self.accounts
            .get(account)
            .and_then(|a| a.settings.get(id))
            .map(|s| s.render(id))
            .ok_or_else(ApiError::not_found)
    }
}
