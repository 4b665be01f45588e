//! The records the emulated world is made of: accounts and their calendar lists, calendars,
//! events, access rules, settings, watch channels and OAuth bookkeeping, with the etag shape
//! they share. Each file knows how to render its record; the operations that change records
//! live with their API area, outside this folder.

pub(crate) mod account;
pub(crate) mod acl;
pub(crate) mod calendar;
pub(crate) mod channel;
pub(crate) mod etag;
pub(crate) mod event;
pub(crate) mod oauth;
pub(crate) mod setting;
