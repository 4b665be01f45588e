//! A scenario of two clients whose calendars hold what the stacked views must get right:
//! recurring series with EXDATEs, cancelled, moved and edited instances, all-day series and
//! events, transparent events, several zones, and the March 2026 DST changes (America on the
//! 8th, Europe on the 29th).

use calstack_core::calendar::model::{Calendar, Transparency};
use calstack_core::{CalendarClient, Client, Event, EventDateTime};
use calstack_e2e::Harness;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// One client of the scenario and the calendars it has.
pub(crate) struct Member {
    pub(crate) client: Client,
    pub(crate) api: CalendarClient,
    pub(crate) calendars: Vec<String>,
}

pub(crate) fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 time")
        .with_timezone(&Utc)
}

pub(crate) fn zoned(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> EventDateTime {
    EventDateTime::zoned(
        zone.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("an unambiguous local time"),
    )
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> EventDateTime {
    EventDateTime::all_day(NaiveDate::from_ymd_opt(y, m, d).expect("a valid date"))
}

async fn insert(api: &CalendarClient, calendar: &str, event: Event) -> Event {
    api.events()
        .insert(calendar, event)
        .send()
        .await
        .expect("the event is inserted")
}

async fn instance_id(api: &CalendarClient, calendar: &str, master: &Event, n: usize) -> String {
    let master_id = master.id.as_deref().expect("an id");
    let instances = api
        .events()
        .instances(calendar, master_id)
        .collect_all()
        .await
        .expect("instances");
    instances[n].id.clone().expect("an instance id")
}

/// Acme: a Zurich team calendar with a weekly series across the European DST change (one
/// EXDATE, one moved, one cancelled instance), an all-day weekly series with a cancelled
/// instance, a transparent event; a single event on the primary calendar.
async fn acme(harness: &Harness) -> Member {
    let zurich = Tz::Europe__Zurich;
    let (client, _) = harness.authorized_client("Acme", "acme@acme.test").await;
    let api = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar client");
    let team = api
        .calendars()
        .insert(Calendar {
            summary: Some("Acme Team".into()),
            time_zone: Some("Europe/Zurich".into()),
            ..Calendar::default()
        })
        .send()
        .await
        .expect("a secondary calendar")
        .id
        .expect("an id");
    let weekly = Event::new(
        "Standup",
        zoned(zurich, 2026, 3, 16, 9, 0),
        zoned(zurich, 2026, 3, 16, 10, 0),
    )
    .with_recurrence("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8")
    .with_recurrence("EXDATE;TZID=Europe/Zurich:20260325T090000");
    let weekly = insert(&api, &team, weekly).await;
    // Instances: 16, 18, 23, (25 excluded), 30 Mar, 1, 6, 8 Apr.
    let moved = instance_id(&api, &team, &weekly, 3).await;
    api.events()
        .patch(
            &team,
            &moved,
            Event {
                start: Some(zoned(zurich, 2026, 3, 30, 14, 0)),
                end: Some(zoned(zurich, 2026, 3, 30, 15, 0)),
                ..Event::default()
            },
        )
        .send()
        .await
        .expect("an instance is moved");
    let cancelled = instance_id(&api, &team, &weekly, 4).await;
    api.events()
        .delete(&team, &cancelled)
        .send()
        .await
        .expect("an instance is cancelled");
    let fridays = Event::new("Focus day", day(2026, 3, 20), day(2026, 3, 21))
        .with_recurrence("RRULE:FREQ=WEEKLY;COUNT=4");
    let fridays = insert(&api, &team, fridays).await;
    let second = instance_id(&api, &team, &fridays, 1).await;
    api.events()
        .delete(&team, &second)
        .send()
        .await
        .expect("an all-day instance is cancelled");
    let mut lunch = Event::new(
        "Lunch (free)",
        EventDateTime::utc(utc("2026-03-24T12:00:00Z")),
        EventDateTime::utc(utc("2026-03-24T13:00:00Z")),
    );
    lunch.transparency = Some(Transparency::Transparent);
    insert(&api, &team, lunch).await;
    insert(
        &api,
        "primary",
        Event::new(
            "Board",
            EventDateTime::utc(utc("2026-03-31T08:00:00Z")),
            EventDateTime::utc(utc("2026-03-31T09:00:00Z")),
        ),
    )
    .await;
    Member {
        client,
        api,
        calendars: vec!["primary".into(), team],
    }
}

/// Bolt: a daily New York series across the European DST change with one edited instance, a
/// meeting that collides with Acme's moved standup, an all-day event, a deleted event.
async fn bolt(harness: &Harness) -> Member {
    let new_york = Tz::America__New_York;
    let (client, _) = harness.authorized_client("Bolt", "bolt@bolt.test").await;
    let api = harness
        .calstack()
        .calendar(client.id)
        .await
        .expect("calendar client");
    let daily = Event::new(
        "Gym",
        zoned(new_york, 2026, 3, 27, 8, 30),
        zoned(new_york, 2026, 3, 27, 9, 30),
    )
    .with_recurrence("RRULE:FREQ=DAILY;UNTIL=20260402T235959Z");
    let daily = insert(&api, "primary", daily).await;
    let edited = instance_id(&api, "primary", &daily, 3).await;
    api.events()
        .patch(
            "primary",
            &edited,
            Event {
                summary: Some("Gym (with coach)".into()),
                ..Event::default()
            },
        )
        .send()
        .await
        .expect("an instance is edited");
    insert(
        &api,
        "primary",
        Event::new(
            "Review",
            EventDateTime::utc(utc("2026-03-30T12:30:00Z")),
            EventDateTime::utc(utc("2026-03-30T13:30:00Z")),
        ),
    )
    .await;
    insert(
        &api,
        "primary",
        Event::new("Offsite", day(2026, 3, 26), day(2026, 3, 27)),
    )
    .await;
    let gone = insert(
        &api,
        "primary",
        Event::new(
            "Cancelled call",
            EventDateTime::utc(utc("2026-03-30T15:00:00Z")),
            EventDateTime::utc(utc("2026-03-30T16:00:00Z")),
        ),
    )
    .await;
    api.events()
        .delete("primary", gone.id.as_deref().expect("an id"))
        .send()
        .await
        .expect("an event is deleted");
    Member {
        client,
        api,
        calendars: vec!["primary".into()],
    }
}

/// Both clients, set up in the harness's emulator.
pub(crate) async fn build(harness: &Harness) -> Vec<Member> {
    vec![acme(harness).await, bolt(harness).await]
}
