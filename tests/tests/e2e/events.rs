//! Event CRUD with etags, and pagination, through the facade's Calendar client.

use std::collections::HashSet;

use calstack_core::{Error, Event};
use calstack_e2e::Harness;
use calstack_emulator::SeedOptions;
use futures::TryStreamExt;

use crate::event_at;

#[tokio::test]
async fn create_get_update_patch_delete_round_trip_with_etags() {
    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Crud Ltd", "carol@crud.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    let events = calendar.events();

    let created = events
        .insert("primary", event_at("Planning", 9).with_location("Room 1"))
        .send()
        .await
        .expect("insert");
    let id = created.id.clone().expect("an id");
    let fetched = events.get("primary", &id).send().await.expect("get");
    assert_eq!(fetched.summary.as_deref(), Some("Planning"));
    assert_eq!(fetched.location.as_deref(), Some("Room 1"));
    assert_eq!(fetched.etag, created.etag);

    let stale_etag = fetched.etag.clone().expect("an etag");
    let mut changed = fetched.clone();
    changed.description = Some("Agenda: budget".into());
    let updated = events
        .update("primary", &id, changed)
        .if_match(stale_etag.clone())
        .send()
        .await
        .expect("update with the current etag");
    assert_eq!(updated.description.as_deref(), Some("Agenda: budget"));
    assert_eq!(
        updated.location.as_deref(),
        Some("Room 1"),
        "update keeps other fields"
    );
    assert_ne!(
        updated.etag.as_deref(),
        Some(stale_etag.as_str()),
        "a new etag"
    );

    let patched = events
        .patch(
            "primary",
            &id,
            Event {
                summary: Some("Planning (moved)".into()),
                ..Event::default()
            },
        )
        .if_match(updated.etag.clone().expect("an etag"))
        .send()
        .await
        .expect("patch with the current etag");
    assert_eq!(patched.summary.as_deref(), Some("Planning (moved)"));
    assert_eq!(
        patched.description.as_deref(),
        Some("Agenda: budget"),
        "patch keeps the rest"
    );

    // Someone else's change happened since `stale_etag` was read.
    let stale = events
        .patch(
            "primary",
            &id,
            Event {
                summary: Some("Lost update".into()),
                ..Event::default()
            },
        )
        .if_match(stale_etag.clone())
        .send()
        .await
        .expect_err("a stale etag is refused");
    assert!(matches!(stale, Error::PreconditionFailed), "{stale:?}");
    let stale_delete = events
        .delete("primary", &id)
        .if_match(stale_etag)
        .send()
        .await
        .expect_err("a stale etag cannot delete");
    assert!(
        matches!(stale_delete, Error::PreconditionFailed),
        "{stale_delete:?}"
    );
    let still = events.get("primary", &id).send().await.expect("get");
    assert_eq!(
        still.summary.as_deref(),
        Some("Planning (moved)"),
        "nothing was lost"
    );

    events.delete("primary", &id).send().await.expect("delete");
    let gone = events.get("primary", &id).send().await;
    match gone {
        Err(Error::NotFound { .. }) => {}
        Ok(event) => assert!(event.is_cancelled(), "a deleted event reads as cancelled"),
        Err(other) => panic!("expected NotFound or a cancelled event, got {other:?}"),
    }
    let listed = events.list("primary").collect_all().await.expect("list");
    assert!(
        listed.iter().all(|e| e.id.as_deref() != Some(id.as_str())),
        "a deleted event is not listed"
    );
}

#[tokio::test]
async fn paging_through_600_seeded_events_with_small_pages_sees_each_once() {
    let harness = Harness::start().await;
    let account = "dave@pages.test";
    let (client, _) = harness.authorized_client("Pages Ltd", account).await;
    let seeded = harness
        .emulator()
        .seed_events(account, "primary", &SeedOptions::new(600))
        .expect("seed 600 events");
    assert_eq!(seeded, 600);
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");

    let pages: Vec<_> = calendar
        .events()
        .list("primary")
        .max_results(70)
        .pages()
        .try_collect()
        .await
        .expect("every page");
    assert!(
        pages.len() >= 9,
        "600 events at most 70 a page: {} pages",
        pages.len()
    );
    assert!(pages.iter().all(|p| p.items.len() <= 70));

    let ids: Vec<String> = calendar
        .events()
        .list("primary")
        .max_results(70)
        .stream()
        .map_ok(|e| e.id.expect("an id"))
        .try_collect()
        .await
        .expect("stream every event");
    assert_eq!(ids.len(), 600, "every event once");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        600,
        "no duplicates"
    );
}

#[tokio::test]
async fn weekly_event_across_a_dst_change_keeps_its_local_time_in_every_instance() {
    use calstack_core::calendar::OrderBy;
    use calstack_core::{EventDateTime, When};
    use chrono::{TimeDelta, TimeZone, Timelike};
    use chrono_tz::Europe::Zurich;

    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Weekly Ltd", "walt@weekly.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    // Mondays at 10:00 in Zurich; Europe moves to summer time on Sunday 2030-03-31.
    let start = Zurich
        .with_ymd_and_hms(2030, 3, 18, 10, 0, 0)
        .single()
        .expect("a valid local time");
    let series = calendar
        .events()
        .insert(
            "primary",
            Event::new(
                "Weekly sync",
                EventDateTime::zoned(start),
                EventDateTime::zoned(start + TimeDelta::hours(1)),
            )
            .with_recurrence("RRULE:FREQ=WEEKLY;COUNT=4"),
        )
        .send()
        .await
        .expect("insert the series");
    let series_id = series.id.clone().expect("an id");

    let instances = calendar
        .events()
        .instances("primary", &series_id)
        .collect_all()
        .await
        .expect("instances");
    assert_eq!(instances.len(), 4);
    let mut utc_hours = Vec::new();
    for instance in &instances {
        assert_eq!(
            instance.recurring_event_id.as_deref(),
            Some(series_id.as_str())
        );
        let when = instance
            .start
            .as_ref()
            .expect("a start")
            .when()
            .expect("a valid start");
        let When::Timed { at, .. } = when else {
            panic!("a timed instance, got {when:?}");
        };
        assert_eq!(
            at.with_timezone(&Zurich).hour(),
            10,
            "10:00 local every week"
        );
        utc_hours.push(at.with_timezone(&chrono::Utc).hour());
    }
    assert_eq!(
        utc_hours,
        vec![9, 9, 8, 8],
        "the UTC time moves with summer time"
    );

    let expanded = calendar
        .events()
        .list("primary")
        .single_events(true)
        .order_by(OrderBy::StartTime)
        .time_min(start.with_timezone(&chrono::Utc) + TimeDelta::days(6))
        .collect_all()
        .await
        .expect("expanded list");
    assert_eq!(expanded.len(), 3, "the instances after the first week");
    assert!(
        expanded
            .iter()
            .all(|e| e.recurring_event_id.as_deref() == Some(series_id.as_str()))
    );
}

#[tokio::test]
async fn free_busy_reports_the_events_of_the_clients_calendar() {
    use calstack_core::calendar::FreeBusyRequest;
    use chrono::{TimeZone, Utc};

    let harness = Harness::start().await;
    let (client, _) = harness
        .authorized_client("Busy Bee Ltd", "xena@busy.test")
        .await;
    let calendar = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar");
    for (summary, hour) in [("Morning", 9), ("Afternoon", 14)] {
        calendar
            .events()
            .insert("primary", event_at(summary, hour))
            .send()
            .await
            .expect("insert");
    }
    let day = |h| {
        Utc.with_ymd_and_hms(2030, 1, 1, h, 0, 0)
            .single()
            .expect("a valid time")
    };
    let answer = calendar
        .freebusy()
        .query(FreeBusyRequest::new(day(0), day(23), ["primary"]))
        .send()
        .await
        .expect("free/busy");
    let busy = answer
        .calendars
        .as_ref()
        .and_then(|c| c.get("primary").or_else(|| c.get("xena@busy.test")))
        .and_then(|c| c.busy.clone())
        .expect("busy periods for the calendar");
    let periods: Vec<_> = busy.iter().map(|p| (p.start, p.end)).collect();
    assert_eq!(
        periods,
        vec![
            (Some(day(9)), Some(day(10))),
            (Some(day(14)), Some(day(15))),
        ]
    );
}
