"""The runtime under Python's feet: many threads on one Calstack, Ctrl-C during a blocking
call, and fork."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading

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
def test_fork_child_gets_a_working_runtime_and_a_clear_error_for_inherited_handles(
    authorized: Authorized, tmp_path
) -> None:
    stack = authorized.stack
    calendar = authorized.calendar
    calendar.list_events("primary")  # the parent's runtime and connections are up
    child_db = tmp_path / "child.db"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            try:
                stack.clients.list()
                code = 2  # the inherited handle must refuse
            except calstack.CalstackError as e:
                if "another process" not in str(e):
                    code = 3
            try:
                calendar.list_events("primary")
                code = 6
            except calstack.CalstackError as e:
                if "another process" not in str(e):
                    code = 7
            fresh = calstack.Calstack(f"sqlite://{child_db}", calstack.generate_key())
            if fresh.clients.create("Child", "child@acme.test").name != "Child":
                code = 4
        except BaseException:
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert stack.clients.list()  # the parent is unaffected
