//! The emulator's own error type: failures to start it or to drive it through the in-process API.

use std::net::SocketAddr;

/// Everything that can go wrong when starting or driving an emulator from Rust.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("could not bind the emulator to {addr}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// Why binding failed.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error while running the server.
    #[error("emulator I/O error")]
    Io(#[from] std::io::Error),
    /// The named account does not exist.
    #[error("no emulator account named {email}")]
    UnknownAccount {
        /// The email that was looked up.
        email: String,
    },
    /// The named calendar does not exist (or is not on the account's calendar list).
    #[error("no calendar {calendar_id} for account {email}")]
    UnknownCalendar {
        /// The account that was asked.
        email: String,
        /// The calendar id that was looked up.
        calendar_id: String,
    },
    /// No grant holds the given refresh token.
    #[error("no grant holds the given refresh token")]
    UnknownGrant,
    /// An argument was invalid; `field` names it.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The argument at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
