//! End-to-end tests of the `calstack` binary against the emulator (started in-process on
//! loopback) and a temporary SQLite store. Each test gets its own store, key and emulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli/agenda.rs"]
mod agenda;
#[path = "cli/clients.rs"]
mod clients;
#[path = "cli/commands.rs"]
mod commands;
#[path = "cli/events.rs"]
mod events;
#[path = "cli/ics.rs"]
mod ics;
#[path = "cli/oauth.rs"]
mod oauth;
#[path = "cli/setup.rs"]
mod setup;
#[path = "cli/stack_views.rs"]
mod stack_views;
#[path = "cli/support.rs"]
mod support;
#[path = "cli/sync.rs"]
mod sync;
#[path = "cli/sync_watch.rs"]
mod sync_watch;
