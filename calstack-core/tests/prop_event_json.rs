//! Property tests (proptest, bounded for CI): any event JSON Google's schema allows round-trips
//! exactly through [`Event`], unknown fields included; arbitrary bytes into the JSON decoders
//! give a typed error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calstack_core::calendar::model::{
    Acl, AclRule, CalendarList, CalendarListEntry, Events, Setting,
};
use calstack_core::{Calendar, Event, LazyEvent};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Free text as Google stores it: any Unicode, including quotes, newlines and emoji.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,24}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
        Just("Ünïcødé ☕ \"quoted\"\n\ttabbed".to_owned()),
    ]
}

fn id() -> impl Strategy<Value = String> {
    "[a-v0-9]{5,26}"
}

fn email() -> impl Strategy<Value = String> {
    "[a-z]{1,8}@[a-z]{1,8}\\.(com|org|example)"
}

/// A field calstack does not model (kept in `extra`); the prefix keeps it from colliding.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(
        "zz[a-zA-Z]{1,8}",
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            text().prop_map(Value::from),
            Just(json!({"nested": [1, "two", null, {"three": 3.5}]})),
        ],
        0..3,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// `created` / `updated`: UTC with milliseconds, as Google writes them.
fn timestamp() -> impl Strategy<Value = Value> {
    (0i64..4_000_000_000, 0u32..1000).prop_map(|(secs, millis)| {
        let t = chrono::DateTime::from_timestamp(secs, millis * 1_000_000).unwrap();
        Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    })
}

/// `start` / `end` / `originalStartTime`: a date, or a dateTime with its offset (and maybe a
/// zone), in the shape Google answers with.
fn event_date_time() -> impl Strategy<Value = Value> {
    let date = (1970i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| json!({"date": format!("{y:04}-{m:02}-{d:02}")}));
    let timed = (
        0i64..4_000_000_000,
        prop_oneof![Just(0i32), -12i32..=14],
        prop::option::of(prop_oneof![
            Just("Europe/Zurich"),
            Just("America/New_York"),
            Just("UTC")
        ]),
    )
        .prop_map(|(secs, hours, zone)| {
            let offset = chrono::FixedOffset::east_opt(hours * 3600).unwrap();
            let at = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .with_timezone(&offset);
            let mut v = json!({
                "dateTime": at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            });
            if let Some(zone) = zone {
                v["timeZone"] = json!(zone);
            }
            v
        });
    prop_oneof![date, timed]
}

fn person() -> impl Strategy<Value = Value> {
    (
        email(),
        prop::option::of(text()),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(email, name, me)| {
            let mut v = json!({"email": email});
            if let Some(name) = name {
                v["displayName"] = json!(name);
            }
            if let Some(me) = me {
                v["self"] = json!(me);
            }
            v
        })
}

fn attendee() -> impl Strategy<Value = Value> {
    (
        person(),
        prop::option::of(any::<bool>()),
        prop::option::of(prop_oneof![
            Just("needsAction"),
            Just("declined"),
            Just("tentative"),
            Just("accepted"),
            Just("someFutureStatus")
        ]),
        prop::option::of(text()),
        prop::option::of(0i32..10),
        unknown_fields(),
    )
        .prop_map(|(mut v, optional, status, comment, guests, extra)| {
            if let Some(o) = optional {
                v["optional"] = json!(o);
            }
            if let Some(s) = status {
                v["responseStatus"] = json!(s);
            }
            if let Some(c) = comment {
                v["comment"] = json!(c);
            }
            if let Some(g) = guests {
                v["additionalGuests"] = json!(g);
            }
            merge(v, extra)
        })
}

fn reminders() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::collection::vec(
            (prop_oneof![Just("email"), Just("popup")], 0i32..40_320),
            0..3,
        ),
    )
        .prop_map(|(use_default, overrides)| {
            let mut v = json!({"useDefault": use_default});
            if !overrides.is_empty() {
                v["overrides"] = overrides
                    .into_iter()
                    .map(|(method, minutes)| json!({"method": method, "minutes": minutes}))
                    .collect();
            }
            v
        })
}

fn extended_properties() -> impl Strategy<Value = Value> {
    let props = || prop::collection::btree_map("[a-zA-Z_]{1,10}", text(), 0..3);
    (props(), props()).prop_map(|(private, shared)| json!({"private": private, "shared": shared}))
}

fn merge(mut v: Value, extra: Map<String, Value>) -> Value {
    if let Some(object) = v.as_object_mut() {
        object.extend(extra);
    }
    v
}

/// The plain string fields of an event, by name (absent ones left out).
fn string_fields() -> impl Strategy<Value = Vec<(&'static str, Option<String>)>> {
    let choice = |options: &'static [&'static str]| {
        prop::option::of(prop::sample::select(options).prop_map(str::to_owned))
    };
    (
        prop::option::of(id()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of("[0-9]{1,2}"),
        choice(&["confirmed", "tentative", "cancelled", "someNewStatus"]),
        choice(&["opaque", "transparent"]),
        choice(&["default", "public", "private", "confidential"]),
    )
        .prop_map(
            |(id, summary, description, location, color, status, transp, vis)| {
                vec![
                    ("id", id),
                    ("summary", summary),
                    ("description", description),
                    ("location", location),
                    ("colorId", color),
                    ("status", status),
                    ("transparency", transp),
                    ("visibility", vis),
                ]
            },
        )
}

/// The structured fields of an event, by name (absent ones left out).
fn structured_fields() -> impl Strategy<Value = Vec<(&'static str, Option<Value>)>> {
    (
        prop::option::of(event_date_time()),
        prop::option::of(event_date_time()),
        prop::option::of(timestamp()),
        prop::option::of(prop::collection::vec(attendee(), 0..4).prop_map(Value::from)),
        prop::option::of(reminders()),
        prop::option::of(extended_properties()),
        prop::option::of(
            prop::collection::vec(
                prop_oneof![
                    Just("RRULE:FREQ=WEEKLY;BYDAY=MO,WE".to_owned()),
                    Just("EXDATE;TZID=Europe/Zurich:20240506T100000".to_owned()),
                    text()
                ],
                0..3,
            )
            .prop_map(Value::from),
        ),
        prop::option::of(person()),
        prop::option::of(any::<i32>().prop_map(Value::from)),
        prop::option::of(any::<bool>().prop_map(Value::from)),
    )
        .prop_map(
            |(start, end, updated, attendees, rem, ext, recurrence, org, seq, flag)| {
                vec![
                    ("start", start),
                    ("end", end),
                    ("updated", updated),
                    ("attendees", attendees),
                    ("reminders", rem),
                    ("extendedProperties", ext),
                    ("recurrence", recurrence),
                    ("organizer", org),
                    ("sequence", seq),
                    ("guestsCanModify", flag),
                ]
            },
        )
}

/// An event as Google could send it: any subset of these fields, plus unknown ones.
fn event_json() -> impl Strategy<Value = Value> {
    (string_fields(), structured_fields(), unknown_fields()).prop_map(
        |(strings, structured, extra)| {
            let mut v = Map::new();
            v.insert("kind".to_owned(), json!("calendar#event"));
            for (name, value) in strings {
                if let Some(value) = value {
                    v.insert(name.to_owned(), Value::from(value));
                }
            }
            for (name, value) in structured {
                if let Some(value) = value {
                    v.insert(name.to_owned(), value);
                }
            }
            v.extend(extra);
            Value::Object(v)
        },
    )
}

/// JSON text of `value` with every string escaped as far as JSON allows: non-ASCII as `\uXXXX`
/// (a surrogate pair above the BMP), `/` as `\/`, and every `e` as `\u0065`, keys included.
fn escaped(value: &Value) -> String {
    fn string(text: &str, out: &mut String) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' => out.push_str("\\/"),
                c if c == 'e' || (c as u32) < 0x20 || !c.is_ascii() => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::String(text) => string(text, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push_str("{ ");
                for (i, (key, item)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" ,\n");
                    }
                    string(key, out);
                    out.push_str(" :\t");
                    write(item, out);
                }
                out.push_str("\r\n}");
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// `text` with a few characters deleted, inserted or replaced (JSON's own characters, mostly).
fn mutated(text: &str, edits: &[(prop::sample::Index, u8, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (at, op, c) in edits {
        if chars.is_empty() {
            break;
        }
        let i = at.index(chars.len());
        match op {
            0 => {
                chars.remove(i);
            }
            1 => chars.insert(i, *c),
            _ => chars[i] = *c,
        }
    }
    chars.into_iter().collect()
}

fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, u8, char)>> {
    let chars = vec![
        '{', '}', '[', ']', '"', ',', ':', '\\', '0', '1', '-', '.', 'e', 'n', 't', ' ', 'a',
        '\u{1}', '\u{e9}',
    ];
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0u8..3,
            prop::sample::select(chars),
        ),
        1..4,
    )
}

/// The same value from both decoders, or an error from both.
fn same_outcome<T: PartialEq + std::fmt::Debug, E1: std::fmt::Debug, E2: std::fmt::Debug>(
    direct: Result<T, E1>,
    serde: Result<T, E2>,
) -> Result<(), TestCaseError> {
    match (direct, serde) {
        (Ok(direct), Ok(serde)) => prop_assert_eq!(direct, serde),
        (Err(_), Err(_)) => {}
        (direct, serde) => prop_assert!(
            false,
            "direct {:?} but serde {:?}",
            direct.map(|_| ()),
            serde.map(|_| ())
        ),
    }
    Ok(())
}

/// The event and page decoders listings and the mirror use (the direct reader, serde_json
/// when it refuses) give exactly what serde_json's `Deserialize` gives: the same value, or an
/// error when it has one.
fn decoders_agree(text: &str) -> Result<(), TestCaseError> {
    same_outcome(Event::from_json(text), serde_json::from_str::<Event>(text))?;
    let page = format!(
        r#"{{"kind": "calendar#events", "nextPageToken": "p2", "items": [{text}, {{"id": "e2"}}]}}"#
    );
    same_outcome(
        Events::from_json(page.as_bytes()),
        serde_json::from_str::<Events>(&page),
    )
}

/// A lazily read event holds, before first use, exactly the whole event's values of the
/// fields the stacked views read (of the attendees, only the owner's own response), and
/// opens into the whole event.
fn lazy_matches_whole(text: &str, whole: &Event) -> Result<(), TestCaseError> {
    let lazy = LazyEvent::from_json(text).unwrap();
    let head = lazy.head();
    prop_assert_eq!(&head.id, &whole.id);
    prop_assert_eq!(&head.status, &whole.status);
    prop_assert_eq!(&head.summary, &whole.summary);
    prop_assert_eq!(&head.start, &whole.start);
    prop_assert_eq!(&head.end, &whole.end);
    prop_assert_eq!(&head.transparency, &whole.transparency);
    prop_assert_eq!(&head.ical_uid, &whole.ical_uid);
    prop_assert_eq!(&head.recurrence, &whole.recurrence);
    prop_assert_eq!(&head.recurring_event_id, &whole.recurring_event_id);
    prop_assert_eq!(&head.original_start_time, &whole.original_start_time);
    let own = |attendees: &Option<Vec<calstack_core::calendar::EventAttendee>>| {
        attendees.as_ref().map(|list| {
            list.iter()
                .filter(|a| a.is_self == Some(true))
                .map(|a| a.response_status.clone())
                .collect::<Vec<_>>()
        })
    };
    prop_assert_eq!(own(&head.attendees), own(&whole.attendees));
    prop_assert_eq!(&*lazy, whole);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_lazily_read_event_opens_into_the_decoded_event(original in event_json()) {
        let compact = serde_json::to_string(&original).unwrap();
        let pretty = serde_json::to_string_pretty(&original).unwrap();
        let escaped = escaped(&original);
        for text in [&compact, &pretty, &escaped] {
            lazy_matches_whole(text, &Event::from_json(text).unwrap())?;
        }
    }

    #[test]
    fn damaged_json_read_lazily_is_refused_or_opens_as_decoded(original in event_json(), edits in edits()) {
        let text = mutated(&serde_json::to_string(&original).unwrap(), &edits);
        match (LazyEvent::from_json(&text), Event::from_json(&text)) {
            (Ok(_), Ok(whole)) => lazy_matches_whole(&text, &whole)?,
            // Damage outside the views' fields shows on first use: the head alone.
            (Ok(lazy), Err(_)) => prop_assert_eq!(lazy.get(), lazy.head()),
            (Err(_), Ok(_)) => prop_assert!(false, "the lazy reader refused what decodes whole"),
            (Err(_), Err(_)) => {}
        }
    }

    #[test]
    fn the_direct_reader_decodes_any_event_as_serde_does(original in event_json()) {
        let compact = serde_json::to_string(&original).unwrap();
        let pretty = serde_json::to_string_pretty(&original).unwrap();
        let escaped = escaped(&original);
        for text in [&compact, &pretty, &escaped] {
            let event = Event::from_json(text).unwrap();
            prop_assert_eq!(&event, &serde_json::from_str::<Event>(text).unwrap());
            prop_assert_eq!(serde_json::to_value(&event).unwrap(), original.clone());
            decoders_agree(text)?;
        }
    }

    #[test]
    fn damaged_event_json_decodes_as_serde_decodes_it(original in event_json(), edits in edits()) {
        let text = mutated(&serde_json::to_string(&original).unwrap(), &edits);
        decoders_agree(&text)?;
        decoders_agree(&mutated(&escaped(&original), &edits))?;
    }

    #[test]
    fn any_event_google_can_send_round_trips_exactly(original in event_json()) {
        let text = serde_json::to_vec(&original).unwrap();
        let event: Event = serde_json::from_slice(&text).unwrap();
        let back = serde_json::to_value(&event).unwrap();
        prop_assert_eq!(back, original);
    }

    #[test]
    fn arbitrary_bytes_into_the_decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        // Each decoder either decodes or returns an error; a panic fails the test.
        let _ = serde_json::from_slice::<Event>(&bytes);
        let _ = serde_json::from_slice::<Events>(&bytes);
        let _ = serde_json::from_slice::<CalendarListEntry>(&bytes);
        let _ = serde_json::from_slice::<CalendarList>(&bytes);
        let _ = serde_json::from_slice::<Calendar>(&bytes);
        let _ = serde_json::from_slice::<AclRule>(&bytes);
        let _ = serde_json::from_slice::<Acl>(&bytes);
        let _ = serde_json::from_slice::<Setting>(&bytes);
        let _ = Event::from_json(&String::from_utf8_lossy(&bytes));
        let _ = Events::from_json(&bytes);
    }

    #[test]
    fn json_shaped_garbage_gives_errors_not_panics(value in json_garbage()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        let _ = serde_json::from_slice::<Event>(&bytes);
        let _ = serde_json::from_slice::<Events>(&bytes);
        let _ = serde_json::from_slice::<CalendarListEntry>(&bytes);
    }
}

/// JSON objects with the right keys and wrong values (types, formats), where decoders are
/// most likely to trip.
fn json_garbage() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        text().prop_map(Value::from),
        Just(json!("2024-13-45T99:99:99+99:99")),
    ];
    let keys = prop_oneof![
        Just("start"),
        Just("end"),
        Just("dateTime"),
        Just("date"),
        Just("timeZone"),
        Just("attendees"),
        Just("items"),
        Just("created"),
        Just("updated"),
        Just("sequence"),
        Just("reminders"),
        Just("overrides"),
        Just("minutes"),
        Just("status"),
        Just("id"),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(keys.clone(), inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}
