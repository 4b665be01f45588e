//! `find_slots` equals a brute-force search over Google's `freebusy.query`: every grid start
//! checked minute by minute against each client's working hours (in its own zone) and busy
//! times (with the buffer), across the European DST change and around all-day events.

use calstack_core::stack::{Interval, SlotQuery, StackQuery};
use calstack_core::store::WorkingHours;
use calstack_core::validate::working_hours;
use calstack_e2e::Harness;
use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::queries::google_busy;
use super::scenario::{self, utc};

/// Whether the minute starting at `at` is inside `hours`.
fn working_at(hours: &WorkingHours, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&hours.time_zone);
    let time = local.time();
    hours
        .on(local.weekday())
        .iter()
        .any(|w| time >= w.start && w.end.is_none_or(|end| time < end))
}

struct Person {
    busy: Vec<Interval>,
    hours: Option<WorkingHours>,
}

/// Every grid start (each local midnight of `zone`, then every `step`) whose slot suits
/// everyone, checked minute by minute.
fn brute_force(
    people: &[Person],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: Tz,
    length: TimeDelta,
    step: TimeDelta,
    buffer: TimeDelta,
) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut day = from.with_timezone(&zone).date_naive();
    while day <= to.with_timezone(&zone).date_naive() {
        let midnight = |d: chrono::NaiveDate| {
            zone.from_local_datetime(&d.and_time(NaiveTime::MIN))
                .earliest()
                .expect("midnight exists in this zone")
                .with_timezone(&Utc)
        };
        let (start, next) = (midnight(day), midnight(day.succ_opt().expect("a next day")));
        let mut s = start;
        while s < next {
            let e = s + length;
            let fits = s >= from
                && e <= to
                && people.iter().all(|p| {
                    let free = p
                        .busy
                        .iter()
                        .all(|b| !(b.start - buffer < e && s < b.end + buffer));
                    let minutes = (0..length.num_minutes()).map(|m| s + TimeDelta::minutes(m));
                    let mut working = minutes.clone();
                    free && p
                        .hours
                        .as_ref()
                        .is_none_or(|h| working.all(|m| working_at(h, m)))
                });
            if fits {
                out.push(Interval::new(s, e));
            }
            s += step;
        }
        day = day.succ_opt().expect("a next day");
    }
    out
}

#[tokio::test]
async fn slots_equal_a_brute_force_search_over_freebusy_query_across_dst() {
    let harness = Harness::start().await;
    let members = scenario::build(&harness).await;
    let acme_hours = working_hours::parse("mon-fri 09:00-17:00", "Europe/Zurich").expect("ok");
    let bolt_hours = working_hours::parse("mon-fri 08:00-16:00", "America/New_York").expect("ok");
    let clients = harness.calstack().clients();
    clients
        .set_working_hours(members[0].client.id, Some(acme_hours.clone()))
        .await
        .expect("stored");
    clients
        .set_working_hours(members[1].client.id, Some(bolt_hours.clone()))
        .await
        .expect("stored");
    let (from, to) = (utc("2026-03-23T00:00:00Z"), utc("2026-04-04T00:00:00Z"));
    let zone = Tz::Europe__Zurich;
    let (length, step, buffer) = (
        TimeDelta::minutes(45),
        TimeDelta::minutes(30),
        TimeDelta::minutes(10),
    );
    let query = StackQuery::new(from, to)
        .time_zone(Some("Europe/Zurich"))
        .live(true);
    let slots = harness
        .calstack()
        .find_slots(
            &SlotQuery::new(query.clone(), length)
                .step(Some(step))
                .buffer(Some(buffer)),
        )
        .await
        .expect("slots");
    let mut people = Vec::new();
    for (member, hours) in members.iter().zip([acme_hours, bolt_hours]) {
        people.push(Person {
            busy: google_busy(member, from, to).await,
            hours: Some(hours),
        });
    }
    let expected = brute_force(&people, from, to, zone, length, step, buffer);
    assert!(
        expected.len() > 20,
        "the scenario leaves free time ({})",
        expected.len()
    );
    assert_eq!(slots, expected);

    // One set of hours for everyone, on the query's zone, replaces the clients' own.
    let everyone = working_hours::parse("daily 13:00-15:00", "Europe/Zurich").expect("ok");
    let overridden = harness
        .calstack()
        .find_slots(
            &SlotQuery::new(query, TimeDelta::hours(1)).working_hours(Some(everyone.clone())),
        )
        .await
        .expect("slots");
    for person in &mut people {
        person.hours = Some(everyone.clone());
    }
    let expected = brute_force(
        &people,
        from,
        to,
        zone,
        TimeDelta::hours(1),
        TimeDelta::minutes(15),
        TimeDelta::zero(),
    );
    assert!(!expected.is_empty());
    assert_eq!(overridden, expected);
}
