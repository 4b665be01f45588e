//! `agenda`, `conflicts` and `free_busy` over the scenario, read live from the emulator, and
//! the refusals of bad input.

use std::collections::BTreeMap;

use calstack_core::calendar::model::{EventAttendee, FreeBusyRequest, ResponseStatus};
use calstack_core::facade::ClientUpdate;
use calstack_core::stack::{Interval, SlotQuery, StackQuery};
use calstack_core::validate::working_hours;
use calstack_core::{ClientId, Error, Event, EventDateTime};
use calstack_e2e::Harness;
use chrono::{DateTime, TimeDelta, Utc};

use super::scenario::{self, Member, utc};

fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    (utc("2026-03-16T00:00:00Z"), utc("2026-04-13T00:00:00Z"))
}

/// Google's busy intervals for a client: `freebusy.query` over its calendars, merged.
pub(crate) async fn google_busy(
    member: &Member,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Interval> {
    let answer = member
        .api
        .freebusy()
        .query(FreeBusyRequest::new(from, to, member.calendars.clone()))
        .send()
        .await
        .expect("freebusy.query");
    let mut all: Vec<Interval> = answer
        .calendars
        .unwrap_or_default()
        .into_values()
        .flat_map(|c| c.busy.unwrap_or_default())
        .filter_map(|p| Some(Interval::new(p.start?, p.end?)))
        .collect();
    all.sort();
    let mut merged: Vec<Interval> = Vec::new();
    for iv in all {
        match merged.last_mut() {
            Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
            _ => merged.push(iv),
        }
    }
    merged
}

/// Bolt's answers to three invitations at times it is otherwise free, on 31 March: 15:00Z
/// declined by Bolt (named by address only, so Google marks it `self`), 16:00Z declined by
/// Bolt marked `self`, and 17:00Z declined only by a guest. Only the last is busy.
async fn answered_invitations(bolt: &Member) {
    let attendee = |email: &str, is_self: Option<bool>, status: ResponseStatus| EventAttendee {
        email: Some(email.into()),
        is_self,
        response_status: Some(status),
        ..EventAttendee::default()
    };
    let owner = "bolt@bolt.test";
    let guest = "guest@elsewhere.test";
    let invitations = [
        ("15", attendee(owner, None, ResponseStatus::Declined)),
        ("16", attendee(owner, Some(true), ResponseStatus::Declined)),
        ("17", attendee(guest, None, ResponseStatus::Declined)),
    ];
    for (hour, answer) in invitations {
        let at = |minute: &str| EventDateTime::utc(utc(&format!("2026-03-31T{hour}:{minute}:00Z")));
        let mut event = Event::new("Invitation", at("00"), at("59"));
        event.attendees = Some(vec![
            answer,
            attendee(guest, None, ResponseStatus::Accepted),
        ]);
        bolt.api
            .events()
            .insert("primary", event)
            .send()
            .await
            .expect("inserted");
    }
}

#[tokio::test]
async fn free_busy_equals_googles_freebusy_query_per_client() {
    let harness = Harness::start().await;
    let members = scenario::build(&harness).await;
    answered_invitations(&members[1]).await;
    let (from, to) = window();
    let ours = harness
        .calstack()
        .free_busy(&StackQuery::new(from, to).live(true))
        .await
        .expect("free/busy");
    let ours: BTreeMap<ClientId, Vec<Interval>> = ours
        .clients
        .into_iter()
        .map(|c| (c.client_id, c.busy))
        .collect();
    for member in &members {
        let google = google_busy(member, from, to).await;
        assert!(
            !google.is_empty(),
            "{} is busy sometimes",
            member.client.name
        );
        assert_eq!(
            ours[&member.client.id], google,
            "{}'s busy time",
            member.client.name
        );
    }
    let bolt = &ours[&members[1].client.id];
    let declined = Interval::new(utc("2026-03-31T15:00:00Z"), utc("2026-03-31T17:00:00Z"));
    assert!(
        bolt.iter()
            .all(|iv| iv.end <= declined.start || iv.start >= declined.end),
        "what Bolt declined is free: {bolt:?}"
    );
    let guest_declined = Interval::new(utc("2026-03-31T17:00:00Z"), utc("2026-03-31T17:59:00Z"));
    assert!(
        bolt.contains(&guest_declined),
        "a guest's decline leaves Bolt busy: {bolt:?}"
    );
}

#[tokio::test]
async fn agenda_stacks_both_clients_with_series_expanded_and_flags_the_collision() {
    let harness = Harness::start().await;
    scenario::build(&harness).await;
    let (from, to) = window();
    let query = StackQuery::new(from, to)
        .time_zone(Some("Europe/Zurich"))
        .live(true);
    let agenda = harness.calstack().agenda(&query).await.expect("agenda");
    assert!(agenda.problems.is_empty(), "{:?}", agenda.problems);
    assert!(
        agenda.entries.windows(2).all(|w| w[0].start <= w[1].start),
        "time-ordered"
    );
    let titles: Vec<&str> = agenda.entries.iter().map(|e| e.summary.as_str()).collect();
    // 7 standups (one EXDATE) minus one cancelled, 3 focus days, 7 gym days, and singles.
    assert_eq!(titles.iter().filter(|t| **t == "Standup").count(), 6);
    assert_eq!(titles.iter().filter(|t| **t == "Focus day").count(), 3);
    assert_eq!(titles.iter().filter(|t| t.starts_with("Gym")).count(), 7);
    assert!(titles.contains(&"Gym (with coach)"));
    assert!(!titles.contains(&"Cancelled call"));
    let conflicts = harness
        .calstack()
        .conflicts(&query)
        .await
        .expect("conflicts");
    let pairs: Vec<(&str, &str)> = conflicts
        .conflicts
        .iter()
        .map(|c| (c.first.summary.as_str(), c.second.summary.as_str()))
        .collect();
    // The moved standup (12:00–13:00Z) runs into Bolt's coached gym (08:30 in New York,
    // 12:30Z) and review (12:30Z), which also collide with each other.
    assert_eq!(
        pairs,
        [
            ("Standup", "Gym (with coach)"),
            ("Standup", "Review"),
            ("Gym (with coach)", "Review")
        ]
    );
    let first = &conflicts.conflicts[0];
    assert_eq!(first.overlap_start, utc("2026-03-30T12:30:00Z"));
    assert_eq!(first.overlap_end, utc("2026-03-30T13:00:00Z"));
    assert_eq!(agenda.conflicts, 3);
    let only_bolt = harness
        .calstack()
        .agenda(&query.clone().clients(Some(["Bolt"])))
        .await
        .expect("agenda");
    assert!(only_bolt.entries.iter().all(|e| &*e.client == "Bolt"));
    assert_eq!(only_bolt.conflicts, 1);
}

fn field_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_before_anything_is_read() {
    let harness = Harness::start().await;
    let (acme, _) = harness.authorized_client("Acme", "acme@acme.test").await;
    let calstack = harness.calstack();
    let requests_before: u64 = harness.emulator().counters().values().sum();
    let (from, to) = window();
    let q = StackQuery::new(from, to).live(true);
    assert_eq!(
        field_of(calstack.agenda(&StackQuery::new(to, from)).await),
        "to"
    );
    let long = StackQuery::new(from, from + TimeDelta::days(400));
    assert_eq!(field_of(calstack.free_busy(&long).await), "to");
    let zoned = q.clone().time_zone(Some("Mars/Olympus"));
    assert_eq!(field_of(calstack.conflicts(&zoned).await), "time_zone");
    let unknown = q.clone().clients(Some(["Nobody Ltd"]));
    assert_eq!(field_of(calstack.agenda(&unknown).await), "clients");
    let zero = SlotQuery::new(q.clone(), TimeDelta::zero());
    assert_eq!(field_of(calstack.find_slots(&zero).await), "duration");
    let huge = SlotQuery::new(q.clone(), TimeDelta::days(60));
    assert_eq!(field_of(calstack.find_slots(&huge).await), "duration");
    let step = SlotQuery::new(q.clone(), TimeDelta::hours(1)).step(Some(TimeDelta::zero()));
    assert_eq!(field_of(calstack.find_slots(&step).await), "step");
    let requests_after: u64 = harness.emulator().counters().values().sum();
    assert_eq!(requests_after, requests_before, "nothing was fetched");

    let bad_hours = working_hours::parse("17:00-09:00", "Europe/Zurich");
    assert_eq!(field_of(bad_hours), "working_hours");
    let good = working_hours::parse("mon-fri 09:00-17:00", "Europe/Zurich").expect("valid");
    let mut broken = good.clone();
    broken.days[0].push(broken.days[0][0]);
    let refused = calstack
        .clients()
        .update(
            acme.id,
            ClientUpdate {
                name: Some("Renamed".into()),
                working_hours: Some(Some(broken)),
                ..ClientUpdate::default()
            },
        )
        .await;
    assert_eq!(field_of(refused), "working_hours");
    let unchanged = calstack.clients().get(acme.id).await.expect("client");
    assert_eq!(unchanged.name, "Acme", "a refused update changes nothing");
    assert_eq!(
        calstack
            .clients()
            .working_hours(acme.id)
            .await
            .expect("read"),
        None
    );
    calstack
        .clients()
        .update(
            acme.id,
            ClientUpdate {
                working_hours: Some(Some(good.clone())),
                ..ClientUpdate::default()
            },
        )
        .await
        .expect("valid hours are stored");
    assert_eq!(
        calstack
            .clients()
            .working_hours(acme.id)
            .await
            .expect("read"),
        Some(good)
    );
}

#[tokio::test]
async fn streamed_agenda_equals_the_whole_agenda_chunk_by_chunk() {
    use calstack_core::stack::AgendaItem;
    use futures::TryStreamExt;

    let harness = Harness::start().await;
    scenario::build(&harness).await;
    let (from, to) = window();
    for zone in ["Europe/Zurich", "Asia/Tokyo", "America/Los_Angeles"] {
        let query = StackQuery::new(from, to).time_zone(Some(zone)).live(true);
        let whole = harness.calstack().agenda(&query).await.expect("agenda");
        let shape = |e: &calstack_core::stack::AgendaEntry| {
            (e.event_id.clone(), e.start, e.conflicts_with.clone())
        };
        let expected: Vec<_> = whole.entries.iter().map(shape).collect();
        for days in [1, 2, 5] {
            let items: Vec<AgendaItem> = harness
                .calstack()
                .agenda_stream(query.clone(), TimeDelta::days(days))
                .try_collect()
                .await
                .expect("stream");
            let streamed: Vec<_> = items
                .iter()
                .map(|item| match item {
                    AgendaItem::Entry(e) => shape(e),
                    AgendaItem::Problem(p) => panic!("unexpected problem {p}"),
                })
                .collect();
            assert_eq!(streamed, expected, "{zone}, chunks of {days} day(s)");
        }
    }
}
