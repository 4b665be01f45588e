"""The stacked views API over two clients (the library's agenda, conflicts, free/busy and slot
finder, read live from the emulator), a client's working hours, and every bad parameter
answering 400 naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from flask_support import connect

DAY = "time_min=2026-03-02T00:00:00Z&time_max=2026-03-03T00:00:00Z"
MORNING = "time_min=2026-03-02T08:00:00Z&time_max=2026-03-02T12:00:00Z"


def timed(summary: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    zone = {"timeZone": "UTC"}
    return {"summary": summary, "start": {"dateTime": start, **zone}, "end": {"dateTime": end, **zone}, **extra}


@pytest.fixture
def two_clients(client: FlaskClient) -> tuple[str, str]:
    """Acme (a board meeting 09:00-10:00) and Globex (a standup 09:30-09:45, an all-day
    offsite, a free-time reminder) on Monday 2 March 2026."""
    acme, globex = connect(client, "Acme")["client"], connect(client, "Globex")["client"]
    for client_id, body in (
        (acme, timed("Board", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")),
        (globex, timed("Standup", "2026-03-02T09:30:00Z", "2026-03-02T09:45:00Z")),
        (globex, {"summary": "Offsite", "start": {"date": "2026-03-02"}, "end": {"date": "2026-03-03"}}),
        (globex, timed("Reminder", "2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z", transparency="transparent")),
    ):
        answer = client.post(f"/api/clients/{client_id}/calendars/primary/events", json=body)
        assert answer.status_code == 201, answer.json
    return acme, globex


def get(client: FlaskClient, url: str) -> dict[str, Any]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


def test_agenda_is_one_timeline_with_the_double_booking_marked(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    data = get(client, f"/api/agenda?{DAY}")
    assert data["errors"] == []
    entries = data["entries"]
    summaries = [e["event"]["summary"] for e in entries]
    assert sorted(summaries) == ["Board", "Offsite", "Reminder", "Standup"]
    board, standup = summaries.index("Board"), summaries.index("Standup")
    assert entries[board]["conflicts_with"] == [standup] and entries[standup]["conflicts_with"] == [board]
    assert entries[board]["client"] == "Acme" and entries[standup]["client_id"] == globex
    offsite = entries[summaries.index("Offsite")]
    assert offsite["all_day"] is True and offsite["conflicts_with"] == []
    assert entries[summaries.index("Reminder")]["busy"] is False

    only_acme = get(client, f"/api/agenda?{DAY}&clients=Acme")["entries"]  # by name, as the library takes it
    assert [(e["client_id"], e["event"]["summary"], e["conflicts_with"]) for e in only_acme] == [(acme, "Board", [])]


def test_conflicts_list_each_pair_once_with_the_overlap(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    [pair] = get(client, f"/api/conflicts?{DAY}")["conflicts"]
    assert (pair["first"]["summary"], pair["first"]["client"]) == ("Board", "Acme")
    assert (pair["second"]["summary"], pair["second"]["client"]) == ("Standup", "Globex")
    assert (pair["overlap_start"], pair["overlap_end"]) == ("2026-03-02T09:30:00+00:00", "2026-03-02T09:45:00+00:00")


def test_freebusy_counts_busy_time_per_client(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    busy = get(client, f"/api/freebusy?{MORNING}")["clients"]
    assert busy[acme] == [{"start": "2026-03-02T09:00:00+00:00", "end": "2026-03-02T10:00:00+00:00"}]
    # the all-day offsite is busy all day (clipped to the window); the transparent reminder is not
    assert busy[globex] == [{"start": "2026-03-02T08:00:00+00:00", "end": "2026-03-02T12:00:00+00:00"}]


def test_slots_respect_every_clients_bookings_and_working_hours(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    hours = client.put(f"/api/clients/{acme}/working_hours", json={"working_hours": "mon-fri 08:30-11:30",
                                                                   "time_zone": "UTC"})
    assert hours.status_code == 200 and "08:30-11:30" in hours.json["working_hours"]
    assert "08:30-11:30" in get(client, f"/api/clients/{acme}/working_hours")["working_hours"]

    found = get(client, f"/api/slots?{MORNING}&duration=30m&step=30&clients={acme}")["slots"]
    assert [s["start"][11:16] for s in found] == ["08:30", "10:00", "10:30", "11:00"]
    # with Globex too: its all-day offsite leaves no time at all
    assert get(client, f"/api/slots?{MORNING}&duration=30m&clients={acme},{globex}")["slots"] == []
    # a buffer keeps slots 15 minutes away from the board meeting; working hours for this query only
    spaced = get(client, f"/api/slots?{MORNING}&duration=1h&buffer=15m&working_hours=08:00-12:00&clients={acme}")
    assert [s["start"][11:16] for s in spaced["slots"]] == ["10:15", "10:30", "10:45", "11:00"]


def test_views_default_to_the_operators_connected_clients(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, globex = two_clients
    lonely = client.post("/api/clients", json={"name": "Lonely", "email": "l@lonely.test"}).json["id"]
    data = get(client, f"/api/agenda?{DAY}")
    assert data["errors"] == [{"client_id": lonely, "error": "not_connected", "message": "no valid Google grant"}]
    assert {e["client_id"] for e in data["entries"]} == {acme, globex}
    client.put("/api/me/scope", json={"client_id": acme})
    assert {e["client_id"] for e in get(client, f"/api/agenda?{DAY}")["entries"]} == {acme}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("time_max=2026-03-03T00:00:00Z", "time_min"),
        ("time_min=2026-03-02T00:00:00Z", "time_max"),
        ("time_min=tomorrow&time_max=2026-03-03T00:00:00Z", "time_min"),
        ("time_min=2026-03-02T00:00:00&time_max=2026-03-03T00:00:00Z", "time_min"),
        ("time_min=2026-03-03T00:00:00Z&time_max=2026-03-02T00:00:00Z", "time_max"),
        ("time_min=2026-03-02T00:00:00Z&time_max=2028-03-03T00:00:00Z", "time_max"),
        (f"{DAY}&clients=Nobody", "clients"),
        (f"{DAY}&time_zone=Mars/Olympus", "time_zone"),
        (f"{DAY}&live=perhaps", "live"),
    ],
)
def test_bad_view_parameters_name_the_field(
    client: FlaskClient, two_clients: tuple[str, str], query: str, field: str
) -> None:
    for view in ("agenda", "slots"):
        answer = client.get(f"/api/{view}?{query}&duration=30m")
        assert answer.status_code == 400 and answer.json["field"] == field, (view, answer.json)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "duration"),
        ("&duration=soon", "duration"),
        ("&duration=0", "duration"),
        ("&duration=30m&step=0", "step"),
        ("&duration=30m&buffer=-5", "buffer"),
        ("&duration=30m&working_hours=9-5ish", "working_hours"),
    ],
)
def test_bad_slot_parameters_name_the_field(client: FlaskClient, two_clients: tuple[str, str], query: str, field: str) -> None:
    answer = client.get(f"/api/slots?{DAY}{query}")
    assert answer.status_code == 400 and answer.json["field"] == field, answer.json


def test_malformed_working_hours_are_refused_and_nothing_is_stored(client: FlaskClient, two_clients: tuple[str, str]) -> None:
    acme, _ = two_clients
    for body, field in (({"working_hours": "mon-fri 17:00-09:00"}, "working_hours"),
                        ({"working_hours": "09:00-17:00", "time_zone": "Nowhere/Land"}, "time_zone"),
                        ({"working_hours": 9}, "working_hours")):
        answer = client.put(f"/api/clients/{acme}/working_hours", json=body)
        assert answer.status_code == 400 and answer.json["field"] == field, answer.json
    assert get(client, f"/api/clients/{acme}/working_hours")["working_hours"] is None
