//! Paging and incremental sync for the keyed lists (`calendarList`, `acl`, `settings`): one
//! place reads `maxResults`/`pageToken`/`syncToken`, walks entries in key order, skips what an
//! incremental sync already saw and ends the answer with `nextPageToken` or `nextSyncToken`.

use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::params::Params;
use crate::tokens::{self, PageToken, SyncToken};

/// One list request over a keyed collection, its tokens decoded and checked.
#[derive(Debug)]
pub(crate) struct Listing {
    collection: String,
    epoch: u64,
    /// For an incremental list: the change number of the sync token.
    pub(crate) since: Option<u64>,
    snapshot: u64,
    after: Option<String>,
    max: usize,
}

impl Listing {
    /// Reads the paging parameters of a list over `collection` (`epoch` = its current sync
    /// epoch, `current_seq` = the newest change number). `sync_conflicts` are the parameters
    /// Google refuses next to `syncToken`.
    pub(crate) fn parse(
        params: &Params,
        collection: String,
        epoch: u64,
        current_seq: u64,
        sync_conflicts: &[&str],
    ) -> Result<Self, ApiError> {
        let max = params.max_results(100, 250)?;
        let mut since = None;
        if let Some(sync) = params.get("syncToken") {
            if sync_conflicts.iter().any(|p| params.has(p)) {
                return Err(ApiError::invalid_param(
                    "syncToken",
                    "Sync token cannot be used with other request restrictions.",
                ));
            }
            let token: SyncToken = tokens::decode(sync)
                .ok_or_else(|| ApiError::invalid_param("syncToken", "Invalid sync token value."))?;
            if token.collection != collection || token.epoch != epoch {
                return Err(ApiError::full_sync_required());
            }
            since = Some(token.seq);
        }
        let (snapshot, after) = match params.get("pageToken") {
            Some(p) => {
                let token: PageToken = tokens::decode(p)
                    .filter(|t: &PageToken| {
                        t.collection == collection && (since.is_none() || t.since == since)
                    })
                    .ok_or_else(|| {
                        ApiError::invalid_param("pageToken", "Invalid page token value.")
                    })?;
                // A page token of an incremental list carries its sync token's position.
                since = token.since;
                if since.is_some() && token.epoch != epoch {
                    return Err(ApiError::full_sync_required());
                }
                (token.snapshot, Some(token.key))
            }
            None => (current_seq, None),
        };
        Ok(Self {
            collection,
            epoch,
            since,
            snapshot,
            after,
            max,
        })
    }

    /// Whether deleted entries belong in the answer (always for an incremental list).
    pub(crate) fn show_deleted(&self, params: &Params) -> Result<bool, ApiError> {
        Ok(self.since.is_some() || params.bool("showDeleted", false)?)
    }

    /// One page of `entries` (in key order) as a `kind` list: entries changed after the sync
    /// token (by `seq`) that `keep` accepts, rendered by `render`, then the next page's token or
    /// the sync token.
    pub(crate) fn respond<'a, T: 'a>(
        &self,
        kind: &str,
        etag: String,
        entries: impl IntoIterator<Item = (&'a str, &'a T)>,
        seq: impl Fn(&T) -> u64,
        mut keep: impl FnMut(&T) -> bool,
        mut render: impl FnMut(&str, &T) -> Value,
    ) -> Value {
        let mut items = Vec::new();
        let mut last_key: Option<&str> = None;
        let mut more = false;
        for (key, entry) in entries {
            if self.after.as_deref().is_some_and(|a| key <= a)
                || self.since.is_some_and(|s| seq(entry) <= s)
                || !keep(entry)
            {
                continue;
            }
            if items.len() == self.max {
                more = true;
                break;
            }
            items.push(render(key, entry));
            last_key = Some(key);
        }
        let mut out = json!({"kind": kind, "etag": etag, "items": items});
        match last_key.filter(|_| more) {
            Some(key) => {
                out["nextPageToken"] = json!(tokens::encode(&PageToken {
                    collection: self.collection.clone(),
                    snapshot: self.snapshot,
                    key: key.to_owned(),
                    since: self.since,
                    epoch: self.epoch,
                }));
            }
            None => {
                out["nextSyncToken"] = json!(tokens::encode(&SyncToken {
                    collection: self.collection.clone(),
                    epoch: self.epoch,
                    seq: self.snapshot,
                }));
            }
        }
        out
    }
}

/// A list's etag in Google's shape, from the newest change number.
pub(crate) fn list_etag(seq: u64) -> String {
    format!("\"p{seq:x}\"")
}
