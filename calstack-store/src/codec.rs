//! Conversions shared by the backends: ids, scope lists, email keys and SQLite's timestamp
//! text.

use calstack_core::StoreError;
use chrono::{DateTime, NaiveDateTime, Utc};
#[cfg(any(feature = "sqlite", feature = "mysql"))]
use uuid::Uuid;

use crate::error::corrupt;

/// Reads column `column` of a `table` row, naming both if the value cannot be decoded.
pub(crate) fn col<'r, R, T>(row: &'r R, table: &str, column: &str) -> Result<T, StoreError>
where
    R: sqlx::Row,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    row.try_get(column).map_err(|e| corrupt(table, column, e))
}

/// The uniqueness key of a client email: ASCII letters lowercased (the rule the traits state).
pub(crate) fn email_key(email: &str) -> String {
    email.to_ascii_lowercase()
}

/// A scope list as stored: a JSON array of strings.
pub(crate) fn scopes_to_text(scopes: &[String]) -> String {
    serde_json::to_string(scopes).unwrap_or_else(|_| "[]".to_owned())
}

/// A stored scope list back into a list.
pub(crate) fn scopes_from_text(
    text: &str,
    table: &str,
    column: &str,
) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| corrupt(table, column, format!("not a JSON string array: {e}")))
}

/// A stored UUID (hyphenated text) back into a UUID.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn uuid_from_text(text: &str, table: &str, column: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt(table, column, format!("not a UUID: {e}")))
}

#[cfg(any(feature = "sqlite", feature = "mysql"))]
/// A UUID as stored in text columns: hyphenated, lowercase (sorts like the UUID's bytes).
pub(crate) fn uuid_to_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// SQLite's timestamp text: UTC, six fractional digits, `Z` (so text order is time order).
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn time_to_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// SQLite's timestamp text back into a timestamp. The shape [`time_to_text`] writes is read
/// by a dedicated parser (a read of many rows decodes several timestamps per row); any other
/// RFC 3339 UTC text falls back to chrono's general parser.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn time_from_text(
    text: &str,
    table: &str,
    column: &str,
) -> Result<DateTime<Utc>, StoreError> {
    if let Some(t) = fixed_width_time(text.as_bytes()) {
        return Ok(t);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.fZ")
        .map(|naive| naive.and_utc())
        .map_err(|e| corrupt(table, column, format!("not an RFC 3339 UTC timestamp: {e}")))
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` exactly (what [`time_to_text`] writes), else `None`.
fn fixed_width_time(b: &[u8]) -> Option<DateTime<Utc>> {
    let shape_ok = b.len() == 27
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z';
    if !shape_ok {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
        number(20..26)?,
    )?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamp_text_keeps_microseconds_and_sorts_by_time() {
        let a = Utc
            .with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
            .single()
            .expect("valid date")
            + chrono::TimeDelta::microseconds(123_456);
        let b = a + chrono::TimeDelta::microseconds(1);
        let (ta, tb) = (time_to_text(a), time_to_text(b));
        assert_eq!(ta, "2026-03-04T05:06:07.123456Z");
        assert!(ta < tb);
        assert_eq!(time_from_text(&ta, "t", "c").expect("parses"), a);
    }

    #[test]
    fn fixed_width_and_other_rfc3339_utc_texts_read_the_same_instant() {
        let at = Utc
            .with_ymd_and_hms(2031, 12, 31, 23, 59, 58)
            .single()
            .expect("valid date")
            + chrono::TimeDelta::microseconds(7);
        for text in [
            "2031-12-31T23:59:58.000007Z",
            "2031-12-31T23:59:58.000007000Z",
        ] {
            assert_eq!(
                time_from_text(text, "t", "c").expect("parses"),
                at,
                "{text}"
            );
        }
        assert_eq!(
            time_from_text("2031-12-31T23:59:58Z", "t", "c").expect("parses"),
            at - chrono::TimeDelta::microseconds(7)
        );
        for bad in [
            "2031-13-31T23:59:58.000007Z",
            "2031-12-31T24:59:58.000007Z",
            "2031-12-31T23:59:58.00000xZ",
            "2031-12-31 23:59:58.000007Z",
        ] {
            let e = time_from_text(bad, "mirror_events", "start_utc").expect_err(bad);
            assert!(e.to_string().contains("mirror_events.start_utc"), "{e}");
        }
    }

    #[test]
    fn whole_seconds_still_have_six_digits() {
        let a = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid date");
        assert_eq!(time_to_text(a), "2026-01-01T00:00:00.000000Z");
    }

    #[test]
    fn bad_scope_text_is_corrupt_naming_the_column() {
        let e = scopes_from_text("not json", "oauth_credentials", "scopes").expect_err("corrupt");
        assert!(e.to_string().contains("oauth_credentials.scopes"), "{e}");
    }

    #[test]
    fn email_key_folds_ascii_case_only() {
        assert_eq!(email_key("Ops@ACME.test"), "ops@acme.test");
        assert_eq!(email_key("É@x.test"), "É@x.test");
    }
}
