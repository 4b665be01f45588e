//! Property tests of the one JSON decoder every response goes through: arbitrary bytes give a
//! typed [`Error::Decode`] naming where it failed, never a panic.

use proptest::prelude::*;

use super::decode;
use crate::calendar::model::{Acl, CalendarList, Event, Events};
use crate::error::Error;

fn is_decode_error<T>(result: crate::error::Result<T>) -> bool {
    match result {
        Ok(_) => true,
        Err(Error::Decode { .. }) => true,
        Err(_) => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_decode_or_give_a_decode_error(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(is_decode_error(decode::<Event>(&bytes)));
        prop_assert!(is_decode_error(decode::<Events>(&bytes)));
        prop_assert!(is_decode_error(decode::<CalendarList>(&bytes)));
        prop_assert!(is_decode_error(decode::<Acl>(&bytes)));
    }

    #[test]
    fn a_wrong_field_type_names_the_field(summary in any::<i64>(), attendee in any::<i64>()) {
        let body = format!(r#"{{"items":[{{"summary":"ok"}},{{"attendees":[{{"email":{attendee}}}],"summary":{summary}}}]}}"#);
        match decode::<Events>(body.as_bytes()) {
            Err(Error::Decode { path, .. }) => prop_assert!(path.starts_with("items[1]"), "{}", path),
            other => prop_assert!(false, "expected a decode error, got {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn anything_after_the_value_is_refused_with_a_decode_error() {
    for body in [
        &br#"{"id": "e1"} x"#[..],
        br#"{"id": "e1"}}"#,
        br#"{"items": []} []"#,
    ] {
        assert!(
            matches!(decode::<Event>(body), Err(Error::Decode { .. })),
            "{}",
            String::from_utf8_lossy(body)
        );
        assert!(matches!(decode::<Events>(body), Err(Error::Decode { .. })));
    }
}
