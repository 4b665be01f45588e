"""The calendar page in headless Chromium (browser/calendar.js), against a real server, the
emulator and a real Celery worker: sign in, switch client, two clients' events overlaid in
two colors with their double booking outlined and listed, a free slot found for both, create
by clicking, drag to move (a stale etag reloads instead), rename one occurrence of a series
while the others stay, run a bulk job, an ICS import job and a mirror sync to the end. Then
the server's state is checked through the API.

Screenshots of the calendar go to ``$CALSTACK_SCREENSHOTS`` when it is set (docs/ holds the
ones from such a run), else to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from calstack.testing import Emulator
from flask_app import create_app
from flask_support import (
    BROWSER,
    connect,
    OPERATOR,
    PASSWORD,
    app_config,
    browser_tools,
    celery_worker,
    serve,
    sign_in,
)

UTC = {"timeZone": "UTC"}
WEEKS = "time_min=2026-03-01T00:00:00Z&time_max=2026-03-29T00:00:00Z"


def timed(summary: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "start": {"dateTime": start, **UTC}, "end": {"dateTime": end, **UTC}, **extra}


def events(client: FlaskClient, client_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/clients/{client_id}/calendars/primary/events?{WEEKS}").json)


def test_calendar_workflow_in_a_browser(emulator: Emulator, tmp_path: Path) -> None:
    chromium, node = browser_tools()
    config = app_config(emulator, f"sqlite://{tmp_path / 'ui.db'}")
    app = create_app(config)
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    api = app.test_client()
    sign_in(api)
    acme, globex = connect(api, "Acme")["client"], connect(api, "Globex")["client"]
    for client_id, body in (
        (acme, timed("Acme board", "2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z")),
        (acme, {"summary": "Acme offsite", "start": {"date": "2026-03-12"}, "end": {"date": "2026-03-14"}}),
        (globex, timed("Globex review", "2026-03-03T10:30:00Z", "2026-03-03T11:30:00Z")),
        (globex, timed("Weekly sync", "2026-03-04T14:00:00Z", "2026-03-04T14:15:00Z",
                       recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])),
    ):
        assert api.post(f"/api/clients/{client_id}/calendars/primary/events", json=body).status_code == 201
    shots = Path(os.environ.get("CALSTACK_SCREENSHOTS") or tmp_path)

    with celery_worker(config), serve(app) as base:
        run = subprocess.run(
            [node, "calendar.js", base], cwd=BROWSER, capture_output=True, text=True, timeout=300,
            env={**os.environ, "CHROMIUM": chromium, "OPERATOR": OPERATOR, "PASSWORD": PASSWORD,
                 "SCREENSHOTS": str(shots), "TZ": "UTC"},
        )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert len(result["colors"]) == 2  # one color per client
    assert result["conflicts"] == ["10:00 - 11:00Acme board", "10:30 - 11:30Globex review"]
    [pair] = result["conflictList"]
    assert "Acme board (Acme) × Globex review (Globex)" in pair and "10:30" in pair
    assert [slot[-8:] for slot in result["slots"]] == ["09:00 AM"]  # both are free 09:00-09:45 only
    assert result["progress"] == [1, 1]
    assert result["imported"]["count"] == "2 / 2" and result["imported"]["result"].startswith("2 created")
    assert sorted(row[0] for row in result["mirrored"]) == ["Acme", "Globex"]
    # Acme: board, offsite, the clicked one, two imported; Globex: review, the series and its changed occurrence
    assert {row[0]: int(row[2]) for row in result["mirrored"]} == {"Acme": 5, "Globex": 3}
    assert (shots / "flask-calendar-week.png").stat().st_size > 10_000

    acme_events = {e["summary"]: e for e in events(api, acme)}
    assert acme_events["Acme board"]["start"]["dateTime"].startswith("2026-03-04T13:00:00")  # dragged
    assert acme_events["Made by a click"]["start"]["dateTime"].startswith("2026-03-05T15:00:00")
    globex_events = events(api, globex)
    assert [e["summary"] for e in globex_events if e.get("recurringEventId")] == [
        "Weekly sync (special)", "Weekly sync", "Weekly sync"]
    review = next(e for e in globex_events if e["summary"] == "Globex review")
    assert review["start"]["dateTime"].startswith("2026-03-03T11:30:00")  # the bulk shift, not the stale drag
    assert review["description"] == "changed elsewhere"
    assert acme_events["Maths"]["start"]["dateTime"].startswith("2026-03-16T08:00:00")  # the ICS import
    assert acme_events["School trip"]["start"] == {"date": "2026-03-18"}
