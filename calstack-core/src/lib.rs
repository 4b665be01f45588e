//! # calstack-core
//!
//! The engine of calstack: typed Google Calendar v3 models and client, the multi-client
//! OAuth credential manager, encryption of secrets at rest, and the storage traits that
//! `calstack-store` implements for SQLite, PostgreSQL and MariaDB.
//!
//! Module map:
//! - [`calendar`]: Calendar v3 models and [`CalendarClient`] with its request builders.
//! - [`transport`]: the one place HTTP happens: retries, throttling, counters, tracing.
//! - [`auth`]: the [`TokenSource`] trait the transport asks for bearer tokens.
//! - [`oauth`]: the OAuth manager (consent URL, code exchange, single-flight refresh, revoke).
//! - [`ics`]: iCalendar parse, import (batched, idempotent) and export.
//! - [`tokens`]: the one token pipeline (in-memory cache, single-flight refresh, store lease).
//! - [`metrics`]: metrics through the `metrics` facade, and the Prometheus exporter.
//! - [`facade`]: [`Calstack`], the one handle on store, clients service and OAuth manager.
//! - [`crypto`]: AES-256-GCM sealing of secrets with a rotating keyring.
//! - [`store`]: domain records, storage traits, the in-memory store and the conformance suite.
//! - [`validate`]: input validation whose errors name the field.
//! - [`secret`]: newtypes for secrets whose `Debug` never shows them.
//! - [`clock`]: injected time, so expiry and backoff are tested without sleeping.
//! - [`mirror`]: the local mirror of every client's calendars (read side) and write-through.
//! - [`sync`]: the sync engine, [`sync::Syncer`] workers with leases, push notifications.
//! - [`stack`]: stacked views across clients: agenda, conflicts, free/busy, free slots.

pub mod auth;
pub mod calendar;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod facade;
pub mod ics;
pub mod metrics;
pub mod mirror;
pub mod oauth;
pub mod secret;
pub mod stack;
pub mod store;
pub mod sync;
pub mod tokens;
pub mod transport;
pub mod validate;

pub use auth::{StaticToken, TokenSource};
pub use calendar::{
    Calendar, CalendarClient, CalendarClientBuilder, CalendarListEntry, Event, EventDateTime,
    LazyEvent, When,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, Error, Result};
pub use facade::{Calstack, Clients};
pub use secret::{AccessToken, ClientSecret, RefreshToken};
pub use store::{
    Client, ClientId, CredentialId, OAuthCredential, PendingAuthorization, Sealed, Store,
    StoreError,
};
pub use transport::{MetricsSnapshot, RetryBudget, RetryPolicy};
