"""Benchmark: iCalendar import and parse, in one run, reported as ratios.

1. Import 10,000 events into an emulated calendar with 20 ms added to every HTTP request,
   with calstack's batch requests (50 calls each) and without (one request per event), both
   four requests in flight: wall time and requests made (the emulator's counters).
2. Parse a ~10 MB .ics file (timed events in a VTIMEZONE zone, series, attendees, alarms) with
   ``calstack.ics.parse`` and with the Python ``icalendar`` package (reading every event's
   start), each in its own subprocess: wall time and peak resident memory growth.

Usage (from the repository root, with calstack installed from a release build):

    cargo build --release -p calstack-emulator
    maturin develop --release -m calstack-py/Cargo.toml
    pip install icalendar
    python benches/python/ics_bench.py [--events 10000] [--latency-ms 20] [--megabytes 10]

CALSTACK_EMULATOR_BIN (else target/release) names the emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""


def vevent(i: int, rich: bool) -> str:
    day, hour = 1 + i % 28, 7 + (i // 28) % 12
    month = 1 + (i // 336) % 12
    lines = [
        "BEGIN:VEVENT",
        f"UID:bench-{i}@calstack.test",
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:Lesson {i}: algebra\\, geometry",
        f"DTSTART;TZID=Europe/Berlin:2026{month:02}{day:02}T{hour:02}0000",
        f"DTEND;TZID=Europe/Berlin:2026{month:02}{day:02}T{hour:02}4500",
    ]
    if rich:
        lines += [
            "DESCRIPTION:Bring the workbook.\\nRoom changes are posted on the board by the"
            " entrance\\; ask the office if in doubt.",
            "LOCATION:Building B\\, room 2.14",
            "ORGANIZER;CN=School Office:mailto:office@school.test",
            f"ATTENDEE;CN=Teacher {i % 40};PARTSTAT=ACCEPTED:mailto:teacher{i % 40}@school.test",
            "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:parents@school.test",
            "CATEGORIES:School,Maths",
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Lesson\r\nEND:VALARM",
        ]
        if i % 10 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
    lines.append("END:VEVENT")
    return "\r\n".join(lines) + "\r\n"


def calendar(count: int, rich: bool) -> str:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calstack bench//EN\r\n" + VTIMEZONE
    return head + "".join(vevent(i, rich) for i in range(count)) + "END:VCALENDAR\r\n"


def file_of(megabytes: float) -> str:
    per_event = len(vevent(1, True))
    return calendar(int(megabytes * 1024 * 1024 / per_event) + 1, True)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_child(library: str, path: str) -> None:
    text = Path(path).read_text(encoding="utf-8")
    before = peak_rss_mib()
    start = time.perf_counter()
    if library == "calstack":
        from calstack import ics

        events = ics.parse(text).events
        starts = [e.start for e in events]
    else:
        import icalendar

        cal = icalendar.Calendar.from_ical(text)
        starts = [e.get("DTSTART").dt for e in cal.walk("VEVENT")]
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "events": len(starts), "rss_growth": peak_rss_mib() - before}))


def authorized_calendar(emulator: Any, account: str) -> Any:
    import calstack
    from calstack.testing import consent

    folder = tempfile.mkdtemp()
    stack = calstack.Calstack(f"sqlite://{folder}/bench.db", calstack.generate_key(), **emulator.endpoints())
    client = stack.clients.create(account.split("@")[0], account)
    credential = stack.oauth.register(
        client.id,
        google_client_id="bench.apps.googleusercontent.com",
        google_client_secret="bench-secret",
        scopes=["calendar"],
        redirect_uri="http://127.0.0.1/callback",
        account_email=account,
    )
    consent(stack, credential.id)
    cal = stack.calendar(client.id)
    cal.list_calendars()  # warm up: token, connection
    return cal


def import_run(emulator: Any, text: str, batch: bool, latency_ms: int) -> dict[str, Any]:
    from calstack import ics

    cal = authorized_calendar(emulator, f"{'batch' if batch else 'single'}@bench.test")
    endpoint = "batch" if batch else "events.import"
    emulator.admin("PUT", "faults", {"seed": 1, "rules": [
        {"endpoint": endpoint, "fault": {"kind": "latency", "millis": latency_ms}, "probability": 1.0}
    ]})
    emulator.admin("DELETE", "counters")
    start = time.perf_counter()
    report = ics.import_ics(cal, "primary", text, batch=batch)
    elapsed = time.perf_counter() - start
    counters = emulator.admin("GET", "counters")
    emulator.clear_faults()
    http_requests = counters.get("batch", 0) + (0 if batch else counters.get("events.import", 0))
    http_requests += counters.get("events.list", 0) + counters.get("calendarList.get", 0)
    return {"seconds": elapsed, "created": report.created, "http_requests": http_requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--child", choices=["calstack", "icalendar"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        parse_child(args.child, args.file)
        return

    from calstack.testing import Emulator

    binary = os.environ.get("CALSTACK_EMULATOR_BIN") or str(ROOT / "target" / "release" / "calstack-emulator")
    text = calendar(args.events, rich=False)
    with Emulator.start(binary=binary) as emulator:
        batched = import_run(emulator, text, True, args.latency_ms)
        single = import_run(emulator, text, False, args.latency_ms)
    for name, run in (("batched", batched), ("one request per event", single)):
        if run["created"] != args.events:
            raise SystemExit(f"{name}: created {run['created']} of {args.events}")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.ics"
        path.write_text(file_of(args.megabytes), encoding="utf-8")
        size = path.stat().st_size / (1024 * 1024)
        parsed = {}
        for library in ("calstack", "icalendar"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", library, "--file", str(path)],
                check=True, capture_output=True, text=True,
            ).stdout
            parsed[library] = json.loads(out.strip().splitlines()[-1])

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}")
    print(f"\nimport of {args.events} events, {args.latency_ms} ms added per HTTP request, 4 in flight")
    for name, run in (("batched (50 per request)", batched), ("one request per event", single)):
        print(f"  {name:26} {run['seconds']:7.2f} s  {run['http_requests']:6} HTTP requests")
    print(f"  batching: {single['seconds'] / batched['seconds']:.1f}x faster, "
          f"{single['http_requests'] / batched['http_requests']:.0f}x fewer requests")
    print(f"\nparse of a {size:.1f} MB file ({parsed['calstack']['events']} events)")
    for library, run in parsed.items():
        print(f"  {library:10} {run['seconds']:7.2f} s  peak RSS +{run['rss_growth']:.0f} MiB")
    c, p = parsed["calstack"], parsed["icalendar"]
    print(f"  calstack: {p['seconds'] / c['seconds']:.1f}x faster, "
          f"{p['rss_growth'] / max(c['rss_growth'], 1):.1f}x less memory than icalendar")


if __name__ == "__main__":
    main()
