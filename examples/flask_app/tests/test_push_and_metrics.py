"""The push receiver (``POST /api/notifications``: no session and no CSRF token needed, but a
forged, unknown or malformed notification is 400 and changes nothing, also when the emulator
delivers it as Google would) and ``/metrics`` (the
library's Prometheus series, for operators or a scraper holding the scrape token)."""

from __future__ import annotations

import io
import logging
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from calstack.testing import Emulator
from flask_app import create_app
from flask_support import OPERATOR, PASSWORD, app_config, connect, serve, sign_in

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
