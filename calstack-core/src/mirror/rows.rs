//! Turning an [`Event`] as Google sent it into a [`MirrorEventRow`] (clear columns for
//! queries, the JSON sealed with AAD naming the row) and back.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::calendar::model::fast;
use crate::calendar::{Event, EventDateTime, LazyEvent, When};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::{CalendarKey, CredentialId, MirrorEventRow, SealedRef};

/// Occurrences computed at most to find where a `COUNT` series ends; longer counts are
/// treated as open-ended.
const MAX_COUNTED: u32 = 5000;

/// Slack for times without a fixed offset (floating `UNTIL`, all-day dates): the widest UTC
/// offsets in use.
const ZONE_SLACK: TimeDelta = TimeDelta::hours(14);

/// Associated data binding a sealed event body to its row:
/// `calstack:v1:mirror-event:<client>:<calendar>:<event id>`.
pub fn event_aad(key: &CalendarKey, event_id: &str) -> String {
    format!(
        "calstack:v1:mirror-event:{}:{}:{event_id}",
        key.client_id, key.calendar_id
    )
}

/// The associated data of the row being opened on this thread, written in place: the calendar
/// it was last written for, and where that calendar's prefix ends.
struct AadBuffer {
    key: Option<CalendarKey>,
    prefix: usize,
    text: String,
}

thread_local! {
    static AAD: std::cell::RefCell<AadBuffer> = const {
        std::cell::RefCell::new(AadBuffer { key: None, prefix: 0, text: String::new() })
    };
}

/// [`event_aad`] handed to `use_it`, written into a buffer this thread reuses (a cold read
/// opens thousands of rows, in runs of one calendar: the calendar's part is written once per
/// run, then only the event id changes).
fn with_event_aad<T>(key: &CalendarKey, event_id: &str, use_it: impl FnOnce(&str) -> T) -> T {
    AAD.with(|cell| match cell.try_borrow_mut() {
        Ok(mut aad) => {
            let aad = &mut *aad;
            if aad.key.as_ref() != Some(key) {
                use std::fmt::Write;
                aad.text.clear();
                let _ = write!(
                    aad.text,
                    "calstack:v1:mirror-event:{}:{}:",
                    key.client_id, key.calendar_id
                );
                aad.prefix = aad.text.len();
                aad.key = Some(key.clone());
            }
            aad.text.truncate(aad.prefix);
            aad.text.push_str(event_id);
            use_it(&aad.text)
        }
        // Asked again from inside `use_it`: a buffer of its own.
        Err(_) => use_it(&event_aad(key, event_id)),
    })
}

/// What a list page item means for the mirror.
#[derive(Debug)]
pub(crate) enum Change {
    /// Store (or replace) this row.
    Upsert(Box<MirrorEventRow>),
    /// Delete this event and its instances.
    Delete(String),
}

/// The change an event from a list or sync page makes. Tombstones of whole events delete;
/// cancelled instances of a series are kept (Google lists them, and they cancel an
/// occurrence).
pub(crate) fn change_for(
    keyring: &Keyring,
    key: &CalendarKey,
    credential_id: CredentialId,
    event: &Event,
) -> Result<Option<Change>> {
    let Some(id) = event.id.clone() else {
        return Ok(None);
    };
    if event.is_cancelled() && event.recurring_event_id.is_none() {
        return Ok(Some(Change::Delete(id)));
    }
    row_for(keyring, key, credential_id, event).map(|row| Some(Change::Upsert(Box::new(row))))
}

/// The row for `event` (which must have an id).
pub(crate) fn row_for(
    keyring: &Keyring,
    key: &CalendarKey,
    credential_id: CredentialId,
    event: &Event,
) -> Result<MirrorEventRow> {
    let event_id = event
        .id
        .clone()
        .ok_or_else(|| Error::validation("id", "a mirrored event needs an id"))?;
    let json =
        serde_json::to_string(event).map_err(|e| Error::validation("event", e.to_string()))?;
    let body = keyring.seal(&json, &event_aad(key, &event_id))?;
    let start = span(event.start.as_ref());
    let end = span(event.end.as_ref());
    let original_start_utc = span(event.original_start_time.as_ref()).0;
    let start_utc = start.0.or(original_start_utc);
    let end_utc = end.0.or(start_utc);
    let is_master = event.recurring_event_id.is_none()
        && event.recurrence.as_ref().is_some_and(|r| !r.is_empty());
    let series_end_utc = if is_master {
        series_end(event, start_utc, end_utc)
    } else {
        None
    };
    Ok(MirrorEventRow {
        key: key.clone(),
        credential_id,
        event_id,
        ical_uid: event.ical_uid.clone(),
        status: event.status.as_ref().map(|s| s.as_str().to_owned()),
        start_utc,
        end_utc,
        start_date: start.1,
        end_date: end.1,
        time_zone: event.start.as_ref().and_then(|s| s.time_zone.clone()),
        transparency: event.transparency.as_ref().map(|t| t.as_str().to_owned()),
        response_status: owner_response(event),
        recurring_event_id: event.recurring_event_id.clone(),
        original_start_utc,
        updated: event.updated,
        etag: event.etag.clone(),
        is_recurring_master: is_master,
        series_end_utc,
        body,
    })
}

/// Opens a row's sealed body back into the event Google sent.
pub(crate) fn open_row(keyring: &Keyring, row: &MirrorEventRow) -> Result<Event> {
    open_body(keyring, &row.key, &row.event_id, row.body.as_sealed_ref())
}

/// Opens the sealed body of event `event_id` of calendar `key`.
pub(crate) fn open_body(
    keyring: &Keyring,
    key: &CalendarKey,
    event_id: &str,
    body: SealedRef<'_>,
) -> Result<Event> {
    open_body_with(keyring, key, event_id, body, decode_whole)
}

/// [`open_body`] for the stacked views: the event's head decoded now (what the views read),
/// the rest kept as JSON and decoded on first use (see [`LazyEvent`]). A body whose head does
/// not decode is decoded whole, so a damaged body fails here, named as [`open_body`] names it.
pub(crate) fn open_body_lazily(
    keyring: &Keyring,
    key: &CalendarKey,
    event_id: &str,
    body: SealedRef<'_>,
) -> Result<LazyEvent> {
    open_body_with(keyring, key, event_id, body, |json| {
        LazyEvent::read_with(json, decode_whole)
    })
}

/// An event's whole JSON decoded: the direct reader first, serde_json (which names the
/// problem) when it refuses.
fn decode_whole(json: &str) -> std::result::Result<Event, serde_json::Error> {
    match fast::decode::<Event>(json) {
        Some(event) => Ok(event),
        None => serde_json::from_str::<Event>(json),
    }
}

/// Opens a sealed body and reads its JSON with `read`.
fn open_body_with<T>(
    keyring: &Keyring,
    key: &CalendarKey,
    event_id: &str,
    body: SealedRef<'_>,
    read: impl FnOnce(&str) -> std::result::Result<T, serde_json::Error>,
) -> Result<T> {
    let decoded = with_event_aad(key, event_id, |aad| keyring.open_ref_with(body, aad, read))?;
    // serde's message may quote the event's contents: say only where it failed.
    decoded.map_err(|e: serde_json::Error| Error::Decode {
        path: format!("mirror_events[{event_id}].body"),
        message: format!(
            "the stored event does not decode ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}

/// The UTC instant and (for all-day) the date of a start or end.
fn span(at: Option<&EventDateTime>) -> (Option<DateTime<Utc>>, Option<NaiveDate>) {
    match at.map(EventDateTime::when) {
        Some(Ok(When::AllDay(date))) => (Some(midnight(date)), Some(date)),
        Some(Ok(timed @ When::Timed { .. })) => (Some(timed.to_utc()), None),
        _ => (None, None),
    }
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// The calendar owner's response: the attendee marked `self`.
fn owner_response(event: &Event) -> Option<String> {
    event
        .attendees
        .as_ref()?
        .iter()
        .find(|a| a.is_self == Some(true))
        .and_then(|a| a.response_status.as_ref())
        .map(|r| r.as_str().to_owned())
}

/// An upper bound of the end of a series' last occurrence, when its rules bound it (`UNTIL`,
/// or a `COUNT` up to [`MAX_COUNTED`]); `None` for open-ended series, series with `RDATE`s,
/// and rules that do not parse.
fn series_end(
    event: &Event,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let lines = event.recurrence.as_ref()?;
    let start = start?;
    let duration = end.map_or(TimeDelta::zero(), |e| (e - start).max(TimeDelta::zero()));
    let mut last: Option<DateTime<Utc>> = None;
    for line in lines {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("RDATE") {
            return None;
        }
        let Some(rule) = upper.strip_prefix("RRULE:") else {
            continue;
        };
        let bound = rule_end(rule, line, event, start)?;
        last = Some(last.map_or(bound, |l| l.max(bound)));
    }
    last.map(|l| l + duration)
}

/// The last start a rule allows.
fn rule_end(rule: &str, line: &str, event: &Event, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let part = |name: &str| {
        rule.split(';')
            .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
    };
    if let Some(until) = part("UNTIL") {
        return until_instant(until);
    }
    let count: u32 = part("COUNT")?.parse().ok()?;
    if count == 0 || count > MAX_COUNTED {
        return None;
    }
    counted_end(line, event, start, count)
}

/// `UNTIL` as an instant; floating and date-only values get [`ZONE_SLACK`] (and a whole day).
fn until_instant(until: &str) -> Option<DateTime<Utc>> {
    if let Some(utc) = until.strip_suffix('Z') {
        return chrono::NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S")
            .ok()
            .map(|t| t.and_utc());
    }
    if let Ok(local) = chrono::NaiveDateTime::parse_from_str(until, "%Y%m%dT%H%M%S") {
        return Some(local.and_utc() + ZONE_SLACK);
    }
    NaiveDate::parse_from_str(until, "%Y%m%d")
        .ok()
        .map(|d| midnight(d) + TimeDelta::days(1) + ZONE_SLACK)
}

/// The last start of a `COUNT` rule, expanded with the `rrule` crate in the event's zone.
fn counted_end(
    line: &str,
    event: &Event,
    start: DateTime<Utc>,
    count: u32,
) -> Option<DateTime<Utc>> {
    let zone = event
        .start
        .as_ref()
        .and_then(|s| s.time_zone.as_deref())
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let local = start.with_timezone(&zone).naive_local();
    let dtstart = format!(
        "DTSTART;TZID={}:{}",
        zone.name(),
        local.format("%Y%m%dT%H%M%S")
    );
    let set: rrule::RRuleSet = format!("{dtstart}\n{}", line.trim()).parse().ok()?;
    let limit = u16::try_from(count).ok()?;
    let all_day = event.start.as_ref().is_some_and(|s| s.date.is_some());
    let slack = if all_day {
        ZONE_SLACK
    } else {
        TimeDelta::zero()
    };
    set.all(limit)
        .dates
        .last()
        .map(|t| t.with_timezone(&Utc) + slack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::EncryptionKey;
    use crate::store::ClientId;
    use serde_json::json;

    fn event(value: serde_json::Value) -> Event {
        serde_json::from_value(value).expect("event decodes")
    }

    #[test]
    fn the_reused_associated_data_is_the_rows_own_also_when_asked_inside() {
        let a = CalendarKey::new(ClientId::new(), "team@group.calendar.google.com");
        let b = CalendarKey::new(ClientId::new(), "primary");
        let (outer, inner) = with_event_aad(&a, "evt1", |outer| {
            let inner = with_event_aad(&b, "evt2", str::to_owned);
            (outer.to_owned(), inner)
        });
        assert_eq!(outer, event_aad(&a, "evt1"));
        assert_eq!(inner, event_aad(&b, "evt2"));
        assert_eq!(
            with_event_aad(&b, "e", str::to_owned),
            event_aad(&b, "e"),
            "a shorter one after a longer one"
        );
        // Runs of one calendar reuse its part; another calendar (of the same client too)
        // writes its own.
        let same_client = CalendarKey::new(b.client_id, "other@group.calendar.google.com");
        for (key, id) in [
            (&b, "long-event-id-1"),
            (&b, "x"),
            (&same_client, "x"),
            (&a, "x"),
            (&b, "y"),
        ] {
            assert_eq!(with_event_aad(key, id, str::to_owned), event_aad(key, id));
        }
    }

    fn key() -> CalendarKey {
        CalendarKey::new(ClientId::new(), "team@group.calendar.google.com")
    }

    fn master(rule: &str) -> MirrorEventRow {
        let keyring = Keyring::new(EncryptionKey::generate());
        let e = event(json!({
            "id": "series1", "status": "confirmed", "recurrence": [rule],
            "start": {"dateTime": "2026-03-02T09:00:00+01:00", "timeZone": "Europe/Zurich"},
            "end": {"dateTime": "2026-03-02T10:00:00+01:00", "timeZone": "Europe/Zurich"}
        }));
        row_for(&keyring, &key(), CredentialId::new(), &e).expect("row")
    }

    #[test]
    fn counted_series_end_after_their_last_occurrence_across_dst() {
        let row = master("RRULE:FREQ=WEEKLY;COUNT=6");
        assert!(row.is_recurring_master);
        // Six Mondays from 2 March; Zurich moves to summer time on 29 March.
        let last_end = "2026-04-06T10:00:00+02:00".parse::<DateTime<chrono::FixedOffset>>();
        assert_eq!(
            row.series_end_utc,
            last_end.ok().map(|t| t.with_timezone(&Utc))
        );
    }

    #[test]
    fn until_bounds_a_series_and_open_series_have_no_end() {
        let until = master("RRULE:FREQ=DAILY;UNTIL=20260310T080000Z");
        let bound = "2026-03-10T09:00:00Z".parse::<DateTime<Utc>>().ok();
        assert_eq!(until.series_end_utc, bound);
        assert_eq!(master("RRULE:FREQ=DAILY").series_end_utc, None);
    }

    #[test]
    fn sealed_body_opens_only_for_its_own_row() {
        let keyring = Keyring::new(EncryptionKey::generate());
        let e = event(
            json!({"id": "abc12345", "summary": "Dentist", "futureField": [1],
            "start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"}}),
        );
        let k = key();
        let row = row_for(&keyring, &k, CredentialId::new(), &e).expect("row");
        assert!(!row.body.as_stored().contains("Dentist"));
        assert_eq!(row.start_date, NaiveDate::from_ymd_opt(2026, 5, 1));
        assert_eq!(
            open_row(&keyring, &row).expect("opens"),
            e,
            "every field kept"
        );
        let mut moved = row.clone();
        moved.event_id = "other123".into();
        assert!(
            open_row(&keyring, &moved).is_err(),
            "AAD binds the event id"
        );
    }

    #[test]
    fn whole_event_tombstones_delete_and_cancelled_instances_stay() {
        let keyring = Keyring::new(EncryptionKey::generate());
        let k = key();
        let gone = event(json!({"id": "abc12345", "status": "cancelled"}));
        let change = change_for(&keyring, &k, CredentialId::new(), &gone).expect("change");
        assert!(matches!(change, Some(Change::Delete(id)) if id == "abc12345"));
        let instance = event(json!({"id": "s1_20260302T080000Z", "status": "cancelled",
            "recurringEventId": "s1", "originalStartTime": {"dateTime": "2026-03-02T08:00:00Z"}}));
        match change_for(&keyring, &k, CredentialId::new(), &instance).expect("change") {
            Some(Change::Upsert(row)) => {
                assert_eq!(row.start_utc, row.original_start_utc);
                assert!(row.original_start_utc.is_some());
            }
            other => panic!("expected an upsert, got {other:?}"),
        }
    }
}
