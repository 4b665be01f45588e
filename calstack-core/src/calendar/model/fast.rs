//! A direct JSON reader for the models read by the thousand: `Event` and its parts, in list
//! pages and in the mirror's sealed bodies.
//!
//! serde_json decodes an event through serde's visitor interface: a call per key, per value
//! and per `Option`, each string copied through its scratch buffer when it must be checked.
//! This reader reads the same JSON straight into the same types: each string's end is found
//! eight bytes at a time and the string borrowed unless it holds an escape, each key matched in
//! place, each value written into its field. It accepts what the serde decoders accept and
//! gives the same value (property-tested against them in `tests/prop_event_json.rs`, damaged
//! input included). On the 20,000-event benchmark it takes about 25% fewer instructions.
//!
//! It hands two things to serde_json: a string with a `\uXXXX` escape (the one-character
//! escapes it decodes itself), and the value of an unknown field (kept in `extra` as a JSON
//! value). What it refuses (invalid JSON, a wrong type, a number that is not a plain integer)
//! it refuses without saying why: the caller then decodes the text again with serde_json,
//! whose error names the field and the problem. So this module has no error messages to keep
//! right.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

/// The reader refused the text; serde_json will say why.
#[derive(Debug)]
pub(crate) struct Refused;

/// What a read gives: the value, or [`Refused`].
pub(crate) type Read<T> = std::result::Result<T, Refused>;

/// A position in a JSON text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

/// A type the [`Reader`] reads directly.
pub(crate) trait Fast: Sized {
    /// Reads one value of this type at the reader's position.
    fn read(reader: &mut Reader<'_>) -> Read<Self>;
}

/// Decodes a `T` that is the whole of `text`, or `None` for serde_json to decode it (and name
/// the problem).
pub(crate) fn decode<T: Fast>(text: &str) -> Option<T> {
    let mut reader = Reader::new(text);
    let value = T::read(&mut reader).ok()?;
    reader.at_end().then_some(value)
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not whitespace (not consumed).
    #[inline]
    pub(crate) fn peek(&mut self) -> Read<u8> {
        match self.bytes().get(self.pos) {
            // Every JSON whitespace byte is below `!`: in compact JSON this is every call.
            Some(&byte) if byte > b' ' => Ok(byte),
            _ => self.peek_after_space(),
        }
    }

    /// [`Reader::peek`] where whitespace may come first.
    fn peek_after_space(&mut self) -> Read<u8> {
        let bytes = self.bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                return Ok(byte);
            }
            self.pos += 1;
        }
        Err(Refused)
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.peek().is_err()
    }

    fn eat(&mut self, expected: u8) -> Read<()> {
        if self.peek()? == expected {
            self.pos += 1;
            Ok(())
        } else {
            Err(Refused)
        }
    }

    fn word(&mut self, word: &[u8]) -> Read<()> {
        if self.bytes()[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Refused)
        }
    }

    /// Consumes a `null` if one is next, and says whether it did.
    pub(crate) fn null(&mut self) -> Read<bool> {
        if self.peek()? == b'n' {
            self.word(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The string starting at the opening quote at `self.pos`: the position of its closing
    /// quote, and whether it holds an escape.
    fn string_end(&self) -> Read<(usize, bool)> {
        self.string_end_from(self.pos + 1)
    }

    /// [`Reader::string_end`] for a string read up to `at` with no escape before it.
    fn string_end_from(&self, mut at: usize) -> Read<(usize, bool)> {
        let bytes = self.bytes();
        let mut escaped = false;
        loop {
            let found = next_special(bytes, at).ok_or(Refused)?;
            match bytes[found] {
                b'"' => return Ok((found, escaped)),
                b'\\' => {
                    escaped = true;
                    at = found + 2;
                }
                // JSON allows no raw control character inside a string.
                _ => return Err(Refused),
            }
        }
    }

    /// A string, borrowed from the text unless it holds an escape.
    #[inline]
    pub(crate) fn string(&mut self) -> Read<Cow<'a, str>> {
        if self.peek()? != b'"' {
            return Err(Refused);
        }
        let open = self.pos;
        // Most strings (every key, nearly every value) hold no escape: their first special
        // byte is the closing quote.
        let bytes = self.bytes();
        let first = next_special(bytes, open + 1).ok_or(Refused)?;
        if bytes[first] == b'"' {
            self.pos = first + 1;
            return Ok(Cow::Borrowed(&self.text[open + 1..first]));
        }
        self.string_with_escapes(open, first)
    }

    /// [`Reader::string`] for the string opened at `open` whose first special byte, at
    /// `first`, is not its closing quote: a backslash (an escape), or a control character.
    #[cold]
    #[inline(never)]
    fn string_with_escapes(&mut self, open: usize, first: usize) -> Read<Cow<'a, str>> {
        let (close, escaped) = self.string_end_from(first)?;
        self.pos = close + 1;
        if escaped {
            // The quotes are ASCII, so both ends are character boundaries. A `\uXXXX` (or an
            // invalid escape) goes to serde_json.
            match unescape(&self.text[open + 1..close]) {
                Some(text) => Ok(Cow::Owned(text)),
                None => serde_json::from_str::<String>(&self.text[open..=close])
                    .map(Cow::Owned)
                    .map_err(|_| Refused),
            }
        } else {
            Ok(Cow::Borrowed(&self.text[open + 1..close]))
        }
    }

    /// A JSON integer (no fraction, no exponent: serde refuses those for an integer field).
    pub(crate) fn integer<T: std::str::FromStr>(&mut self) -> Read<T> {
        self.peek()?;
        let bytes = self.bytes();
        let start = self.pos;
        let mut end = start + usize::from(bytes[start] == b'-');
        let digits = end;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let leading_zero = end > digits + 1 && bytes[digits] == b'0';
        if end == digits || leading_zero || matches!(bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return Err(Refused);
        }
        self.pos = end;
        self.text[start..end].parse().map_err(|_| Refused)
    }

    /// The text of the next value, whatever it is, for serde_json to decode.
    pub(crate) fn raw(&mut self) -> Read<&'a str> {
        let first = self.peek()?;
        let start = self.pos;
        let bytes = self.bytes();
        match first {
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match bytes.get(self.pos).ok_or(Refused)? {
                        b'"' => {
                            self.pos = self.string_end()?.0;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            b'"' => self.pos = self.string_end()?.0 + 1,
            _ => {
                while bytes.get(self.pos).is_some_and(|b| {
                    !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                }) {
                    self.pos += 1;
                }
            }
        }
        Ok(&self.text[start..self.pos])
    }

    /// The next value, decoded by serde_json.
    pub(crate) fn value<T: DeserializeOwned>(&mut self) -> Read<T> {
        serde_json::from_str(self.raw()?).map_err(|_| Refused)
    }

    /// Reads an object: `field` gets each key and reads its value.
    pub(crate) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, Cow<'a, str>) -> Read<()>,
    ) -> Read<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Refused),
            }
        }
    }

    /// Reads an array, each item with `item`.
    pub(crate) fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            if items.len() == items.capacity() {
                // An event's lists are short (an attendee or three, a reminder or two): grown
                // one item at a time at first, they end at their length, with nothing to shrink.
                items.reserve_exact(if items.len() < 4 { 1 } else { items.len() });
            }
            items.push(item(self)?);
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(Refused),
            }
        }
    }
}

/// The text of a string with its one-character escapes (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`,
/// `\r`, `\t`) replaced; `None` when it holds any other escape.
fn unescape(raw: &str) -> Option<String> {
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        text.push(match rest.as_bytes().get(at + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            _ => return None,
        });
        // The escape is two ASCII bytes, so what follows starts on a character boundary.
        rest = &rest[at + 2..];
    }
    text.push_str(rest);
    Some(text)
}

/// Eight copies of a byte.
const fn repeat(byte: u8) -> u64 {
    0x0101_0101_0101_0101 * byte as u64
}

/// The position, from `at` on, of the first byte that ends a JSON string's plain run: a quote,
/// a backslash or a control character.
///
/// Eight bytes at a time: in each word, a byte is flagged when it equals `"` or `\` (it XORs
/// to zero) or is below 0x20 (subtracting 0x20 borrows into its high bit). A borrow can also
/// flag bytes above a flagged one, never below it, so the lowest flag is exact. Most strings
/// in an event are short (keys, ids, emails), where this beats a SIMD search's setup.
#[inline(always)]
fn next_special(bytes: &[u8], mut at: usize) -> Option<usize> {
    const LOW: u64 = repeat(0x01);
    const HIGH: u64 = repeat(0x80);
    let zero_bytes = |word: u64| word.wrapping_sub(LOW) & !word & HIGH;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let flags = zero_bytes(word ^ repeat(b'"'))
            | zero_bytes(word ^ repeat(b'\\'))
            | (word.wrapping_sub(repeat(0x20)) & !word & HIGH);
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes
        .get(at..)?
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        .map(|offset| at + offset)
}

impl Fast for String {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.string().map(Cow::into_owned)
    }
}

impl Fast for bool {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        match reader.peek()? {
            b't' => reader.word(b"true").map(|()| true),
            b'f' => reader.word(b"false").map(|()| false),
            _ => Err(Refused),
        }
    }
}

impl Fast for i32 {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.integer()
    }
}

impl<T: Fast> Fast for Option<T> {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        if reader.null()? {
            Ok(None)
        } else {
            T::read(reader).map(Some)
        }
    }
}

impl<T: Fast> Fast for Vec<T> {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.array(T::read)
    }
}

impl<T: Fast> Fast for Box<T> {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        T::read(reader).map(Box::new)
    }
}

impl Fast for BTreeMap<String, String> {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        let mut map = BTreeMap::new();
        reader.object(|reader, key| {
            map.insert(key.into_owned(), String::read(reader)?);
            Ok(())
        })?;
        Ok(map)
    }
}

impl Fast for chrono::NaiveDate {
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        // As chrono's `Deserialize` does: the string through `FromStr`.
        reader.string()?.parse().map_err(|_| Refused)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::calendar::model::{Event, Events};

    /// An event with every part the reader has its own code for, escapes, whitespace,
    /// `null`s and unknown fields.
    fn rich_event() -> String {
        let mut event = json!({
            "kind": "calendar#event", "etag": "\"3181161784712000\"", "id": "evt1", "status": "confirmed",
            "htmlLink": "https://calendar.test/e?eid=1", "created": "2025-11-02T08:15:30.000Z",
            "updated": "2026-01-15T10:20:30.123+01:00", "summary": "Café \"planning\" ☕\n", "description": null,
            "location": "Room 2/3 \\ B", "colorId": "5",
            "creator": {"email": "a@x.test", "self": true, "photo": "p.png"},
            "organizer": {"email": "b@x.test", "displayName": "B"},
            "start": {"dateTime": "2026-03-02T09:00:00", "timeZone": "Europe/Paris"},
            "end": {"date": "2026-03-03"},
            "originalStartTime": {"dateTime": "2026-03-02T09:00:00+01:00", "hint": [1, {"a": "]}"}]},
            "endTimeUnspecified": false, "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10"],
            "recurringEventId": "rec1", "transparency": "transparent", "visibility": "private",
            "iCalUID": "evt1@google.com", "sequence": -0,
            "attendees": [
                {"email": "c@x.test", "responseStatus": "accepted", "additionalGuests": 2, "rank": 1.5},
                {"email": "d@x.test", "responseStatus": "brandNew", "optional": true}
            ],
            "attendeesOmitted": false,
            "extendedProperties": {"private": {"crm": "deal-1", "crm": "deal-2"}, "shared": {}},
            "hangoutLink": "https://meet.test/abc",
            "conferenceData": {
                "entryPoints": [{"entryPointType": "video", "uri": "https://meet.test/abc", "entryPointFeatures": ["x"]}],
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Meet"},
                "createRequest": {"requestId": "r", "status": {"statusCode": "success"}},
                "conferenceId": "abc"
            },
            "gadget": {"height": 10, "preferences": {"a": "b"}}
        });
        let more = json!({
            "anyoneCanAddSelf": false, "guestsCanInviteOthers": true, "guestsCanModify": false,
            "guestsCanSeeOtherGuests": true, "privateCopy": false, "locked": false,
            "reminders": {"useDefault": false, "overrides": [{"method": "popup", "minutes": 10}]},
            "source": {"url": "https://crm.test/1", "title": "CRM"},
            "attachments": [{"fileUrl": "https://drive.test/1", "title": "Slides"}],
            "eventType": "default", "zNew": {"deep": [true, false, null, "x\u{1F600}"]}, "zNum": -1.25e3
        });
        if let (Some(event), serde_json::Value::Object(more)) = (event.as_object_mut(), more) {
            event.extend(more);
        }
        // Pretty-printed, with one key and one value written with escapes.
        serde_json::to_string_pretty(&event)
            .expect("encodes")
            .replace("\"summary\"", "\"summ\\u0061ry\"")
            .replace("\"rec1\"", "\"r\\u0065c1\"")
    }

    #[test]
    fn a_full_event_is_read_directly_and_equals_what_serde_decodes() {
        let text = rich_event();
        let direct = decode::<Event>(&text).expect("the reader reads it itself");
        let serde: Event = serde_json::from_str(&text).expect("serde decodes it");
        assert_eq!(direct, serde);
        assert_eq!(direct.summary.as_deref(), Some("Café \"planning\" ☕\n"));
        assert_eq!(direct.recurring_event_id.as_deref(), Some("rec1"));
        assert_eq!(direct.extra.len(), 2);
        let attendees = direct.attendees.as_ref().expect("attendees");
        assert_eq!((attendees.len(), attendees.capacity()), (2, 2));

        let page = format!(r#" {{"nextPageToken": "p2", "items": [{text}, {{}}], "zz": [1]}} "#);
        let direct = Events::from_json(page.as_bytes()).expect("decodes");
        assert_eq!(
            direct,
            serde_json::from_str::<Events>(&page).expect("serde")
        );
        assert!(read_page_directly(&page), "the page is read directly");
    }

    fn read_page_directly(page: &str) -> bool {
        let mut token = None;
        crate::calendar::api::read_event_page_for_tests::<Event>(page, &mut token).is_some()
    }

    #[test]
    fn what_the_reader_refuses_serde_refuses_too() {
        let refused = [
            "",
            "[]",
            r#"{"id": "e1"} x"#,
            r#"{"id": "e1",}"#,
            r#"{"id" "e1"}"#,
            r#"{"id": 'e1'}"#,
            "{\"id\": \"raw\u{1}control\"}",
            r#"{"id": "bad \x escape"}"#,
            r#"{"id": "lone \ud800 surrogate"}"#,
            r#"{"id": "unclosed}"#,
            r#"{"sequence": 01}"#,
            r#"{"sequence": 1.0}"#,
            r#"{"sequence": 1e2}"#,
            r#"{"sequence": +1}"#,
            r#"{"sequence": 99999999999}"#,
            r#"{"sequence": "1"}"#,
            r#"{"locked": tru}"#,
            r#"{"locked": nul}"#,
            r#"{"summary": 3}"#,
            r#"{"attendees": {"a": 1}}"#,
            r#"{"attendees": null, "recurrence": [null]}"#,
            r#"{"start": {"dateTime": "tomorrow"}}"#,
            r#"{"start": {"dateTime": "2026-03-29T02:30:00", "timeZone": "Europe/Paris"}}"#,
            r#"{"created": "yesterday"}"#,
            r#"{"zNew": [1, 2}"#,
            r#"{"zNew": 1 2}"#,
            r#"{"zNew": }"#,
        ];
        for text in refused {
            assert!(decode::<Event>(text).is_none(), "read {text:?}");
            assert!(
                serde_json::from_str::<Event>(text).is_err(),
                "serde read {text:?}"
            );
        }
    }

    #[test]
    fn every_escape_reads_as_serde_reads_it() {
        for raw in [
            r#""\"quoted\" \\ \/ \b\f\n\r\t""#,
            r#""caf\u00e9 \ud83d\ude00 \n""#,
            r#""\\u0041 is not an escape""#,
            r#""ends with \\""#,
        ] {
            let direct = Reader::new(raw).string().map(Cow::into_owned).ok();
            let serde = serde_json::from_str::<String>(raw).ok();
            assert_eq!(direct, serde, "{raw}");
            assert!(direct.is_some(), "{raw}");
        }
        for raw in [r#""\x""#, r#""\"#, r#""\u12""#, r#""\ud800""#] {
            assert!(Reader::new(raw).string().is_err(), "{raw}");
            assert!(serde_json::from_str::<String>(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn the_end_of_a_plain_run_is_found_at_every_offset() {
        for special in [b'"', b'\\', 0x01, 0x1f] {
            for len in 0..24 {
                // Bytes just around the special ones: space, DEL, and UTF-8 continuation bytes.
                let mut bytes: Vec<u8> = "a ~\u{7f}é".bytes().cycle().take(len).collect();
                assert_eq!(next_special(&bytes, 0), None);
                bytes.push(special);
                bytes.extend_from_slice(b"\"tail");
                for start in 0..=len {
                    assert_eq!(
                        next_special(&bytes, start),
                        Some(len),
                        "{special} at {len} from {start}"
                    );
                }
            }
        }
    }
}
