//! Stacked views over any set of clients: one [`Agenda`] (every client's events on one
//! timeline, recurring series expanded, conflicts flagged), the [`Conflicts`] between them,
//! each client's [`FreeBusy`], and the free slots when everyone can meet
//! ([`Calstack::find_slots`](crate::Calstack::find_slots)).
//!
//! - [`busy`]: which events block time, and where each sits on the timeline.
//! - [`conflicts`]: overlap detection between busy timed entries.
//! - [`agenda`]: agenda entries and the agenda.
//! - [`expand`]: local recurrence expansion, equal to Google's `singleEvents=true`.
//! - [`free_busy`]: busy intervals, merging, interval arithmetic.
//! - [`slots`]: free slots within working hours on a step grid.
//! - `parallel`: a large answer's CPU-bound steps split over the cores.
//! - [`params`]: the query parameters and their checks.
//! - `plain_rule`: the daily and weekly rules most series hold, walked without `rrule`.
//! - [`source`]: where events come from (Google live, later the mirror).
//! - [`stream`]: the agenda as a stream, chunk by chunk, for large ranges.
//! - `queries`: the methods on [`Calstack`](crate::Calstack).
//!
//! Docs with examples in Rust, Python and the CLI: `docs/stacking.md`.

pub mod agenda;
pub mod busy;
pub mod conflicts;
pub mod expand;
pub mod free_busy;
mod parallel;
pub mod params;
mod plain_rule;
mod queries;
pub mod slots;
pub mod source;
pub mod stream;

pub use agenda::{Agenda, AgendaEntry};
pub use busy::is_busy;
pub use conflicts::{Conflict, ConflictSide};
pub use free_busy::{ClientBusy, FreeBusy, Interval};
pub use params::{SlotQuery, StackQuery};
pub use queries::Conflicts;
pub use source::{CalendarRef, Problem, SourceChoice};
pub use stream::AgendaItem;
