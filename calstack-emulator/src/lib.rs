//! A stateful local emulator of Google Calendar v3 and Google OAuth 2.0, for tests, demos,
//! benchmarks and offline development.
//!
//! It serves, on 127.0.0.1, Google's OAuth endpoints (`/o/oauth2/v2/auth`, `/token`,
//! `/revoke`), the Calendar v3 API under `/calendar/v3/` with Google's semantics (paging,
//! sync tokens, etags, recurrence, scopes, error envelope), fault injection and quotas, and an
//! admin API under `/__emulator/`. State lives in memory.
//!
//! ```no_run
//! use calstack_emulator::{Emulator, SCOPE_CALENDAR};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::builder().start().await?;
//! let token = emulator.access_token("alice@example.com", &[SCOPE_CALENDAR]);
//! let url = emulator.calendar_api_base().join("calendars/primary/events")?;
//! let client = reqwest::Client::new();
//! let events: serde_json::Value = client.get(url).bearer_auth(token).send().await?.json().await?;
//! assert_eq!(events["kind"], "calendar#events");
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod api_error;
pub mod cli;
mod consts;
mod error;
mod faults;
mod http;
mod params;
mod quickadd;
mod recurrence;
mod server;
mod state;
mod time;
mod tokens;

pub use consts::{
    DEFAULT_ACCOUNT, SCOPE_CALENDAR, SCOPE_CALENDAR_READONLY, SCOPE_EVENTS, SCOPE_EVENTS_READONLY,
};
pub use error::EmulatorError;
pub use faults::{Fault, FaultProfile, RandomFault, ScriptedFault};
pub use server::{Emulator, EmulatorBuilder, RunningEmulator, SeedOptions};
pub use state::model::oauth::Consent;
