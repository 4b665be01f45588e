//! Google OAuth 2.0 as the emulator plays it: client registration (bind-on-first-use or
//! strict), authorization codes with PKCE (`authorize`), grants holding refresh tokens and
//! short-lived access tokens (`token`), revocation, expiry and bearer checks (`grants`). Error
//! shapes follow Google's token endpoint (`{"error", "error_description"}`).

pub(crate) mod authorize;
pub(crate) mod error;
pub(crate) mod forms;
pub(crate) mod grants;
pub(crate) mod token;
pub(crate) mod values;
