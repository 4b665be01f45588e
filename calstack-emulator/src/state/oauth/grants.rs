//! What happens to grants and access tokens after they are issued: revocation (by the client
//! or the admin API), forced expiry, admin-minted tokens, and the bearer check every Calendar
//! API request starts with.

use chrono::TimeDelta;

use crate::api_error::ApiError;
use crate::state::oauth::error::OAuthError;
use crate::state::oauth::values::full_scope;
use crate::state::world::State;

impl State {
    /// Handles `POST /revoke`: either token kills the whole grant.
    pub(crate) fn revoke(&mut self, token: &str) -> Result<(), OAuthError> {
        let grant = if let Some(id) = self.oauth.by_refresh.get(token) {
            Some(*id)
        } else if let Some(record) = self.oauth.access.get(token) {
            record.grant
        } else {
            return Err(OAuthError::new(
                400,
                "invalid_token",
                "Token expired or revoked",
            ));
        };
        match grant {
            Some(id) => self.revoke_grant_id(id),
            None => {
                self.oauth.access.remove(token);
            }
        }
        Ok(())
    }

    fn revoke_grant_id(&mut self, id: u64) {
        if let Some(grant) = self.oauth.grants.get_mut(&id) {
            grant.revoked = true;
        }
        self.oauth
            .access
            .retain(|_, record| record.grant != Some(id));
    }

    fn grant_id_for(&self, refresh_token: &str) -> Option<u64> {
        self.oauth.by_refresh.get(refresh_token).copied()
    }

    /// Admin: revokes the grant behind a refresh token.
    pub(crate) fn admin_revoke_grant(&mut self, refresh_token: &str) -> bool {
        match self.grant_id_for(refresh_token) {
            Some(id) => {
                self.revoke_grant_id(id);
                true
            }
            None => false,
        }
    }

    /// Admin: revokes every grant an account gave (optionally only to one client).
    pub(crate) fn admin_revoke_account(&mut self, account: &str, client_id: Option<&str>) -> usize {
        let ids: Vec<u64> = self
            .oauth
            .grants
            .iter()
            .filter(|(_, g)| {
                g.account == account && client_id.is_none_or(|c| g.client_id == c) && !g.revoked
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            self.revoke_grant_id(*id);
        }
        ids.len()
    }

    /// Admin: makes a refresh token expire now (Google's 7-day testing-mode expiry); access
    /// tokens already issued stay valid until their own expiry, as with Google.
    pub(crate) fn admin_expire_refresh_token(&mut self, refresh_token: &str) -> bool {
        let now = self.now();
        match self
            .grant_id_for(refresh_token)
            .and_then(|id| self.oauth.grants.get_mut(&id))
        {
            Some(grant) => {
                grant.expires_at = Some(now);
                true
            }
            None => false,
        }
    }

    /// Admin: makes every issued access token expire now.
    pub(crate) fn admin_expire_access_tokens(&mut self) {
        let now = self.now();
        for record in self.oauth.access.values_mut() {
            record.expires_at = now;
        }
    }

    /// Admin: mints an access token for an account without the OAuth dance.
    pub(crate) fn mint_access_token(
        &mut self,
        account: &str,
        scopes: &[String],
        lifetime: Option<TimeDelta>,
    ) -> (String, TimeDelta) {
        self.ensure_account(account);
        let lifetime = lifetime.map_or_else(|| self.token_lifetime(), crate::time::clamp_delta);
        let scopes: Vec<String> = scopes.iter().map(|s| full_scope(s)).collect();
        (
            self.issue_access_token(account, &scopes, None, lifetime),
            lifetime,
        )
    }

    /// Resolves a bearer token to its account and scopes.
    pub(crate) fn check_bearer(&self, token: &str) -> Result<(String, Vec<String>), ApiError> {
        let record = self
            .oauth
            .access
            .get(token)
            .ok_or_else(ApiError::invalid_credentials)?;
        let now = self.now();
        if now >= record.expires_at {
            return Err(ApiError::invalid_credentials());
        }
        if let Some(grant) = record.grant.and_then(|id| self.oauth.grants.get(&id))
            && grant.revoked
        {
            return Err(ApiError::invalid_credentials());
        }
        Ok((record.account.clone(), record.scopes.clone()))
    }
}

#[cfg(test)]
mod tests {
    use crate::state::world::{Config, State};

    #[test]
    fn state_debug_hides_secrets_and_tokens() {
        let mut state = State::new(Config::default());
        state.register_client("cid", Some("hunter2".into()), Vec::new());
        let (token, _) = state.mint_access_token("a@example.com", &["x".into()], None);
        let shown = format!("{state:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains(&token));
    }
}
