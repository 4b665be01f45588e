"""Push notifications end to end (``CALSTACK_PUSH_ADDRESS``: mirror sync jobs open channels,
the emulator delivers a change to the app's live ``POST /api/notifications``, the next job
syncs only that calendar), the receiver's refusals (no session and no CSRF token needed, but
a forged, unknown or malformed notification is 400 and changes nothing, also when the emulator
delivers it as Google would) and ``/metrics`` (the library's Prometheus series, for operators
or a scraper holding the scrape token)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from calstack.testing import Emulator
from flask_app import ConfigError, create_app
from flask_support import (
    OPERATOR,
    PASSWORD,
    app_config,
    celery_worker,
    connect,
    listening_socket,
    serve,
    sign_in,
    wait_for_job,
    wait_until,
)

FORGED = {
    "X-Goog-Channel-ID": "4ba78bf0-6a47-11e2-bcfd-0800200c9a66",
    "X-Goog-Channel-Token": "guessed-token-0123456789",
    "X-Goog-Resource-ID": "ret08u3rv24htgh289g",
    "X-Goog-Resource-State": "exists",
    "X-Goog-Message-Number": "10",
}


def mirror_state(client: FlaskClient) -> Any:
    return [(r["calendar_id"], r["next_sync_due"], r["last_synced"], r["events"]) for r in client.get("/api/sync/status").json]


def test_forged_notifications_are_refused_and_change_nothing(app: Flask, client: FlaskClient) -> None:
    acme = connect(client, "Acme")["client"]
    client.post(f"/api/clients/{acme}/calendars/primary/events",
                json={"summary": "Board", "start": {"date": "2026-03-02"}, "end": {"date": "2026-03-03"}})
    app.extensions["calstack"].sync()
    before = mirror_state(client)
    assert before and before[0][3] == 1

    google = app.test_client()  # Google: no session, no CSRF token
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    app.logger.addHandler(handler)
    try:
        for headers, field in (
            (FORGED, "X-Goog-Channel-ID"),
            ({}, "X-Goog-Channel-ID"),
            ({**FORGED, "X-Goog-Resource-State": "teapot"}, None),
            ({"X-Goog-Channel-ID": "\u00e9" * 5000}, None),
        ):
            answer = google.post("/api/notifications", headers=headers)
            assert answer.status_code == 400, answer.get_data(as_text=True)
            assert answer.json["error"] == "notification_refused"
            assert field is None or answer.json["field"] == field
            assert FORGED["X-Goog-Channel-Token"] not in answer.get_data(as_text=True)
    finally:
        app.logger.removeHandler(handler)
    assert FORGED["X-Goog-Channel-Token"] not in log.getvalue()
    assert google.get("/api/notifications").status_code in (401, 405)  # only POST is public
    assert mirror_state(client) == before


def test_metrics_are_for_operators_and_count_google_calls(app: Flask, client: FlaskClient, anonymous: FlaskClient) -> None:
    refused = anonymous.get("/metrics", headers={"Authorization": "Bearer anything"})  # no scrape token configured
    assert refused.status_code == 401 and refused.json["error"] == "login_required"

    acme = connect(client, "Acme")["client"]
    assert client.get(f"/api/clients/{acme}/calendars").status_code == 200
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert "# TYPE calstack_requests_total counter" in text
    assert 'operation="calendarList.list",outcome="ok"' in text


def test_a_scraper_with_the_token_reads_metrics_without_signing_in(emulator: Emulator, tmp_path: Any) -> None:
    token = "scrape-token-for-tests-5c1f"
    app = create_app(app_config(emulator, f"sqlite://{tmp_path / 'metrics.db'}", METRICS_TOKEN=token))
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    scraper = app.test_client()
    assert scraper.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for wrong in (f"Bearer {token}x", f"Basic {token}", token, "Bearer "):
        assert scraper.get("/metrics", headers={"Authorization": wrong}).status_code == 401, wrong
    signed_in = app.test_client()
    sign_in(signed_in)
    assert signed_in.get("/metrics").status_code == 200


def test_with_redis_down_a_scrape_answers_this_process_and_says_so(emulator: Emulator, tmp_path: Any) -> None:
    app = create_app(app_config(emulator, f"sqlite://{tmp_path / 'down.db'}", REDIS_URL="redis://127.0.0.1:9/0"))
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    client = app.test_client()
    sign_in(client)
    acme = connect(client, "Acme")["client"]
    assert client.get(f"/api/clients/{acme}/calendars").status_code == 200
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["X-Calstack-Metrics"] == "this-process-only"
    assert 'operation="calendarList.list",outcome="ok"' in answer.get_data(as_text=True)


def test_notifications_google_delivers_for_a_channel_the_app_never_opened_are_refused(app: Flask, client: FlaskClient) -> None:
    """The emulator delivers real notifications (as Google does: no body, X-Goog-* headers) for
    a channel opened behind the app's back; the app refuses each, logging no token."""
    acme = connect(client, "Acme")["client"]
    app.extensions["calstack"].sync()
    before = mirror_state(client)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    app.logger.addHandler(handler)
    try:
        with serve(app) as base:
            calendar = app.extensions["calstack"].calendar(acme)
            calendar.watch_events("primary", "rogue-channel", f"{base}/api/notifications", token="rogue-token-314159")
            calendar.create_event("primary", {"summary": "Board", "start": {"date": "2026-03-02"},
                                              "end": {"date": "2026-03-03"}})
            deadline = time.monotonic() + 30
            while len([r for r in records if r.getMessage() == "push notification refused"]) < 2:
                assert time.monotonic() < deadline, [r.getMessage() for r in records]
                time.sleep(0.1)
    finally:
        app.logger.removeHandler(handler)
    refused = [r for r in records if r.getMessage() == "push notification refused"]
    assert {getattr(r, "field") for r in refused} == {"X-Goog-Channel-ID"}  # the channel is unknown
    assert all("rogue-token" not in str(vars(r)) for r in records)
    # not made due (the new event reached the mirror by calstack's own write-through)
    assert [row[:3] for row in mirror_state(client)] == [row[:3] for row in before]


PUSHED = {"summary": "Pushed from Google", "start": {"dateTime": "2026-06-02T09:00:00Z"},
          "end": {"dateTime": "2026-06-02T10:00:00Z"}}
JUNE = "time_min=2026-06-01T00:00:00Z&time_max=2026-06-08T00:00:00Z&live=false"


@contextmanager
def captured(app: Flask) -> Iterator[list[logging.LogRecord]]:
    """The app's log records while the block runs (the live server logs in this process)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    app.logger.addHandler(handler)
    try:
        yield records
    finally:
        app.logger.removeHandler(handler)


def run_job(client: FlaskClient, request: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/api/jobs", json=request)
    assert answer.status_code == 202, answer.json
    return wait_for_job(client, answer.json["id"])


def accepted(records: list[logging.LogRecord], state: str) -> int:
    return len([r for r in records if r.getMessage() == "push notification" and getattr(r, "state") == state])


def test_with_a_push_address_a_change_at_google_reaches_the_app_and_the_next_job_syncs_only_it(
    emulator: Emulator, tmp_path: Path
) -> None:
    with listening_socket() as listener:
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = app_config(emulator, f"sqlite://{tmp_path / 'push.db'}", PUSH_ADDRESS=f"{base}/api/notifications")
        app = create_app(config)
        app.extensions["operators"].create(OPERATOR, PASSWORD)
        with captured(app) as records, serve(app, listener), celery_worker(config):
            client = app.test_client()
            sign_in(client)
            acme = connect(client, "Acme")["client"]
            team = app.extensions["calstack"].calendar(acme).create_calendar("Team").id
            first = run_job(client, {"kind": "mirror_sync"})
            assert (first["state"], first["failures"], first["result"]["calendars"]) == ("done", [], 2)
            status = {row["calendar_id"]: row for row in client.get("/api/sync/status").json}
            assert set(status) == {"acme@example.com", team}
            assert all(row["watched_until"] for row in status.values()), status
            wait_until("both channels' sync messages", lambda: accepted(records, "sync") == 2)

            emulator.insert_event("acme@example.com", team, PUSHED)  # in Google Calendar, past the app
            wait_until("the change notification", lambda: accepted(records, "exists") == 1)
            due = {row["calendar_id"]: row for row in client.get("/api/sync/status").json}
            now = dt.datetime.now(dt.timezone.utc)
            assert dt.datetime.fromisoformat(due[team]["next_sync_due"]) <= now
            assert dt.datetime.fromisoformat(due["acme@example.com"]["next_sync_due"]) > now
            assert client.get(f"/api/agenda?{JUNE}").json["entries"] == []  # not synced yet

            emulator.reset_counters()
            job = run_job(client, {"kind": "mirror_sync"})
            assert (job["state"], job["failures"]) == ("done", [])
            assert job["result"] == {"calendars": 1, "upserted": 1, "deleted": 0}
            counters = emulator.counters()
            assert counters.get("events.list") == 1 and "events.watch" not in counters, counters
            entries = client.get(f"/api/agenda?{JUNE}").json["entries"]
            assert [(e["calendar_id"], e["event"]["summary"]) for e in entries] == [(team, "Pushed from Google")]
            after = {row["calendar_id"]: row for row in client.get("/api/sync/status").json}
            assert after["acme@example.com"]["last_synced"] == due["acme@example.com"]["last_synced"]

            # A notification for the app's real channel with a wrong token: 400, nothing due.
            [sent] = [n for n in emulator.admin("GET", "notifications")["notifications"]
                      if n["resource_state"] == "exists"]
            forged = {"X-Goog-Channel-ID": sent["channel_id"], "X-Goog-Resource-ID": sent["resource_id"],
                      "X-Goog-Resource-State": "exists", "X-Goog-Message-Number": "99",
                      "X-Goog-Channel-Token": "guessed-token-0123456789"}
            refused = requests.post(f"{base}/api/notifications", headers=forged, timeout=30)
            assert refused.status_code == 400 and refused.json()["field"] == "X-Goog-Channel-Token"
            unchanged = {row["calendar_id"]: row for row in client.get("/api/sync/status").json}
            assert unchanged == after
            emulator.reset_counters()
            quiet = run_job(client, {"kind": "mirror_sync"})
            assert quiet["result"] == {"calendars": 0, "upserted": 0, "deleted": 0}
            assert "events.list" not in emulator.counters()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("http://calendar.example.com/api/notifications", "https"),
        ("https://ops:secret@calendar.example.com/api/notifications", "password"),
        ("https://calendar.example.com/api/notifications#x", "fragment"),
        ("calendar.example.com/api/notifications", "absolute URL"),
        ("https://calendar.example.com/", "/api/notifications route"),
    ],
)
def test_a_bad_push_address_stops_the_app_at_start_with_a_clear_error(
    emulator: Emulator, tmp_path: Path, address: str, why: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(app_config(emulator, f"sqlite://{tmp_path / 'bad.db'}", PUSH_ADDRESS=address))
    assert "CALSTACK_PUSH_ADDRESS" in str(refused.value) and why in str(refused.value)
    assert "secret" not in str(refused.value)


def test_the_push_address_is_read_from_the_environment(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALSTACK_PUSH_ADDRESS", "https://Calendar.Example.com/api/notifications")
    app = create_app(app_config(emulator, f"sqlite://{tmp_path / 'env.db'}"))
    assert app.config["PUSH_ADDRESS"] == "https://calendar.example.com/api/notifications"
