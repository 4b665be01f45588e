//! The Calendar v3 model types the CLI works with, re-exported from calstack-core.

pub use calstack_core::calendar::{
    CalendarListEntry, Event, EventAttendee, EventDateTime, EventStatus, ResponseStatus,
    Transparency, When,
};
