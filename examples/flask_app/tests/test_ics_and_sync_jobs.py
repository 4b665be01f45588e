"""ICS import / export and mirror sync jobs, run by a real Celery worker against the emulator:
progress from the library, per-item failures with ``skip_invalid``, re-runs that change
nothing, the exported file (sealed in Redis, never plaintext), and 400s naming the field."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from flask_support import REDIS_URL, connect, wait_for_job

RANGE = "time_min=2026-06-01T00:00:00Z&time_max=2026-07-01T00:00:00Z"

SCHOOL = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN",
    "BEGIN:VEVENT", "UID:maths@school.test", "DTSTART;TZID=Europe/Zurich:20260601T080000",
    "DTEND;TZID=Europe/Zurich:20260601T090000", "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:Maths", "END:VEVENT",
    "BEGIN:VEVENT", "UID:trip@school.test", "DTSTART;VALUE=DATE:20260612", "SUMMARY:School trip", "END:VEVENT",
    "BEGIN:VEVENT", "UID:parents@school.test", "DTSTART:20260615T170000Z", "DTEND:20260615T183000Z",
    "SUMMARY:Parents' evening", "LOCATION:Hall 2", "END:VEVENT",
    "END:VCALENDAR", "",
])
MIXED = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN",
    "BEGIN:VEVENT", "UID:good-1@example.com", "DTSTART:20260601T090000Z", "DTEND:20260601T100000Z",
    "SUMMARY:Good one", "END:VEVENT",
    "BEGIN:VEVENT", "UID:bad-date@example.com", "DTSTART:2026-06-02 09:00", "SUMMARY:Bad date", "END:VEVENT",
    "BEGIN:VEVENT", "UID:good-2@example.com", "DTSTART:20260603T090000Z", "DURATION:PT30M",
    "SUMMARY:Good two", "END:VEVENT",
    "END:VCALENDAR", "",
])


def start(client: FlaskClient, request: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/api/jobs", json=request)
    assert answer.status_code == 202, answer.json
    return wait_for_job(client, answer.json["id"])


def summaries(client: FlaskClient, client_id: str) -> list[str]:
    events = client.get(f"/api/clients/{client_id}/calendars/primary/events?{RANGE}").json
    return sorted(e["summary"] for e in events)


def test_ics_import_reports_progress_and_a_rerun_changes_nothing(jobs_client: FlaskClient) -> None:
    acme = connect(jobs_client, "Acme")["client"]
    request = {"kind": "ics_import", "client_id": acme, "ics": SCHOOL, "file_name": "school.ics"}
    job = start(jobs_client, request)
    assert (job["state"], job["done"], job["total"], job["failures"]) == ("done", 3, 3, [])
    assert job["result"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert job["spec"]["events"] == 3 and "ics" not in job["spec"]  # the file is not echoed
    imported = summaries(jobs_client, acme)
    assert imported == ["Maths"] * 4 + ["Parents' evening", "School trip"]

    again = start(jobs_client, request)
    assert (again["state"], again["failures"]) == ("done", [])
    assert again["result"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert summaries(jobs_client, acme) == imported


def test_ics_import_with_skip_invalid_reports_each_refused_event_and_imports_the_rest(jobs_client: FlaskClient) -> None:
    acme = connect(jobs_client, "Acme")["client"]
    refused = jobs_client.post("/api/jobs", json={"kind": "ics_import", "client_id": acme, "ics": MIXED})
    assert refused.status_code == 400 and refused.json["field"] == "ics"
    assert "line 12" in refused.json["message"] and "DTSTART" in refused.json["message"]
    assert summaries(jobs_client, acme) == []  # all or nothing: nothing started

    job = start(jobs_client, {"kind": "ics_import", "client_id": acme, "ics": MIXED, "skip_invalid": True})
    assert job["state"] == "done" and job["result"]["created"] == 2
    [failure] = job["failures"]
    assert failure["item"] == "line 12" and "bad-date@example.com" in failure["reason"]
    assert (job["done"], job["total"]) == (3, 3)
    assert summaries(jobs_client, acme) == ["Good one", "Good two"]


def test_ics_export_is_downloaded_once_finished_and_kept_sealed(jobs_client: FlaskClient) -> None:
    acme, globex = connect(jobs_client, "Acme")["client"], connect(jobs_client, "Globex")["client"]
    start(jobs_client, {"kind": "ics_import", "client_id": acme, "ics": SCHOOL})
    job = start(jobs_client, {"kind": "ics_export", "client_id": acme, "calendar_id": "primary",
                              "time_min": "2026-06-01T00:00:00Z", "time_max": "2026-07-01T00:00:00Z"})
    assert (job["state"], job["done"], job["total"], job["result"]["events"]) == ("done", 1, 1, 3)

    download = jobs_client.get(f"/api/jobs/{job['id']}/file")
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    assert download.headers["Content-Disposition"] == 'attachment; filename="primary.ics"'
    exported = download.get_data(as_text=True)
    assert "SUMMARY:Parents' evening" in exported and "BEGIN:VTIMEZONE" in exported
    stored = redis.Redis.from_url(REDIS_URL)
    raw = [stored.get(k) or b"" for k in stored.scan_iter(match=f"*job-file:{job['id']}:*")]
    assert len(raw) == 1 and b"Parents" not in raw[0] and b"Hall 2" not in raw[0]

    copied = start(jobs_client, {"kind": "ics_import", "client_id": globex, "ics": exported})
    assert copied["result"]["created"] == 3 and summaries(jobs_client, globex) == summaries(jobs_client, acme)
    assert jobs_client.get(f"/api/jobs/{copied['id']}/file").status_code == 404  # an import has no file


def test_mirror_sync_job_fills_the_mirror_and_a_rerun_fetches_only_changes(jobs_client: FlaskClient) -> None:
    acme, globex = connect(jobs_client, "Acme")["client"], connect(jobs_client, "Globex")["client"]
    start(jobs_client, {"kind": "ics_import", "client_id": acme, "ics": SCHOOL})
    job = start(jobs_client, {"kind": "mirror_sync"})  # default: every connected client
    assert (job["state"], job["done"], job["total"], job["failures"]) == ("done", 2, 2, [])
    assert sorted(job["spec"]["clients"]) == sorted([acme, globex])
    assert job["result"]["calendars"] == 2 and job["result"]["upserted"] == 3
    status = {row["client_id"]: row for row in jobs_client.get("/api/sync/status").json}
    assert status[acme]["events"] == 3 and status[globex]["events"] == 0
    assert status[acme]["last_synced"] and status[acme]["last_error"] is None

    again = start(jobs_client, {"kind": "mirror_sync", "clients": [acme]})
    assert (again["done"], again["total"], again["result"]) == (1, 1, {"calendars": 1, "upserted": 0, "deleted": 0})


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"kind": "ics_import", "ics": SCHOOL}, "client_id"),
        ({"kind": "ics_import", "client_id": "{acme}"}, "ics"),
        ({"kind": "ics_import", "client_id": "{acme}", "ics": "   "}, "ics"),
        ({"kind": "ics_import", "client_id": "{acme}", "ics": "<html>not a calendar</html>"}, "ics"),
        ({"kind": "ics_import", "client_id": "{acme}", "ics": SCHOOL, "skip_invalid": "yes"}, "skip_invalid"),
        ({"kind": "ics_export", "client_id": "{acme}", "time_min": "June"}, "time_min"),
        ({"kind": "ics_export", "client_id": "{acme}", "time_min": "2026-06-02T00:00:00Z",
          "time_max": "2026-06-01T00:00:00Z"}, "time_max"),
        ({"kind": "mirror_sync", "clients": "all"}, "clients"),
        ({"kind": "mirror_sync"}, "clients"),  # nobody is connected
    ],
)
def test_bad_ics_and_sync_requests_name_the_field(client: FlaskClient, request_body: dict[str, Any], field: str) -> None:
    acme = client.post("/api/clients", json={"name": "Acme", "email": "ops@acme.test"}).json["id"]
    body = {k: (v.format(acme=acme) if isinstance(v, str) and v == "{acme}" else v) for k, v in request_body.items()}
    answer = client.post("/api/jobs", json=body)
    assert answer.status_code == 400 and answer.json["field"] == field, answer.json


def test_jobs_for_an_unknown_client_are_404(client: FlaskClient) -> None:
    for kind in ("ics_import", "ics_export"):
        answer = client.post("/api/jobs", json={"kind": kind, "client_id": "00000000-0000-4000-8000-000000000000",
                                                "ics": SCHOOL})
        assert answer.status_code == 404, answer.json


def test_an_oversized_upload_is_refused_before_anything_starts(client: FlaskClient) -> None:
    acme = client.post("/api/clients", json={"name": "Acme", "email": "ops@acme.test"}).json["id"]
    too_big = client.post("/api/jobs", json={"kind": "ics_import", "client_id": acme, "ics": SCHOOL + " " * (11 << 20)})
    assert too_big.status_code == 400 and too_big.json["field"] == "ics"
    huge = client.post("/api/jobs", data=b"{" + b" " * (33 << 20) + b"}", content_type="application/json")
    assert huge.status_code == 413 and huge.json["error"] == "request_entity_too_large"
