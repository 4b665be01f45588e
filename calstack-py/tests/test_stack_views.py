"""stack.agenda / conflicts / free_busy / find_slots against the emulator: two clients, a
recurring series, a collision, working hours in different zones, and every bad input refused
with a ValidationError naming the parameter."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import asyncio

import pytest

import calstack
from calstack.testing import Emulator, consent

from calstack_fixtures import Authorized, register

UTC = dt.timezone.utc
ZURICH = ZoneInfo("Europe/Zurich")
MONDAY = dt.datetime(2026, 3, 2, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def two(authorized: Authorized) -> tuple[Authorized, calstack.Client]:
    """Acme (authorized) with a daily standup series and a consult; Bolt with a review that
    collides with the consult."""
    stack = authorized.stack
    bolt = stack.clients.create("Bolt", "ops@bolt.test")
    consent(stack, register(stack, bolt, account="owner@bolt.test").id)
    acme_cal = authorized.calendar
    acme_cal.create_event("primary", {
        "summary": "Standup",
        "start": {"dateTime": "2026-03-02T09:00:00+01:00", "timeZone": "Europe/Zurich"},
        "end": {"dateTime": "2026-03-02T09:15:00+01:00", "timeZone": "Europe/Zurich"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"],
    })
    acme_cal.create_event("primary", calstack.Event(summary="Consult", start=at(3, 14), end=at(3, 15)))
    stack.calendar(bolt.id).create_event(
        "primary", calstack.Event(summary="Review", start=at(3, 14, 30), end=at(3, 15, 30))
    )
    return authorized, bolt


def test_agenda_stacks_both_clients_and_expands_the_series(two: tuple[Authorized, calstack.Client]) -> None:
    acme, bolt = two
    entries = acme.stack.agenda(MONDAY, MONDAY + dt.timedelta(days=7))
    assert all(isinstance(e, calstack.AgendaEntry) for e in entries)
    titles = [e.event.summary for e in entries]
    assert titles.count("Standup") == 5
    assert [e.start for e in entries] == sorted(e.start for e in entries)
    consult = next(i for i, e in enumerate(entries) if e.event.summary == "Consult")
    review = next(i for i, e in enumerate(entries) if e.event.summary == "Review")
    assert entries[consult].conflicts_with == [review]
    assert entries[review].client_id == bolt.id and entries[review].calendar_id == "owner@bolt.test"
    only_bolt = acme.stack.agenda(MONDAY, MONDAY + dt.timedelta(days=7), clients=["Bolt"], live=True)
    assert [e.event.summary for e in only_bolt] == ["Review"]


def test_an_entry_s_event_is_the_whole_event_made_once(authorized: Authorized) -> None:
    """Entries from the mirror carry the whole event (not only what the agenda reads), the
    same object on each use, equal to the one Google lists."""
    authorized.calendar.create_event("primary", {
        "summary": "Dentist", "description": "bring the x-rays", "location": "Main St 4",
        "start": {"dateTime": "2026-03-04T08:00:00Z"}, "end": {"dateTime": "2026-03-04T09:00:00Z"},
    })
    window = (MONDAY, MONDAY + dt.timedelta(days=7))
    [entry] = authorized.stack.agenda(*window)
    assert entry.event is entry.event
    assert (entry.event.description, entry.event.location) == ("bring the x-rays", "Main St 4")
    assert "Dentist" in repr(entry)
    [live] = authorized.stack.agenda(*window, live=True)
    assert (entry.summary, entry.event_id) == ("Dentist", live.event.id)
    assert entry.event.to_dict() == live.event.to_dict()


def test_conflicts_and_free_busy_across_clients(two: tuple[Authorized, calstack.Client]) -> None:
    acme, bolt = two
    window = (MONDAY, MONDAY + dt.timedelta(days=7))
    (conflict,) = acme.stack.conflicts(*window)
    assert (conflict.first.summary, conflict.second.summary) == ("Consult", "Review")
    assert (conflict.overlap_start, conflict.overlap_end) == (at(3, 14, 30), at(3, 15))
    busy = acme.stack.free_busy(*window)
    assert busy[bolt.id] == [(at(3, 14, 30), at(3, 15, 30))]
    assert len(busy[acme.client.id]) == 6  # five standups and the consult


def test_find_slots_respects_everyone_s_working_hours_and_busy_times(
    two: tuple[Authorized, calstack.Client],
) -> None:
    acme, bolt = two
    stack = acme.stack
    stack.clients.set_working_hours(acme.client.id, "mon-fri 09:00-17:00", "Europe/Zurich")
    stack.clients.set_working_hours(bolt.id, "14:00-16:00", "UTC")
    assert stack.clients.working_hours(bolt.id) == (
        "mon 14:00-16:00; tue 14:00-16:00; wed 14:00-16:00; thu 14:00-16:00; fri 14:00-16:00 (UTC)"
    )
    slots = stack.find_slots("45m", at(3, 0), at(4, 0), step=dt.timedelta(minutes=15))
    # Tuesday: Bolt works 14:00-16:00 UTC, Acme until 16:00 UTC (17:00 in Zurich); both are
    # busy 14:00-15:30, so 15:30-16:00 is left: too short for 45 minutes.
    assert slots == []
    slots = stack.find_slots(dt.timedelta(minutes=30), at(3, 0), at(4, 0), buffer=0)
    assert slots == [(at(3, 15, 30), at(3, 16, 0))]
    everyone = stack.find_slots(
        60, at(3, 0), at(4, 0), working_hours="08:00-10:00", time_zone="Europe/Zurich"
    )
    # 08:00-10:00 in Zurich is 07:00-09:00 UTC; the standup takes 08:00-08:15 UTC (09:00 in
    # Zurich), which leaves one free hour, right before it.
    assert everyone == [(at(3, 7), at(3, 8))]
    stack.clients.set_working_hours(bolt.id, None)
    assert stack.clients.working_hours(bolt.id) is None


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.agenda(at(5, 0), at(4, 0)), "time_max"),
        (lambda s: s.agenda(at(1, 0), at(1, 0) + dt.timedelta(days=400)), "time_max"),
        (lambda s: s.agenda(dt.datetime(2026, 3, 1), at(4, 0)), "time_min"),
        (lambda s: s.agenda(at(1, 0), at(4, 0), time_zone="Mars/Olympus"), "time_zone"),
        (lambda s: s.conflicts(at(1, 0), at(4, 0), clients=["Nobody Ltd"]), "clients"),
        (lambda s: s.find_slots(0, at(1, 0), at(4, 0)), "duration"),
        (lambda s: s.find_slots("9 parsecs", at(1, 0), at(4, 0)), "duration"),
        (lambda s: s.find_slots("5d", at(1, 0), at(4, 0)), "duration"),
        (lambda s: s.find_slots("1h", at(1, 0), at(4, 0), working_hours="17:00-09:00"), "working_hours"),
        (lambda s: s.find_slots("1h", at(1, 0), at(4, 0), step="0m"), "step"),
        (lambda s: s.agenda(at(1, 0), at(4, 0), max_staleness="soon"), "max_staleness"),
        (lambda s: s.free_busy(at(1, 0), at(4, 0), max_staleness=dt.timedelta(minutes=-5)), "max_staleness"),
    ],
)
def test_bad_input_names_the_parameter(authorized: Authorized, call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(calstack.ValidationError) as err:
        call(authorized.stack)
    assert err.value.field == field


def test_malformed_working_hours_are_refused_and_nothing_is_stored(authorized: Authorized) -> None:
    clients = authorized.stack.clients
    with pytest.raises(calstack.ValidationError) as err:
        clients.set_working_hours(authorized.client.id, "mon-fri 9-5", "Europe/Zurich")
    assert err.value.field == "working_hours"
    with pytest.raises(calstack.ValidationError) as err:
        clients.set_working_hours(authorized.client.id, "09:00-17:00", "Nowhere/Land")
    assert err.value.field == "time_zone"
    assert clients.working_hours(authorized.client.id) is None


def test_views_read_the_mirror_and_max_staleness_syncs_first(
    two: tuple[Authorized, calstack.Client], emulator: Emulator
) -> None:
    acme, _ = two
    stack = acme.stack
    window = (MONDAY, MONDAY + dt.timedelta(days=7))
    first = stack.agenda(*window)  # nothing mirrored yet: synced first, then read
    assert len(first) == 7
    assert {s["calendar_id"] for s in stack.sync_status()} >= {"owner@bolt.test"}
    emulator.seed("owner@bolt.test", 1, start="2026-03-04T10:00:00Z", summary_prefix="Added in Google")
    assert len(stack.agenda(*window)) == 7, "the mirror as it is"
    fresh = stack.agenda(*window, max_staleness=dt.timedelta(0))
    assert len(fresh) == 8, "synced before reading"
    assert [e.event.id for e in fresh] == [e.event.id for e in stack.agenda(*window, live=True)]


def test_stacked_views_are_coroutines_on_calstack_aio(two: tuple[Authorized, calstack.Client]) -> None:
    acme, bolt = two
    blocking = acme.stack
    aio = blocking.asyncio()
    window = (MONDAY, MONDAY + dt.timedelta(days=7))

    async def main() -> tuple[object, ...]:
        calls = [
            aio.agenda(*window),
            aio.conflicts(*window, max_staleness="5m"),
            aio.free_busy(*window, clients=["Bolt"]),
            aio.find_slots("30m", *window, clients=["Acme Ltd", "Bolt"], working_hours="09:00-17:00"),
        ]
        assert all(asyncio.iscoroutine(c) or asyncio.isfuture(c) for c in calls)
        return tuple(await asyncio.gather(*calls))

    agenda, conflicts, busy, slots = asyncio.run(main())
    assert [e.event.id for e in agenda] == [e.event.id for e in blocking.agenda(*window)]
    assert [(c.first.summary, c.second.summary) for c in conflicts] == [("Consult", "Review")]
    assert busy == {bolt.id: [(at(3, 14, 30), at(3, 15, 30))]}
    assert slots == blocking.find_slots("30m", *window, clients=["Acme Ltd", "Bolt"], working_hours="09:00-17:00")

    async def refused() -> None:
        await aio.agenda(window[1], window[0])

    with pytest.raises(calstack.ValidationError) as err:
        asyncio.run(refused())
    assert err.value.field == "time_max"
