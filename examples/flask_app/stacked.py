"""The stacked views over many clients' calendars, as JSON: ``GET /api/agenda``,
``/api/conflicts``, ``/api/freebusy`` and ``/api/slots``, each a thin call of the library's
``stack.agenda / conflicts / free_busy / find_slots`` (the rules live in calstack-core), and a
client's working hours (``GET, PUT /api/clients/<id>/working_hours``).

Parameters are the library's: ``time_min``, ``time_max`` (ISO 8601 with an offset; required),
``clients`` and ``calendars`` (comma-separated), ``live``, ``time_zone``; the slot finder adds
``duration``, ``buffer``, ``step`` and ``working_hours``. Bad ones answer 400 naming the field.
``live`` defaults to true here: the page shows what Google has now, edits included; pass
``live=false`` to read the local mirror (kept fresh by ``mirror_sync`` jobs and push).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

import calstack
from flask import Blueprint, jsonify, request

from .api import body, query_bool, query_time, stack, text
from .errors import BadInput
from .security import signed_in

stacked = Blueprint("stacked", __name__)


def iso(value: dt.datetime) -> str:
    """An aware datetime as ISO 8601 (UTC stays ``+00:00``)."""
    return value.isoformat()


def listed(name: str) -> Optional[list[str]]:
    """A comma-separated query parameter as a list, or None when absent or empty."""
    raw = request.args.get(name, "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    return parts or None


def scoped_client_ids() -> list[str]:
    """The clients a view covers by default: the operator's scope (one client), else all."""
    scope = signed_in().client_scope
    if scope:
        return [stack().clients.get(scope).id]
    return [c.id for c in stack().clients.list()]


def split_connected(client_ids: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """The clients with a valid Google grant, and one ``{client_id, error, message}`` for each
    of the others (they cannot be read)."""
    connected = {c.client_id for c in stack().oauth.list() if c.is_valid}
    readable = [c for c in client_ids if c in connected]
    missing = [
        {"client_id": c, "error": "not_connected", "message": "no valid Google grant"}
        for c in client_ids
        if c not in connected
    ]
    return readable, missing


@dataclass(frozen=True)
class Window:
    """The parameters every view shares."""

    time_min: dt.datetime
    time_max: dt.datetime
    clients: list[str]
    calendars: Optional[list[str]]
    live: bool
    time_zone: Optional[str]

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of the library's views (``time_zone`` is added where taken)."""
        return {
            "time_min": self.time_min,
            "time_max": self.time_max,
            "clients": self.clients,
            "calendars": self.calendars,
            "live": self.live,
        }


def window() -> tuple[Window, list[dict[str, Any]]]:
    """The request's window and the default clients that cannot be read. Explicit ``clients``
    (ids or names) go to the library as given: an unknown one is its 400 on ``clients``."""
    time_min, time_max = query_time("time_min"), query_time("time_max")
    if time_min is None:
        raise BadInput("time_min", "is required (ISO 8601 with a UTC offset)")
    if time_max is None:
        raise BadInput("time_max", "is required (ISO 8601 with a UTC offset)")
    explicit = listed("clients")
    problems: list[dict[str, Any]] = []
    if explicit is None:
        explicit, problems = split_connected(scoped_client_ids())
    found = Window(
        time_min,
        time_max,
        explicit,
        listed("calendars"),
        query_bool("live", True),
        request.args.get("time_zone") or None,
    )
    return found, problems


def entry_json(entry: calstack.AgendaEntry) -> dict[str, Any]:
    """One agenda line: where it lives, the event as Google sent it, its span and conflicts
    (indexes into the same answer's list)."""
    return {
        "client_id": entry.client_id,
        "client": entry.client,
        "calendar_id": entry.calendar_id,
        "calendar": entry.calendar,
        "event": entry.event.to_dict(),
        "start": iso(entry.start),
        "end": iso(entry.end),
        "all_day": entry.all_day,
        "busy": entry.busy,
        "conflicts_with": list(entry.conflicts_with),
    }


def side_json(side: calstack.ConflictSide) -> dict[str, Any]:
    return {
        "client_id": side.client_id,
        "client": side.client,
        "calendar_id": side.calendar_id,
        "event_id": side.event_id,
        "summary": side.summary,
        "start": iso(side.start),
        "end": iso(side.end),
    }


def agenda_entries(view: Window) -> list[dict[str, Any]]:
    """The stacked agenda of ``view`` as JSON entries (none when no client is readable)."""
    if not view.clients:
        return []
    found = stack().agenda(**view.arguments(), time_zone=view.time_zone)
    return [entry_json(e) for e in found]


def intervals(pairs: list[tuple[dt.datetime, dt.datetime]]) -> list[dict[str, str]]:
    return [{"start": iso(start), "end": iso(end)} for start, end in pairs]


@stacked.get("/api/agenda")
def agenda() -> Any:
    """Every event of the chosen clients' calendars in the window, one ordered timeline,
    series expanded, each with the entries it collides with."""
    view, problems = window()
    return jsonify({"entries": agenda_entries(view), "errors": problems})


@stacked.get("/api/conflicts")
def conflicts() -> Any:
    """Every pair of busy timed events that overlap, once, the earlier one first."""
    view, problems = window()
    found = stack().conflicts(**view.arguments()) if view.clients else []
    pairs = [
        {
            "first": side_json(c.first),
            "second": side_json(c.second),
            "overlap_start": iso(c.overlap_start),
            "overlap_end": iso(c.overlap_end),
        }
        for c in found
    ]
    return jsonify({"conflicts": pairs, "errors": problems})


@stacked.get("/api/freebusy")
def free_busy() -> Any:
    """Each client's busy intervals, merged across its calendars."""
    view, problems = window()
    busy = stack().free_busy(**view.arguments()) if view.clients else {}
    return jsonify({"clients": {client: intervals(spans) for client, spans in busy.items()}, "errors": problems})


@stacked.get("/api/slots")
def slots() -> Any:
    """Times of ``duration`` when every chosen client is free, inside each one's working hours
    (or ``working_hours`` for all), ``buffer`` away from every booking, on a ``step`` grid."""
    view, problems = window()
    duration = request.args.get("duration", "").strip()
    if not duration:
        raise BadInput("duration", "is required, e.g. 45m, 1h30m or a number of minutes")
    if not view.clients:
        raise BadInput("clients", "no client with a valid Google grant to look at")
    found = stack().find_slots(
        duration,
        **view.arguments(),
        working_hours=request.args.get("working_hours") or None,
        time_zone=view.time_zone,
        buffer=request.args.get("buffer") or None,
        step=request.args.get("step") or None,
    )
    return jsonify({"slots": intervals(found), "clients": view.clients, "errors": problems})


@stacked.get("/api/clients/<client_id>/working_hours")
def working_hours(client_id: str) -> Any:
    """``{"working_hours": "mon 09:00-17:00; … (Europe/Zurich)" | null}``."""
    client = stack().clients.get(client_id)
    return jsonify({"client_id": client.id, "working_hours": stack().clients.working_hours(client.id)})


@stacked.put("/api/clients/<client_id>/working_hours")
def set_working_hours(client_id: str) -> Any:
    """``{"working_hours": "mon-fri 09:00-17:00", "time_zone": "Europe/Zurich"}``; ``null``
    hours: available around the clock."""
    data = body()
    client = stack().clients.get(client_id)
    hours = text(data, "working_hours")
    stack().clients.set_working_hours(client.id, hours or None, text(data, "time_zone") or "UTC")
    return jsonify({"client_id": client.id, "working_hours": stack().clients.working_hours(client.id)})
