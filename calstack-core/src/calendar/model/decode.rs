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

use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

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
    };
    (@value $map:ident, $target:expr) => {
        $target = $map.next_value()?
    };
    (@value $map:ident, $target:expr, $wrapper:ty) => {
        $target = $map.next_value::<$wrapper>()?.0
    };
}
pub(crate) use decode_keeping_extra;

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
    fn escaped_keys_and_non_objects() {
        let event: Event =
            serde_json::from_str(r#"{"summ\u0061ry": "escaped key", "x\"y": 1}"#).expect("decodes");
        assert_eq!(event.summary.as_deref(), Some("escaped key"));
        assert_eq!(event.extra.get("x\"y"), Some(&json!(1)));
        assert!(serde_json::from_str::<Event>("[1]").is_err());
        assert!(serde_json::from_str::<Event>(r#"{"summary": 3}"#).is_err());
    }
}
