"""Background jobs on Celery with Redis, run by a real worker process: bulk copy, move, delete
and shift across clients, progress and per-item failures in ``GET /api/jobs/<id>``, re-runs
that duplicate nothing, and the request checks (400 naming the field). ICS and mirror sync
jobs: test_ics_and_sync_jobs.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from calstack.testing import Emulator
from flask_app import create_app
from flask_support import OPERATOR, PASSWORD, app_config, connect, sign_in, wait_for_job

RANGE = {"time_min": "2026-03-01T00:00:00Z", "time_max": "2026-03-29T00:00:00Z"}
LISTING = "time_min=2026-03-01T00:00:00Z&time_max=2026-03-29T00:00:00Z"
UTC = {"timeZone": "UTC"}


def events_url(client_id: str) -> str:
    return f"/api/clients/{client_id}/calendars/primary/events"


def seed(client: FlaskClient, client_id: str) -> None:
    for body in (
        {"summary": "Board", "start": {"dateTime": "2026-03-02T09:00:00Z"}, "end": {"dateTime": "2026-03-02T10:00:00Z"}},
        {"summary": "Offsite", "start": {"date": "2026-03-05"}, "end": {"date": "2026-03-06"}},
        {"summary": "Standup", "start": {"dateTime": "2026-03-03T08:00:00Z", **UTC},
         "end": {"dateTime": "2026-03-03T08:15:00Z", **UTC}, "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"]},
    ):
        assert client.post(events_url(client_id), json=body).status_code == 201


def listing(client: FlaskClient, client_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"{events_url(client_id)}?{LISTING}").json)


def first_starts(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Each title's first start (a series' first occurrence)."""
    starts: dict[str, Any] = {}
    for event in events:
        starts.setdefault(event["summary"], event["start"])
    return starts


def run(client: FlaskClient, request: dict[str, Any]) -> dict[str, Any]:
    started = client.post("/api/jobs", json={"kind": "bulk", **request})
    assert started.status_code == 202, started.json
    assert started.json["state"] in ("queued", "running", "done")
    return wait_for_job(client, started.json["id"])


def test_copy_across_clients_reports_progress_and_a_rerun_duplicates_nothing(jobs_client: FlaskClient) -> None:
    acme, globex = connect(jobs_client, "Acme")["client"], connect(jobs_client, "Globex")["client"]
    seed(jobs_client, acme)
    request = {"operation": "copy", "query": {"clients": [acme], **RANGE}, "target": {"client_id": globex}}
    job = run(jobs_client, request)
    assert (job["state"], job["done"], job["total"], job["failures"]) == ("done", 3, 3, [])
    copied = listing(jobs_client, globex)
    assert sorted(e["summary"] for e in copied) == ["Board", "Offsite", "Standup", "Standup", "Standup"]

    again = run(jobs_client, request)
    assert (again["state"], again["done"], again["total"], again["failures"]) == ("done", 3, 3, [])
    assert len(listing(jobs_client, globex)) == len(copied)
    assert len(listing(jobs_client, acme)) == 5  # the sources stay


def test_move_leaves_nothing_behind_and_a_rerun_finds_nothing(jobs_client: FlaskClient) -> None:
    acme, globex = connect(jobs_client, "Acme")["client"], connect(jobs_client, "Globex")["client"]
    seed(jobs_client, acme)
    request = {"operation": "move", "query": {"clients": [acme], **RANGE, "q": "Board"}, "target": {"client_id": globex}}
    job = run(jobs_client, request)
    assert (job["done"], job["total"], job["failures"]) == (1, 1, [])
    assert [e["summary"] for e in listing(jobs_client, globex)] == ["Board"]
    assert "Board" not in [e["summary"] for e in listing(jobs_client, acme)]
    assert run(jobs_client, request)["total"] == 0
    assert len(listing(jobs_client, globex)) == 1


def test_shift_reports_each_failed_item_and_a_rerun_shifts_nothing_twice(jobs_client: FlaskClient) -> None:
    acme = connect(jobs_client, "Acme")["client"]
    seed(jobs_client, acme)
    request = {"operation": "shift", "query": {"clients": [acme], **RANGE}, "shift_minutes": 90}
    job = run(jobs_client, request)
    assert (job["state"], job["done"], job["total"]) == ("done", 2, 3)
    [failure] = job["failures"]
    assert failure["item"].startswith(f"{acme}/") and "whole days" in failure["reason"]
    starts = first_starts(listing(jobs_client, acme))
    assert starts["Board"]["dateTime"].startswith("2026-03-02T10:30:00")
    assert starts["Standup"]["dateTime"].startswith("2026-03-03T09:30:00")
    assert starts["Offsite"] == {"date": "2026-03-05"}  # the failed item is untouched

    again = run(jobs_client, request)
    assert (again["done"], len(again["failures"])) == (2, 1)
    assert first_starts(listing(jobs_client, acme)) == starts


def test_delete_matching_events_only(jobs_client: FlaskClient) -> None:
    acme = connect(jobs_client, "Acme")["client"]
    seed(jobs_client, acme)
    job = run(jobs_client, {"operation": "delete", "query": {"clients": [acme], **RANGE, "q": "Standup"}})
    assert (job["done"], job["total"], job["failures"]) == (1, 1, [])
    assert sorted(e["summary"] for e in listing(jobs_client, acme)) == ["Board", "Offsite"]


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"kind": "nope"}, "kind"),
        ({"kind": "bulk", "operation": "rename", "query": RANGE}, "operation"),
        ({"kind": "bulk", "operation": "delete"}, "query"),
        ({"kind": "bulk", "operation": "delete", "query": {"time_min": "2026-03-01T00:00:00Z"}}, "query.time_max"),
        ({"kind": "bulk", "operation": "delete", "query": {"time_min": "2026-03-09T00:00:00Z",
                                                           "time_max": "2026-03-01T00:00:00Z"}}, "query.time_max"),
        ({"kind": "bulk", "operation": "shift", "query": RANGE, "shift_minutes": 0}, "shift_minutes"),
        ({"kind": "bulk", "operation": "shift", "query": RANGE, "shift_minutes": "1h"}, "shift_minutes"),
        ({"kind": "bulk", "operation": "copy", "query": RANGE}, "target.client_id"),
        ({"kind": "bulk", "operation": "delete", "query": {**RANGE, "clients": "all"}}, "query.clients"),
    ],
)
def test_bad_job_requests_name_the_field(client: FlaskClient, request_body: dict[str, Any], field: str) -> None:
    client.post("/api/clients", json={"name": "Acme", "email": "ops@acme.test"})
    answer = client.post("/api/jobs", json=request_body)
    assert answer.status_code == 400 and answer.json["field"] == field, answer.json


def test_copy_onto_a_source_calendar_is_refused(client: FlaskClient) -> None:
    acme = client.post("/api/clients", json={"name": "Acme", "email": "ops@acme.test"}).json["id"]
    answer = client.post("/api/jobs", json={"kind": "bulk", "operation": "copy", "query": {"clients": [acme], **RANGE},
                                            "target": {"client_id": acme}})
    assert answer.status_code == 400 and answer.json["field"] == "target"


def test_unknown_job_is_404(client: FlaskClient) -> None:
    assert client.get("/api/jobs/0123456789abcdef").status_code == 404


def test_jobs_without_redis_answer_503_and_health_says_why(emulator: Emulator, tmp_path: Path) -> None:
    app = create_app(app_config(emulator, f"sqlite://{tmp_path / 'down.db'}", REDIS_URL="redis://127.0.0.1:9/0"))
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    client = app.test_client()
    sign_in(client)
    client.post("/api/clients", json={"name": "Acme", "email": "ops@acme.test"})
    answer = client.post("/api/jobs", json={"kind": "bulk", "operation": "delete", "query": RANGE})
    assert answer.status_code == 503 and answer.json["error"] == "queue_unavailable"
    assert client.get("/api/jobs/0123").status_code == 503
    health = client.get("/health")
    assert health.status_code == 503 and health.json["checks"]["redis"]["ok"] is False
    assert health.json["checks"]["database"]["ok"] is True
    assert app.test_client().get("/health/live").json == {"status": "ok"}  # no sign-in, no checks
