//! Opaque page and sync tokens. They are base64url-encoded JSON, which clients must treat as
//! opaque; the emulator checks on decode that a token belongs to the collection it is used on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PageToken {
    /// The collection (calendar id, `list:<account>`, `instances:<calendar>/<event>`).
    #[serde(rename = "c")]
    pub(crate) collection: String,
    /// The change number when the first page was served: the final page's sync token is built
    /// from it, so changes made while paging are reported by the next incremental sync.
    #[serde(rename = "s")]
    pub(crate) snapshot: u64,
    /// The sort key of the last item served.
    #[serde(rename = "k")]
    pub(crate) key: String,
    /// For incremental lists: the change number of the sync token.
    #[serde(rename = "y", default, skip_serializing_if = "Option::is_none")]
    pub(crate) since: Option<u64>,
    /// The sync epoch the listing started in.
    #[serde(rename = "e", default)]
    pub(crate) epoch: u64,
}

/// What `nextSyncToken` stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SyncToken {
    #[serde(rename = "c")]
    pub(crate) collection: String,
    #[serde(rename = "e")]
    pub(crate) epoch: u64,
    #[serde(rename = "s")]
    pub(crate) seq: u64,
}

/// Encodes a token.
pub(crate) fn encode<T: Serialize>(token: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(token).unwrap_or_default())
}

/// Decodes a token; `None` for anything the emulator did not issue.
pub(crate) fn decode<T: DeserializeOwned>(text: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_token_round_trips_and_garbage_is_rejected() {
        let token = PageToken {
            collection: "c".into(),
            snapshot: 4,
            key: "k\0".into(),
            since: Some(2),
            epoch: 1,
        };
        assert_eq!(decode::<PageToken>(&encode(&token)), Some(token));
        assert_eq!(decode::<PageToken>("not a token"), None);
        let sync = SyncToken {
            collection: "c".into(),
            epoch: 0,
            seq: 9,
        };
        assert_eq!(decode::<PageToken>(&encode(&sync)), None);
    }
}
