//! Accounts, their calendar lists and calendars as the API serves them: who may do what
//! (`access`), `calendarList.*` (`calendar_list`) and `calendars.*` (`calendar`).

pub(crate) mod access;
pub(crate) mod calendar;
pub(crate) mod calendar_list;
