"""Benchmark: list 20,000 events with calstack and with google-api-python-client, in the same
run, each in its own subprocess, from two servers: the calstack emulator (stateful, computes
every page) and a static server (replays the emulator's pages from memory, so the client's own
cost dominates).

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
import hashlib
import http.server
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ACCOUNT = "bench@calstack.test"
PAGE_SIZE = 2500


def peak_rss_mib() -> float:
    # Linux reports KiB, macOS bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_calstack(emulator_url: str, runs: int, api_url: str) -> dict[str, object]:
    import calstack
    from calstack.testing import consent

    endpoints = {
        "google_api_base": f"{api_url}/calendar/v3/",
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


def emulator_token(emulator_url: str) -> str:
    """An access token for the benchmark account, straight from the emulator's admin API."""
    request = urllib.request.Request(
        f"{emulator_url}/__emulator/accounts/{ACCOUNT}/token",
        data=json.dumps({"scopes": ["https://www.googleapis.com/auth/calendar.readonly"]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        return str(json.load(answer)["access_token"])


def run_google(emulator_url: str, runs: int, api_url: str) -> dict[str, object]:
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    token = emulator_token(emulator_url)
    service = build(
        "calendar",
        "v3",
        credentials=Credentials(token),
        client_options={"api_endpoint": f"{api_url}/calendar/v3/"},
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


def child(library: str, emulator_url: str, runs: int, api_url: str) -> None:
    result = (run_calstack if library == "calstack" else run_google)(emulator_url, runs, api_url)
    print(json.dumps(result))


def record_pages(emulator_url: str, folder: Path) -> None:
    """Saves the emulator's event pages (as both libraries ask for them) for the static
    server: `first.json`, then one file per page token."""
    token = emulator_token(emulator_url)
    page_token, name = None, "first"
    while True:
        query = f"maxResults={PAGE_SIZE}" + (f"&pageToken={urllib.parse.quote(page_token)}" if page_token else "")
        page_request = urllib.request.Request(
            f"{emulator_url}/calendar/v3/calendars/primary/events?{query}",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(page_request) as answer:
            body = answer.read()
        (folder / f"{name}.json").write_bytes(body)
        page_token = json.loads(body).get("nextPageToken")
        if not page_token:
            break
        name = hashlib.sha256(page_token.encode()).hexdigest()


def serve_static(folder: Path) -> None:
    """Serves recorded pages (HTTP/1.1, keep-alive) until killed; prints its URL first.
    Every other API path answers an empty calendar list."""
    pages = {p.stem: p.read_bytes() for p in folder.glob("*.json")}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urllib.parse.urlsplit(self.path)
            token = urllib.parse.parse_qs(url.query).get("pageToken", [None])[0]
            if url.path.endswith("/events"):
                body = pages["first" if token is None else hashlib.sha256(token.encode()).hexdigest()]
            else:
                body = b'{"kind": "calendar#calendarList", "items": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


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
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_static(Path(args.serve))
        return
    if args.child:
        child(args.child, args.url, args.runs, args.api_url)
        return

    from calstack.testing import Emulator

    print(f"Listing {args.events:,} events ({PAGE_SIZE} per page) over loopback, {args.runs} runs each, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    with Emulator.start(binary=emulator_binary()) as emulator, tempfile.TemporaryDirectory() as folder:
        emulator.seed(ACCOUNT, args.events, spacing_minutes=30, duration_minutes=25,
                      summary_prefix="Benchmark event")
        record_pages(emulator.url, Path(folder))
        static = subprocess.Popen([sys.executable, __file__, "--serve", folder],
                                  stdout=subprocess.PIPE, text=True)
        try:
            static_url = (static.stdout.readline() if static.stdout else "").strip()
            for server, api_url in (("the emulator", emulator.url), ("a static server", static_url)):
                rows = [(library, run_child(library, emulator.url, api_url, args))
                        for library in ("calstack", "google")]
                report(server, rows)
        finally:
            static.terminate()
            static.wait()


def run_child(library: str, emulator_url: str, api_url: str, args: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", library, "--url", emulator_url, "--api-url", api_url,
         "--runs", str(args.runs)],
        check=True, capture_output=True, text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if result["count"] != args.events:
        raise SystemExit(f"{library} listed {result['count']} events, expected {args.events}")
    return result


def report(server: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
    print(f"\nFrom {server}:\n")
    print("| library | median wall time | best | peak RSS before listing | peak RSS after | growth |")
    print("|---|---|---|---|---|---|")
    names = {"calstack": "calstack", "google": "google-api-python-client + google-auth"}
    for library, r in rows:
        times = r["times"]
        print(f"| {names[library]} | {statistics.median(times):.3f} s | {min(times):.3f} s | "
              f"{r['rss_before']:.0f} MiB | {r['rss_peak']:.0f} MiB | {r['rss_peak'] - r['rss_before']:.0f} MiB |")
    (c, g) = (statistics.median(rows[0][1]["times"]), statistics.median(rows[1][1]["times"]))
    growth = [r["rss_peak"] - r["rss_before"] for _, r in rows]
    print(f"\ncalstack is {g / c:.1f}x faster (median wall time); memory growth "
          f"{growth[0]:.0f} vs {growth[1]:.0f} MiB.")


if __name__ == "__main__":
    main()
