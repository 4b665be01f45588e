"""The runtime under Python's feet: many threads on one Calstack, Ctrl-C during a blocking
call, and fork."""

from __future__ import annotations

import datetime as dt
import gc
import os
import signal
import sys
import threading
import time

import pytest

import calstack
from calstack.testing import Emulator

from calstack_fixtures import Authorized

UTC = dt.timezone.utc


def test_eight_threads_share_one_calstack(authorized: Authorized) -> None:
    stack = authorized.stack
    errors: list[BaseException] = []
    created: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            cal = stack.calendar(authorized.client.id)
            for i in range(5):
                start = dt.datetime(2026, 4, 1 + n, 8 + i, tzinfo=UTC)
                event = cal.create_event("primary", calstack.Event(
                    summary=f"t{n}-{i}", start=start, end=start + dt.timedelta(minutes=30)))
                with lock:
                    created.append(event.id or "")
            cal.list_events("primary")
            stack.clients.list()
            stack.oauth.get(authorized.credential.id)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    listed = authorized.calendar.list_events("primary")
    assert sorted(e.id for e in listed) == sorted(created)
    assert len(created) == 40


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGALRM")
def test_ctrl_c_interrupts_a_blocking_call(authorized: Authorized, emulator: Emulator) -> None:
    cal = authorized.calendar
    emulator.script_fault("events.list", "latency", times=1, millis=30_000)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            cal.list_events("primary")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    emulator.clear_faults()
    assert cal.list_events("primary") == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_calstack_opened_before_fork_works_in_the_child(authorized: Authorized) -> None:
    stack = authorized.stack
    calendar = authorized.calendar
    calendar.list_events("primary")  # the parent's runtime and connections are up
    gc.collect()  # let stacks dropped by earlier tests close their files before forking
    time.sleep(0.5)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            if [c.name for c in stack.clients.list()] != ["Acme Ltd"]:
                code = 2
            created = calendar.create_event("primary", {
                "summary": "from the child",
                "start": {"dateTime": "2026-05-01T09:00:00Z"},
                "end": {"dateTime": "2026-05-01T10:00:00Z"},
            })
            if created.summary != "from the child":
                code = 3
        except BaseException:
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent is unaffected, and sees what the child wrote.
    assert [e.summary for e in calendar.list_events("primary")] == ["from the child"]
    assert stack.clients.list()
