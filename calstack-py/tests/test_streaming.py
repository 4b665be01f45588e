"""cal.iter_events: a listing as a stream, one page in memory at a time, so memory stays flat
however many pages a calendar has; stopping early and failures mid-stream."""

from __future__ import annotations

import gc
import os

import pytest

import calstack
from calstack.testing import Emulator

from calstack_fixtures import Authorized

PAGE = 250


def rss_bytes() -> int:
    """The process's current resident set (Linux), which sees Rust's allocations too."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_memory_stays_flat_over_many_pages(authorized: Authorized, emulator: Emulator) -> None:
    emulator.seed(authorized.account, 12_000)
    cal = authorized.calendar
    seen = 0
    warm = 0
    for event in cal.iter_events("primary", max_results=PAGE):
        seen += 1
        if seen == 10 * PAGE:  # after ten pages every buffer has its working size
            gc.collect()
            warm = rss_bytes()
    gc.collect()
    grown = rss_bytes() - warm
    assert seen == 12_000
    # 38 more pages went by; holding them would take tens of MiB (see the list below).
    assert grown < 8 * 1024 * 1024, f"grew {grown / 2**20:.1f} MiB while streaming"

    before = rss_bytes()
    held = cal.list_events("primary", max_results=PAGE)
    assert len(held) == 12_000
    assert rss_bytes() - before > grown  # a list holds every event; the stream did not


def test_the_stream_yields_every_event_in_order(authorized: Authorized, emulator: Emulator) -> None:
    emulator.seed(authorized.account, 600)
    cal = authorized.calendar
    streamed = [e.id for e in cal.iter_events("primary", max_results=PAGE, order_by="startTime")]
    listed = [e.id for e in cal.list_events("primary", max_results=PAGE, order_by="startTime")]
    assert streamed == listed and len(streamed) == 600


def test_stopping_early_and_an_empty_calendar(authorized: Authorized, emulator: Emulator) -> None:
    cal = authorized.calendar
    assert list(cal.iter_events("primary")) == []
    emulator.seed(authorized.account, 1000)
    stream = cal.iter_events("primary", max_results=100)
    first = next(stream)
    assert isinstance(first, calstack.Event)
    del stream  # the fetching stops; nothing is left behind
    assert len(cal.list_events("primary")) == 1000


def test_a_failure_is_raised_where_the_stream_is_read(authorized: Authorized, emulator: Emulator) -> None:
    cal = authorized.calendar
    emulator.script_fault("events.list", "quota_exceeded", times=10)
    stream = cal.iter_events("primary")
    with pytest.raises(calstack.CalstackError):
        next(stream)
    with pytest.raises(StopIteration):
        next(stream)  # a failed stream is over


def test_bad_arguments_are_refused_before_anything_is_fetched(authorized: Authorized) -> None:
    import datetime as dt

    with pytest.raises(calstack.ValidationError) as refused:
        authorized.calendar.iter_events("primary", time_min=dt.datetime(2026, 1, 1))
    assert refused.value.field == "time_min"
    with pytest.raises(calstack.ValidationError) as refused:
        authorized.calendar.iter_events("primary", order_by="size")
    assert refused.value.field == "order_by"
