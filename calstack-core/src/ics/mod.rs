//! iCalendar (RFC 5545) files in and out of Google calendars, for every front (Rust, Python,
//! the CLI, the Flask jobs).
//!
//! - [`parse`]: a file → [`ParsedIcs`] (events, exceptions of series, refused events, notes).
//!   Liberal about what real calendars contain (byte-order marks, any line ends, several
//!   VCALENDARs, Outlook / Lightning / Evolution zone names resolved through their VTIMEZONE,
//!   missing UIDs and DTENDs, PERIOD RDATEs, alarms, attendees...), strict about what would be
//!   unsafe to guess: every refusal is an [`IcsError`] with line, component, property and
//!   what was expected. Never panics.
//! - [`import`] / [`import_parsed`]: idempotent import (matched by UID: importing the same file
//!   twice changes nothing), in batch requests, with a progress callback; all-or-nothing
//!   unless [`ImportOptions::skip_invalid`].
//! - [`write()`] / [`export`]: a VCALENDAR strict readers accept (a VTIMEZONE per zone used, from
//!   the IANA data), which [`parse`] reads back as the same events.
//!
//! ```
//! use calstack_core::ics::{parse, write, ParseOptions};
//!
//! let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a@example.com\r\nDTSTART;TZID=Europe/Berlin:20260302T090000\r\nDURATION:PT30M\r\nSUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
//! let parsed = parse(text, &ParseOptions::default())?;
//! assert_eq!(parsed.events[0].summary.as_deref(), Some("Standup"));
//! let again = parse(&write(&parsed.events, "Work", chrono::Utc::now()), &ParseOptions::default())?;
//! assert_eq!(again.events[0].start, parsed.events[0].start);
//! # Ok::<(), calstack_core::ics::IcsError>(())
//! ```

mod compare;
mod error;
mod export;
mod extras;
mod facade;
mod import;
mod lexer;
mod parse;
mod recurrence;
mod report;
mod times;
mod tzdef;
pub(crate) mod values;
mod vevent;
mod vtimezone;
mod windows;
mod write;
mod zones;

pub use compare::same_content;
pub use error::IcsError;
pub use export::export;
pub use extras::CATEGORIES_KEY;
pub use import::{calendar_zone, import, import_parsed};
pub use parse::{ParseOptions, ParsedIcs, Refused, instance_id, parse};
pub use report::{ImportOptions, ImportReport, Progress};
pub use write::write;
