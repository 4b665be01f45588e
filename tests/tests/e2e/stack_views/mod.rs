//! The stacked views (`calstack_core::stack`) against the emulator: local recurrence expansion
//! equals Google's `singleEvents=true`, free/busy equals `freebusy.query`, slots equal a
//! brute-force search over `freebusy.query`, bad input is refused naming the field, and every
//! view answered from the mirror equals the same view read live.

mod cache;
mod expand;
mod mirror;
mod queries;
mod redaction;
mod scenario;
mod slots;
