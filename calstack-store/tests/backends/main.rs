//! Every backend against the conformance suite and its own checks: SQLite (file and memory),
//! PostgreSQL and MariaDB/MySQL (real servers; see `support` for how tests find and isolate
//! them).
#![allow(clippy::unwrap_used)]

mod mysql;
mod postgres;
mod sqlite;
mod support;
