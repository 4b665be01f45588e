//! The stacked views (`calstack_core::stack`) against the emulator: local recurrence expansion
//! equals Google's `singleEvents=true`, free/busy equals `freebusy.query`, slots equal a
//! brute-force search over `freebusy.query`, and bad input is refused naming the field.

mod expand;
mod queries;
mod scenario;
mod slots;
