//! Input validation. Every error names the field at fault.

pub mod client;
pub mod event;
pub mod webhook;
pub mod working_hours;
