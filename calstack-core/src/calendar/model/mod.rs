//! Typed models of the Calendar v3 resources, named as the API names them.
//!
//! Every struct keeps fields it does not know in `extra`, so data round-trips unchanged.

mod acl;
mod calendars;
mod conference;
pub(crate) mod decode;
mod enums;
mod event;
pub(crate) mod fast;
pub(crate) mod head;
mod lazy;
mod misc;
mod page;
pub(crate) mod serde_util;

pub use acl::{Acl, AclRule, AclScope, Setting, Settings};
pub use calendars::{Calendar, CalendarListEntry, CalendarNotification, NotificationSettings};
pub use conference::{
    ConferenceData, ConferenceParameters, ConferenceParametersAddOnParameters,
    ConferenceProperties, ConferenceRequestStatus, ConferenceSolution, ConferenceSolutionKey,
    CreateConferenceRequest, EntryPoint,
};
pub use enums::{
    AccessRole, AclRole, AclScopeType, ConferenceSolutionType, ConferenceStatusCode,
    EntryPointType, EventStatus, EventType, NotificationMethod, NotificationType, OrderBy,
    ReminderMethod, ResponseStatus, SendUpdates, Transparency, Visibility,
};
pub use event::{
    Event, EventAttachment, EventAttendee, EventDateTime, EventGadget, EventPerson, EventReminder,
    EventSource, ExtendedProperties, Reminders, When,
};
pub use lazy::LazyEvent;
pub use misc::{
    Channel, ColorDefinition, Colors, FreeBusyCalendar, FreeBusyError, FreeBusyGroup,
    FreeBusyRequest, FreeBusyRequestItem, FreeBusyResponse, TimePeriod,
};
pub use page::{CalendarList, Conditional, Events, Page, SyncResult};
