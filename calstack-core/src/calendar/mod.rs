//! Google Calendar v3: typed models for every resource and [`CalendarClient`] with one
//! `#[must_use]` request builder per API method.
//!
//! ```no_run
//! # async fn demo() -> calstack_core::Result<()> {
//! use std::sync::Arc;
//! use calstack_core::{CalendarClient, StaticToken};
//! use futures::TryStreamExt;
//!
//! let client = CalendarClient::builder(Arc::new(StaticToken::new("ya29.token"))).build()?;
//! let mut events = std::pin::pin!(client.events().list("primary").single_events(true).stream());
//! while let Some(event) = events.try_next().await? {
//!     println!("{:?}", event.summary);
//! }
//! # Ok(()) }
//! ```

pub mod api;
mod client;
pub mod model;
mod observer;

pub use api::IfNoneMatch;
pub use api::{Batch, BatchCall, BatchReply};
pub use client::{CalendarClient, CalendarClientBuilder};
pub use model::*;
pub use observer::EventWriteObserver;

/// The user guide `docs/calendar.md`, compiled here so its snippets are checked as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/calendar.md")]
pub struct CalendarGuide;
