"""Bulk operations across calendars and clients: copy, move, delete or shift every event
matching a query. Each event is one item; a failed item is reported with its reason and the
others go on. Re-running the same job duplicates nothing: a copy gets an id derived from its
source and target (Google refuses a second insert with 409), a move is that copy plus the
source's deletion, a delete of a gone event counts as done, and shifted items are remembered
(``JobRecords.finished_items``) so a re-run skips them.

Recurring series are handled whole (the events are listed with ``singleEvents=false``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Optional

import calstack

from ..api import stack, strings
from ..errors import BadInput
from .spec import Parsed, optional_time

OPERATIONS = ("copy", "move", "delete", "shift")
MAX_RANGE = dt.timedelta(days=366)
#: Fields Google owns; a copy leaves them out.
NOT_COPIED = (
    "id", "etag", "iCalUID", "htmlLink", "created", "updated", "creator", "organizer",
    "recurringEventId", "originalStartTime", "sequence", "hangoutLink", "kind",
)


@dataclass(frozen=True)
class Item:
    """One matching event: where it lives and the event as Google sent it."""

    client_id: str
    calendar_id: str
    event: dict[str, Any]

    @property
    def name(self) -> str:
        """``client/calendar/event`` (what progress and failures report)."""
        return f"{self.client_id}/{self.calendar_id}/{self.event.get('id')}"


def _time(data: dict[str, Any], field: str) -> str:
    value = optional_time(data, field, "query.")
    if value is None:
        raise BadInput(f"query.{field}", "is required (ISO 8601 with a UTC offset)")
    return value.isoformat()


def _strings(query: dict[str, Any], field: str) -> Optional[list[str]]:
    try:
        return strings(query, field)
    except BadInput as e:
        raise BadInput(f"query.{field}", e.message) from None


def parse_bulk(data: dict[str, Any], default_clients: list[str]) -> Parsed:
    """The job spec for a ``{"kind": "bulk", ...}`` request, or 400 naming the field."""
    operation = data.get("operation")
    if operation not in OPERATIONS:
        raise BadInput("operation", f"must be one of {', '.join(OPERATIONS)}")
    query = data.get("query")
    if not isinstance(query, dict):
        raise BadInput("query", "must be an object with time_min, time_max and optional clients, calendars, q")
    time_min, time_max = _time(query, "time_min"), _time(query, "time_max")
    span = dt.datetime.fromisoformat(time_max) - dt.datetime.fromisoformat(time_min)
    if span <= dt.timedelta(0):
        raise BadInput("query.time_max", "must be after time_min")
    if span > MAX_RANGE:
        raise BadInput("query.time_max", "the range may span at most a year")
    clients = [stack().clients.get(c).id for c in (_strings(query, "clients") or default_clients)]
    if not clients:
        raise BadInput("query.clients", "no client to work on")
    calendars = _strings(query, "calendars")
    text = query.get("q")
    if text is not None and not isinstance(text, str):
        raise BadInput("query.q", "must be a string")
    spec: dict[str, Any] = {
        "operation": operation,
        "query": {"clients": clients, "calendars": calendars, "time_min": time_min, "time_max": time_max, "q": text},
    }
    if operation in ("copy", "move"):
        spec["target"] = _target(data, clients, calendars)
    if operation == "shift":
        minutes = data.get("shift_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes == 0 or abs(minutes) > 525600:
            raise BadInput("shift_minutes", "must be a non-zero whole number of minutes, at most a year")
        spec["shift_minutes"] = minutes
    return Parsed(spec)


def _target(data: dict[str, Any], clients: list[str], calendars: Optional[list[str]]) -> dict[str, str]:
    target = data.get("target")
    if not isinstance(target, dict) or not isinstance(target.get("client_id"), str):
        raise BadInput("target.client_id", "copy and move need a target client")
    calendar_id = target.get("calendar_id") or "primary"
    if not isinstance(calendar_id, str):
        raise BadInput("target.calendar_id", "must be a string")
    client_id = stack().clients.get(target["client_id"]).id
    if client_id in clients and (calendars is None or calendar_id in calendars):
        raise BadInput("target", "the target calendar is one of the source calendars")
    return {"client_id": client_id, "calendar_id": calendar_id}


def matching_items(spec: dict[str, Any], failed: Callable[[str, str], None]) -> list[Item]:
    """Every event the query matches; a client or calendar that cannot be read is reported
    through ``failed(item, reason)``."""
    query = spec["query"]
    time_min = dt.datetime.fromisoformat(query["time_min"])
    time_max = dt.datetime.fromisoformat(query["time_max"])
    items: list[Item] = []
    for client_id in query["clients"]:
        try:
            calendar = stack().calendar(client_id)
            calendar_ids = query["calendars"] or [c.id for c in calendar.list_calendars() if c.id]
        except calstack.CalstackError as e:
            failed(client_id, str(e))
            continue
        for calendar_id in calendar_ids:
            try:
                events = calendar.list_events(
                    calendar_id, time_min=time_min, time_max=time_max, single_events=False, query=query["q"]
                )
            except calstack.CalstackError as e:
                failed(f"{client_id}/{calendar_id}", str(e))
                continue
            items.extend(Item(client_id, calendar_id, e.to_dict()) for e in events if not e.is_cancelled)
    return items


def copy_id(item: Item, target: dict[str, str]) -> str:
    """The copy's event id: the same for the same source and target, so a re-run is refused."""
    source = f"{item.name}->{target['client_id']}/{target['calendar_id']}"
    return hashlib.sha256(source.encode()).hexdigest()[:40]  # hex digits are valid base32hex


def _copy(item: Item, target: dict[str, str]) -> None:
    body = {k: v for k, v in item.event.items() if k not in NOT_COPIED}
    body["id"] = copy_id(item, target)
    try:
        stack().calendar(target["client_id"]).create_event(target["calendar_id"], body)
    except calstack.ApiError as e:
        if e.status != 409:  # 409: this copy exists already (an earlier run made it)
            raise


def _delete(item: Item) -> None:
    try:
        stack().calendar(item.client_id).delete_event(item.calendar_id, str(item.event["id"]))
    except calstack.NotFoundError:
        pass  # gone already
    except calstack.ApiError as e:
        if e.status != 410:
            raise


def shifted(when: dict[str, Any], minutes: int) -> dict[str, Any]:
    """An event time moved by ``minutes`` (all-day times by whole days only)."""
    moved = dict(when)
    if when.get("dateTime"):
        start = dt.datetime.fromisoformat(str(when["dateTime"]).replace("Z", "+00:00"))
        moved["dateTime"] = (start + dt.timedelta(minutes=minutes)).isoformat()
    elif when.get("date"):
        if minutes % 1440:
            raise BadInput("shift_minutes", "an all-day event moves by whole days (multiples of 1440)")
        day = dt.date.fromisoformat(str(when["date"]))
        moved["date"] = (day + dt.timedelta(days=minutes // 1440)).isoformat()
    return moved


def _shift(item: Item, minutes: int) -> None:
    changes = {"start": shifted(item.event["start"], minutes), "end": shifted(item.event["end"], minutes)}
    stack().calendar(item.client_id).patch_event(
        item.calendar_id, str(item.event["id"]), changes, etag=item.event.get("etag")
    )


def apply(spec: dict[str, Any], item: Item) -> None:
    """Does the spec's operation to one item; raises what went wrong."""
    operation = spec["operation"]
    if operation == "copy":
        _copy(item, spec["target"])
    elif operation == "move":
        _copy(item, spec["target"])
        _delete(item)
    elif operation == "delete":
        _delete(item)
    else:
        _shift(item, spec["shift_minutes"])
