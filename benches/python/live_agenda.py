"""Benchmark: the live stacked agenda for 50 clients x 2 calendars with 20 ms added to every
call the emulator serves, with calstack (`stack.agenda(..., live=True)`: every client and
calendar fetched concurrently, at most 16 requests in flight) and with google-api-python-client
looping over the same clients (calendarList.list, then events.list with singleEvents=true per
calendar, then one sorted list), in the same run.

Usage (from the repository root, with calstack installed, ideally from a release build):

    cargo build --release -p calstack-emulator
    maturin develop --release -m calstack-py/Cargo.toml
    python benches/python/live_agenda.py [--clients 50] [--events 20] [--latency-ms 20] [--runs 3]

CALSTACK_EMULATOR_BIN (else target/release) names the emulator binary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
import urllib.request
from typing import Any

import calstack
from calstack.testing import Emulator, consent
from list_20k import emulator_binary  # same folder: the script's directory is on sys.path

START = dt.datetime(2030, 1, 7, tzinfo=dt.timezone.utc)  # a Monday
WEEK = (START, START + dt.timedelta(days=7))


def mint_token(emulator: Emulator, account: str) -> str:
    answer = emulator.admin("POST", f"accounts/{account}/token", {"scopes": ["calendar"]})
    return str(answer["access_token"])


def add_calendar(emulator: Emulator, token: str) -> str:
    request = urllib.request.Request(
        f"{emulator.api_base}calendars",
        data=json.dumps({"summary": "Team", "timeZone": "Europe/Zurich"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        return str(json.load(answer)["id"])


def setup(emulator: Emulator, stack: calstack.Calstack, clients: int, events: int) -> list[str]:
    """Creates the clients, authorizes each, gives each a second calendar and seeds both."""
    tokens = []
    for n in range(clients):
        account = f"owner{n}@client{n}.test"
        client = stack.clients.create(f"Client {n:03}", f"ops@client{n}.test")
        credential = stack.oauth.register(
            client.id,
            google_client_id=f"c{n}.apps.googleusercontent.com",
            google_client_secret="bench-secret",
            scopes=["calendar"],
            redirect_uri="http://127.0.0.1/callback",
            account_email=account,
        )
        consent(stack, credential.id)
        token = mint_token(emulator, account)
        second = add_calendar(emulator, token)
        for calendar, offset in ((account, 0), (second, 17)):
            emulator.seed(account, events, calendar_id=calendar,
                          start=(START + dt.timedelta(hours=6, minutes=offset * (n % 3))).isoformat(),
                          spacing_minutes=7 * 24 * 60 // events, duration_minutes=45)
        tokens.append(token)
    return tokens


def google_agenda(services: list[Any]) -> int:
    """What a script with google-api-python-client does: one client after another."""
    entries: list[tuple[str, dict[str, Any]]] = []
    for service in services:
        calendars = service.calendarList().list().execute().get("items", [])
        for cal in calendars:
            page_token = None
            while True:
                page = service.events().list(
                    calendarId=cal["id"], singleEvents=True, timeMin=WEEK[0].isoformat(),
                    timeMax=WEEK[1].isoformat(), pageToken=page_token, maxResults=2500,
                ).execute()
                entries.extend((e["start"].get("dateTime", ""), e) for e in page.get("items", []))
                page_token = page.get("nextPageToken")
                if not page_token:
                    break
    entries.sort(key=lambda pair: pair[0])
    return len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=20, help="events per calendar in the week")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    with Emulator.start(binary=emulator_binary()) as emulator, tempfile.TemporaryDirectory() as folder:
        stack = calstack.Calstack(f"sqlite://{folder}/bench.db", calstack.generate_key(), **emulator.endpoints())
        tokens = setup(emulator, stack, args.clients, args.events)
        services = [
            build("calendar", "v3", credentials=Credentials(t),
                  client_options={"api_endpoint": emulator.api_base},
                  static_discovery=True, cache_discovery=False)
            for t in tokens
        ]
        expected = args.clients * 2 * args.events
        # Warm up both (tokens, connections), then add the latency to every call.
        assert len(stack.agenda(*WEEK, live=True)) == expected
        assert google_agenda(services) == expected
        emulator.admin("PUT", "faults", {"seed": 1, "rules": [
            {"endpoint": "*", "fault": {"kind": "latency", "millis": args.latency_ms}, "probability": 1.0}
        ]})
        ours, theirs = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            count = len(stack.agenda(*WEEK, live=True))
            ours.append(time.perf_counter() - start)
            assert count == expected, (count, expected)
            start = time.perf_counter()
            count = google_agenda(services)
            theirs.append(time.perf_counter() - start)
            assert count == expected, (count, expected)

    print(f"Live agenda: {args.clients} clients x 2 calendars, {expected:,} entries over one week, "
          f"{args.latency_ms} ms added to every call, {args.runs} runs, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| library | median | best | requests |")
    print("|---|---|---|---|")
    requests = args.clients * 3
    print(f"| calstack `stack.agenda(live=True)` | {statistics.median(ours):.3f} s | {min(ours):.3f} s | {requests} (16 in flight) |")
    print(f"| google-api-python-client loop | {statistics.median(theirs):.3f} s | {min(theirs):.3f} s | {requests} (one at a time) |")
    print(f"\ncalstack is {statistics.median(theirs) / statistics.median(ours):.1f}x faster (median).")


if __name__ == "__main__":
    main()
