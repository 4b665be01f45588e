//! `ClientSettingsStore` for every SQL backend: one `client_settings` row per client, the
//! settings as a JSON object (migration `0003_client_settings`). Only the upsert differs
//! between dialects, so each backend passes its statement to [`impl_client_settings_store!`].

/// Binds client id. Selects the settings JSON.
pub(crate) const GET_SETTINGS: &str = "SELECT settings FROM client_settings WHERE client_id = ?";
/// Upsert for SQLite and PostgreSQL. Binds client id, settings.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const PUT_SETTINGS_ON_CONFLICT: &str = "INSERT INTO client_settings (client_id, settings) \
     VALUES (?, ?) ON CONFLICT (client_id) DO UPDATE SET settings = excluded.settings";
/// Upsert for MySQL and MariaDB. Binds client id, settings.
#[cfg(feature = "mysql")]
pub(crate) const PUT_SETTINGS_ON_DUPLICATE: &str = "INSERT INTO client_settings (client_id, settings) \
     VALUES (?, ?) ON DUPLICATE KEY UPDATE settings = VALUES(settings)";

/// Implements `ClientSettingsStore` for `$store` with the [`crate::sql_store::Dialect`]
/// `$dialect` and the upsert statement `$put`.
macro_rules! impl_client_settings_store {
    ($store:ident, $dialect:ident, $put:expr) => {
        /// `ClientSettingsStore` for this backend, from [`crate::client_settings`].
        mod client_settings_impl {
            use async_trait::async_trait;
            use calstack_core::store::{ClientSettings, ClientSettingsStore};
            use calstack_core::{ClientId, StoreError};

            use super::{$dialect as D, $store as Store};
            use crate::client_settings::GET_SETTINGS;
            use crate::error::{Violation, corrupt, store_error, violation};
            use crate::sql_store::Dialect;

            #[async_trait]
            impl ClientSettingsStore for Store {
                async fn get_client_settings(
                    &self,
                    client: ClientId,
                ) -> Result<Option<ClientSettings>, StoreError> {
                    let text: Option<String> = sqlx::query_scalar(D::sql(GET_SETTINGS))
                        .bind(D::id(client.0))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(|e| store_error(e, "get client settings"))?;
                    text.map(|t| {
                        serde_json::from_str(&t)
                            .map_err(|e| corrupt("client_settings", "settings", e.to_string()))
                    })
                    .transpose()
                }

                async fn put_client_settings(
                    &self,
                    client: ClientId,
                    settings: &ClientSettings,
                ) -> Result<(), StoreError> {
                    let text = serde_json::to_string(settings)
                        .map_err(|e| corrupt("client_settings", "settings", e.to_string()))?;
                    let result = sqlx::query(D::sql($put))
                        .bind(D::id(client.0))
                        .bind(text)
                        .execute(&self.pool)
                        .await;
                    match result {
                        Ok(_) => Ok(()),
                        Err(e) if violation(&e) == Some(Violation::ForeignKey) => {
                            Err(StoreError::not_found(format!("client {client}")))
                        }
                        Err(e) => Err(store_error(e, "put client settings")),
                    }
                }
            }
        }
    };
}
pub(crate) use impl_client_settings_store;
