//! iCalendar import and export against the emulator: every corpus file imports (or is refused
//! and changes nothing), a re-import changes nothing, moved and cancelled occurrences land on
//! the right instances, exports import back as no-ops, and big files go in batch requests.

use std::path::PathBuf;
use std::sync::Mutex;

use calstack_core::calendar::{Calendar, CalendarClient};
use calstack_core::ics::{self, ImportOptions, ImportReport};
use calstack_core::{Error, Event};
use calstack_e2e::Harness;
use calstack_emulator::{Fault, ScriptedFault};
use chrono::{DateTime, Utc};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../calstack-core/tests/fixtures/ics")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn setup() -> (Harness, CalendarClient) {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Ics Ltd", "ics@example.com")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    (harness, calendar)
}

/// A new empty calendar in `zone`.
async fn new_calendar(api: &CalendarClient, zone: &str) -> String {
    let mut calendar = Calendar::new("import target");
    calendar.time_zone = Some(zone.to_owned());
    api.calendars()
        .insert(calendar)
        .send()
        .await
        .expect("calendar created")
        .id
        .expect("an id")
}

async fn import(
    api: &CalendarClient,
    calendar: &str,
    text: &str,
    options: &ImportOptions,
) -> ImportReport {
    ics::import(api, calendar, text, options, &|_, _| {})
        .await
        .unwrap_or_else(|e| panic!("import failed: {e}"))
}

async fn events(api: &CalendarClient, calendar: &str) -> Vec<Event> {
    api.events()
        .list(calendar)
        .collect_all()
        .await
        .expect("list")
}

#[tokio::test]
async fn every_corpus_file_imports_and_a_reimport_changes_nothing() {
    let (_harness, api) = setup().await;
    // (file, events + exceptions the first import writes)
    let files = [
        ("outlook-exchange.ics", 3),
        ("exchange-display-name-zone.ics", 1),
        ("apple-calendar.ics", 3),
        ("google-export.ics", 4),
        ("thunderbird-lightning.ics", 3),
        ("evolution.ics", 2),
        ("booking-tool.ics", 1),
        ("school-timetable.ics", 4),
        ("holiday-feed.ics", 4),
    ];
    for (file, written) in files {
        let calendar = new_calendar(&api, "Europe/Zurich").await;
        let text = fixture(file);
        let first = import(&api, &calendar, &text, &ImportOptions::default()).await;
        assert_eq!(
            (first.created, first.updated, first.failed.len()),
            (written, 0, 0),
            "{file}: {first:?}"
        );
        let again = import(&api, &calendar, &text, &ImportOptions::default()).await;
        assert_eq!(
            (
                again.created,
                again.updated,
                again.unchanged,
                again.failed.len()
            ),
            (0, 0, written, 0),
            "{file}: a re-import must change nothing: {again:?}"
        );
        // What calstack exports imports back as a no-op too.
        let exported = ics::export(&api, &calendar, None, None, Utc::now())
            .await
            .expect("export");
        let round = import(&api, &calendar, &exported, &ImportOptions::default()).await;
        assert_eq!(
            (round.created, round.updated, round.failed.len()),
            (0, 0, 0),
            "{file}: export → import must change nothing: {round:?}\n{exported}"
        );
    }
}

#[tokio::test]
async fn broken_files_change_nothing_and_skip_invalid_keeps_the_good_events() {
    let (_harness, api) = setup().await;
    let calendar = new_calendar(&api, "UTC").await;
    for file in [
        "broken-truncated.ics",
        "broken-duration-overflow.ics",
        "mixed-good-and-bad.ics",
    ] {
        let result = ics::import(
            &api,
            &calendar,
            &fixture(file),
            &ImportOptions::default(),
            &|_, _| {},
        )
        .await;
        assert!(
            matches!(result, Err(Error::Validation { ref field, .. }) if field == "ics"),
            "{file}: {result:?}"
        );
    }
    assert!(events(&api, &calendar).await.is_empty());
    let lenient = ImportOptions::default().skip_invalid(true);
    let report = import(
        &api,
        &calendar,
        &fixture("mixed-good-and-bad.ics"),
        &lenient,
    )
    .await;
    assert_eq!(report.created, 2);
    assert_eq!(report.skipped.len(), 2, "{report:?}");
    assert!(
        report.skipped[0].contains("bad-date@example.com"),
        "{report:?}"
    );
}

#[tokio::test]
async fn moved_and_cancelled_occurrences_land_on_their_instances() {
    let (_harness, api) = setup().await;
    let calendar = new_calendar(&api, "Europe/Berlin").await;
    let report = import(
        &api,
        &calendar,
        &fixture("thunderbird-lightning.ics"),
        &ImportOptions::default(),
    )
    .await;
    assert_eq!(report.failed, Vec::<String>::new());
    let yoga: Vec<Event> = api
        .events()
        .list(&calendar)
        .single_events(true)
        .q("Yoga")
        .collect_all()
        .await
        .expect("instances");
    assert_eq!(yoga.len(), 7, "8 weekly occurrences, one cancelled");
    let cancelled: DateTime<Utc> = "2026-03-31T17:00:00Z".parse().expect("valid");
    assert!(yoga.iter().all(|e| {
        e.start
            .as_ref()
            .and_then(|s| s.date_time)
            .map(|d| d.to_utc())
            != Some(cancelled)
    }));

    let calendar = new_calendar(&api, "Europe/Berlin").await;
    import(
        &api,
        &calendar,
        &fixture("outlook-exchange.ics"),
        &ImportOptions::default(),
    )
    .await;
    let updates: Vec<Event> = api
        .events()
        .list(&calendar)
        .single_events(true)
        .q("Team-Update")
        .collect_all()
        .await
        .expect("instances");
    let moved = updates
        .iter()
        .find(|e| e.summary.as_deref() == Some("Team-Update (verschoben)"))
        .expect("the moved occurrence");
    assert_eq!(
        moved
            .start
            .as_ref()
            .and_then(|s| s.date_time)
            .map(|d| d.to_utc().to_rfc3339()),
        Some("2026-06-16T12:00:00+00:00".to_owned())
    );
    // Mondays June 1 – July 27 (9), minus the EXDATE of July 6.
    assert_eq!(
        updates.len(),
        8,
        "{:?}",
        updates.iter().map(|e| &e.start).collect::<Vec<_>>()
    );
}

fn many_events(n: usize) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for i in 0..n {
        let day = 1 + i % 28;
        let hour = 8 + (i / 28) % 10;
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:bulk-{i}@example.com\r\nDTSTART:202611{day:02}T{hour:02}0000Z\r\nDURATION:PT45M\r\nSUMMARY:Lesson {i}\r\nEND:VEVENT\r\n"
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

#[tokio::test]
async fn a_big_file_goes_in_batches_of_fifty_and_a_failed_part_is_retried_alone() {
    let (harness, api) = setup().await;
    let calendar = new_calendar(&api, "UTC").await;
    let emulator = harness.emulator();
    emulator.reset_counters();
    emulator.script_fault(ScriptedFault::new(
        "events.import",
        Fault::ServiceUnavailable,
        1,
    ));
    let seen = Mutex::new(Vec::new());
    let on_progress = |done: usize, total: usize| seen.lock().expect("lock").push((done, total));
    let report = ics::import(
        &api,
        &calendar,
        &many_events(120),
        &ImportOptions::default(),
        &on_progress,
    )
    .await
    .expect("import");
    assert_eq!(
        (report.created, report.failed.len()),
        (120, 0),
        "{report:?}"
    );
    assert_eq!(
        emulator.counter("batch"),
        3,
        "120 calls in 3 batch requests"
    );
    assert_eq!(
        emulator.counter("events.import"),
        121,
        "the part that met a 503 went again, alone"
    );
    assert_eq!(events(&api, &calendar).await.len(), 120);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.last(), Some(&(120, 120)));
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress never goes back: {seen:?}"
    );

    emulator.reset_counters();
    let calendar = new_calendar(&api, "UTC").await;
    let unbatched = ImportOptions::default().batch_size(0);
    let report = import(&api, &calendar, &many_events(30), &unbatched).await;
    assert_eq!(report.created, 30);
    assert_eq!(
        (emulator.counter("batch"), emulator.counter("events.import")),
        (0, 30)
    );
}

#[tokio::test]
async fn a_batch_maps_each_answer_to_its_call() {
    let (_harness, api) = setup().await;
    let calendar = new_calendar(&api, "UTC").await;
    let event = |s: &str| {
        let start: DateTime<Utc> = "2026-05-01T09:00:00Z".parse().expect("valid");
        let mut e = Event::new(
            s,
            calstack_core::EventDateTime::utc(start),
            calstack_core::EventDateTime::utc(start + chrono::TimeDelta::hours(1)),
        );
        e.ical_uid = Some(format!("{s}@example.com"));
        e
    };
    let mut batch = api.batch();
    batch
        .add(api.events().import(&calendar, event("one")))
        .expect("valid")
        .add(api.events().get(&calendar, "nosuchevent"))
        .expect("valid")
        .add(api.events().import(&calendar, event("two")))
        .expect("valid")
        .add(api.events().insert(&calendar, {
            let mut e = event("three");
            e.ical_uid = None;
            e
        }))
        .expect("valid")
        .add(api.events().patch(&calendar, "nosuchevent", event("four")))
        .expect("valid");
    let mut other = api.batch();
    let refused = other
        .add(api.events().import(&calendar, Event::default()))
        .map(|_| ());
    assert!(matches!(refused, Err(Error::Validation { .. })));
    assert!(other.is_empty(), "a refused call is not added");
    let results = batch.send_json::<Event>().await.expect("batch sent");
    assert_eq!(results.len(), 5);
    assert_eq!(
        results[0].as_ref().ok().and_then(|e| e.summary.as_deref()),
        Some("one")
    );
    assert!(
        matches!(results[1], Err(Error::NotFound { .. })),
        "{:?}",
        results[1]
    );
    assert_eq!(
        results[2].as_ref().ok().and_then(|e| e.summary.as_deref()),
        Some("two")
    );
    let inserted = results[3].as_ref().expect("inserted");
    assert_eq!(inserted.summary.as_deref(), Some("three"));
    assert!(inserted.id.is_some(), "the insert carried a client-made id");
    assert!(
        matches!(results[4], Err(Error::NotFound { .. })),
        "{:?}",
        results[4]
    );
    assert_eq!(
        api.metrics().requests,
        2,
        "one calendar insert, one batch request"
    );
}
