//! [`LazyEvent`]: an event whose fields beyond the few the stacked views read are decoded on
//! first use.

use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::{Serialize, Serializer};

use super::event::Event;
use super::head;

/// An event as a stacked view hands it out, shared (cloning it copies a pointer) between
/// answers and the mirror's cache of opened events.
///
/// It dereferences to the whole [`Event`]. An event from Google, or one a view built (a
/// recurring series' instance), is whole from the start. A single event read from the mirror
/// holds, until first used, only what the views read (`id`, `status`, `summary`, `start`,
/// `end`, `transparency`, `iCalUID`, the recurrence fields and the owner's own response) and
/// its JSON, decoded in full (and the JSON dropped) the first time anything dereferences it:
/// an agenda of twenty thousand entries shown as titles and times decodes twenty thousand
/// heads, not twenty thousand events. Its `Debug` shows neither.
///
/// The JSON was written by this library from a decoded event and is read back only after its
/// seal (AES-GCM, bound to the calendar and event id) was checked, and the read already
/// decoded its head: so the full decode does not fail short of a later schema change. If it
/// ever did, the event answers with its head alone and a warning is logged (naming no
/// content).
#[derive(Clone)]
pub struct LazyEvent(Arc<Inner>);

struct Inner {
    /// The fields the views read (the whole event when `rest` is `None`).
    head: Event,
    rest: Option<Rest>,
}

/// The rest of an event read from the mirror: its JSON until decoded, then the whole event
/// (the JSON is dropped then, so an opened event is not held twice).
struct Rest {
    json: Mutex<Option<Box<str>>>,
    whole: OnceLock<Box<Event>>,
}

impl Rest {
    /// The whole event: decoded from the JSON, which is taken (the first call only: the
    /// caller runs it under the `OnceLock`).
    fn decode(&self, head: &Event) -> Event {
        let json = self
            .json
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match json {
            Some(json) => whole_of(head, &json),
            // Taken by a decode that panicked: the head is what is left.
            None => head.clone(),
        }
    }
}

impl LazyEvent {
    /// An event that is whole already.
    pub fn new(event: Event) -> Self {
        Self(Arc::new(Inner {
            head: event,
            rest: None,
        }))
    }

    /// An event read from its JSON (Google's shape): the fields the stacked views read
    /// decoded now, the rest on first use.
    ///
    /// An error when the text is not one JSON object or one of those fields does not decode
    /// (the error is [`Event::from_json`]'s, naming the field). Damage anywhere else shows
    /// only on first use, where the event then answers with those fields alone: for text
    /// that did not come from a decoded event, [`Event::from_json`] checks everything now.
    ///
    /// ```
    /// use calstack_core::LazyEvent;
    ///
    /// let text = r#"{"id": "e1", "summary": "Standup", "description": "notes"}"#;
    /// let event = LazyEvent::from_json(text).expect("decodes");
    /// assert_eq!(event.head().summary.as_deref(), Some("Standup"));
    /// assert!(!event.is_whole());
    /// assert_eq!(event.description.as_deref(), Some("notes"));
    /// assert!(event.is_whole());
    /// assert!(LazyEvent::from_json(r#"{"summary": 3}"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> crate::Result<Self> {
        Self::read_with(text, Event::from_json)
    }

    /// [`LazyEvent::from_json`] with `whole` decoding the text when its head does not (so
    /// the caller chooses how the failure is named).
    pub(crate) fn read_with<E>(
        text: &str,
        whole: impl FnOnce(&str) -> std::result::Result<Event, E>,
    ) -> std::result::Result<Self, E> {
        match head::decode_head(text) {
            Some(head) => Ok(Self::from_head(head, text.into())),
            None => whole(text).map(Self::new),
        }
    }

    /// An event read as its `head` (from [`super::head::decode_head`]), the rest of `json`
    /// decoded on first use.
    fn from_head(head: Event, json: Box<str>) -> Self {
        Self(Arc::new(Inner {
            head,
            rest: Some(Rest {
                json: Mutex::new(Some(json)),
                whole: OnceLock::new(),
            }),
        }))
    }

    /// The whole event (decoded now, if this is its first use).
    pub fn get(&self) -> &Event {
        let Some(rest) = &self.0.rest else {
            return &self.0.head;
        };
        rest.whole
            .get_or_init(|| Box::new(rest.decode(&self.0.head)))
    }

    /// The whole event, owned: moved out when this is its only holder, else copied.
    pub fn into_event(self) -> Event {
        match Arc::try_unwrap(self.0) {
            Ok(Inner { head, rest: None }) => head,
            Ok(Inner {
                head,
                rest: Some(mut rest),
            }) => match rest.whole.take() {
                Some(whole) => *whole,
                None => rest.decode(&head),
            },
            Err(shared) => Self(shared).get().clone(),
        }
    }

    /// The fields the stacked views read, without decoding the rest: `id`, `status`,
    /// `summary`, `start`, `end`, `transparency`, `iCalUID`, `recurrence`,
    /// `recurringEventId`, `originalStartTime`, and of `attendees` the one marked `self`
    /// (with its `responseStatus`). The other fields may be empty here while the event has
    /// them: read those through [`LazyEvent::get`].
    pub fn head(&self) -> &Event {
        &self.0.head
    }

    /// Whether the whole event is decoded (always, for events that were whole from the start).
    pub fn is_whole(&self) -> bool {
        self.0.rest.as_ref().is_none_or(|r| r.whole.get().is_some())
    }

    /// Whether both are the same shared event.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

/// The whole event `json` holds, or (should it no longer decode) its `head`, with a warning.
fn whole_of(head: &Event, json: &str) -> Event {
    Event::from_json(json).unwrap_or_else(|_| {
        tracing::warn!(
            event_id = head.id.as_deref().unwrap_or_default(),
            "an event's JSON does not decode in full; answering with the fields the stacked views read"
        );
        head.clone()
    })
}

impl Deref for LazyEvent {
    type Target = Event;

    fn deref(&self) -> &Event {
        self.get()
    }
}

impl Default for LazyEvent {
    /// An empty event, whole.
    fn default() -> Self {
        Self::new(Event::default())
    }
}

impl From<Event> for LazyEvent {
    fn from(event: Event) -> Self {
        Self::new(event)
    }
}

impl PartialEq for LazyEvent {
    fn eq(&self, other: &Self) -> bool {
        Self::ptr_eq(self, other) || self.get() == other.get()
    }
}

impl std::fmt::Debug for LazyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyEvent")
            .field("id", &self.0.head.id)
            .field("whole", &self.is_whole())
            .finish_non_exhaustive()
    }
}

impl Serialize for LazyEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::calendar::model::head::decode_head;

    fn stored() -> String {
        json!({
            "id": "e1", "summary": "Dentist", "description": "root canal",
            "start": {"dateTime": "2026-03-02T09:00:00Z"}, "end": {"dateTime": "2026-03-02T10:00:00Z"},
            "reminders": {"useDefault": true}
        })
        .to_string()
    }

    #[test]
    fn a_head_opens_whole_on_first_use_and_equals_the_decoded_event() {
        let text = stored();
        let head = decode_head(&text).expect("head");
        let lazy = LazyEvent::from_head(head, text.clone().into());
        assert!(!lazy.is_whole());
        assert_eq!(lazy.head().description, None);
        assert_eq!(lazy.head().summary.as_deref(), Some("Dentist"));
        let whole: Event = serde_json::from_str(&text).expect("decodes");
        assert_eq!(lazy.description.as_deref(), Some("root canal"));
        assert!(lazy.is_whole());
        let json_left = lazy
            .0
            .rest
            .as_ref()
            .map(|r| r.json.lock().expect("lock").is_some());
        assert_eq!(json_left, Some(false), "the JSON is dropped once decoded");
        assert_eq!(*lazy, whole);
        assert_eq!(lazy, LazyEvent::new(whole.clone()));
        assert_eq!(
            serde_json::to_value(&lazy).expect("encodes"),
            serde_json::to_value(&whole).expect("encodes")
        );
    }

    #[test]
    fn into_event_moves_a_sole_event_out_and_copies_a_shared_one() {
        let text = stored();
        let whole: Event = serde_json::from_str(&text).expect("decodes");
        let lazy = LazyEvent::from_json(&text).expect("reads");
        let shared = lazy.clone();
        assert_eq!(lazy.into_event(), whole, "shared: copied");
        assert_eq!(shared.into_event(), whole, "sole, never opened: decoded");
        let opened = LazyEvent::from_json(&text).expect("reads");
        let _ = opened.get();
        assert_eq!(opened.into_event(), whole, "sole, opened: moved out");
        assert_eq!(LazyEvent::new(whole.clone()).into_event(), whole);
    }

    #[test]
    fn debug_shows_no_content() {
        let text = stored();
        let lazy = LazyEvent::from_head(decode_head(&text).expect("head"), text.into());
        let _ = lazy.get();
        let shown = format!("{lazy:?}");
        assert!(shown.contains("e1"), "{shown}");
        assert!(
            !shown.contains("Dentist") && !shown.contains("root canal"),
            "{shown}"
        );
    }

    #[test]
    fn a_body_that_no_longer_decodes_answers_with_its_head() {
        let text = r#"{"id":"e2","summary":"Kept","reminders":{"useDefault":"not a bool"}}"#;
        let lazy = LazyEvent::from_head(decode_head(text).expect("head"), text.into());
        assert_eq!(lazy.summary.as_deref(), Some("Kept"));
        assert_eq!(lazy.reminders, None);
    }
}
