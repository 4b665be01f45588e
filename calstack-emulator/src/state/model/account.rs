//! An emulated Google account and the entries of its calendar list. Every account has a
//! primary calendar whose id is its email.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::state::model::etag::etag;
use crate::state::model::setting::Setting;

/// An emulated Google account.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) time_zone: String,
    pub(crate) list: BTreeMap<String, ListEntry>,
    pub(crate) list_epoch: u64,
    /// User settings by id (`timezone`, `locale`, ...).
    pub(crate) settings: BTreeMap<String, Setting>,
}

/// One entry of an account's calendar list.
#[derive(Debug, Clone)]
pub(crate) struct ListEntry {
    pub(crate) access_role: &'static str,
    pub(crate) prefs: Map<String, Value>,
    pub(crate) etag: String,
    pub(crate) seq: u64,
    pub(crate) deleted: bool,
    pub(crate) primary: bool,
}

impl ListEntry {
    /// A fresh entry with Google's default display preferences.
    pub(crate) fn new(access_role: &'static str, seq: u64, primary: bool) -> Self {
        let mut prefs = Map::new();
        prefs.insert("colorId".into(), json!("14"));
        prefs.insert("backgroundColor".into(), json!("#9fe1e7"));
        prefs.insert("foregroundColor".into(), json!("#000000"));
        prefs.insert("selected".into(), json!(true));
        prefs.insert(
            "defaultReminders".into(),
            if primary {
                json!([{"method": "popup", "minutes": 10}])
            } else {
                json!([])
            },
        );
        Self {
            access_role,
            prefs,
            etag: etag(seq),
            seq,
            deleted: false,
            primary,
        }
    }
}
