//! Date and time helpers: RFC 3339 parsing and printing the way Google does, and the
//! `EventDateTime` shape (`date` for all-day, `dateTime` + optional `timeZone` for timed).

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

/// The longest span any duration given to the emulator may have (about 100 years), so that
/// arithmetic on instants can never overflow.
pub(crate) const MAX_SPAN_SECS: i64 = 100 * 366 * 24 * 3600;

/// Clamps a duration to `±MAX_SPAN_SECS`.
pub(crate) fn clamp_delta(d: chrono::TimeDelta) -> chrono::TimeDelta {
    let max = chrono::TimeDelta::seconds(MAX_SPAN_SECS);
    d.clamp(-max, max)
}

/// Seconds as a clamped duration.
pub(crate) fn clamped_secs(secs: i64) -> chrono::TimeDelta {
    chrono::TimeDelta::seconds(secs.clamp(-MAX_SPAN_SECS, MAX_SPAN_SECS))
}

/// Parses an RFC 3339 timestamp with a mandatory offset.
pub(crate) fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Prints a timestamp as Google prints `created`/`updated`: UTC with milliseconds.
pub(crate) fn format_ms(dt: DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Prints an instant in a zone with its offset (`2024-05-13T09:00:00-04:00`, or `Z` for UTC).
pub(crate) fn format_in_zone(dt: DateTime<Utc>, tz: Tz) -> String {
    dt.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an IANA zone name.
pub(crate) fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// An event's start or end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum EventTime {
    /// All-day: a calendar date.
    Date(NaiveDate),
    /// Timed: an instant, plus the zone the event is defined in (if any).
    DateTime(DateTime<Utc>, Option<Tz>),
}

impl EventTime {
    /// The instant this time denotes; all-day dates start at midnight in `calendar_tz`.
    pub(crate) fn instant(&self, calendar_tz: Tz) -> DateTime<Utc> {
        match self {
            Self::DateTime(dt, _) => *dt,
            Self::Date(d) => midnight(*d, calendar_tz),
        }
    }

    pub(crate) fn is_all_day(&self) -> bool {
        matches!(self, Self::Date(_))
    }
}

/// Midnight of `date` in `tz`, as an instant.
pub(crate) fn midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&naive), |d| d.with_timezone(&Utc))
}

/// Parses an `EventDateTime` object; the error names what is wrong.
pub(crate) fn parse_event_time(value: &Value, field: &str) -> Result<EventTime, String> {
    let Some(obj) = value.as_object() else {
        return Err(format!("Invalid {field} time."));
    };
    let tz = match obj.get("timeZone").and_then(Value::as_str) {
        Some(name) => Some(
            parse_tz(name)
                .ok_or_else(|| format!("Invalid time zone definition for {field} time."))?,
        ),
        None => None,
    };
    match (
        obj.get("date").filter(|v| !v.is_null()),
        obj.get("dateTime").filter(|v| !v.is_null()),
    ) {
        (Some(_), Some(_)) => Err(format!(
            "Invalid {field} time: both date and dateTime are set."
        )),
        (Some(date), None) => {
            let s = date
                .as_str()
                .ok_or_else(|| format!("Invalid {field} time."))?;
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(EventTime::Date)
                .map_err(|_| format!("Invalid {field} time."))
        }
        (None, Some(dt)) => {
            let s = dt
                .as_str()
                .ok_or_else(|| format!("Invalid {field} time."))?;
            if let Some(instant) = parse_rfc3339(s) {
                return Ok(EventTime::DateTime(instant, tz));
            }
            let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .map_err(|_| format!("Invalid {field} time."))?;
            let zone =
                tz.ok_or_else(|| format!("Missing time zone definition for {field} time."))?;
            let local = zone
                .from_local_datetime(&naive)
                .earliest()
                .ok_or_else(|| format!("Invalid {field} time."))?;
            Ok(EventTime::DateTime(local.with_timezone(&Utc), tz))
        }
        (None, None) => Err(format!("Missing {field} time.")),
    }
}

/// Renders an `EventDateTime` for an instance starting at `instant`, shaped like `template`.
/// All-day instances are rendered as the date `instant` falls on in `calendar_tz` (where
/// their midnights are placed).
pub(crate) fn render_like(
    template: &Value,
    instant: DateTime<Utc>,
    all_day: bool,
    calendar_tz: Tz,
) -> Value {
    let mut out = Map::new();
    let tz_name = template.get("timeZone").and_then(Value::as_str);
    if all_day {
        let date = instant.with_timezone(&calendar_tz).date_naive();
        out.insert("date".into(), json!(date.format("%Y-%m-%d").to_string()));
    } else {
        let zone = tz_name.and_then(parse_tz).unwrap_or(Tz::UTC);
        out.insert("dateTime".into(), json!(format_in_zone(instant, zone)));
    }
    if let Some(name) = tz_name {
        out.insert("timeZone".into(), json!(name));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_datetime_needs_a_zone() {
        let err = parse_event_time(&json!({"dateTime": "2024-03-12T10:00:00"}), "start")
            .expect_err("no zone");
        assert!(err.contains("time zone"));
        let ok = parse_event_time(
            &json!({"dateTime": "2024-03-12T10:00:00", "timeZone": "Europe/Zurich"}),
            "start",
        )
        .expect("zone given");
        assert_eq!(
            ok.instant(Tz::UTC),
            parse_rfc3339("2024-03-12T09:00:00Z").expect("valid")
        );
    }

    #[test]
    fn all_day_date_starts_at_calendar_midnight() {
        let t = parse_event_time(&json!({"date": "2024-07-04"}), "start").expect("valid date");
        assert_eq!(
            t.instant(Tz::UTC),
            parse_rfc3339("2024-07-04T00:00:00Z").expect("valid")
        );
    }
}
