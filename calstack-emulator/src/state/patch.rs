//! JSON helpers for writes: picking the fields a resource accepts and merge-patching a body.

use serde_json::{Map, Value};

/// The non-null values of `fields` in `body`.
pub(crate) fn pick(body: &Map<String, Value>, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            body.get(*f)
                .filter(|v| !v.is_null())
                .map(|v| ((*f).to_owned(), v.clone()))
        })
        .collect()
}

/// JSON-merge-patch `patch` into `target`: objects merge recursively, `null` removes.
pub(crate) fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => match target.get_mut(key) {
                Some(Value::Object(existing)) => merge_patch(existing, inner),
                _ => {
                    target.insert(key.clone(), value.clone());
                }
            },
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}
