"""calstack.ics against the emulator: parse with errors a person can act on, idempotent import
(batched, with progress, skip_invalid), and an export that a third-party parser (the
``icalendar`` package) reads with a VTIMEZONE for every zone, at the same instants."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

import calstack
from calstack import ics
from calstack.testing import Emulator

from calstack_fixtures import Authorized

CORPUS = Path(__file__).resolve().parents[2] / "calstack-core" / "tests" / "fixtures" / "ics"


def corpus(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_parse_reads_outlook_zones_and_exceptions() -> None:
    parsed = ics.parse(corpus("outlook-exchange.ics"))
    assert [e.summary for e in parsed.events] == ["Quartalsplanung Q3", "Team-Update"]
    assert len(parsed.exceptions) == 1
    start = parsed.events[0].start
    assert start is not None and start.time_zone == "Europe/Berlin"
    assert parsed.refused == []


def test_a_refused_file_names_line_event_and_property() -> None:
    with pytest.raises(calstack.ValidationError) as info:
        ics.parse(corpus("broken-missing-dtstart.ics"))
    assert "line 4: event no-start@example.com: invalid DTSTART: missing" in str(info.value)
    lenient = ics.parse(corpus("mixed-good-and-bad.ics"), skip_invalid=True)
    assert len(lenient.events) == 2
    assert [(r.event, r.line) for r in lenient.refused] == [
        ("bad-date@example.com", 12),
        ("bad-overflow@example.com", 24),
    ]


def test_import_is_idempotent_batched_and_reports_progress(authorized: Authorized, emulator: Emulator) -> None:
    cal = authorized.calendar
    seen: list[tuple[int, int]] = []
    report = ics.import_ics(cal, "primary", corpus("google-export.ics"), progress=lambda d, t: seen.append((d, t)))
    assert (report.created, report.updated, report.unchanged, report.failed) == (4, 0, 0, [])
    assert seen[-1] == (4, 4)
    counters = emulator.admin("GET", "counters")
    assert counters.get("batch", 0) >= 1, counters
    again = ics.import_ics(cal, "primary", corpus("google-export.ics").encode("utf-8"), batch=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_skip_invalid_imports_the_good_events_and_lists_the_others(authorized: Authorized) -> None:
    cal = authorized.calendar
    with pytest.raises(calstack.ValidationError):
        ics.import_ics(cal, "primary", corpus("mixed-good-and-bad.ics"))
    assert cal.list_events("primary") == []
    report = ics.import_ics(cal, "primary", corpus("mixed-good-and-bad.ics"), skip_invalid=True)
    assert report.created == 2
    assert len(report.skipped) == 2 and "bad-date@example.com" in report.skipped[0]


def test_export_is_read_by_icalendar_with_vtimezones_at_the_same_instants(authorized: Authorized) -> None:
    cal = authorized.calendar
    for name in ("outlook-exchange.ics", "apple-calendar.ics", "school-timetable.ics"):
        ics.import_ics(cal, "primary", corpus(name))
    text = ics.export_ics(cal, "primary")
    parsed = icalendar.Calendar.from_ical(text)
    zones = {str(tz["TZID"]): tz for tz in parsed.walk("VTIMEZONE")}
    assert {"Europe/Berlin", "America/New_York", "Europe/London"} <= set(zones)
    events = parsed.walk("VEVENT")
    assert len(events) >= 10
    for event in events:
        start = event.get("DTSTART")
        assert start is not None, event
        tzid = start.params.get("TZID")
        if tzid is None:
            continue
        assert tzid in zones, f"no VTIMEZONE for {tzid}"
        # The file's own VTIMEZONE gives the offset the IANA data gives.
        own = zones[tzid].to_tz()
        local = start.dt.replace(tzinfo=None)
        assert own.utcoffset(local) == local.replace(tzinfo=ZoneInfo(tzid)).utcoffset(), (tzid, local)
    # And what was exported imports back as a no-op.
    round_trip = ics.import_ics(cal, "primary", text)
    assert (round_trip.created, round_trip.updated, round_trip.failed) == (0, 0, [])


def test_write_then_parse_keeps_the_events() -> None:
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    event = {
        "iCalUID": "w@example.com",
        "summary": "Call; with, Ken",
        "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Tokyo"},
        "end": {"dateTime": (start + dt.timedelta(hours=1)).isoformat(), "timeZone": "Asia/Tokyo"},
    }
    text = ics.write([event], name="Tokyo")
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Tokyo" in text
    back = ics.parse(text).events[0]
    assert back.summary == "Call; with, Ken"
    assert back.start is not None and back.start.time_zone == "Asia/Tokyo"


def test_import_and_export_as_coroutines_with_either_kind_of_calendar(authorized: Authorized) -> None:
    seen: list[tuple[int, int]] = []

    async def main() -> tuple[ics.ImportReport, ics.ImportReport, str, str]:
        aio_cal = await authorized.stack.asyncio().calendar(authorized.client.id)
        imported = await ics.import_ics_async(
            aio_cal, "primary", corpus("google-export.ics"), progress=lambda d, t: seen.append((d, t))
        )
        repeated = await ics.import_ics_async(authorized.calendar, "primary", corpus("google-export.ics"), batch=False)
        exported, from_blocking_cal = await asyncio.gather(
            ics.export_ics_async(aio_cal, "primary"), ics.export_ics_async(authorized.calendar, "primary")
        )
        return imported, repeated, exported, from_blocking_cal

    imported, repeated, exported, from_blocking_cal = asyncio.run(main())
    assert (imported.created, imported.updated, imported.unchanged, imported.failed) == (4, 0, 0, [])
    assert seen[-1] == (4, 4)
    assert (repeated.created, repeated.updated, repeated.unchanged) == (0, 0, 4)
    assert exported.count("BEGIN:VEVENT") == from_blocking_cal.count("BEGIN:VEVENT") >= 4
    # The blocking functions accept a calendar of an asyncio stack too.
    async def aio_calendar() -> calstack.Calendar:
        return await authorized.stack.asyncio().calendar(authorized.client.id)

    aio_cal = asyncio.run(aio_calendar())
    assert ics.export_ics(aio_cal, "primary").count("BEGIN:VEVENT") == exported.count("BEGIN:VEVENT")


def test_async_import_and_export_refuse_bad_input_naming_the_field(authorized: Authorized) -> None:
    async def main() -> None:
        cal = await authorized.stack.asyncio().calendar(authorized.client.id)
        with pytest.raises(calstack.ValidationError):
            await ics.import_ics_async(cal, "primary", corpus("broken-missing-dtstart.ics"))
        with pytest.raises(calstack.ValidationError) as zone:
            await ics.import_ics_async(cal, "primary", corpus("google-export.ics"), default_zone="Mars/Olympus")
        assert zone.value.field == "default_zone"
        start = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
        with pytest.raises(calstack.ValidationError) as window:
            await ics.export_ics_async(cal, "primary", time_min=start, time_max=start)
        assert window.value.field == "time_max"
        assert await cal.list_events("primary") == []

    asyncio.run(main())
