//! Client settings on the [`Clients`] service: reading and writing a client's working hours.

use super::{Clients, client_not_found};
use crate::error::Result;
use crate::store::{ClientId, ClientSettings, StoreError, WorkingHours};

impl Clients {
    /// The client's working hours, if set. Missing client → [`crate::Error::NotFound`].
    pub async fn working_hours(&self, id: ClientId) -> Result<Option<WorkingHours>> {
        self.get(id).await?;
        Ok(self
            .store
            .get_client_settings(id)
            .await?
            .and_then(|s| s.working_hours))
    }

    /// Sets (or with `None` clears) the client's working hours, after checking them
    /// ([`crate::Error::Validation`] on `working_hours`). Missing client →
    /// [`crate::Error::NotFound`].
    pub async fn set_working_hours(&self, id: ClientId, hours: Option<WorkingHours>) -> Result<()> {
        let hours = hours
            .map(crate::validate::working_hours::normalized)
            .transpose()?;
        let mut settings = self
            .store
            .get_client_settings(id)
            .await?
            .unwrap_or_else(ClientSettings::default);
        settings.working_hours = hours;
        self.store
            .put_client_settings(id, &settings)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => client_not_found(id),
                other => other.into(),
            })
    }
}
