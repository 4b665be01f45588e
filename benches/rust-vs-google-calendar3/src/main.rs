//! calstack-core vs google-calendar3: client CPU time and memory of listing 20,000 full events
//! (every field the Calendar API defines for an event, as a busy calendar has them), decoded
//! from the same 8 pages of 2,500 into each library's typed `Events` pages, each the way that
//! library's client decodes a page it received, and all held at once, as a listing does.
//!
//! Each library runs in its own child process (so their memory does not mix); each child
//! decodes the pages 7 times (`BENCH_RUNS`) and reports its best and median CPU time (getrusage, user +
//! system) and the growth of its resident set while holding every event (from
//! `/proc/self/statm`). The parent prints both rows and the ratios. Run with `--release`.

#![recursion_limit = "256"]

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

const EVENTS: usize = 20_000;
const PAGE: usize = 2_500;
/// Decoding runs per library; `BENCH_RUNS` overrides it (e.g. `BENCH_RUNS=1` under
/// `valgrind --tool=callgrind`, whose instruction counts do not depend on the machine's load).
fn runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(7)
}

const RESPONSES: [&str; 3] = ["accepted", "tentative", "needsAction"];

/// One event with every field Google defines, varied by `n`.
fn full_event(n: usize) -> Value {
    let day = 1 + n % 28;
    let hour = n % 24;
    let person = |who: &str| json!({"id": format!("{who}-{n}"), "email": format!("{who}{n}@example.com"), "displayName": format!("{who} {n}"), "self": n % 2 == 0});
    let attendee = |i: usize| json!({
        "id": format!("att-{n}-{i}"), "email": format!("guest{i}.{n}@example.com"),
        "displayName": format!("Guest {i}"), "organizer": i == 0, "self": false, "resource": false,
        "optional": i == 2, "responseStatus": RESPONSES[i % 3],
        "comment": "See you there", "additionalGuests": i
    });
    json!({
        "kind": "calendar#event", "etag": format!("\"{}\"", 3_000_000_000u64 + n as u64),
        "id": format!("evt{n:08}abcdefghij"), "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid=evt{n:08}"),
        "created": "2025-11-02T08:15:30.000Z", "updated": "2026-01-15T10:20:30.123Z",
        "summary": format!("Planning meeting {n}"),
        "description": "Agenda: review the roadmap, assign owners, agree on dates. Bring numbers.",
        "location": "Building 4, Room 210, 1 Example Street", "colorId": "5",
        "creator": person("creator"), "organizer": person("organizer"),
        "start": {"dateTime": format!("2026-03-{day:02}T{hour:02}:00:00+01:00"), "timeZone": "Europe/Paris"},
        "end": {"dateTime": format!("2026-03-{day:02}T{hour:02}:45:00+01:00"), "timeZone": "Europe/Paris"},
        "endTimeUnspecified": false, "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE"],
        "recurringEventId": format!("rec{n:06}"),
        "originalStartTime": {"dateTime": format!("2026-03-{day:02}T{hour:02}:00:00+01:00"), "timeZone": "Europe/Paris"},
        "transparency": "opaque", "visibility": "default", "iCalUID": format!("evt{n:08}@google.com"),
        "sequence": n % 7, "attendees": [attendee(0), attendee(1), attendee(2)], "attendeesOmitted": false,
        "extendedProperties": {"private": {"crm": format!("deal-{n}")}, "shared": {"room": "210"}},
        "hangoutLink": format!("https://meet.google.com/abc-defg-{n:03}"),
        "conferenceData": {
            "entryPoints": [{"entryPointType": "video", "uri": format!("https://meet.google.com/abc-defg-{n:03}"), "label": "meet.google.com/abc"}],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet", "iconUri": "https://example.com/meet.png"},
            "conferenceId": format!("abc-defg-{n:03}")
        },
        "anyoneCanAddSelf": false, "guestsCanInviteOthers": true, "guestsCanModify": false,
        "guestsCanSeeOtherGuests": true, "privateCopy": false, "locked": false,
        "reminders": {"useDefault": false, "overrides": [{"method": "popup", "minutes": 10}, {"method": "email", "minutes": 60}]},
        "source": {"url": "https://crm.example.com/deals/1", "title": "CRM"},
        "attachments": [{"fileUrl": "https://drive.google.com/file/d/1", "title": "Slides", "mimeType": "application/pdf", "iconLink": "https://example.com/pdf.png", "fileId": "1"}],
        "eventType": "default"
    })
}

/// The 8 pages of 2,500 events, as Google's JSON bodies.
fn pages() -> Vec<Vec<u8>> {
    (0..EVENTS / PAGE)
        .map(|p| {
            let items: Vec<Value> = (p * PAGE..(p + 1) * PAGE).map(full_event).collect();
            let mut page = json!({"kind": "calendar#events", "etag": "\"p\"", "summary": "Work", "timeZone": "Europe/Paris", "accessRole": "owner", "items": items});
            if p + 1 < EVENTS / PAGE {
                page["nextPageToken"] = json!(format!("page-{}", p + 1));
            } else {
                page["nextSyncToken"] = json!("sync-1");
            }
            serde_json::to_vec(&page).expect("serializable")
        })
        .collect()
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it gets, and RUSAGE_SELF is
    // always a valid target; reading it after a 0 return is sound.
    #[allow(unsafe_code)]
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0, "getrusage failed");
        usage.assume_init()
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("statm");
    pages * 4096
}

/// Decodes every page with `decode`, keeping all, [`runs`] times; prints one JSON line.
fn child<T>(bodies: &[Vec<u8>], decode: impl Fn(&[u8]) -> (T, usize)) {
    let mut times = Vec::new();
    let mut growth = 0;
    for run in 0..runs() {
        let rss = rss_bytes();
        let start = cpu_time();
        let mut held = Vec::with_capacity(bodies.len());
        let mut count = 0;
        for body in bodies {
            let (page, n) = decode(body);
            count += n;
            held.push(page);
        }
        times.push(cpu_time() - start);
        assert_eq!(count, EVENTS);
        if run == 0 {
            growth = rss_bytes().saturating_sub(rss);
        }
        drop(held);
    }
    times.sort();
    println!(
        "{}",
        json!({"best_ms": times[0].as_secs_f64() * 1e3, "median_ms": times[times.len() / 2].as_secs_f64() * 1e3, "rss_growth_mib": growth as f64 / 1048576.0})
    );
}

/// One page with calstack-core, as its listing decodes a page (`Events::from_json`: the
/// direct reader, serde_json for what it refuses), and its number of events. Never inlined,
/// so a profiler can count it alone (`valgrind --tool=callgrind
/// --toggle-collect='*decode_calstack*'`).
#[inline(never)]
fn decode_calstack(body: &[u8]) -> (calstack_core::calendar::Events, usize) {
    let page = calstack_core::calendar::Events::from_json(body).expect("calstack decodes");
    let n = page.items.len();
    (page, n)
}

/// One page with google-calendar3, as its `EventListCall::doit` decodes a page
/// (`common::to_string`, i.e. `String::from_utf8_lossy`, then `serde_json::from_str`), and its
/// number of events (never inlined, as above).
#[inline(never)]
fn decode_google(body: &[u8]) -> (google_calendar3::api::Events, usize) {
    let text = String::from_utf8_lossy(body);
    let page: google_calendar3::api::Events = serde_json::from_str(&text).expect("google-calendar3 decodes");
    let n = page.items.as_ref().map_or(0, Vec::len);
    (page, n)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, library] = args.as_slice()
        && flag == "--child"
    {
        let bodies = pages();
        match library.as_str() {
            "calstack" => child(&bodies, decode_calstack),
            _ => child(&bodies, decode_google),
        }
        return;
    }
    let bodies = pages();
    let mib = bodies.iter().map(Vec::len).sum::<usize>() as f64 / 1048576.0;
    let exe = std::env::current_exe().expect("own path");
    let run = |library: &str| -> Value {
        let out = Command::new(&exe).args(["--child", library]).output().expect("child runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("child prints JSON")
    };
    let (c, g) = (run("calstack"), run("google"));
    println!("Decoding and holding {EVENTS} full events ({} pages of {PAGE}, {mib:.1} MiB of JSON), {} runs each, one process per library\n", EVENTS / PAGE, runs());
    println!("| library | best CPU | median CPU | memory held (RSS growth) |");
    println!("|---|---|---|---|");
    for (name, r) in [("calstack-core", &c), ("google-calendar3", &g)] {
        println!("| {name} | {:.1} ms | {:.1} ms | {:.1} MiB |", r["best_ms"].as_f64().unwrap_or(0.0), r["median_ms"].as_f64().unwrap_or(0.0), r["rss_growth_mib"].as_f64().unwrap_or(0.0));
    }
    println!(
        "\nsize of one Event value: calstack-core {} bytes, google-calendar3 {} bytes",
        std::mem::size_of::<calstack_core::Event>(),
        std::mem::size_of::<google_calendar3::api::Event>()
    );
    let ratio = |k: &str| c[k].as_f64().unwrap_or(0.0) / g[k].as_f64().unwrap_or(1.0);
    println!("\ncalstack-core / google-calendar3: CPU {:.2}x (median), memory {:.2}x", ratio("median_ms"), ratio("rss_growth_mib"));
}
