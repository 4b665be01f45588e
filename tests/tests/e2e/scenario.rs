//! The randomized scenario: several hundred changes made directly through the Calendar API
//! (as users in Google Calendar would: creates, patches, deletes, moves, recurring series with
//! moved and cancelled instances, calendars added, removed, shared and unshared, sync tokens
//! expired), with syncs in between; after the last sync the mirror equals what Google lists,
//! field by field, on SQLite, PostgreSQL and MariaDB.

use std::sync::Arc;

use calstack_core::calendar::{AclRole, AclRule, AclScope, Calendar};
use calstack_core::store::{CalendarKey, MirrorSelection};
use calstack_core::{CalendarClient, Client, Event, EventDateTime, Store};
use calstack_e2e::{Harness, assert_mirror_matches_google};
use calstack_emulator::Emulator;
use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

#[allow(dead_code, unreachable_pub)]
#[path = "../../../calstack-store/tests/backends/support.rs"]
pub(crate) mod support;

const ACCOUNTS: [&str; 3] = [
    "ana@scenario.test",
    "ben@scenario.test",
    "cai@scenario.test",
];
const CHANGES: usize = 360;
const SYNC_EVERY: usize = 90;

struct Scenario {
    harness: Harness,
    clients: Vec<(Client, &'static str)>,
    google: Vec<CalendarClient>,
    rng: StdRng,
}

impl Scenario {
    async fn start(store: Option<Arc<dyn Store>>) -> Self {
        let harness = Harness::with_store(Emulator::builder(), store).await;
        let mut clients = Vec::new();
        for (n, account) in ACCOUNTS.iter().enumerate() {
            let (client, _) = harness
                .authorized_client(&format!("Scenario {n}"), account)
                .await;
            clients.push((client, *account));
        }
        let google = ACCOUNTS.iter().map(|a| harness.google_side(a)).collect();
        Self {
            harness,
            clients,
            google,
            rng: StdRng::seed_from_u64(20_261_203),
        }
    }

    fn pick_account(&mut self) -> usize {
        self.rng.random_range(0..ACCOUNTS.len())
    }

    /// The calendars `account` may write events in.
    async fn writable(&self, account: usize) -> Vec<String> {
        let list = self.google[account]
            .calendar_list()
            .list()
            .collect_all()
            .await;
        list.expect("calendar list")
            .into_iter()
            .filter(|c| {
                c.access_role
                    .as_ref()
                    .is_some_and(|r| matches!(r.as_str(), "owner" | "writer"))
            })
            .filter_map(|c| c.id)
            .collect()
    }

    /// The secondary calendars `account` owns.
    async fn owned_secondary(&self, account: usize) -> Vec<String> {
        let list = self.google[account]
            .calendar_list()
            .list()
            .collect_all()
            .await;
        list.expect("calendar list")
            .into_iter()
            .filter(|c| {
                c.primary != Some(true)
                    && c.access_role
                        .as_ref()
                        .is_some_and(|r| r.as_str() == "owner")
            })
            .filter_map(|c| c.id)
            .collect()
    }

    fn random_event(&mut self) -> Event {
        let day = self.rng.random_range(0..60);
        if self.rng.random_bool(0.2) {
            let date =
                NaiveDate::from_ymd_opt(2030, 3, 1).unwrap_or_default() + TimeDelta::days(day);
            return Event::new(
                "All day",
                EventDateTime::all_day(date),
                EventDateTime::all_day(date + TimeDelta::days(1)),
            );
        }
        let start = Utc
            .with_ymd_and_hms(2030, 3, 1, 8, 0, 0)
            .single()
            .unwrap_or_default()
            + TimeDelta::days(day)
            + TimeDelta::minutes(30 * self.rng.random_range(0..20));
        let minutes = 30 * self.rng.random_range(1..5);
        Event::new(
            format!("Meeting {day}"),
            EventDateTime::utc(start),
            EventDateTime::utc(start + TimeDelta::minutes(minutes)),
        )
        .with_description("scenario")
    }

    fn random_series(&mut self) -> Event {
        let zone: chrono_tz::Tz = "Europe/Zurich".parse().unwrap_or(chrono_tz::UTC);
        let day = self.rng.random_range(0..40);
        let rule = *[
            "RRULE:FREQ=WEEKLY;COUNT=6",
            "RRULE:FREQ=DAILY;UNTIL=20300420T000000Z",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,WE",
        ]
        .choose(&mut self.rng)
        .unwrap_or(&"RRULE:FREQ=DAILY;COUNT=3");
        if self.rng.random_bool(0.25) {
            let date =
                NaiveDate::from_ymd_opt(2030, 3, 1).unwrap_or_default() + TimeDelta::days(day);
            return Event::new(
                "All-day series",
                EventDateTime::all_day(date),
                EventDateTime::all_day(date + TimeDelta::days(1)),
            )
            .with_recurrence("RRULE:FREQ=WEEKLY;COUNT=4");
        }
        let start = zone
            .with_ymd_and_hms(2030, 3, 1, 9, 0, 0)
            .single()
            .unwrap_or_else(|| Utc::now().with_timezone(&zone))
            + TimeDelta::days(day);
        Event::new(
            "Series",
            EventDateTime::zoned(start),
            EventDateTime::zoned(start + TimeDelta::hours(1)),
        )
        .with_recurrence(rule)
    }

    /// One random change at Google.
    async fn change(&mut self) {
        let account = self.pick_account();
        let calendars = self.writable(account).await;
        let Some(calendar) = calendars.choose(&mut self.rng).cloned() else {
            return;
        };
        let api = self.google[account].clone();
        let events = api
            .events()
            .list(&calendar)
            .collect_all()
            .await
            .expect("list");
        let live: Vec<Event> = events.into_iter().filter(|e| !e.is_cancelled()).collect();
        let target = live.choose(&mut self.rng).cloned();
        let roll = self.rng.random_range(0..100);
        match (roll, target) {
            (0..35, _) | (_, None) => {
                let event = self.random_event();
                api.events()
                    .insert(&calendar, event)
                    .send()
                    .await
                    .expect("insert");
            }
            (35..55, Some(e)) => {
                let id = e.id.clone().unwrap_or_default();
                let change = Event {
                    summary: Some(format!("Changed {roll}")),
                    location: Some("Room".into()),
                    ..Event::default()
                };
                api.events()
                    .patch(&calendar, &id, change)
                    .send()
                    .await
                    .expect("patch");
            }
            (55..65, Some(e)) => {
                let id = e.id.clone().unwrap_or_default();
                api.events()
                    .delete(&calendar, &id)
                    .send()
                    .await
                    .expect("delete");
            }
            (65..70, Some(e)) => {
                let Some(to) = calendars.iter().find(|c| **c != calendar).cloned() else {
                    return;
                };
                let id = e.id.clone().unwrap_or_default();
                if e.recurring_event_id.is_none() {
                    let _ = api.events().move_to(&calendar, &id, &to).send().await;
                }
            }
            (70..77, _) => {
                let series = self.random_series();
                api.events()
                    .insert(&calendar, series)
                    .send()
                    .await
                    .expect("series");
            }
            (77..86, _) => self.change_instance(&api, &calendar, &live).await,
            (86..90, _) => {
                let calendar = Calendar {
                    summary: Some(format!("Extra {roll}")),
                    ..Calendar::default()
                };
                api.calendars()
                    .insert(calendar)
                    .send()
                    .await
                    .expect("add calendar");
            }
            (90..93, _) => {
                if let Some(gone) = self.owned_secondary(account).await.choose(&mut self.rng) {
                    api.calendars()
                        .delete(gone)
                        .send()
                        .await
                        .expect("remove calendar");
                }
            }
            (93..97, _) => self.share(account).await,
            _ => self.harness.emulator().expire_sync_tokens(Some(&calendar)),
        }
    }

    /// Moves or cancels one instance of a series in `calendar`.
    async fn change_instance(&mut self, api: &CalendarClient, calendar: &str, live: &[Event]) {
        let masters: Vec<&Event> = live.iter().filter(|e| e.recurrence.is_some()).collect();
        let Some(master) = masters.choose(&mut self.rng) else {
            return;
        };
        let id = master.id.clone().unwrap_or_default();
        let instances = api
            .events()
            .instances(calendar, &id)
            .max_results(20)
            .send()
            .await
            .expect("instances");
        let Some(instance) = instances.items.choose(&mut self.rng) else {
            return;
        };
        let instance_id = instance.id.clone().unwrap_or_default();
        if self.rng.random_bool(0.5) {
            api.events()
                .delete(calendar, &instance_id)
                .send()
                .await
                .expect("cancel instance");
        } else {
            let change = Event {
                summary: Some("Moved instance".into()),
                ..Event::default()
            };
            api.events()
                .patch(calendar, &instance_id, change)
                .send()
                .await
                .expect("move instance");
        }
    }

    /// Shares one of `account`'s calendars with another account, or takes a share back.
    async fn share(&mut self, account: usize) {
        let owned = self.owned_secondary(account).await;
        let Some(calendar) = owned.choose(&mut self.rng).cloned() else {
            return;
        };
        let other = (account + self.rng.random_range(1..ACCOUNTS.len())) % ACCOUNTS.len();
        let acl = self.google[account].acl();
        if self.rng.random_bool(0.7) {
            let role = if self.rng.random_bool(0.5) {
                AclRole::Reader
            } else {
                AclRole::Writer
            };
            let rule = AclRule::new(AclScope::user(ACCOUNTS[other]), role);
            acl.insert(&calendar, rule).send().await.expect("share");
        } else {
            let rule = format!("user:{}", ACCOUNTS[other]);
            let _ = acl.delete(&calendar, &rule).send().await;
        }
    }

    async fn sync(&self) {
        let report = self.harness.calstack().sync().await.expect("sync");
        assert!(report.is_success(), "{report:?}");
    }

    /// The mirror holds exactly each client's calendar list and each calendar's events.
    async fn assert_mirror_equals_google(&self) {
        let calstack = self.harness.calstack();
        let mut compared = 0;
        for ((client, _), google) in self.clients.iter().zip(&self.google) {
            let mut listed: Vec<String> = google
                .calendar_list()
                .list()
                .collect_all()
                .await
                .expect("calendar list")
                .into_iter()
                .filter_map(|c| c.id)
                .collect();
            listed.sort();
            let mirrored: Vec<String> = calstack
                .mirror()
                .calendars(&MirrorSelection::clients([client.id]))
                .await
                .expect("mirrored calendars")
                .into_iter()
                .map(|c| c.meta.key.calendar_id)
                .collect();
            assert_eq!(mirrored, listed, "the calendars of {}", client.name);
            for calendar in &listed {
                assert_mirror_matches_google(
                    calstack,
                    google,
                    &CalendarKey::new(client.id, calendar),
                )
                .await;
                compared += 1;
            }
        }
        assert!(compared >= ACCOUNTS.len(), "every client has calendars");
    }
}

async fn run_scenario(store: Option<Arc<dyn Store>>) {
    let mut scenario = Scenario::start(store).await;
    scenario.sync().await;
    for n in 1..=CHANGES {
        scenario.change().await;
        if n % SYNC_EVERY == 0 {
            scenario.sync().await;
        }
    }
    scenario.sync().await;
    scenario.assert_mirror_equals_google().await;
}

#[tokio::test]
async fn scenario_mirror_equals_google_on_sqlite() {
    run_scenario(None).await;
}

#[tokio::test]
async fn scenario_mirror_equals_google_on_postgres() {
    support::with_postgres(
        "scenario_mirror_equals_google_on_postgres",
        |db| async move {
            let store = calstack_store::PgStore::connect(&db.url)
                .await
                .expect("connect");
            run_scenario(Some(Arc::new(store))).await;
        },
    )
    .await;
}

#[tokio::test]
async fn scenario_mirror_equals_google_on_mariadb() {
    support::with_mysql(
        "scenario_mirror_equals_google_on_mariadb",
        |db| async move {
            let store = calstack_store::MySqlStore::connect(&db.url)
                .await
                .expect("connect");
            run_scenario(Some(Arc::new(store))).await;
        },
    )
    .await;
}
