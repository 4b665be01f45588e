//! Integration tests: the emulator driven over HTTP the way real clients drive Google.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod acl;
mod admin;
mod calendars;
mod common;
mod events;
mod faults;
mod freebusy;
mod oauth;
mod recurrence;
mod settings;
mod sync;
