//! Events: validation, writes (`insert`, `update`, `patch`, `delete`, `move`, `quickAdd`,
//! `import`), reads (`get`, `list`, `instances`) with Google's paging, sync-token, time-window
//! and recurrence semantics, `freeBusy`, and the admin's bulk seeding.
//!
//! From the ground up: `validate` checks a body and parses its timing, `query` holds a list's
//! filters, `instance` builds the instances of a series, `walk` visits a calendar's events in
//! page order, `page` assembles a list answer; the operations build on them.

pub(crate) mod delete;
pub(crate) mod freebusy;
pub(crate) mod instance;
pub(crate) mod list;
pub(crate) mod move_event;
pub(crate) mod page;
pub(crate) mod query;
pub(crate) mod read;
pub(crate) mod seed;
pub(crate) mod validate;
pub(crate) mod walk;
pub(crate) mod write;
