//! calstack-core vs google-calendar3: client CPU time and memory of listing 20,000 full events
//! (every field the Calendar API defines for an event, as a busy calendar has them), decoded
//! from the same 8 pages of 2,500 into each library's typed `Events` pages, each the way that
//! library's client decodes a page it received, and all held at once, as a listing does.
//!
//! Each library runs in its own child process (so their memory does not mix). Each child first
//! decodes the pages once with the allocator counting (this binary's global allocator wraps the
//! system's): the bytes still allocated while every event is held, and the peak while
//! decoding, both counted from before the first page. Then it decodes them 5 more times
//! (`BENCH_RUNS`), counting nothing, and reports each run's CPU time (getrusage, user +
//! system). The children take turns for 5 rounds (`BENCH_ROUNDS`), so a change in the
//! machine's load falls on both. The parent prints best and median of every run, and the
//! median of the rounds' ratios. Run with `--release`.

#![recursion_limit = "256"]

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use serde_json::{Value, json};

/// The system allocator, counting the bytes allocated while [`COUNTING`] is on: what a
/// library's events really hold, where the resident set would reuse pages freed earlier.
struct Counted;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is passed straight to the system allocator with the caller's arguments;
// the counters only observe the sizes. (Memory allocated before counting starts and freed
// while it is on can take `LIVE` below its start: it wraps, and is read as a difference.)
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            grew(layout.size());
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counted = Counted;

const EVENTS: usize = 20_000;
const PAGE: usize = 2_500;
/// A count from the environment variable `name` (a positive number), else `default`.
fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

/// Rounds of both children, taking turns; `BENCH_ROUNDS` overrides it.
fn rounds() -> usize {
    env_count("BENCH_ROUNDS", 5)
}

/// Decoding runs per library and round; `BENCH_RUNS` overrides it (e.g. `BENCH_RUNS=1` under
/// `valgrind --tool=callgrind`, whose instruction counts do not depend on the machine's load).
fn runs() -> usize {
    env_count("BENCH_RUNS", 5)
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

/// Decodes every page with `decode`, keeping all: once counting allocations (the memory held
/// by every event, the peak while decoding), then [`runs`] times timed; prints one JSON line.
fn child<T>(bodies: &[Vec<u8>], decode: impl Fn(&[u8]) -> (T, usize)) {
    let decode_all = || {
        let mut held = Vec::with_capacity(bodies.len());
        let mut count = 0;
        for body in bodies {
            let (page, n) = decode(body);
            count += n;
            held.push(page);
        }
        assert_eq!(count, EVENTS);
        held
    };
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    COUNTING.store(true, Relaxed);
    let held = decode_all();
    COUNTING.store(false, Relaxed);
    let mib = |bytes: usize| bytes.wrapping_sub(before) as f64 / 1048576.0;
    let (held_mib, peak_mib) = (mib(LIVE.load(Relaxed)), mib(PEAK.load(Relaxed)));
    drop(held);
    let mut times = Vec::new();
    for _ in 0..runs() {
        let start = cpu_time();
        let held = decode_all();
        times.push((cpu_time() - start).as_secs_f64() * 1e3);
        drop(held);
    }
    println!("{}", json!({"times_ms": times, "held_mib": held_mib, "peak_mib": peak_mib}));
}

/// The median of some numbers (sorted in place).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
    // One child's report: its timed runs, and the memory it held and peaked at (MiB).
    let run = |library: &str| -> (Vec<f64>, [f64; 2]) {
        let out = Command::new(&exe).args(["--child", library]).output().expect("child runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).expect("child prints JSON");
        let times = report["times_ms"].as_array().map(|t| t.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
        let mib = |key: &str| report[key].as_f64().expect("child reports memory");
        (times, [mib("held_mib"), mib("peak_mib")])
    };
    // The two children take turns, round after round (who goes first alternates), so a change
    // in the machine's load during the run falls on both.
    let rounds = rounds();
    let (mut calstack, mut google) = (Vec::new(), Vec::new());
    // Allocations do not depend on the load: every round counts the same.
    let (mut calstack_mib, mut google_mib) = ([0.0; 2], [0.0; 2]);
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let order: [&str; 2] = if round % 2 == 0 { ["calstack", "google"] } else { ["google", "calstack"] };
        let mut medians = [0.0; 2];
        for library in order {
            let (mut times, mib) = run(library);
            let (all, mibs, slot) = if library == "calstack" { (&mut calstack, &mut calstack_mib, 0) } else { (&mut google, &mut google_mib, 1) };
            all.extend_from_slice(&times);
            *mibs = mib;
            medians[slot] = median(&mut times);
        }
        ratios.push(medians[0] / medians[1]);
    }
    println!("Decoding and holding {EVENTS} full events ({} pages of {PAGE}, {mib:.1} MiB of JSON): {rounds} rounds, each library's child {} timed runs per round, one process per library and round\n", EVENTS / PAGE, runs());
    println!("| library | best CPU | median CPU | memory held (allocated, all events kept) | peak while decoding |");
    println!("|---|---|---|---|---|");
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    for (name, times, [held, peak]) in [("calstack-core", &mut calstack, calstack_mib), ("google-calendar3", &mut google, google_mib)] {
        println!("| {name} | {:.1} ms | {:.1} ms | {held:.1} MiB | {peak:.1} MiB |", best(times), median(times));
    }
    println!(
        "\nsize of one Event value: calstack-core {} bytes, google-calendar3 {} bytes",
        std::mem::size_of::<calstack_core::Event>(),
        std::mem::size_of::<google_calendar3::api::Event>()
    );
    let per_round: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "\ncalstack-core / google-calendar3: CPU {:.2}x (median of all runs), {:.2}x (median of the rounds' ratios: {}), memory held {:.2}x, peak {:.2}x",
        median(&mut calstack) / median(&mut google),
        median(&mut ratios),
        per_round.join(", "),
        calstack_mib[0] / google_mib[0],
        calstack_mib[1] / google_mib[1]
    );
}
