//! Events: storage, validation, writes (`insert`, `update`, `patch`, `delete`, `move`,
//! `quickAdd`, `import`), reads (`get`, `list`, `instances`) with Google's paging, sync-token,
//! time-window and recurrence semantics, and `freeBusy`.

use std::cmp::Ordering;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::State;
use super::calendars::{Calendar, etag, etag_matches, merge_patch};
use crate::api_error::ApiError;
use crate::params::Params;
use crate::recurrence::{Occ, Series, instance_id, parse_instance_id};
use crate::time::{EventTime, format_in_zone, format_ms, parse_event_time, parse_tz, render_like};
use crate::tokens::{self, PageToken, SyncToken};

/// Fields a client cannot set (they are carried over from the stored event).
const READ_ONLY: [&str; 9] = [
    "kind",
    "etag",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "recurringEventId",
    "originalStartTime",
    "iCalUID",
];

/// A stored event (a single event, a recurring master or a modified/cancelled instance).
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub(crate) body: Map<String, Value>,
    /// `body` serialized once per write, so list pages are assembled without re-encoding.
    pub(crate) json: String,
    pub(crate) seq: u64,
    pub(crate) updated: DateTime<Utc>,
    pub(crate) start: EventTime,
    pub(crate) end: EventTime,
    pub(crate) cancelled: bool,
    pub(crate) series: Option<Box<Series>>,
    /// For an exception: the master's id and the original start it replaces.
    pub(crate) master: Option<(String, Occ)>,
}

impl StoredEvent {
    fn etag(&self) -> &str {
        self.body.get("etag").and_then(Value::as_str).unwrap_or("")
    }

    fn id(&self) -> &str {
        self.body.get("id").and_then(Value::as_str).unwrap_or("")
    }

    fn stamp(&mut self, now: DateTime<Utc>, seq: u64) {
        self.seq = seq;
        self.updated = now;
        self.body.insert("etag".into(), json!(etag(seq)));
        self.body.insert("updated".into(), json!(format_ms(now)));
        self.json = serde_json::to_string(&self.body).unwrap_or_default();
    }

    /// Marks the event deleted (`status: cancelled`), keeping it as a tombstone for sync.
    pub(crate) fn cancel(&mut self, now: DateTime<Utc>, seq: u64) {
        self.cancelled = true;
        self.body.insert("status".into(), json!("cancelled"));
        self.stamp(now, seq);
    }

    /// The minimal form Google lists deleted events in.
    fn tombstone(&self) -> Value {
        let mut out = Map::new();
        for key in [
            "kind",
            "etag",
            "id",
            "status",
            "recurringEventId",
            "originalStartTime",
        ] {
            if let Some(v) = self.body.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        Value::Object(out)
    }

    fn span(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.start.instant(tz), self.end.instant(tz))
    }

    fn matches_text(&self, q: &ListQuery) -> bool {
        let body = &self.body;
        if let Some(uid) = &q.ical_uid
            && body.get("iCalUID").and_then(Value::as_str) != Some(uid.as_str())
        {
            return false;
        }
        if !q.event_types.is_empty() {
            let kind = body
                .get("eventType")
                .and_then(Value::as_str)
                .unwrap_or("default");
            if !q.event_types.iter().any(|t| t == kind) {
                return false;
            }
        }
        for (scope, props) in [("private", &q.private_props), ("shared", &q.shared_props)] {
            for (k, v) in props {
                if body
                    .get("extendedProperties")
                    .and_then(|e| e.get(scope))
                    .and_then(|p| p.get(k))
                    .and_then(Value::as_str)
                    != Some(v.as_str())
                {
                    return false;
                }
            }
        }
        if let Some(needle) = &q.text {
            let field = |name: &str| {
                body.get(name)
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
            };
            let mut hay: Vec<String> = ["summary", "description", "location"]
                .iter()
                .filter_map(|f| field(f))
                .collect();
            if let Some(Value::Array(attendees)) = body.get("attendees") {
                for a in attendees {
                    for f in ["email", "displayName"] {
                        if let Some(s) = a.get(f).and_then(Value::as_str) {
                            hay.push(s.to_lowercase());
                        }
                    }
                }
            }
            if !needle
                .split_whitespace()
                .all(|word| hay.iter().any(|h| h.contains(word)))
            {
                return false;
            }
        }
        true
    }
}

/// A validated event body.
struct Prepared {
    body: Map<String, Value>,
    start: EventTime,
    end: EventTime,
    series: Option<Series>,
}

fn one_of(body: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid value for {field}: {other}"
        ))),
    }
}

/// Validates an event body the way Google does and parses its timing.
fn prepare(
    mut body: Map<String, Value>,
    calendar_tz: Tz,
    is_instance: bool,
) -> Result<Prepared, ApiError> {
    let start_v = body
        .get("start")
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::required("Missing start time."))?;
    let end_v = body
        .get("end")
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::required("Missing end time."))?;
    let start = parse_event_time(start_v, "start").map_err(map_time_error)?;
    let end = parse_event_time(end_v, "end").map_err(map_time_error)?;
    if start.is_all_day() != end.is_all_day() {
        return Err(ApiError::invalid(
            "Start and end times must either both be date or both be dateTime.",
        ));
    }
    if end.instant(calendar_tz) < start.instant(calendar_tz) {
        return Err(ApiError::time_range_empty("end"));
    }
    one_of(&body, "status", &["confirmed", "tentative", "cancelled"])?;
    one_of(&body, "transparency", &["opaque", "transparent"])?;
    one_of(
        &body,
        "visibility",
        &["default", "public", "private", "confidential"],
    )?;
    one_of(
        &body,
        "eventType",
        &[
            "default",
            "birthday",
            "focusTime",
            "fromGmail",
            "outOfOffice",
            "workingLocation",
        ],
    )?;
    if let Some(color) = body.get("colorId").and_then(Value::as_str)
        && !color.parse::<u8>().is_ok_and(|n| (1..=11).contains(&n))
    {
        return Err(ApiError::invalid(format!(
            "Invalid value for colorId: {color}"
        )));
    }
    if let Some(attendees) = body.get("attendees").filter(|v| !v.is_null()) {
        let list = attendees
            .as_array()
            .ok_or_else(|| ApiError::invalid("attendees must be a list."))?;
        for a in list {
            match a.get("email").and_then(Value::as_str) {
                Some(e) if e.contains('@') => {}
                Some(e) => return Err(ApiError::invalid(format!("Invalid attendee email: {e}"))),
                None => return Err(ApiError::required("Missing attendee email.")),
            }
        }
    }
    if let Some(overrides) = body
        .get("reminders")
        .and_then(|r| r.get("overrides"))
        .and_then(Value::as_array)
    {
        if overrides.len() > 5 {
            return Err(ApiError::invalid(
                "Too many reminder overrides; at most 5 are allowed.",
            ));
        }
        for o in overrides {
            let minutes = o.get("minutes").and_then(Value::as_i64).unwrap_or(-1);
            if !(0..=40320).contains(&minutes) {
                return Err(ApiError::invalid(
                    "Invalid reminder minutes: must be within [0, 40320].",
                ));
            }
            if !matches!(
                o.get("method").and_then(Value::as_str),
                Some("email" | "popup")
            ) {
                return Err(ApiError::invalid(
                    "Invalid reminder method: must be email or popup.",
                ));
            }
        }
    }
    let series = match body.get("recurrence").filter(|v| !v.is_null()) {
        Some(_) if is_instance => {
            body.remove("recurrence");
            None
        }
        Some(Value::Array(lines)) if !lines.is_empty() => {
            let lines: Vec<String> = lines
                .iter()
                .map(|l| {
                    l.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| ApiError::invalid("Invalid recurrence rule."))
                })
                .collect::<Result<_, _>>()?;
            Some(Series::parse(start, end, &lines, calendar_tz).map_err(|m| {
                if m.starts_with("Missing") {
                    ApiError::required(m)
                } else {
                    ApiError::invalid(m)
                }
            })?)
        }
        Some(Value::Array(_)) => {
            body.remove("recurrence");
            None
        }
        Some(_) => return Err(ApiError::invalid("Invalid recurrence rule.")),
        None => None,
    };
    Ok(Prepared {
        body,
        start,
        end,
        series,
    })
}

fn map_time_error(message: String) -> ApiError {
    if message.starts_with("Missing") {
        ApiError::required(message)
    } else {
        ApiError::invalid(message)
    }
}

/// Client-chosen ids: base32hex characters (`a`–`v`, `0`–`9`), 5–1024 long.
pub(crate) fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
}

fn new_event_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn html_link(id: &str, calendar_id: &str) -> String {
    format!(
        "https://www.google.com/calendar/event?eid={}",
        URL_SAFE_NO_PAD.encode(format!("{id} {calendar_id}"))
    )
}

/// How an events list is ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Order {
    Stored,
    StartTime,
    Updated,
}

/// The filters of one `events.list` call.
#[derive(Debug, Default)]
struct ListQuery {
    since: Option<u64>,
    single: bool,
    show_deleted: bool,
    time_min: Option<DateTime<Utc>>,
    time_max: Option<DateTime<Utc>>,
    updated_min: Option<DateTime<Utc>>,
    text: Option<String>,
    ical_uid: Option<String>,
    private_props: Vec<(String, String)>,
    shared_props: Vec<(String, String)>,
    event_types: Vec<String>,
}

impl ListQuery {
    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        // Zero-length events count as occupying their start instant.
        let end = if end == start {
            end + TimeDelta::milliseconds(1)
        } else {
            end
        };
        self.time_min.is_none_or(|min| end > min) && self.time_max.is_none_or(|max| start < max)
    }

    fn wants_deleted(&self) -> bool {
        self.since.is_some() || self.show_deleted || self.updated_min.is_some()
    }
}

/// An item of a list page before rendering.
enum Item<'a> {
    Stored(&'a StoredEvent),
    Owned(Value),
}

impl Item<'_> {
    /// About how long the rendered item is (exact for stored live events).
    fn size_hint(&self) -> usize {
        match self {
            Item::Stored(ev) => ev.json.len(),
            Item::Owned(_) => 512,
        }
    }

    fn render(&self, out: &mut String) {
        match self {
            Item::Stored(ev) if ev.cancelled => out.push_str(&ev.tombstone().to_string()),
            Item::Stored(ev) => out.push_str(&ev.json),
            Item::Owned(v) => out.push_str(&v.to_string()),
        }
    }

    fn start(&self, tz: Tz) -> DateTime<Utc> {
        match self {
            Item::Stored(ev) => ev.start.instant(tz),
            Item::Owned(v) => v
                .get("start")
                .and_then(|s| parse_event_time(s, "start").ok())
                .map_or(DateTime::<Utc>::MIN_UTC, |t| t.instant(tz)),
        }
    }
}

/// Builds an instance of `master` for occurrence `occ`.
fn make_instance(master: &StoredEvent, occ: Occ, tz: Tz) -> Map<String, Value> {
    let mut body = master.body.clone();
    body.remove("recurrence");
    let master_id = master.id().to_owned();
    let all_day = master.start.is_all_day();
    let duration = master
        .series
        .as_ref()
        .map_or(TimeDelta::zero(), |s| s.duration());
    let begin = occ.instant(tz);
    let start_template = master.body.get("start").cloned().unwrap_or(Value::Null);
    let end_template = master.body.get("end").cloned().unwrap_or(Value::Null);
    // All-day instances last whole days, whatever DST does to the hours in between.
    let end = match (occ, master.start, master.end) {
        (Occ::Date(d), EventTime::Date(first), EventTime::Date(last)) => d
            .checked_add_signed(last - first)
            .map_or(begin + duration, |e| crate::time::midnight(e, tz)),
        _ => begin + duration,
    };
    let start = render_like(&start_template, begin, all_day, tz);
    body.insert("id".into(), json!(instance_id(&master_id, occ)));
    body.insert("end".into(), render_like(&end_template, end, all_day, tz));
    body.insert("originalStartTime".into(), start.clone());
    body.insert("start".into(), start);
    body.insert("recurringEventId".into(), json!(master_id));
    body
}

/// The key a list walk resumes from: the stored id, NUL, and the instance id (if any).
/// Built by hand: `format!` cost more than the rest of a list page together.
fn page_key(id: &str, instance: &str) -> String {
    let mut key = String::with_capacity(id.len() + 1 + instance.len());
    key.push_str(id);
    key.push('\0');
    key.push_str(instance);
    key
}

/// The occurrences a single-events walk visits for the series `master_id`: those whose
/// original start falls in the window, plus instances moved into the window from outside it
/// (Google filters instances by their actual time), in instance-id order.
fn walked_occurrences(cal: &Calendar, master_id: &str, series: &Series, q: &ListQuery) -> Vec<Occ> {
    let mut occs = series.occurrences(cal.tz, q.time_min, q.time_max, usize::MAX);
    if q.time_min.is_none() && q.time_max.is_none() {
        return occs;
    }
    let prefix = format!("{master_id}_");
    let exceptions = cal
        .events
        .range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(key, _)| key.starts_with(&prefix));
    let mut moved_in = false;
    for (_, exc) in exceptions {
        if let Some((master, occ)) = &exc.master
            && master == master_id
            && !exc.cancelled
            && !occs.contains(occ)
        {
            let (s, e) = exc.span(cal.tz);
            if q.overlaps(s, e) {
                occs.push(*occ);
                moved_in = true;
            }
        }
    }
    if moved_in {
        occs.sort_by_cached_key(|o| instance_id(master_id, *o));
    }
    occs
}

/// Walks a calendar's events in stored order, expanding series when `single`, and hands each
/// matching item with its sort key to `emit` until it returns false.
fn walk<'a>(
    cal: &'a Calendar,
    q: &ListQuery,
    resume_from: Option<&str>,
    mut emit: impl FnMut(String, Item<'a>) -> bool,
) {
    let tz = cal.tz;
    let start_id = resume_from.map(|k| k.split('\0').next().unwrap_or("").to_owned());
    let range = match &start_id {
        Some(id) => cal.events.range::<str, _>((
            std::ops::Bound::Included(id.as_str()),
            std::ops::Bound::Unbounded,
        )),
        None => cal.events.range::<str, _>(..),
    };
    let changed = |ev: &StoredEvent| q.since.is_none_or(|s| ev.seq > s);
    let updated_ok = |ev: &StoredEvent| q.updated_min.is_none_or(|m| ev.updated >= m);
    let after = |key: &str| resume_from.is_some_and(|r| key <= r);
    for (id, ev) in range {
        // Exceptions of a series are produced by their master in single-events mode.
        if let Some((master_id, _)) = &ev.master {
            let master = cal.events.get(master_id).filter(|m| m.series.is_some());
            if q.single && master.is_some_and(|m| changed(m) || q.since.is_none()) {
                continue;
            }
            if ev.cancelled && !q.wants_deleted() {
                let live_master = master.is_some_and(|m| !m.cancelled);
                if q.single || !live_master {
                    continue;
                }
            }
        } else if ev.cancelled && !q.wants_deleted() {
            continue;
        }
        if let (true, Some(series)) = (q.single, &ev.series) {
            if !changed(ev) || !updated_ok(ev) {
                continue;
            }
            if ev.cancelled {
                let key = page_key(id, "");
                if !after(&key) && !emit(key, Item::Stored(ev)) {
                    return;
                }
                continue;
            }
            if !ev.matches_text(q) {
                continue;
            }
            for occ in walked_occurrences(cal, id, series, q) {
                let inst_id = instance_id(id, occ);
                let key = page_key(id, &inst_id);
                if after(&key) {
                    continue;
                }
                let item = match cal.events.get(&inst_id) {
                    Some(exc) if exc.cancelled && !q.wants_deleted() => continue,
                    Some(exc) => {
                        let (s, e) = exc.span(tz);
                        if !exc.cancelled && (!q.overlaps(s, e) || !exc.matches_text(q)) {
                            continue;
                        }
                        Item::Stored(exc)
                    }
                    None => Item::Owned(Value::Object(make_instance(ev, occ, tz))),
                };
                if !emit(key, item) {
                    return;
                }
            }
            continue;
        }
        let key = page_key(id, "");
        if after(&key) || !changed(ev) || !updated_ok(ev) || !ev.matches_text(q) {
            continue;
        }
        if !ev.cancelled {
            let in_window = match &ev.series {
                Some(series) if q.time_min.is_some() || q.time_max.is_some() => {
                    !series.occurrences(tz, q.time_min, q.time_max, 1).is_empty()
                }
                Some(_) => true,
                None => {
                    let (s, e) = ev.span(tz);
                    q.overlaps(s, e)
                }
            };
            if !in_window {
                continue;
            }
        }
        if !emit(key, Item::Stored(ev)) {
            return;
        }
    }
}

/// A resource body with its etag, for conditional requests.
#[derive(Debug)]
pub(crate) struct Resource {
    pub(crate) etag: String,
    pub(crate) json: String,
}

impl Resource {
    fn of(ev: &StoredEvent) -> Self {
        Self {
            etag: ev.etag().to_owned(),
            json: ev.json.clone(),
        }
    }

    fn owned(body: Map<String, Value>) -> Self {
        let etag = body
            .get("etag")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        Self {
            etag,
            json: Value::Object(body).to_string(),
        }
    }
}

/// Most events one seeding call may create.
const MAX_SEED: usize = 5_000_000;

/// Options of a seeding run.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub(crate) count: usize,
    pub(crate) start: DateTime<Utc>,
    pub(crate) spacing: TimeDelta,
    pub(crate) duration: TimeDelta,
    pub(crate) summary_prefix: String,
}

fn events_head(
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
fn assemble(head: Map<String, Value>, items: &[Item<'_>]) -> String {
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

fn pairs(values: Vec<&str>, param: &str) -> Result<Vec<(String, String)>, ApiError> {
    values
        .into_iter()
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    ApiError::invalid_param(
                        param,
                        format!("Invalid value '{v}': expected name=value."),
                    )
                })
        })
        .collect()
}

impl State {
    fn calendar(&self, id: &str) -> Result<&Calendar, ApiError> {
        self.calendars
            .get(id)
            .filter(|c| !c.deleted)
            .ok_or_else(ApiError::not_found)
    }

    fn calendar_mut(&mut self, id: &str) -> Result<&mut Calendar, ApiError> {
        self.calendars
            .get_mut(id)
            .filter(|c| !c.deleted)
            .ok_or_else(ApiError::not_found)
    }

    /// The etag of a calendar's events collection (changes whenever any event changes).
    pub(crate) fn events_etag(&self, account: &str, calendar_id: &str) -> Option<String> {
        let id = self.resolve(account, calendar_id);
        self.calendars.get(id).map(|c| format!("\"p{:x}\"", c.seq))
    }

    /// `events.list`.
    pub(crate) fn events_list(
        &self,
        account: &str,
        calendar_id: &str,
        params: &Params,
    ) -> Result<String, ApiError> {
        let cal_id = self.resolve(account, calendar_id);
        let role = self.require_reader(account, cal_id)?;
        let cal = self.calendar(cal_id)?;
        let max = params.max_results(250, 2500)?;
        let max = self.faults.page_cap.map_or(max, |cap| max.min(cap.max(1)));
        let mut q = ListQuery {
            single: params.bool("singleEvents", false)?,
            show_deleted: params.bool("showDeleted", false)?,
            ..ListQuery::default()
        };
        let mut epoch = cal.sync_epoch;
        if let Some(sync) = params.get("syncToken") {
            const FORBIDDEN: [&str; 8] = [
                "iCalUID",
                "orderBy",
                "privateExtendedProperty",
                "q",
                "sharedExtendedProperty",
                "timeMin",
                "timeMax",
                "updatedMin",
            ];
            if FORBIDDEN.iter().any(|p| params.has(p)) {
                return Err(ApiError::invalid_param(
                    "syncToken",
                    "Sync token cannot be used with other request restrictions.",
                ));
            }
            let token: SyncToken = tokens::decode(sync)
                .ok_or_else(|| ApiError::invalid_param("syncToken", "Invalid sync token value."))?;
            if token.collection != cal.id || token.epoch != cal.sync_epoch {
                return Err(ApiError::full_sync_required());
            }
            q.since = Some(token.seq);
        }
        let order = match params.get("orderBy") {
            None => Order::Stored,
            Some("startTime") if q.single => Order::StartTime,
            Some("startTime") => {
                return Err(ApiError::invalid_param(
                    "orderBy",
                    "The requested ordering is not available for the particular query.",
                ));
            }
            Some("updated") => Order::Updated,
            Some(other) => {
                return Err(ApiError::invalid_param(
                    "orderBy",
                    format!("Invalid value '{other}'."),
                ));
            }
        };
        q.time_min = params.time("timeMin")?;
        q.time_max = params.time("timeMax")?;
        if let (Some(min), Some(max)) = (q.time_min, q.time_max)
            && min >= max
        {
            return Err(ApiError::time_range_empty("timeMax"));
        }
        q.updated_min = params.time("updatedMin")?;
        if q.updated_min
            .is_some_and(|m| m < self.now() - TimeDelta::days(28))
        {
            return Err(ApiError::updated_min_too_long_ago());
        }
        q.text = params
            .get("q")
            .map(str::to_lowercase)
            .filter(|s| !s.trim().is_empty());
        q.ical_uid = params.get("iCalUID").map(str::to_owned);
        q.private_props = pairs(
            params.all("privateExtendedProperty"),
            "privateExtendedProperty",
        )?;
        q.shared_props = pairs(
            params.all("sharedExtendedProperty"),
            "sharedExtendedProperty",
        )?;
        q.event_types = params
            .all("eventTypes")
            .into_iter()
            .map(str::to_owned)
            .collect();
        let time_zone = match params.get("timeZone") {
            Some(tz) => Some(
                parse_tz(tz)
                    .ok_or_else(|| {
                        ApiError::invalid_param("timeZone", format!("Invalid time zone: {tz}"))
                    })?
                    .name(),
            ),
            None => None,
        };
        let collection = cal.id.clone();
        let (snapshot, resume) = match params.get("pageToken") {
            Some(p) => {
                let token: PageToken = tokens::decode(p)
                    .filter(|t: &PageToken| t.collection == collection && t.since == q.since)
                    .ok_or_else(|| {
                        ApiError::invalid_param("pageToken", "Invalid page token value.")
                    })?;
                if token.epoch != cal.sync_epoch && q.since.is_some() {
                    return Err(ApiError::full_sync_required());
                }
                epoch = token.epoch;
                (token.snapshot, Some(token.key))
            }
            None => (cal.seq, None),
        };

        let mut page: Vec<(String, Item<'_>)> = Vec::with_capacity(max.min(4096) + 1);
        match order {
            Order::Stored => walk(cal, &q, resume.as_deref(), |key, item| {
                page.push((key, item));
                page.len() <= max
            }),
            Order::StartTime | Order::Updated => {
                let mut all: Vec<(String, Item<'_>)> = Vec::new();
                walk(cal, &q, None, |key, item| {
                    let sort = match (order, &item) {
                        (Order::Updated, Item::Stored(ev)) => format!("{:020}\0{key}", ev.seq),
                        (Order::Updated, Item::Owned(_)) => format!("{:020}\0{key}", 0),
                        _ => {
                            let ms = item
                                .start(cal.tz)
                                .timestamp_millis()
                                .saturating_add(1 << 50);
                            format!("{ms:020}\0{key}")
                        }
                    };
                    all.push((sort, item));
                    true
                });
                all.sort_by(|a, b| a.0.cmp(&b.0));
                page = all
                    .into_iter()
                    .filter(|(k, _)| {
                        resume
                            .as_deref()
                            .is_none_or(|r| k.as_str().cmp(r) == Ordering::Greater)
                    })
                    .take(max + 1)
                    .collect();
            }
        }
        let more = page.len() > max;
        page.truncate(max);
        let list_etag = format!("\"p{:x}\"", cal.seq);
        let mut head = events_head(cal, role, time_zone, &list_etag);
        if more {
            let key = page.last().map(|(k, _)| k.clone()).unwrap_or_default();
            head.insert(
                "nextPageToken".into(),
                json!(tokens::encode(&PageToken {
                    collection,
                    snapshot,
                    key,
                    since: q.since,
                    epoch
                })),
            );
        } else {
            head.insert(
                "nextSyncToken".into(),
                json!(tokens::encode(&SyncToken {
                    collection,
                    epoch,
                    seq: snapshot
                })),
            );
        }
        let items: Vec<Item<'_>> = page.into_iter().map(|(_, item)| item).collect();
        Ok(assemble(head, &items))
    }

    /// `events.get` (stored events, cancelled ones included, and generated instances).
    pub(crate) fn event_get(
        &self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id);
        self.require_reader(account, cal_id)?;
        let cal = self.calendar(cal_id)?;
        if let Some(ev) = cal.events.get(event_id) {
            return Ok(Resource::of(ev));
        }
        Self::generated_instance(cal, event_id)
            .map(Resource::owned)
            .ok_or_else(ApiError::not_found)
    }

    /// The generated instance `event_id` of a live series, if it is one.
    fn generated_instance(cal: &Calendar, event_id: &str) -> Option<Map<String, Value>> {
        let (master_id, occ) = parse_instance_id(event_id)?;
        let master = cal.events.get(master_id).filter(|m| !m.cancelled)?;
        let series = master.series.as_ref()?;
        series
            .contains(occ, cal.tz)
            .then(|| make_instance(master, occ, cal.tz))
    }

    fn store(
        &mut self,
        cal_id: &str,
        account: &str,
        prepared: Prepared,
        id: String,
        extra: Option<&Map<String, Value>>,
    ) -> Resource {
        let seq = self.next_seq();
        let now = self.now();
        let Prepared {
            mut body,
            start,
            end,
            series,
        } = prepared;
        let cal_summary = self
            .calendars
            .get(cal_id)
            .map(|c| c.summary().to_owned())
            .unwrap_or_default();
        body.insert("kind".into(), json!("calendar#event"));
        body.insert("id".into(), json!(id));
        body.entry("status").or_insert(json!("confirmed"));
        body.insert("htmlLink".into(), json!(html_link(&id, cal_id)));
        body.insert("created".into(), json!(format_ms(now)));
        body.insert("creator".into(), json!({"email": account, "self": true}));
        let mut organizer = json!({"email": cal_id, "self": true});
        if cal_id != account {
            organizer["displayName"] = json!(cal_summary);
        }
        body.entry("organizer").or_insert(organizer);
        body.entry("iCalUID")
            .or_insert_with(|| json!(format!("{id}@google.com")));
        body.entry("sequence").or_insert(json!(0));
        body.entry("reminders")
            .or_insert(json!({"useDefault": true}));
        body.entry("eventType").or_insert(json!("default"));
        if let Some(extra) = extra {
            for (k, v) in extra {
                body.insert(k.clone(), v.clone());
            }
        }
        let master = match (
            body.get("recurringEventId").and_then(Value::as_str),
            parse_instance_id(&id),
        ) {
            (Some(m), Some((_, occ))) => Some((m.to_owned(), occ)),
            _ => None,
        };
        let cancelled = body.get("status").and_then(Value::as_str) == Some("cancelled");
        let mut ev = StoredEvent {
            body,
            json: String::new(),
            seq,
            updated: now,
            start,
            end,
            cancelled,
            series: series.map(Box::new),
            master,
        };
        ev.stamp(now, seq);
        let resource = Resource::of(&ev);
        if let Some(cal) = self.calendars.get_mut(cal_id) {
            if let Some(uid) = ev.body.get("iCalUID").and_then(Value::as_str)
                && ev.master.is_none()
            {
                cal.ical_index.insert(uid.to_owned(), id.clone());
            }
            cal.events.insert(id, ev);
            cal.seq = seq;
            cal.updated = now;
        }
        resource
    }

    /// `events.insert`.
    pub(crate) fn event_insert(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: Value,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let Value::Object(mut body) = body else {
            return Err(ApiError::parse_error());
        };
        let id = match body.get("id").and_then(Value::as_str) {
            Some(id) if !valid_event_id(id) => {
                return Err(ApiError::invalid("Invalid resource id value."));
            }
            Some(id) => id.to_owned(),
            None => new_event_id(),
        };
        let cal = self.calendar(&cal_id)?;
        if cal.events.contains_key(&id) {
            return Err(ApiError::duplicate());
        }
        for key in READ_ONLY.iter().filter(|k| **k != "iCalUID") {
            body.remove(*key);
        }
        let prepared = prepare(body, cal.tz, false)?;
        Ok(self.store(&cal_id, account, prepared, id, None))
    }

    /// `events.import`: inserts, or updates the event with the same `iCalUID`.
    pub(crate) fn event_import(
        &mut self,
        account: &str,
        calendar_id: &str,
        body: Value,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let Value::Object(body) = body else {
            return Err(ApiError::parse_error());
        };
        let Some(uid) = body
            .get("iCalUID")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err(ApiError::required("Missing iCalUID."));
        };
        let cal = self.calendar(&cal_id)?;
        match cal.ical_index.get(&uid).cloned() {
            Some(existing) => {
                let mut body = body;
                body.entry("status").or_insert(json!("confirmed"));
                self.event_write(account, &cal_id, &existing, Value::Object(body), true, None)
            }
            None => {
                let id = match body.get("id").and_then(Value::as_str) {
                    Some(id) if !valid_event_id(id) => {
                        return Err(ApiError::invalid("Invalid resource id value."));
                    }
                    Some(id) if cal.events.contains_key(id) => return Err(ApiError::duplicate()),
                    Some(id) => id.to_owned(),
                    None => new_event_id(),
                };
                let mut body = body;
                for key in ["kind", "etag", "htmlLink", "created", "updated", "creator"] {
                    body.remove(key);
                }
                let prepared = prepare(body, cal.tz, false)?;
                Ok(self.store(&cal_id, account, prepared, id, None))
            }
        }
    }

    /// `events.update` (`replace`) and `events.patch`, on stored events or on instances
    /// (which become stored exceptions).
    pub(crate) fn event_write(
        &mut self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        body: Value,
        replace: bool,
        if_match: Option<&str>,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let Value::Object(patch) = body else {
            return Err(ApiError::parse_error());
        };
        let cal = self.calendar(&cal_id)?;
        let tz = cal.tz;
        let existing: Map<String, Value> = match cal.events.get(event_id) {
            Some(ev) => ev.body.clone(),
            None => Self::generated_instance(cal, event_id).ok_or_else(ApiError::not_found)?,
        };
        let current_etag = existing.get("etag").and_then(Value::as_str).unwrap_or("");
        if if_match.is_some_and(|h| !etag_matches(h, current_etag)) {
            return Err(ApiError::condition_not_met());
        }
        if let Some(id) = patch.get("id").and_then(Value::as_str)
            && id != event_id
        {
            return Err(ApiError::invalid("The event id cannot be changed."));
        }
        let is_instance = existing.contains_key("recurringEventId");
        let mut next = if replace {
            let mut next = patch.clone();
            next.entry("status").or_insert(json!("confirmed"));
            next
        } else {
            let mut next = existing.clone();
            let mut writable = patch.clone();
            for key in READ_ONLY {
                writable.remove(key);
            }
            merge_patch(&mut next, &writable);
            next
        };
        for key in READ_ONLY.iter().chain(["id", "organizer"].iter()) {
            match existing.get(*key) {
                Some(v) if *key != "organizer" || replace || !patch.contains_key("organizer") => {
                    next.insert((*key).to_owned(), v.clone());
                }
                _ => {}
            }
        }
        let time_changed = next.get("start") != existing.get("start")
            || next.get("end") != existing.get("end")
            || next.get("recurrence") != existing.get("recurrence");
        let sequence = existing
            .get("sequence")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let asked = patch
            .get("sequence")
            .and_then(Value::as_i64)
            .unwrap_or(sequence);
        next.insert(
            "sequence".into(),
            json!(asked.max(sequence + i64::from(time_changed))),
        );
        let prepared = prepare(next, tz, is_instance)?;
        let seq = self.next_seq();
        let now = self.now();
        let cal = self.calendar_mut(&cal_id)?;
        let master = match (
            prepared
                .body
                .get("recurringEventId")
                .and_then(Value::as_str),
            parse_instance_id(event_id),
        ) {
            (Some(m), Some((_, occ))) => Some((m.to_owned(), occ)),
            _ => None,
        };
        let cancelled = prepared.body.get("status").and_then(Value::as_str) == Some("cancelled");
        let mut ev = StoredEvent {
            body: prepared.body,
            json: String::new(),
            seq,
            updated: now,
            start: prepared.start,
            end: prepared.end,
            cancelled,
            series: prepared.series.map(Box::new),
            master,
        };
        ev.stamp(now, seq);
        let resource = Resource::of(&ev);
        cal.events.insert(event_id.to_owned(), ev);
        cal.seq = seq;
        cal.updated = now;
        Ok(resource)
    }

    /// `events.delete`: 204, then 410 `deleted` on a second delete.
    pub(crate) fn event_delete(
        &mut self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        if_match: Option<&str>,
    ) -> Result<(), ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.require_writer(account, &cal_id)?;
        let seq = self.next_seq();
        let now = self.now();
        let cal = self.calendar_mut(&cal_id)?;
        if !cal.events.contains_key(event_id) {
            let instance =
                Self::generated_instance(cal, event_id).ok_or_else(ApiError::not_found)?;
            let etag_now = instance.get("etag").and_then(Value::as_str).unwrap_or("");
            if if_match.is_some_and(|h| !etag_matches(h, etag_now)) {
                return Err(ApiError::condition_not_met());
            }
            let tz = cal.tz;
            let prepared = prepare(instance, tz, true)?;
            let Some((master_id, occ)) = parse_instance_id(event_id) else {
                return Err(ApiError::not_found());
            };
            let mut ev = StoredEvent {
                body: prepared.body,
                json: String::new(),
                seq,
                updated: now,
                start: prepared.start,
                end: prepared.end,
                cancelled: false,
                series: None,
                master: Some((master_id.to_owned(), occ)),
            };
            ev.cancel(now, seq);
            cal.events.insert(event_id.to_owned(), ev);
            cal.seq = seq;
            cal.updated = now;
            return Ok(());
        }
        let Some(ev) = cal.events.get_mut(event_id) else {
            return Err(ApiError::not_found());
        };
        if ev.cancelled {
            return Err(ApiError::deleted());
        }
        if if_match.is_some_and(|h| !etag_matches(h, ev.etag())) {
            return Err(ApiError::condition_not_met());
        }
        ev.cancel(now, seq);
        if ev.series.is_some() {
            for exc in cal.events.values_mut() {
                if exc.master.as_ref().is_some_and(|(m, _)| m == event_id) && !exc.cancelled {
                    exc.cancel(now, seq);
                }
            }
        }
        cal.seq = seq;
        cal.updated = now;
        Ok(())
    }

    /// `events.move`: the event (same id) leaves `calendar_id` for `destination`.
    pub(crate) fn event_move(
        &mut self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        destination: &str,
    ) -> Result<Resource, ApiError> {
        let src = self.resolve(account, calendar_id).to_owned();
        let dst = self.resolve(account, destination).to_owned();
        self.require_writer(account, &src)?;
        self.require_writer(account, &dst)?;
        let source = self.calendar(&src)?;
        let ev = source
            .events
            .get(event_id)
            .filter(|e| !e.cancelled)
            .ok_or_else(ApiError::not_found)?;
        if ev.master.is_some() {
            return Err(ApiError::bad_request(
                "Cannot move an instance of a recurring event; move the series instead.",
            ));
        }
        if ev
            .body
            .get("eventType")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "default")
        {
            return Err(ApiError::bad_request(
                "Only events of type default can be moved.",
            ));
        }
        if src == dst {
            return Ok(Resource::of(ev));
        }
        let mut moved: Vec<(String, StoredEvent)> = vec![(event_id.to_owned(), ev.clone())];
        moved.extend(
            source
                .events
                .iter()
                .filter(|(_, e)| e.master.as_ref().is_some_and(|(m, _)| m == event_id))
                .map(|(k, e)| (k.clone(), e.clone())),
        );
        if self.calendar(&dst)?.events.contains_key(event_id) {
            return Err(ApiError::duplicate());
        }
        let dst_summary = self.calendar(&dst)?.summary().to_owned();
        let seq = self.next_seq();
        let now = self.now();
        let mut organizer = json!({"email": dst, "self": true});
        if dst != account {
            organizer["displayName"] = json!(dst_summary);
        }
        let source = self.calendar_mut(&src)?;
        for (id, _) in &moved {
            if let Some(e) = source.events.get_mut(id) {
                e.cancel(now, seq);
            }
        }
        source.seq = seq;
        source.updated = now;
        let target = self.calendar_mut(&dst)?;
        let mut result = None;
        for (id, mut e) in moved {
            e.body.insert("organizer".into(), organizer.clone());
            e.body
                .insert("htmlLink".into(), json!(html_link(&id, &dst)));
            e.stamp(now, seq);
            if id == event_id {
                result = Some(Resource::of(&e));
                if let Some(uid) = e.body.get("iCalUID").and_then(Value::as_str) {
                    target.ical_index.insert(uid.to_owned(), id.clone());
                }
            }
            target.events.insert(id, e);
        }
        target.seq = seq;
        target.updated = now;
        result.ok_or_else(ApiError::not_found)
    }

    /// `events.quickAdd`.
    pub(crate) fn event_quick_add(
        &mut self,
        account: &str,
        calendar_id: &str,
        text: &str,
    ) -> Result<Resource, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        let tz = self.calendar(&cal_id)?.tz;
        let parsed = crate::quickadd::parse(text, self.now(), tz);
        let body = json!({
            "summary": parsed.summary,
            "start": {"dateTime": format_in_zone(parsed.start, tz), "timeZone": tz.name()},
            "end": {"dateTime": format_in_zone(parsed.end, tz), "timeZone": tz.name()},
        });
        self.event_insert(account, &cal_id, body)
    }

    /// `events.instances`.
    pub(crate) fn event_instances(
        &self,
        account: &str,
        calendar_id: &str,
        event_id: &str,
        params: &Params,
    ) -> Result<String, ApiError> {
        let cal_id = self.resolve(account, calendar_id);
        let role = self.require_reader(account, cal_id)?;
        let cal = self.calendar(cal_id)?;
        let master = cal.events.get(event_id).ok_or_else(ApiError::not_found)?;
        if master.cancelled {
            return Err(ApiError::deleted());
        }
        let max = params.max_results(250, 2500)?;
        let show_deleted = params.bool("showDeleted", false)?;
        let time_min = params.time("timeMin")?;
        let time_max = params.time("timeMax")?;
        let original = match params.get("originalStart") {
            Some(v) => Some(
                parse_event_time(&json!({"dateTime": v}), "originalStart")
                    .or_else(|_| parse_event_time(&json!({"date": v}), "originalStart"))
                    .map_err(|_| ApiError::invalid_param("originalStart", "Bad Request"))?,
            ),
            None => None,
        };
        let collection = format!("instances:{cal_id}/{event_id}");
        let resume = match params.get("pageToken") {
            Some(p) => Some(
                tokens::decode::<PageToken>(p)
                    .filter(|t| t.collection == collection)
                    .ok_or_else(|| {
                        ApiError::invalid_param("pageToken", "Invalid page token value.")
                    })?
                    .key,
            ),
            None => None,
        };
        let mut items: Vec<(String, Item<'_>)> = Vec::new();
        let q = ListQuery {
            time_min,
            time_max,
            ..ListQuery::default()
        };
        match &master.series {
            None => items.push((String::new(), Item::Stored(master))),
            Some(series) => {
                for (n, occ) in series
                    .occurrences(cal.tz, time_min, time_max, usize::MAX)
                    .into_iter()
                    .enumerate()
                {
                    if original.is_some_and(|o| o.instant(cal.tz) != occ.instant(cal.tz)) {
                        continue;
                    }
                    let key = format!("{n:010}");
                    if resume.as_deref().is_some_and(|r| key.as_str() <= r) {
                        continue;
                    }
                    let inst_id = instance_id(event_id, occ);
                    let item = match cal.events.get(&inst_id) {
                        Some(exc) if exc.cancelled && !show_deleted => continue,
                        Some(exc) => {
                            let (s, e) = exc.span(cal.tz);
                            if !exc.cancelled && !q.overlaps(s, e) {
                                continue;
                            }
                            Item::Stored(exc)
                        }
                        None => Item::Owned(Value::Object(make_instance(master, occ, cal.tz))),
                    };
                    items.push((key, item));
                    if items.len() > max {
                        break;
                    }
                }
            }
        }
        let more = items.len() > max;
        items.truncate(max);
        let mut head = events_head(
            cal,
            role,
            params.get("timeZone"),
            &format!("\"p{:x}\"", master.seq),
        );
        if more {
            let key = items.last().map(|(k, _)| k.clone()).unwrap_or_default();
            head.insert(
                "nextPageToken".into(),
                json!(tokens::encode(&PageToken {
                    collection,
                    snapshot: cal.seq,
                    key,
                    since: None,
                    epoch: 0
                })),
            );
        }
        let items: Vec<Item<'_>> = items.into_iter().map(|(_, i)| i).collect();
        Ok(assemble(head, &items))
    }

    /// `freebusy.query`.
    pub(crate) fn freebusy(&self, account: &str, body: &Value) -> Result<Value, ApiError> {
        let time = |field: &str| -> Result<DateTime<Utc>, ApiError> {
            let text = body
                .get(field)
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::required(format!("Missing {field}.")))?;
            crate::time::parse_rfc3339(text)
                .ok_or_else(|| ApiError::invalid(format!("Invalid {field}.")))
        };
        let (min, max) = (time("timeMin")?, time("timeMax")?);
        if min >= max {
            return Err(ApiError::time_range_empty("timeMax"));
        }
        let zone = match body.get("timeZone").and_then(Value::as_str) {
            Some(name) => parse_tz(name)
                .ok_or_else(|| ApiError::invalid(format!("Invalid timeZone: {name}")))?,
            None => Tz::UTC,
        };
        let ids: Vec<&str> =
            body.get("items")
                .and_then(Value::as_array)
                .map_or_else(Vec::new, |items| {
                    items
                        .iter()
                        .filter_map(|i| i.get("id").and_then(Value::as_str))
                        .collect()
                });
        if ids.len() > 50 {
            return Err(ApiError::invalid(
                "Too many calendars requested; at most 50 are allowed.",
            ));
        }
        let mut calendars = Map::new();
        for requested in ids {
            let cal_id = self.resolve(account, requested);
            let entry = match self
                .role(account, cal_id)
                .and_then(|_| self.calendar(cal_id))
            {
                Ok(cal) => {
                    let busy = busy_intervals(cal, min, max);
                    let busy: Vec<Value> = busy
                        .into_iter()
                        .map(|(s, e)| json!({"start": format_in_zone(s, zone), "end": format_in_zone(e, zone)}))
                        .collect();
                    json!({ "busy": busy })
                }
                Err(_) => {
                    json!({"busy": [], "errors": [{"domain": "global", "reason": "notFound"}]})
                }
            };
            calendars.insert(requested.to_owned(), entry);
        }
        Ok(json!({
            "kind": "calendar#freeBusy",
            "timeMin": format_in_zone(min, zone),
            "timeMax": format_in_zone(max, zone),
            "calendars": calendars,
        }))
    }

    /// Admin: inserts `seed.count` timed events quickly (for benchmarks and big-list tests).
    pub(crate) fn seed_events(
        &mut self,
        account: &str,
        calendar_id: &str,
        seed: &Seed,
    ) -> Result<usize, ApiError> {
        let cal_id = self.resolve(account, calendar_id).to_owned();
        self.role(account, &cal_id)?;
        if seed.count > MAX_SEED {
            return Err(ApiError::invalid(format!(
                "count: at most {MAX_SEED} events per seeding call"
            )));
        }
        let start_of = |n: usize| -> Option<DateTime<Utc>> {
            let span = seed.spacing.checked_mul(i32::try_from(n).ok()?)?;
            seed.start
                .checked_add_signed(span)?
                .checked_add_signed(seed.duration)?;
            seed.start.checked_add_signed(span)
        };
        if seed.duration < TimeDelta::zero() || start_of(seed.count.saturating_sub(1)).is_none() {
            return Err(ApiError::invalid(
                "start, spacing and duration put events outside the supported time range",
            ));
        }
        let now = self.now();
        let first_seq = self.current_seq() + 1;
        for _ in 0..seed.count {
            self.next_seq();
        }
        let cal = self.calendar_mut(&cal_id)?;
        let zone = cal.tz;
        for n in 0..seed.count {
            let seq = first_seq + n as u64;
            let id = new_event_id();
            let start = start_of(n).unwrap_or(seed.start);
            let end = start + seed.duration;
            let body = json!({
                "kind": "calendar#event",
                "id": id,
                "status": "confirmed",
                "htmlLink": html_link(&id, &cal_id),
                "created": format_ms(now),
                "summary": format!("{} {}", seed.summary_prefix, n + 1),
                "creator": {"email": account, "self": true},
                "organizer": {"email": cal_id, "self": true},
                "start": {"dateTime": format_in_zone(start, zone), "timeZone": zone.name()},
                "end": {"dateTime": format_in_zone(end, zone), "timeZone": zone.name()},
                "iCalUID": format!("{id}@google.com"),
                "sequence": 0,
                "reminders": {"useDefault": true},
                "eventType": "default",
            });
            let Value::Object(body) = body else { continue };
            let mut ev = StoredEvent {
                body,
                json: String::new(),
                seq,
                updated: now,
                start: EventTime::DateTime(start, Some(zone)),
                end: EventTime::DateTime(end, Some(zone)),
                cancelled: false,
                series: None,
                master: None,
            };
            ev.stamp(now, seq);
            cal.ical_index
                .insert(format!("{id}@google.com"), id.clone());
            cal.events.insert(id, ev);
        }
        cal.seq = first_seq + seed.count as u64 - 1;
        cal.updated = now;
        Ok(seed.count)
    }
}

/// Busy intervals of a calendar within `[min, max)`, merged and clipped.
fn busy_intervals(
    cal: &Calendar,
    min: DateTime<Utc>,
    max: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let q = ListQuery {
        single: true,
        time_min: Some(min),
        time_max: Some(max),
        ..ListQuery::default()
    };
    let mut spans = Vec::new();
    walk(cal, &q, None, |_, item| {
        let body_transparent = |b: &Map<String, Value>| {
            b.get("transparency").and_then(Value::as_str) == Some("transparent")
        };
        let span = match &item {
            Item::Stored(ev) if ev.cancelled || body_transparent(&ev.body) => None,
            Item::Stored(ev) => Some(ev.span(cal.tz)),
            Item::Owned(Value::Object(b)) if !body_transparent(b) => {
                let parse = |f: &str| {
                    b.get(f)
                        .and_then(|v| parse_event_time(v, f).ok())
                        .map(|t| t.instant(cal.tz))
                };
                parse("start").zip(parse("end"))
            }
            Item::Owned(_) => None,
        };
        if let Some((s, e)) = span
            && e > min
            && s < max
        {
            spans.push((s.max(min), e.min(max)));
        }
        true
    });
    spans.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_must_be_base32hex() {
        assert!(valid_event_id("abcde"));
        assert!(valid_event_id("0123456789abcdefghijklmnopqrstuv"));
        assert!(!valid_event_id("abcd"), "too short");
        assert!(!valid_event_id("abcdw"), "w is not base32hex");
        assert!(!valid_event_id("ABCDE"), "upper case is not allowed");
    }
}
