"""Benchmark: list 20,000 events from the calstack emulator with calstack and with
google-api-python-client, in the same run, each in its own subprocess.

For each library it reports the wall time of listing every event into Python objects (median
of the runs) and the peak resident memory of the process (ru_maxrss), both before and after
listing. calstack allocates in Rust, so Python's tracemalloc would not see most of its memory;
RSS counts both libraries the same way.

Usage (from the repository root, with calstack installed from a release build):

    cargo build --release -p calstack-emulator
    maturin develop --release -m calstack-py/Cargo.toml   # or: pip install ./calstack-py
    python benches/python/list_20k.py [--events 20000] [--runs 3]

CALSTACK_EMULATOR_BIN (else calstack-emulator on PATH, else target/release) names the emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT = "bench@calstack.test"
PAGE_SIZE = 2500


def peak_rss_mib() -> float:
    # Linux reports KiB, macOS bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_calstack(emulator_url: str, runs: int) -> dict[str, object]:
    import calstack
    from calstack.testing import consent

    endpoints = {
        "google_api_base": f"{emulator_url}/calendar/v3/",
        "google_auth_url": f"{emulator_url}/o/oauth2/v2/auth",
        "google_token_url": f"{emulator_url}/token",
        "google_revoke_url": f"{emulator_url}/revoke",
    }
    with tempfile.TemporaryDirectory() as folder:
        stack = calstack.Calstack(f"sqlite://{folder}/bench.db", calstack.generate_key(), **endpoints)
        client = stack.clients.create("Bench", "bench@client.test")
        credential = stack.oauth.register(
            client.id,
            google_client_id="bench.apps.googleusercontent.com",
            google_client_secret="bench-secret",
            scopes=["calendar.readonly"],
            redirect_uri="http://127.0.0.1/callback",
            account_email=ACCOUNT,
        )
        consent(stack, credential.id)
        calendar = stack.calendar(client.id)
        calendar.list_calendars()  # warm up: token, connection
        before = peak_rss_mib()
        times, count = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            events = calendar.list_events("primary", single_events=False, max_results=PAGE_SIZE)
            summaries = [e.summary for e in events]  # touch every event, as an app would
            times.append(time.perf_counter() - start)
            count = len(summaries)
            del events, summaries
        return {"times": times, "count": count, "rss_before": before, "rss_peak": peak_rss_mib()}


def run_google(emulator_url: str, runs: int) -> dict[str, object]:
    import urllib.request

    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    request = urllib.request.Request(
        f"{emulator_url}/__emulator/accounts/{ACCOUNT}/token",
        data=json.dumps({"scopes": ["https://www.googleapis.com/auth/calendar.readonly"]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        token = json.load(answer)["access_token"]
    service = build(
        "calendar",
        "v3",
        credentials=Credentials(token),
        client_options={"api_endpoint": f"{emulator_url}/calendar/v3/"},
        static_discovery=True,
        cache_discovery=False,
    )
    service.calendarList().list().execute()  # warm up, as above
    before = peak_rss_mib()
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        events: list[dict[str, object]] = []
        page_token = None
        while True:
            page = service.events().list(
                calendarId="primary", maxResults=PAGE_SIZE, pageToken=page_token
            ).execute()
            events.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        summaries = [e.get("summary") for e in events]
        times.append(time.perf_counter() - start)
        count = len(summaries)
        del events, summaries
    return {"times": times, "count": count, "rss_before": before, "rss_peak": peak_rss_mib()}


def child(library: str, emulator_url: str, runs: int) -> None:
    result = (run_calstack if library == "calstack" else run_google)(emulator_url, runs)
    print(json.dumps(result))


def emulator_binary() -> str | None:
    if os.environ.get("CALSTACK_EMULATOR_BIN"):
        return os.environ["CALSTACK_EMULATOR_BIN"]
    release = Path(__file__).resolve().parents[2] / "target" / "release" / "calstack-emulator"
    return str(release) if release.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["calstack", "google"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.runs)
        return

    from calstack.testing import Emulator

    with Emulator.start(binary=emulator_binary()) as emulator:
        emulator.seed(ACCOUNT, args.events, spacing_minutes=30, duration_minutes=25,
                      summary_prefix="Benchmark event")
        rows = []
        for library in ("calstack", "google"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", library, "--url", emulator.url, "--runs", str(args.runs)],
                check=True, capture_output=True, text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            if result["count"] != args.events:
                raise SystemExit(f"{library} listed {result['count']} events, expected {args.events}")
            rows.append((library, result))

    import platform

    print(f"Listing {args.events:,} events ({PAGE_SIZE} per page) from the emulator on loopback, "
          f"{args.runs} runs each, Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| library | median wall time | best | peak RSS before listing | peak RSS after | growth |")
    print("|---|---|---|---|---|---|")
    names = {"calstack": "calstack", "google": "google-api-python-client + google-auth"}
    for library, r in rows:
        times = r["times"]
        print(f"| {names[library]} | {statistics.median(times):.3f} s | {min(times):.3f} s | "
              f"{r['rss_before']:.0f} MiB | {r['rss_peak']:.0f} MiB | {r['rss_peak'] - r['rss_before']:.0f} MiB |")
    (c, g) = (statistics.median(rows[0][1]["times"]), statistics.median(rows[1][1]["times"]))
    print(f"\ncalstack is {g / c:.1f}x faster (median wall time).")


if __name__ == "__main__":
    main()
