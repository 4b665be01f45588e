//! Hand-written decoding for the models listed in bulk (`Event` and its parts), keeping
//! unknown fields without `serde(flatten)`.
//!
//! A derived `Deserialize` with a flattened `extra` map cannot decode field by field: serde
//! buffers the unknown entries as generic `Content` and replays them, and routes the whole
//! object through its slower map path. Listing thousands of events pays for that on every
//! one. [`decode_keeping_extra!`] generates the visitor by hand instead: each known key is
//! decoded straight into its field (keys borrowed from the input, no allocation), each unknown
//! key straight into `extra` as a JSON value. The wire shape, `null` handling and round-trip
//! are the derived ones; serialization stays derived.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use serde::de::{Deserializer, Visitor};
use serde_json::{Map, Value};

use super::fast::{self, Fast, Reader, Refused};

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// `created` / `updated`: an RFC 3339 timestamp decoded as [`super::serde_util::utc_millis`]
/// does.
pub(crate) struct UtcMillis(pub(crate) Option<chrono::DateTime<chrono::Utc>>);

impl<'de> Deserialize<'de> for UtcMillis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::serde_util::utc_millis::deserialize(deserializer).map(UtcMillis)
    }
}

impl Fast for UtcMillis {
    fn read(reader: &mut Reader<'_>) -> fast::Read<Self> {
        if reader.null()? {
            return Ok(UtcMillis(None));
        }
        let text = reader.string()?;
        super::serde_util::utc_millis::parse(&text)
            .map(|at| UtcMillis(Some(at)))
            .map_err(|_| Refused)
    }
}

/// Implements `Deserialize` for a model with an `extra` map: `"wireName" => field` per known
/// field (`"wireName" => field as Wrapper` decodes through a newtype whose `.0` is the
/// field). Unknown keys land in `extra`; missing keys keep the `Default`. `then f` runs `f`
/// on the decoded value (e.g. to drop the spare capacity of its lists).
macro_rules! decode_keeping_extra {
    ($model:ident, $expecting:literal { $( $wire:literal => $field:ident $(as $wrapper:ty)? ),* $(,)? } $(then $finish:path)?) => {
        impl<'de> serde::Deserialize<'de> for $model {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ModelVisitor;
                impl<'de> serde::de::Visitor<'de> for ModelVisitor {
                    type Value = $model;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$model, A::Error> {
                        let mut out = $model::default();
                        while let Some(key) = map.next_key::<$crate::calendar::model::decode::Key<'de>>()? {
                            match &*key.0 {
                                $( $wire => {
                                    $crate::calendar::model::decode::decode_keeping_extra!(@value map, out.$field $(, $wrapper)?);
                                } )*
                                _ => {
                                    let value = map.next_value::<serde_json::Value>()?;
                                    out.extra.insert(key.0.into_owned(), value);
                                }
                            }
                        }
                        $( $finish(&mut out); )?
                        Ok(out)
                    }
                }
                deserializer.deserialize_map(ModelVisitor)
            }
        }

        impl $crate::calendar::model::fast::Fast for $model {
            fn read(
                reader: &mut $crate::calendar::model::fast::Reader<'_>,
            ) -> $crate::calendar::model::fast::Read<Self> {
                let mut out = $model::default();
                reader.object(|reader, key| {
                    match &*key {
                        $( $wire => {
                            $crate::calendar::model::decode::decode_keeping_extra!(@fast reader, out.$field $(, $wrapper)?);
                        } )*
                        _ => {
                            let value = reader.value::<serde_json::Value>()?;
                            out.extra.insert(key.into_owned(), value);
                        }
                    }
                    Ok(())
                })?;
                $( $finish(&mut out); )?
                Ok(out)
            }
        }
    };
    (@fast $reader:ident, $target:expr) => {
        $target = $crate::calendar::model::fast::Fast::read($reader)?
    };
    (@fast $reader:ident, $target:expr, $wrapper:ty) => {
        $target = <$wrapper as $crate::calendar::model::fast::Fast>::read($reader)?.0
    };
    (@value $map:ident, $target:expr) => {
        $target = $map.next_value()?
    };
    (@value $map:ident, $target:expr, $wrapper:ty) => {
        $target = $map.next_value::<$wrapper>()?.0
    };
}
pub(crate) use decode_keeping_extra;

use super::conference::{
    ConferenceData, ConferenceParameters, ConferenceParametersAddOnParameters,
    ConferenceRequestStatus, ConferenceSolution, ConferenceSolutionKey, CreateConferenceRequest,
    EntryPoint,
};
use super::event::{
    Event, EventAttachment, EventAttendee, EventDateTime, EventGadget, EventPerson, EventReminder,
    EventSource, ExtendedProperties, Reminders,
};

decode_keeping_extra!(Event, "a calendar#event object" {
    "kind" => kind,
    "etag" => etag,
    "id" => id,
    "status" => status,
    "htmlLink" => html_link,
    "created" => created as UtcMillis,
    "updated" => updated as UtcMillis,
    "summary" => summary,
    "description" => description,
    "location" => location,
    "colorId" => color_id,
    "creator" => creator,
    "organizer" => organizer,
    "start" => start,
    "end" => end,
    "endTimeUnspecified" => end_time_unspecified,
    "recurrence" => recurrence,
    "recurringEventId" => recurring_event_id,
    "originalStartTime" => original_start_time,
    "transparency" => transparency,
    "visibility" => visibility,
    "iCalUID" => ical_uid,
    "sequence" => sequence,
    "attendees" => attendees,
    "attendeesOmitted" => attendees_omitted,
    "extendedProperties" => extended_properties,
    "hangoutLink" => hangout_link,
    "conferenceData" => conference_data,
    "gadget" => gadget,
    "anyoneCanAddSelf" => anyone_can_add_self,
    "guestsCanInviteOthers" => guests_can_invite_others,
    "guestsCanModify" => guests_can_modify,
    "guestsCanSeeOtherGuests" => guests_can_see_other_guests,
    "privateCopy" => private_copy,
    "locked" => locked,
    "reminders" => reminders,
    "source" => source,
    "attachments" => attachments,
    "eventType" => event_type,
} then compact_lists);

decode_keeping_extra!(EventPerson, "an event creator or organizer object" {
    "id" => id,
    "email" => email,
    "displayName" => display_name,
    "self" => is_self,
});

decode_keeping_extra!(EventAttendee, "an event attendee object" {
    "id" => id,
    "email" => email,
    "displayName" => display_name,
    "organizer" => organizer,
    "self" => is_self,
    "resource" => resource,
    "optional" => optional,
    "responseStatus" => response_status,
    "comment" => comment,
    "additionalGuests" => additional_guests,
});

decode_keeping_extra!(Reminders, "an event reminders object" {
    "useDefault" => use_default,
    "overrides" => overrides,
});

decode_keeping_extra!(EventReminder, "an event reminder object" {
    "method" => method,
    "minutes" => minutes,
});

decode_keeping_extra!(ExtendedProperties, "an extended properties object" {
    "private" => private,
    "shared" => shared,
});

decode_keeping_extra!(EventSource, "an event source object" {
    "title" => title,
    "url" => url,
});

decode_keeping_extra!(EventAttachment, "an event attachment object" {
    "fileId" => file_id,
    "fileUrl" => file_url,
    "iconLink" => icon_link,
    "mimeType" => mime_type,
    "title" => title,
});

decode_keeping_extra!(EventGadget, "an event gadget object" {
    "display" => display,
    "height" => height,
    "iconLink" => icon_link,
    "link" => link,
    "preferences" => preferences,
    "title" => title,
    "type" => kind,
    "width" => width,
});

decode_keeping_extra!(ConferenceData, "a conference data object" {
    "conferenceId" => conference_id,
    "conferenceSolution" => conference_solution,
    "createRequest" => create_request,
    "entryPoints" => entry_points,
    "notes" => notes,
    "parameters" => parameters,
    "signature" => signature,
});

decode_keeping_extra!(ConferenceParameters, "a conference parameters object" {
    "addOnParameters" => add_on_parameters,
});

decode_keeping_extra!(ConferenceParametersAddOnParameters, "a conference add-on parameters object" {
    "parameters" => parameters,
});

decode_keeping_extra!(ConferenceSolution, "a conference solution object" {
    "iconUri" => icon_uri,
    "key" => key,
    "name" => name,
});

decode_keeping_extra!(ConferenceSolutionKey, "a conference solution key object" {
    "type" => kind,
});

decode_keeping_extra!(CreateConferenceRequest, "a conference create request object" {
    "conferenceSolutionKey" => conference_solution_key,
    "requestId" => request_id,
    "status" => status,
});

decode_keeping_extra!(ConferenceRequestStatus, "a conference request status object" {
    "statusCode" => status_code,
});

decode_keeping_extra!(EntryPoint, "a conference entry point object" {
    "accessCode" => access_code,
    "entryPointFeatures" => entry_point_features,
    "entryPointType" => entry_point_type,
    "label" => label,
    "meetingCode" => meeting_code,
    "passcode" => passcode,
    "password" => password,
    "pin" => pin,
    "regionCode" => region_code,
    "uri" => uri,
});

/// Drops the spare capacity decoding leaves in the event's lists (a JSON array grows its
/// vector by doubling): a listing holds thousands of events, each with a few lists.
fn compact_lists(event: &mut Event) {
    fn fit<T>(list: &mut Option<Vec<T>>) {
        if let Some(list) = list {
            list.shrink_to_fit();
        }
    }
    fit(&mut event.recurrence);
    fit(&mut event.attendees);
    fit(&mut event.attachments);
    if let Some(reminders) = &mut event.reminders {
        fit(&mut reminders.overrides);
    }
    if let Some(conference) = &mut event.conference_data {
        fit(&mut conference.entry_points);
    }
}

/// Wire form of [`EventDateTime`], before a local `dateTime` is resolved in its zone.
#[derive(Default)]
struct RawEventDateTime {
    date: Option<NaiveDate>,
    date_time: Option<WireDateTime>,
    time_zone: Option<String>,
    extra: Map<String, Value>,
}

decode_keeping_extra!(RawEventDateTime, "an event date-time object" {
    "date" => date,
    "dateTime" => date_time,
    "timeZone" => time_zone,
});

/// A `dateTime` string: RFC 3339 with offset, or a local time to resolve in `timeZone`.
enum WireDateTime {
    Offset(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

impl WireDateTime {
    fn parse(text: &str) -> Result<Self, String> {
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(WireDateTime::Offset(at));
        }
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .map(WireDateTime::Local)
            .map_err(|_| {
                format!(
                    "invalid RFC 3339 date-time {text:?} (expected e.g. 2024-03-12T10:00:00+01:00)"
                )
            })
    }
}

impl<'de> Deserialize<'de> for WireDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = Key::deserialize(deserializer)?.0;
        WireDateTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Fast for WireDateTime {
    fn read(reader: &mut Reader<'_>) -> fast::Read<Self> {
        WireDateTime::parse(&reader.string()?).map_err(|_| Refused)
    }
}

impl RawEventDateTime {
    /// The event date-time this wire form stands for: a local `dateTime` resolved in its
    /// `timeZone`.
    fn resolve(self) -> Result<EventDateTime, String> {
        let date_time = match self.date_time {
            None => None,
            Some(WireDateTime::Offset(at)) => Some(at),
            Some(WireDateTime::Local(local)) => {
                let zone_name = self.time_zone.as_deref().ok_or_else(|| {
                    "dateTime has no UTC offset and no timeZone is given to resolve it".to_owned()
                })?;
                let zone: Tz = zone_name
                    .parse()
                    .map_err(|_| format!("timeZone {zone_name:?} is not an IANA time zone name"))?;
                let at = zone.from_local_datetime(&local).earliest().ok_or_else(|| {
                    format!("dateTime {local} does not exist in {zone_name} (daylight-saving gap)")
                })?;
                Some(at.fixed_offset())
            }
        };
        Ok(EventDateTime {
            date: self.date,
            date_time,
            time_zone: self.time_zone,
            extra: self.extra,
        })
    }
}

impl<'de> Deserialize<'de> for EventDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        RawEventDateTime::deserialize(deserializer)?
            .resolve()
            .map_err(serde::de::Error::custom)
    }
}

impl Fast for EventDateTime {
    fn read(reader: &mut Reader<'_>) -> fast::Read<Self> {
        RawEventDateTime::read(reader)?
            .resolve()
            .map_err(|_| Refused)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::calendar::model::{Event, Events};

    #[test]
    fn known_fields_are_typed_and_unknown_ones_kept() {
        let input = json!({
            "summary": "Standup", "zNew": {"a": 1}, "aNew": [1, 2], "description": null,
            "creator": {"email": "a@x.test", "self": true, "photo": "p.png"},
            "attendees": [{"email": "b@x.test", "responseStatus": "accepted", "rank": 1}],
            "start": {"dateTime": "2026-03-02T09:00:00+01:00", "timeZone": "Europe/Paris", "hint": 1},
            "created": "2026-01-01T00:00:00.000Z"
        });
        let event: Event = serde_json::from_value(input.clone()).expect("decodes");
        assert_eq!(event.summary.as_deref(), Some("Standup"));
        assert_eq!(event.description, None);
        assert_eq!(event.extra.len(), 2);
        assert_eq!(event.creator.as_ref().and_then(|c| c.is_self), Some(true));
        assert_eq!(event.creator.as_ref().map(|c| c.extra.len()), Some(1));
        let attendees = event.attendees.as_deref().unwrap_or_default();
        assert_eq!(attendees[0].extra.get("rank"), Some(&json!(1)));
        assert_eq!(event.start.as_ref().map(|s| s.extra.len()), Some(1));
        let mut expected = input;
        expected.as_object_mut().map(|o| o.remove("description"));
        assert_eq!(serde_json::to_value(&event).expect("encodes"), expected);
    }

    #[test]
    fn a_bad_field_is_reported_with_its_path() {
        let page = json!({"items": [
            {"summary": "ok"},
            {"summary": "bad", "start": {"dateTime": "tomorrow"}}
        ]})
        .to_string();
        let mut de = serde_json::Deserializer::from_str(&page);
        let err = serde_path_to_error::deserialize::<_, Events>(&mut de).expect_err("bad dateTime");
        assert_eq!(err.path().to_string(), "items[1].start.dateTime");
    }

    #[test]
    fn lists_hold_exactly_their_items_and_null_is_absent() {
        let guests: Vec<_> = (0..6)
            .map(|i| json!({"email": format!("g{i}@x.test")}))
            .collect();
        let text = json!({
            "recurrence": ["RRULE:FREQ=DAILY"], "attendees": guests, "attachments": [],
            "reminders": {"useDefault": false, "overrides": null},
            "conferenceData": {"entryPoints": [{"uri": "https://meet.test/a", "x": 1}]}
        })
        .to_string();
        // Through serde and through the direct reader (which grows lists differently).
        let direct = super::fast::decode::<Event>(&text).expect("read directly");
        let event: Event = serde_json::from_str(&text).expect("decodes");
        assert_eq!(direct, event);
        for event in [&direct, &event] {
            let lists = (event.recurrence.as_ref(), event.attendees.as_ref());
            let (Some(recurrence), Some(attendees)) = lists else {
                panic!("both lists decoded");
            };
            assert_eq!((recurrence.len(), recurrence.capacity()), (1, 1));
            assert_eq!((attendees.len(), attendees.capacity()), (6, 6));
            assert_eq!(attendees[5].email.as_deref(), Some("g5@x.test"));
        }
        assert_eq!(event.attachments.as_ref().map(Vec::len), Some(0));
        assert_eq!(
            event.reminders.as_ref().map(|r| r.overrides.is_none()),
            Some(true)
        );
        let entry = &event
            .conference_data
            .as_ref()
            .and_then(|c| c.entry_points.clone())
            .unwrap_or_default()[0];
        assert_eq!(
            (entry.uri.as_deref(), entry.extra.get("x")),
            (Some("https://meet.test/a"), Some(&json!(1)))
        );
        assert!(serde_json::from_value::<Event>(json!({"attendees": {"a": 1}})).is_err());
    }

    #[test]
    fn escaped_keys_and_non_objects() {
        let event: Event =
            serde_json::from_str(r#"{"summ\u0061ry": "escaped key", "x\"y": 1}"#).expect("decodes");
        assert_eq!(event.summary.as_deref(), Some("escaped key"));
        assert_eq!(event.extra.get("x\"y"), Some(&json!(1)));
        assert!(serde_json::from_str::<Event>("[1]").is_err());
        assert!(serde_json::from_str::<Event>(r#"{"summary": 3}"#).is_err());
    }
}
