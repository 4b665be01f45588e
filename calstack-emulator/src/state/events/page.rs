//! The answer of an events list: its head (`kind`, `etag`, `summary`, `timeZone`, ...) and
//! its items, serialized without re-encoding stored events.

use serde_json::{Map, Value, json};

use crate::state::events::walk::Item;
use crate::state::model::calendar::Calendar;
use crate::time::format_ms;

/// The head of an events list for calendar `cal`, as seen by a caller with `role`.
pub(super) fn events_head(
    cal: &Calendar,
    role: &str,
    time_zone: Option<&str>,
    etag_value: &str,
) -> Map<String, Value> {
    let mut head = Map::new();
    head.insert("kind".into(), json!("calendar#events"));
    head.insert("etag".into(), json!(etag_value));
    head.insert("summary".into(), json!(cal.summary()));
    if let Some(d) = cal.meta.get("description") {
        head.insert("description".into(), d.clone());
    }
    head.insert("updated".into(), json!(format_ms(cal.updated)));
    head.insert("timeZone".into(), json!(time_zone.unwrap_or(cal.tz.name())));
    head.insert("accessRole".into(), json!(role));
    head.insert(
        "defaultReminders".into(),
        if cal.id.contains('@') && !cal.id.ends_with("group.calendar.google.com") {
            json!([{"method": "popup", "minutes": 10}])
        } else {
            json!([])
        },
    );
    head
}

/// Serializes `head` plus `"items": [...]` without re-encoding stored items.
pub(super) fn assemble(head: Map<String, Value>, items: &[Item<'_>]) -> String {
    let head = Value::Object(head).to_string();
    let size = items.iter().map(Item::size_hint).sum::<usize>();
    let mut out = String::with_capacity(head.len() + 16 + size + items.len());
    out.push_str(&head);
    out.pop();
    out.push_str(",\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item.render(&mut out);
    }
    out.push_str("]}");
    out
}
