"""iCalendar (.ics) files in and out of a client's Google calendars.

Thin wrappers over ``calstack_core::ics`` (the same code the ``calstack`` CLI runs):

    import calstack
    from calstack import ics

    cal = stack.calendar(client_id)
    report = ics.import_ics(cal, "primary", open("school.ics", encoding="utf-8").read())
    print(report.created, report.updated, report.unchanged, report.skipped)
    text = ics.export_ics(cal, "primary")

Import is idempotent (events are matched by UID: importing the same file twice changes
nothing) and all-or-nothing unless ``skip_invalid=True``; a refused file raises
``calstack.ValidationError`` whose message gives the line, the event, the property and what was
expected.

With asyncio, ``import_ics_async`` and ``export_ics_async`` take the same arguments and are
coroutines running on calstack's runtime (cancelling the task cancels the requests); either
kind of ``Calendar`` (from ``calstack`` or ``calstack.aio``) works with either kind of
function. ``parse`` and ``write`` send nothing and stay plain functions:

    stack = calstack.aio.Calstack(DATABASE_URL, KEY)
    cal = await stack.calendar(client_id)
    report = await ics.import_ics_async(cal, "primary", text)
    text = await ics.export_ics_async(cal, "primary")
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Mapping, Optional, Union, cast

from ._calstack import Calendar, Event, _ics_export, _ics_import, _ics_parse, _ics_write

if TYPE_CHECKING:
    from . import aio

    _AnyCalendar = Union[Calendar, aio.Calendar]

__all__ = [
    "ImportReport",
    "ParseResult",
    "Refused",
    "export_ics",
    "export_ics_async",
    "import_ics",
    "import_ics_async",
    "parse",
    "write",
]


@dataclass(frozen=True)
class Refused:
    """An event left out of a file read with ``skip_invalid=True``."""

    event: str
    """The event's UID, or ``#n`` (its position in the file) when it has none."""
    line: Optional[int]
    """The line the problem is on."""
    reason: str
    """Why, in words a person can act on."""


@dataclass(frozen=True)
class ParseResult:
    """What a file holds, as calstack would import it."""

    events: List[Event]
    """Single events and series masters."""
    exceptions: List[Event]
    """Moved, changed or cancelled occurrences of series (``original_start_time`` says which)."""
    refused: List[Refused] = field(default_factory=list)
    """Events left out (only with ``skip_invalid=True``)."""
    notes: List[str] = field(default_factory=list)
    """What was read differently from how it was written (zones matched, alarms left out...)."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    created: int
    updated: int
    unchanged: int
    failed: List[str] = field(default_factory=list)
    """Events the API refused, each ``uid: reason``."""
    skipped: List[str] = field(default_factory=list)
    """Events refused while reading the file (only with ``skip_invalid=True``)."""
    notes: List[str] = field(default_factory=list)


def _text(data: Union[str, bytes]) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


def parse(
    text: Union[str, bytes], *, default_zone: str = "UTC", skip_invalid: bool = False
) -> ParseResult:
    """Reads an iCalendar document without sending anything.

    Floating times are read in ``default_zone`` unless the file's ``X-WR-TIMEZONE`` names one.
    Raises ``calstack.ValidationError`` for a refused file.
    """
    raw = _ics_parse(_text(text), default_zone, skip_invalid)
    return ParseResult(
        events=list(raw["events"]),
        exceptions=list(raw["exceptions"]),
        refused=[Refused(event=e, line=n, reason=r) for (e, n, r) in raw["refused"]],
        notes=list(raw["notes"]),
    )


def write(events: Iterable[Union[Event, Mapping[str, Any]]], *, name: str = "calstack") -> str:
    """Writes events (``Event`` objects or dicts in Google's JSON shape) as one VCALENDAR,
    with a VTIMEZONE for every zone used."""
    return _ics_write(list(events), name)


def import_ics(
    calendar: _AnyCalendar,
    calendar_id: str,
    text: Union[str, bytes],
    *,
    skip_invalid: bool = False,
    default_zone: Optional[str] = None,
    batch: bool = True,
    progress: Optional[Callable[[int, int], None]] = None,
) -> ImportReport:
    """Imports ``text`` into ``calendar_id`` of the client behind ``calendar``.

    Events go in batch requests of 50 (``batch=False``: one request each); ``progress(done,
    total)`` is called as they are settled. Floating times are read in ``default_zone``, else in
    the calendar's own zone.
    """
    raw = _ics_import(
        cast(Calendar, calendar), calendar_id, _text(text), skip_invalid, default_zone, batch, progress
    )
    return ImportReport(**raw)


def export_ics(
    calendar: _AnyCalendar,
    calendar_id: str,
    *,
    time_min: Optional[_dt.datetime] = None,
    time_max: Optional[_dt.datetime] = None,
) -> str:
    """The calendar as iCalendar text (series unexpanded, with their changed and cancelled
    occurrences); only events overlapping ``time_min``..``time_max`` when given."""
    return _ics_export(cast(Calendar, calendar), calendar_id, time_min, time_max)


async def import_ics_async(
    calendar: _AnyCalendar,
    calendar_id: str,
    text: Union[str, bytes],
    *,
    skip_invalid: bool = False,
    default_zone: Optional[str] = None,
    batch: bool = True,
    progress: Optional[Callable[[int, int], None]] = None,
) -> ImportReport:
    """``import_ics`` as a coroutine. ``progress`` is called from one of calstack's threads,
    not the event loop's: hand results to the loop with ``loop.call_soon_threadsafe``."""
    raw = await _ics_import(
        cast(Calendar, calendar), calendar_id, _text(text), skip_invalid, default_zone, batch, progress, asyncio=True
    )
    return ImportReport(**raw)


async def export_ics_async(
    calendar: _AnyCalendar,
    calendar_id: str,
    *,
    time_min: Optional[_dt.datetime] = None,
    time_max: Optional[_dt.datetime] = None,
) -> str:
    """``export_ics`` as a coroutine."""
    return await _ics_export(cast(Calendar, calendar), calendar_id, time_min, time_max, asyncio=True)
