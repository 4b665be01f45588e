"""The calendar view's feed and the edits it makes: every selected client's events in one
answer (recurring series expanded, all-day events as dates, double bookings across clients
marked), the operator's client scope applied, moves sent with etags (stale → 412, nothing overwritten), and an edit of one
occurrence of a series leaving every other occurrence as it was."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from flask_support import connect

RANGE = "time_min=2026-03-01T00:00:00Z&time_max=2026-03-29T00:00:00Z"


def add(client: FlaskClient, client_id: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"/api/clients/{client_id}/calendars/primary/events", json=body)
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def timed(summary: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    zone = {"timeZone": "UTC"}  # a recurring timed event needs one
    return {"summary": summary, "start": {"dateTime": start, **zone}, "end": {"dateTime": end, **zone}, **extra}


def feed(client: FlaskClient, query: str = RANGE) -> dict[str, Any]:
    answer = client.get(f"/api/calendar?{query}")
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


@pytest.fixture
def two_clients(client: FlaskClient) -> tuple[str, str]:
    acme = connect(client, "Acme")["client"]
    globex = connect(client, "Globex")["client"]
    add(client, acme, timed("Acme board", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"))
    add(client, acme, {"summary": "Acme offsite", "start": {"date": "2026-03-05"}, "end": {"date": "2026-03-07"}})
    add(client, globex, timed("Globex standup", "2026-03-02T09:30:00Z", "2026-03-02T09:45:00Z",
                              recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]))
    return acme, globex


def test_feed_overlays_every_client_with_series_expanded(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    data = feed(client)
    assert data["errors"] == [] and set(data["clients"]) == {acme, globex}
    by_client: dict[str, list[str]] = {}
    for entry in data["entries"]:
        assert entry["calendar_id"]
        by_client.setdefault(entry["client_id"], []).append(entry["event"]["summary"])
    assert sorted(by_client[acme]) == ["Acme board", "Acme offsite"]
    assert by_client[globex] == ["Globex standup"] * 3  # the weekly series, one entry per week
    offsite = next(e["event"] for e in data["entries"] if e["event"]["summary"] == "Acme offsite")
    assert offsite["start"] == {"date": "2026-03-05"} and offsite["end"] == {"date": "2026-03-07"}


def test_feed_marks_the_double_booking_between_two_clients(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    entries = feed(client)["entries"]
    clashing = {(e["client_id"], e["event"]["summary"], e["event"]["start"]["dateTime"][:16]): e["conflicts_with"]
                for e in entries if e["conflicts_with"]}
    board = next(i for i, e in enumerate(entries) if e["event"]["summary"] == "Acme board")
    standup = next(i for i, e in enumerate(entries) if e["event"]["summary"] == "Globex standup")
    assert clashing == {(acme, "Acme board", "2026-03-02T09:00"): [standup],
                        (globex, "Globex standup", "2026-03-02T09:30"): [board]}


def test_feed_follows_the_switch_client_scope(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    client.put("/api/me/scope", json={"client_id": globex})
    assert {e["client_id"] for e in feed(client)["entries"]} == {globex}
    assert {e["client_id"] for e in feed(client, f"{RANGE}&clients={acme}")["entries"]} == {acme}
    client.put("/api/me/scope", json={"client_id": None})
    assert {e["client_id"] for e in feed(client)["entries"]} == {acme, globex}


def test_feed_reports_clients_without_a_grant(client: FlaskClient) -> None:
    lonely = client.post("/api/clients", json={"name": "Lonely", "email": "l@lonely.test"}).json["id"]
    data = feed(client)
    assert data["entries"] == [] and data["errors"][0]["client_id"] == lonely


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("time_max=2026-03-02T00:00:00Z", "time_min"),
        ("time_min=2026-03-02T00:00:00Z", "time_max"),
        ("time_min=2026-03-02T00:00:00Z&time_max=2026-03-01T00:00:00Z", "time_max"),
        ("time_min=2026-01-01T00:00:00Z&time_max=2026-06-01T00:00:00Z", "time_max"),
        ("time_min=soon&time_max=2026-03-01T00:00:00Z", "time_min"),
    ],
)
def test_feed_rejects_bad_ranges(client: FlaskClient, query: str, field: str) -> None:
    answer = client.get(f"/api/calendar?{query}")
    assert answer.status_code == 400 and answer.json["field"] == field


def test_feed_of_an_unknown_client_is_404(client: FlaskClient) -> None:
    assert client.get(f"/api/calendar?{RANGE}&clients=00000000-0000-4000-8000-000000000000").status_code == 404


def test_move_with_a_stale_etag_changes_nothing(client: FlaskClient) -> None:
    acme = connect(client, "Acme")["client"]
    url = f"/api/clients/{acme}/calendars/primary/events"
    event = add(client, acme, timed("Board", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"))
    moved = client.patch(f"{url}/{event['id']}", json={"start": {"dateTime": "2026-03-02T11:00:00Z"},
                                                       "end": {"dateTime": "2026-03-02T12:00:00Z"}},
                         headers={"If-Match": event["etag"]})
    assert moved.status_code == 200 and moved.json["summary"] == "Board"
    stale = client.patch(f"{url}/{event['id']}", json={"start": {"dateTime": "2026-03-02T15:00:00Z"},
                                                       "end": {"dateTime": "2026-03-02T16:00:00Z"}},
                         headers={"If-Match": event["etag"]})
    assert stale.status_code == 412
    [after] = client.get(f"{url}?{RANGE}").json
    assert after["start"]["dateTime"].startswith("2026-03-02T11:00:00")


def test_editing_one_occurrence_keeps_every_other_occurrence(client: FlaskClient) -> None:
    acme = connect(client, "Acme")["client"]
    url = f"/api/clients/{acme}/calendars/primary/events"
    series = add(client, acme, timed("Weekly", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z",
                                     recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"]))
    first, second, *rest = client.get(f"{url}?{RANGE}").json
    assert second["recurringEventId"] == series["id"]

    # "This occurrence": the instance's own id, its own etag
    changed = client.patch(f"{url}/{second['id']}", json={"summary": "Weekly (moved)",
                                                         "start": {"dateTime": "2026-03-09T14:00:00Z"},
                                                         "end": {"dateTime": "2026-03-09T15:00:00Z"}},
                           headers={"If-Match": second["etag"]})
    assert changed.status_code == 200, changed.json
    after = client.get(f"{url}?{RANGE}").json
    assert [e["summary"] for e in after] == ["Weekly", "Weekly (moved)", "Weekly", "Weekly"]
    assert {e["recurringEventId"] for e in after} == {series["id"]}
    assert after[1]["start"]["dateTime"].startswith("2026-03-09T14:00:00")
    assert [e["start"] for e in after if e["id"] != second["id"]] == [first["start"]] + [e["start"] for e in rest]

    # "The whole series": the master's id, its recurrence kept
    master = client.get(f"{url}/{series['id']}").json
    renamed = client.patch(f"{url}/{series['id']}", json={"summary": "Weekly review"}, headers={"If-Match": master["etag"]})
    assert renamed.status_code == 200 and renamed.json["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4"]
    final = client.get(f"{url}?{RANGE}").json
    assert len(final) == 4 and {e["recurringEventId"] for e in final} == {series["id"]}
    assert [e["summary"] for e in final].count("Weekly review") == 3  # the moved one keeps its own title


def test_page_and_libraries_are_served_from_the_app(client: FlaskClient) -> None:
    from pathlib import Path

    page = client.get("/").get_data(as_text=True)
    assert 'id="calendar-grid"' in page and 'src="/vendor/fullcalendar/index.global.min.js"' in page
    installed = Path(__file__).resolve().parents[1] / "node_modules" / "fullcalendar" / "index.global.min.js"
    if installed.exists():  # `npm ci` in examples/flask_app (scripts/test-python runs it)
        assert client.get("/vendor/fullcalendar/index.global.min.js").status_code == 200
    assert client.get("/vendor/fullcalendar/package.json").status_code == 404
    assert client.get("/vendor/fullcalendar/../../app.py").status_code == 404
    assert client.get("/vendor/preact/index.js").status_code == 404
