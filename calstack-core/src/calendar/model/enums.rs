//! String enums of the Calendar API. Each is a real Rust enum with an `Unknown(String)`
//! fallback, so a value Google adds tomorrow still decodes and is written back unchanged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of calstack does not know; kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The API's spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(other) => other.as_str(),
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $text => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $text => $name::$variant, )+
                    _ => $name::Unknown(value),
                }
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl super::fast::Fast for $name {
            fn read(reader: &mut super::fast::Reader<'_>) -> super::fast::Read<Self> {
                reader.string().map(|text| Self::from(&*text))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Borrowed from the input when possible: a known value allocates nothing.
                let text = super::decode::Key::deserialize(deserializer)?;
                Ok(Self::from(&*text.0))
            }
        }
    };
}

string_enum! {
    /// `Event.status`.
    EventStatus {
        /// The event is confirmed (the default).
        Confirmed => "confirmed",
        /// The event is tentatively confirmed.
        Tentative => "tentative",
        /// The event is cancelled (deleted); sync returns these as tombstones.
        Cancelled => "cancelled",
    }
}

string_enum! {
    /// `Event.visibility`.
    Visibility {
        /// The calendar's default visibility.
        Default => "default",
        /// Public: details visible to all readers of the calendar.
        Public => "public",
        /// Private: only attendees see the details.
        Private => "private",
        /// Same as private (kept for compatibility).
        Confidential => "confidential",
    }
}

string_enum! {
    /// `Event.transparency`: whether the event blocks time.
    Transparency {
        /// Blocks time (busy). The default.
        Opaque => "opaque",
        /// Does not block time (free).
        Transparent => "transparent",
    }
}

string_enum! {
    /// `EventAttendee.responseStatus`.
    ResponseStatus {
        /// The attendee has not answered.
        NeedsAction => "needsAction",
        /// The attendee declined.
        Declined => "declined",
        /// The attendee tentatively accepted.
        Tentative => "tentative",
        /// The attendee accepted.
        Accepted => "accepted",
    }
}

string_enum! {
    /// `Event.eventType` (also the values of the `eventTypes` list filter).
    EventType {
        /// A regular event.
        Default => "default",
        /// A birthday from Google Contacts.
        Birthday => "birthday",
        /// A focus-time block.
        FocusTime => "focusTime",
        /// An event created from Gmail.
        FromGmail => "fromGmail",
        /// An out-of-office block.
        OutOfOffice => "outOfOffice",
        /// A working-location event.
        WorkingLocation => "workingLocation",
    }
}

string_enum! {
    /// A user's access to a calendar (`accessRole`, and the `minAccessRole` list filter).
    AccessRole {
        /// No access.
        None => "none",
        /// May see free/busy only.
        FreeBusyReader => "freeBusyReader",
        /// May read events (private ones hidden).
        Reader => "reader",
        /// May read and write events.
        Writer => "writer",
        /// Owner: may also manage sharing.
        Owner => "owner",
    }
}

string_enum! {
    /// `AclRule.role`: what an access-control rule grants its scope.
    AclRole {
        /// No access (also how a deleted rule comes back from sync).
        None => "none",
        /// May see free/busy only.
        FreeBusyReader => "freeBusyReader",
        /// May read events; private events show without details.
        Reader => "reader",
        /// May read and change events, private details included.
        Writer => "writer",
        /// Writer who may also see and change the sharing rules.
        Owner => "owner",
    }
}

string_enum! {
    /// `AclRule.scope.type`: who an access-control rule applies to.
    AclScopeType {
        /// Everyone, signed in or not (the public scope); takes no value.
        Default => "default",
        /// One user, by email address.
        User => "user",
        /// A group, by email address.
        Group => "group",
        /// Everyone in a domain, by domain name.
        Domain => "domain",
    }
}

string_enum! {
    /// The `sendUpdates` query parameter: who receives notifications about a change.
    SendUpdates {
        /// Notify all guests.
        All => "all",
        /// Notify only guests not using Google Calendar.
        ExternalOnly => "externalOnly",
        /// Notify nobody.
        None => "none",
    }
}

string_enum! {
    /// The `orderBy` query parameter of events.list.
    OrderBy {
        /// By start time, ascending. Only valid with `singleEvents=true`.
        StartTime => "startTime",
        /// By last modification time, ascending.
        Updated => "updated",
    }
}

string_enum! {
    /// `EventReminder.method`.
    ReminderMethod {
        /// An email reminder.
        Email => "email",
        /// A popup in the UI.
        Popup => "popup",
    }
}

string_enum! {
    /// `CalendarNotification.type`.
    NotificationType {
        /// An event was put on the calendar.
        EventCreation => "eventCreation",
        /// An event was changed.
        EventChange => "eventChange",
        /// An event was cancelled.
        EventCancellation => "eventCancellation",
        /// An attendee answered.
        EventResponse => "eventResponse",
        /// The daily agenda.
        Agenda => "agenda",
    }
}

string_enum! {
    /// `CalendarNotification.method`.
    NotificationMethod {
        /// By email.
        Email => "email",
    }
}

string_enum! {
    /// `EntryPoint.entryPointType` of a conference.
    EntryPointType {
        /// A video link.
        Video => "video",
        /// A dial-in number.
        Phone => "phone",
        /// A SIP address.
        Sip => "sip",
        /// More ways to join (a link to a page).
        More => "more",
    }
}

string_enum! {
    /// `ConferenceSolutionKey.type`.
    ConferenceSolutionType {
        /// Google Meet.
        HangoutsMeet => "hangoutsMeet",
        /// A third-party add-on conference.
        AddOn => "addOn",
        /// Classic Hangouts (consumer).
        EventHangout => "eventHangout",
        /// Classic Hangouts (Workspace).
        EventNamedHangout => "eventNamedHangout",
    }
}

string_enum! {
    /// `ConferenceRequestStatus.statusCode`.
    ConferenceStatusCode {
        /// The conference is being created.
        Pending => "pending",
        /// The conference was created.
        Success => "success",
        /// Creating the conference failed.
        Failure => "failure",
    }
}

impl SendUpdates {
    /// A value a caller typed: exactly `all`, `externalOnly` or `none`, else
    /// [`crate::Error::Validation`] on `send_updates` (an unknown value would be sent to Google
    /// as is and refused there).
    pub fn checked(value: &str) -> crate::Result<Self> {
        match Self::from(value) {
            Self::Unknown(other) => Err(crate::Error::validation(
                "send_updates",
                format!("must be 'all', 'externalOnly' or 'none', not {other:?}"),
            )),
            known => Ok(known),
        }
    }
}

impl OrderBy {
    /// A value a caller typed: exactly `startTime` or `updated`, else
    /// [`crate::Error::Validation`] on `order_by`.
    pub fn checked(value: &str) -> crate::Result<Self> {
        match Self::from(value) {
            Self::Unknown(other) => Err(crate::Error::validation(
                "order_by",
                format!("must be 'startTime' or 'updated', not {other:?}"),
            )),
            known => Ok(known),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_request_options_are_checked_naming_the_field() {
        assert_eq!(
            SendUpdates::checked("externalOnly").ok(),
            Some(SendUpdates::ExternalOnly)
        );
        assert!(
            matches!(SendUpdates::checked("everyone"), Err(crate::Error::Validation { ref field, .. }) if field == "send_updates")
        );
        assert_eq!(OrderBy::checked("updated").ok(), Some(OrderBy::Updated));
        assert!(
            matches!(OrderBy::checked("size"), Err(crate::Error::Validation { ref field, .. }) if field == "order_by")
        );
    }

    #[test]
    fn unknown_enum_value_is_kept_and_written_back() {
        let v: EventType = serde_json::from_str("\"someNewType\"").expect("any string decodes");
        assert_eq!(v, EventType::Unknown("someNewType".into()));
        assert_eq!(
            serde_json::to_string(&v).expect("serializes"),
            "\"someNewType\""
        );
        let known: ResponseStatus = serde_json::from_str("\"needsAction\"").expect("decodes");
        assert_eq!(known, ResponseStatus::NeedsAction);
        assert_eq!(known.to_string(), "needsAction");
    }
}
