//! Importing parsed events into a calendar, idempotently: each event is compared with the
//! calendar's event of the same `iCalUID` (and occurrence, for exceptions); identical ones
//! are left alone, the rest go through `events.import` (series and single events) or an update
//! / delete of the occurrence (exceptions), in batch requests unless batching is off.

use std::collections::HashMap;

use chrono_tz::Tz;
use futures::{StreamExt, stream};

use super::compare::same_content;
use super::parse::{ParseOptions, ParsedIcs, instance_id, parse};
use super::report::{ImportOptions, ImportReport, Progress};
use crate::calendar::api::{ImportEvent, UpdateEvent};
use crate::calendar::{Batch, CalendarClient, Event};
use crate::error::Result;

/// The zone floating times are read in for `calendar_id`: the calendar's own, else UTC.
pub async fn calendar_zone(client: &CalendarClient, calendar_id: &str) -> Result<Tz> {
    let entry = client.calendar_list().get(calendar_id).send().await?;
    Ok(entry
        .time_zone
        .and_then(|z| z.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC))
}

/// Parses `text` and imports it into `calendar_id`. A file with a refused event changes
/// nothing unless `options.skip_invalid`.
pub async fn import(
    client: &CalendarClient,
    calendar_id: &str,
    text: &str,
    options: &ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let default_zone = match options.default_zone {
        Some(zone) => zone,
        None => calendar_zone(client, calendar_id).await?,
    };
    let parsed = parse(
        text,
        &ParseOptions {
            default_zone,
            skip_invalid: options.skip_invalid,
        },
    )?;
    import_parsed(client, calendar_id, parsed, options, progress).await
}

/// What the calendar holds now: series and single events by UID, exceptions by UID and
/// original start.
struct Existing {
    by_uid: HashMap<String, Event>,
    exceptions: HashMap<(String, String), Event>,
}

fn occurrence_key(uid: &str, original: &Event) -> Option<(String, String)> {
    let start = original.original_start_time.as_ref()?;
    Some((uid.to_owned(), instance_id("", start)?))
}

async fn existing(client: &CalendarClient, calendar_id: &str) -> Result<Existing> {
    let all = client
        .events()
        .list(calendar_id)
        .show_deleted(false)
        .collect_all()
        .await?;
    let uid_of_id: HashMap<String, String> = all
        .iter()
        .filter(|e| e.recurring_event_id.is_none())
        .filter_map(|e| Some((e.id.clone()?, e.ical_uid.clone()?)))
        .collect();
    let mut found = Existing {
        by_uid: HashMap::new(),
        exceptions: HashMap::new(),
    };
    for event in all {
        match &event.recurring_event_id {
            Some(series) => {
                let uid = uid_of_id
                    .get(series)
                    .cloned()
                    .or_else(|| event.ical_uid.clone());
                if let Some(key) = uid.and_then(|u| occurrence_key(&u, &event)) {
                    found.exceptions.insert(key, event);
                }
            }
            None => {
                if let Some(uid) = event.ical_uid.clone() {
                    found.by_uid.insert(uid, event);
                }
            }
        }
    }
    Ok(found)
}

/// Imports events already parsed (see [`parse`]).
pub async fn import_parsed(
    client: &CalendarClient,
    calendar_id: &str,
    parsed: ParsedIcs,
    options: &ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let existing = existing(client, calendar_id).await?;
    let mut run = Run {
        client,
        calendar_id,
        options,
        progress,
        done: 0,
        total: parsed.events.len() + parsed.exceptions.len(),
    };
    let mut report = ImportReport {
        skipped: parsed.refused.iter().map(ToString::to_string).collect(),
        notes: parsed.notes,
        ..ImportReport::default()
    };
    // Series and single events first: exceptions need their series to exist.
    let mut series_ids: HashMap<String, String> = HashMap::new();
    let ops = plan_events(parsed.events, &existing, &mut series_ids, &mut report);
    run.settled(report.unchanged);
    for (uid, existed, result) in run.send(ops).await? {
        let result = result.map(|event| {
            if let Some(id) = event.and_then(|e| e.id) {
                series_ids.insert(uid.clone(), id);
            }
        });
        tally(&mut report, &uid, existed, result);
    }
    let before = report.unchanged + report.failed.len();
    let ops = plan_exceptions(parsed.exceptions, &existing, &series_ids, &mut report);
    run.settled(report.unchanged + report.failed.len() - before);
    for (uid, existed, result) in run.send(ops).await? {
        tally(&mut report, &uid, existed, result.map(|_| ()));
    }
    report.failed.sort();
    Ok(report)
}

/// What to send for series and single events; unchanged ones are counted, not sent.
fn plan_events(
    events: Vec<Event>,
    existing: &Existing,
    series_ids: &mut HashMap<String, String>,
    report: &mut ImportReport,
) -> Vec<(String, bool, Op)> {
    let mut ops = Vec::new();
    for event in events {
        let uid = event.ical_uid.clone().unwrap_or_default();
        let Some(before) = existing.by_uid.get(&uid) else {
            ops.push((uid, false, Op::Import(event)));
            continue;
        };
        if let Some(id) = &before.id {
            series_ids.insert(uid.clone(), id.clone());
        }
        if same_content(before, &event) {
            report.unchanged += 1;
        } else {
            ops.push((uid, true, Op::Import(event)));
        }
    }
    ops
}

/// What to send for exceptions: an update or delete of the occurrence of a known series.
fn plan_exceptions(
    exceptions: Vec<Event>,
    existing: &Existing,
    series_ids: &HashMap<String, String>,
    report: &mut ImportReport,
) -> Vec<(String, bool, Op)> {
    let mut ops = Vec::new();
    for exception in exceptions {
        let uid = exception.ical_uid.clone().unwrap_or_default();
        let before = occurrence_key(&uid, &exception).and_then(|k| existing.exceptions.get(&k));
        if before.is_some_and(|b| same_content(b, &exception)) {
            report.unchanged += 1;
            continue;
        }
        let target = series_ids
            .get(&uid)
            .zip(exception.original_start_time.as_ref())
            .and_then(|(series, original)| instance_id(series, original));
        let Some(target) = target else {
            report.failed.push(format!(
                "{uid}: an occurrence of a series that is neither in the file nor in the calendar"
            ));
            continue;
        };
        let op = if exception.is_cancelled() {
            Op::Cancel(target)
        } else {
            Op::Replace(target, exception)
        };
        ops.push((uid, before.is_some(), op));
    }
    ops
}

fn tally(report: &mut ImportReport, uid: &str, existed: bool, result: Result<()>) {
    match result {
        Ok(()) if existed => report.updated += 1,
        Ok(()) => report.created += 1,
        Err(e) => report.failed.push(format!("{uid}: {e}")),
    }
}

/// One write the import makes.
enum Op {
    /// `events.import` of a series or single event.
    Import(Event),
    /// `events.update` of one occurrence (by instance id).
    Replace(String, Event),
    /// `events.delete` of one occurrence (by instance id).
    Cancel(String),
}

type Outcome = (String, bool, Result<Option<Event>>);

/// One import's sending: where to, how, and how far it got.
struct Run<'a> {
    client: &'a CalendarClient,
    calendar_id: &'a str,
    options: &'a ImportOptions,
    progress: Progress<'a>,
    done: usize,
    total: usize,
}

impl Run<'_> {
    /// Counts `n` events as settled without a request.
    fn settled(&mut self, n: usize) {
        self.done += n;
        (self.progress)(self.done.min(self.total), self.total);
    }

    /// Sends `ops` batched or one request each, a few requests in flight at once, reporting
    /// progress as each settles.
    async fn send(&mut self, ops: Vec<(String, bool, Op)>) -> Result<Vec<Outcome>> {
        if self.options.batch_size <= 1 {
            return Ok(self.send_singly(ops).await);
        }
        let (client, calendar_id) = (self.client, self.calendar_id);
        let mut out = Vec::with_capacity(ops.len());
        let mut batches = Vec::new();
        let mut ops = ops.into_iter().peekable();
        while ops.peek().is_some() {
            let mut batch = client.batch();
            let mut sent = Vec::new();
            for (uid, existed, op) in ops.by_ref().take(self.options.batch_size) {
                match add(&mut batch, client, calendar_id, op) {
                    Ok(()) => sent.push((uid, existed)),
                    Err(e) => out.push((uid, existed, Err(e))),
                }
            }
            batches.push((batch, sent));
        }
        self.settled(out.len());
        let mut replies = stream::iter(batches)
            .map(|(batch, sent)| async move { (batch.send().await, sent) })
            .buffer_unordered(self.options.concurrency.max(1));
        while let Some((replies, sent)) = replies.next().await {
            let replies = replies?;
            let count = sent.len();
            for ((uid, existed), reply) in sent.into_iter().zip(replies) {
                let result = reply.and_then(|r| {
                    if r.body.is_empty() {
                        Ok(None)
                    } else {
                        r.json::<Event>().map(Some)
                    }
                });
                out.push((uid, existed, gone_is_fine(result)));
            }
            self.settled(count);
        }
        Ok(out)
    }

    async fn send_singly(&mut self, ops: Vec<(String, bool, Op)>) -> Vec<Outcome> {
        let (client, calendar_id) = (self.client, self.calendar_id);
        let mut out = Vec::with_capacity(ops.len());
        let mut results = stream::iter(ops)
            .map(|(uid, existed, op)| send_one(client, calendar_id, uid, existed, op))
            .buffer_unordered(self.options.concurrency.max(1));
        while let Some(outcome) = results.next().await {
            out.push(outcome);
            self.settled(1);
        }
        out
    }
}

async fn send_one(
    client: &CalendarClient,
    calendar_id: &str,
    uid: String,
    existed: bool,
    op: Op,
) -> Outcome {
    let events = client.events();
    let result = match op {
        Op::Import(event) => import_call(client, calendar_id, event)
            .send()
            .await
            .map(Some),
        Op::Replace(id, event) => update_call(client, calendar_id, &id, event)
            .send()
            .await
            .map(Some),
        Op::Cancel(id) => events.delete(calendar_id, &id).send().await.map(|()| None),
    };
    (uid, existed, gone_is_fine(result))
}

/// `events.import` keeping attachments (Google drops them without `supportsAttachments`).
fn import_call(client: &CalendarClient, calendar_id: &str, event: Event) -> ImportEvent {
    client
        .events()
        .import(calendar_id, event)
        .supports_attachments(true)
}

/// `events.update` of one occurrence, keeping attachments.
fn update_call(client: &CalendarClient, calendar_id: &str, id: &str, event: Event) -> UpdateEvent {
    client
        .events()
        .update(calendar_id, id, event)
        .supports_attachments(true)
}

/// Deleting an occurrence that is already cancelled (410) is what was wanted.
fn gone_is_fine(result: Result<Option<Event>>) -> Result<Option<Event>> {
    match result {
        Err(e) if e.status() == Some(410) => Ok(None),
        other => other,
    }
}

fn add(batch: &mut Batch, client: &CalendarClient, calendar_id: &str, op: Op) -> Result<()> {
    let events = client.events();
    match op {
        Op::Import(event) => batch.add(import_call(client, calendar_id, event)),
        Op::Replace(id, event) => batch.add(update_call(client, calendar_id, &id, event)),
        Op::Cancel(id) => batch.add(events.delete(calendar_id, &id)),
    }
    .map(|_| ())
}
