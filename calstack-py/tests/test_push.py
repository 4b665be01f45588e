"""Push notifications from Python: ``stack.sync(push_address=...)`` watches every synced
calendar; the emulator POSTs Google-style notifications (X-Goog-* headers, no body) to a
local receiver; ``stack.handle_notification`` makes only the changed calendar due, and the
next sync syncs only it. Forged notifications and bad addresses are refused, changing nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import calstack
from calstack.testing import Emulator
from calstack_fixtures import ACCOUNT, Authorized

WINDOW = (dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 6, 8, tzinfo=dt.timezone.utc))
PUSHED = {
    "summary": "Pushed from Google",
    "start": {"dateTime": "2026-06-02T09:00:00Z"},
    "end": {"dateTime": "2026-06-02T10:00:00Z"},
}


class Receiver:
    """A tiny HTTP server on loopback standing in for the app's public notification URL: it
    answers 200 to every POST and queues the request's headers (names lower-cased)."""

    def __init__(self) -> None:
        received: queue.Queue[dict[str, str]] = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                received.put({name.lower(): value for name, value in self.headers.items()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._received = received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/notifications"

    def next(self, timeout: float = 30.0) -> dict[str, str]:
        """The headers of the next notification."""
        try:
            return self._received.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no notification within {timeout}s") from None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def next_change(stack: calstack.Calstack, receiver: Receiver) -> dict[str, str]:
    """Hands notifications to the stack until one says something changed."""
    while True:
        note = stack.handle_notification(receiver.next())
        if note["state"] == "exists":
            return dict(note)


def by_calendar(stack: calstack.Calstack) -> dict[str, Any]:
    return {row["calendar_id"]: row for row in stack.sync_status()}


def test_a_change_at_google_is_pushed_and_the_next_sync_syncs_only_that_calendar(
    authorized: Authorized, emulator: Emulator, receiver: Receiver
) -> None:
    stack = authorized.stack
    team = authorized.calendar.create_calendar("Team").id
    first = stack.sync(push_address=receiver.url)
    assert first["failed"] == []
    assert sorted(s["calendar_id"] for s in first["synced"]) == sorted([ACCOUNT, team])
    week = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=6)
    watched = by_calendar(stack)
    assert all(row["watched_until"] is not None and row["watched_until"] > week for row in watched.values()), watched
    for _ in range(2):  # each new channel's "sync" message: accepted, nothing made due
        assert stack.handle_notification(receiver.next())["state"] == "sync"

    emulator.reset_counters()
    assert stack.sync(push_address=receiver.url) == {"synced": [], "failed": []}, "nothing changed, nothing synced"
    assert "events.list" not in emulator.counters()

    emulator.insert_event(ACCOUNT, team, PUSHED)
    note = next_change(stack, receiver)
    assert (note["client_id"], note["calendar_id"]) == (authorized.client.id, team)
    before = by_calendar(stack)
    assert before[team]["next_sync_due"] <= dt.datetime.now(dt.timezone.utc) < before[ACCOUNT]["next_sync_due"]

    emulator.reset_counters()
    report = stack.sync(push_address=receiver.url)
    assert report["failed"] == []
    assert [(s["calendar_id"], s["full"], s["upserted"]) for s in report["synced"]] == [(team, False, 1)]
    counters = emulator.counters()
    assert counters.get("events.list") == 1, counters
    assert "calendarList.list" not in counters and "events.watch" not in counters, counters
    after = by_calendar(stack)
    assert after[ACCOUNT]["last_synced"] == before[ACCOUNT]["last_synced"]
    assert after[team]["last_synced"] > before[team]["last_synced"] and after[team]["events"] == 1
    agenda = stack.agenda(*WINDOW)
    assert [(e.calendar_id, e.event.summary) for e in agenda] == [(team, "Pushed from Google")]


def test_a_notification_with_a_wrong_token_is_refused_and_changes_nothing(
    authorized: Authorized, emulator: Emulator, receiver: Receiver
) -> None:
    stack = authorized.stack
    stack.sync(push_address=receiver.url)
    genuine = receiver.next()  # the primary calendar's "sync" message
    token = genuine["x-goog-channel-token"]
    forged = {**genuine, "x-goog-resource-state": "exists", "x-goog-channel-token": "guessed-" + token[8:]}
    before = stack.sync_status()
    with pytest.raises(calstack.ValidationError) as refused:
        stack.handle_notification(forged)
    assert refused.value.field == "X-Goog-Channel-Token"
    assert token not in str(refused.value) and "guessed" not in str(refused.value)
    assert stack.sync_status() == before

    emulator.reset_counters()
    assert stack.sync(push_address=receiver.url)["synced"] == []
    assert "events.list" not in emulator.counters()
    # The genuine message is still accepted.
    assert stack.handle_notification({**genuine, "x-goog-resource-state": "exists"})["calendar_id"] == ACCOUNT


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("http://sync.example.com/api/notifications", "https"),
        ("https://ops:hunter2@sync.example.com/api/notifications", "password"),
        ("https://sync.example.com/api/notifications#top", "fragment"),
        ("/api/notifications", "absolute URL"),
        ("", "empty"),
    ],
)
def test_a_bad_push_address_is_refused_naming_it_before_anything_syncs(
    authorized: Authorized, emulator: Emulator, address: str, why: str
) -> None:
    emulator.reset_counters()
    with pytest.raises(calstack.ValidationError) as refused:
        authorized.stack.sync(push_address=address)
    assert refused.value.field == "push_address" and why in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert authorized.stack.sync_status() == [] and "calendarList.list" not in emulator.counters()
    with pytest.raises(calstack.ValidationError) as checked:
        calstack.validate_push_address(address)
    assert checked.value.field == "push_address"


def test_validate_push_address_returns_the_address_to_configure() -> None:
    assert calstack.validate_push_address(" https://Sync.Example.com/api/notifications ") == (
        "https://sync.example.com/api/notifications"
    )
    assert calstack.validate_push_address("http://localhost:5000/api/notifications") == (
        "http://localhost:5000/api/notifications"
    )


def test_an_asyncio_stack_opens_channels_too(authorized: Authorized, receiver: Receiver) -> None:
    aio = authorized.stack.asyncio()

    async def main() -> None:
        report = await aio.sync(push_address=receiver.url)
        assert [s["calendar_id"] for s in report["synced"]] == [ACCOUNT]
        note = await aio.handle_notification(receiver.next())
        assert note["state"] == "sync"
        with pytest.raises(calstack.ValidationError) as refused:
            await aio.sync(push_address="ftp://sync.example.com/")
        assert refused.value.field == "push_address"

    asyncio.run(main())
    assert authorized.stack.sync_status()[0]["watched_until"] is not None
