//! Google's `fields` parameter (partial responses): `fields=items(id,summary),nextPageToken`
//! or `items/id` keeps only the named members of a JSON response.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::params::Params;

/// A selection: member name → what to keep inside it (`None` keeps it whole).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Selection(BTreeMap<String, Option<Selection>>);

impl Selection {
    /// Parses a `fields` expression.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut pos = 0;
        let selection = Self::parse_list(&chars, &mut pos)?;
        (pos == chars.len()).then_some(selection)
    }

    fn parse_list(chars: &[char], pos: &mut usize) -> Option<Self> {
        let mut out = Self::default();
        loop {
            let mut path = Vec::new();
            loop {
                let start = *pos;
                while *pos < chars.len() && !matches!(chars[*pos], ',' | '/' | '(' | ')') {
                    *pos += 1;
                }
                if *pos == start {
                    return None;
                }
                path.push(chars[start..*pos].iter().collect::<String>());
                if chars.get(*pos) == Some(&'/') {
                    *pos += 1;
                } else {
                    break;
                }
            }
            let mut leaf = None;
            if chars.get(*pos) == Some(&'(') {
                *pos += 1;
                leaf = Some(Self::parse_list(chars, pos)?);
                if chars.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
            }
            out.insert(&path, leaf);
            match chars.get(*pos) {
                Some(',') => *pos += 1,
                _ => return Some(out),
            }
        }
    }

    fn insert(&mut self, path: &[String], leaf: Option<Self>) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            match (self.0.get_mut(first), leaf) {
                (Some(Some(existing)), Some(new)) => existing.0.extend(new.0),
                (Some(slot), new) if slot.is_some() && new.is_none() => *slot = None,
                (Some(_), _) => {}
                (None, new) => {
                    self.0.insert(first.clone(), new);
                }
            }
            return;
        }
        let child = self
            .0
            .entry(first.clone())
            .or_insert_with(|| Some(Self::default()));
        if let Some(child) = child {
            child.insert(rest, leaf);
        }
    }

    /// Keeps only the selected members of `value`.
    pub(crate) fn apply(&self, value: &mut Value) {
        match value {
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            Value::Object(map) => {
                map.retain(|k, _| self.0.contains_key(k));
                for (k, v) in map.iter_mut() {
                    if let Some(Some(inner)) = self.0.get(k) {
                        inner.apply(v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Middleware: trims successful JSON responses to the `fields` selection.
pub(crate) async fn partial_response(request: Request, next: Next) -> Response {
    let params = Params::parse(request.uri().query());
    let Some(fields) = params.get("fields").map(str::to_owned) else {
        return next.run(request).await;
    };
    let Some(selection) = Selection::parse(&fields) else {
        return ApiError::invalid_param("fields", format!("Invalid field selection {fields}"))
            .into_response();
    };
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::backend_error().into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    selection.apply(&mut value);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_and_slash_selections_trim_lists() {
        let mut page = json!({"kind": "calendar#events", "nextPageToken": "t",
            "items": [{"id": "a", "summary": "s", "start": {"dateTime": "x", "timeZone": "UTC"}}]});
        Selection::parse("items(id,start/dateTime),nextPageToken")
            .expect("valid")
            .apply(&mut page);
        assert_eq!(
            page,
            json!({"nextPageToken": "t", "items": [{"id": "a", "start": {"dateTime": "x"}}]})
        );
    }

    #[test]
    fn malformed_selection_is_rejected() {
        assert_eq!(Selection::parse("items(id"), None);
        assert_eq!(Selection::parse("a,,b"), None);
    }
}
