//! Serde adapters for the wire formats of the Calendar API: timestamps written the way Google
//! writes them, and `int64` values that travel as JSON strings.

/// `created` / `updated`-style timestamps: read any RFC 3339 value, write UTC with
/// milliseconds and a `Z` (`2024-03-01T09:12:44.000Z`), as Google does.
pub(crate) mod utc_millis {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => serializer.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<crate::calendar::model::decode::Key<'de>> =
            Option::deserialize(deserializer)?;
        text.map(|t| parse(&t.0).map_err(serde::de::Error::custom))
            .transpose()
    }

    /// Any RFC 3339 timestamp, as UTC.
    pub(crate) fn parse(text: &str) -> Result<DateTime<Utc>, String> {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| format!("invalid RFC 3339 timestamp {text:?}: {e}"))
    }
}

/// `EventDateTime.dateTime`: keeps the offset; writes fractional seconds only when present.
/// (Decoding lives on `EventDateTime`, which can resolve a local time in its `timeZone`.)
pub(crate) mod offset_auto {
    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<DateTime<FixedOffset>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => serializer.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => serializer.serialize_none(),
        }
    }
}

/// Discovery `int64` fields: JSON strings on the wire, `i64` in Rust. Accepts a number too.
pub(crate) mod int64_string {
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Text(String),
        Number(i64),
    }

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<i64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(n) => serializer.serialize_str(&n.to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        match Option::<Wire>::deserialize(deserializer)? {
            None => Ok(None),
            Some(Wire::Number(n)) => Ok(Some(n)),
            Some(Wire::Text(t)) => t.parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!("expected an int64 string, got {t:?}"))
            }),
        }
    }
}
