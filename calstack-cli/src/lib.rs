//! # calstack-cli
//!
//! The `calstack` binary's library half: the command-line grammar ([`cli`]), configuration
//! resolution ([`config`]), and the pure pieces the commands are built from (date parsing,
//! the OAuth loopback receiver, output formatting), kept here
//! so they are unit-tested and reusable.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dates;
pub mod loopback;
pub mod model;
pub mod output;
