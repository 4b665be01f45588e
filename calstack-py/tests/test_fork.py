"""Fork safety as production meets it: a Calstack opened before the fork works in the
children, with `multiprocessing` (fork start method) and with gunicorn `--preload` (several
workers sharing the master's Calstack), and the parent keeps working."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import calstack
from calstack.testing import Emulator

from calstack_fixtures import Authorized

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

INHERITED: dict[str, object] = {}


def child_work(n: int) -> tuple[int, list[str], str]:
    """Runs in a forked worker, on the Calstack the parent opened."""
    stack = INHERITED["stack"]
    client_id = INHERITED["client_id"]
    assert isinstance(stack, calstack.Calstack) and isinstance(client_id, str)
    cal = stack.calendar(client_id)
    created = cal.create_event("primary", {
        "summary": f"from worker {n}",
        "start": {"dateTime": f"2026-05-0{n + 1}T09:00:00Z"},
        "end": {"dateTime": f"2026-05-0{n + 1}T10:00:00Z"},
    })
    return os.getpid(), [c.name for c in stack.clients.list()], str(created.summary)


def test_multiprocessing_fork_workers_use_the_parents_calstack(authorized: Authorized) -> None:
    authorized.calendar.list_events("primary")  # the parent's pools are in use
    INHERITED.update(stack=authorized.stack, client_id=authorized.client.id)
    settle_before_fork()
    context = multiprocessing.get_context("fork")
    with context.Pool(3) as pool:
        results = pool.map(child_work, range(6))
    assert {clients[0] for _, clients, _ in results} == {"Acme Ltd"}
    assert len({pid for pid, _, _ in results} - {os.getpid()}) >= 2
    summaries = sorted(e.summary or "" for e in authorized.calendar.list_events("primary"))
    assert summaries == sorted(f"from worker {n}" for n in range(6))


def settle_before_fork() -> None:
    """Lets the Calstacks earlier tests dropped finish closing their databases first: a fork
    while another thread is inside SQLite (closing a file) leaves the child a held lock. Real
    servers fork while idle (gunicorn --preload, Celery prefork); Python itself warns that
    forking a process whose threads are busy can deadlock the child."""
    gc.collect()
    time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return dict(json.load(response))


def test_gunicorn_preload_workers_answer_with_the_masters_calstack(
    authorized: Authorized, emulator: Emulator, database_path: Path, key: str
) -> None:
    pytest.importorskip("gunicorn")
    authorized.calendar.create_event("primary", {
        "summary": "Kick-off",
        "start": {"dateTime": "2026-05-01T09:00:00Z"},
        "end": {"dateTime": "2026-05-01T10:00:00Z"},
    })
    port = free_port()
    env = {**os.environ, **emulator.environ(),
           "CALSTACK_TEST_DATABASE_URL": f"sqlite://{database_path}",
           "CALSTACK_TEST_KEY": key,
           "CALSTACK_TEST_CLIENT": authorized.client.id}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", "3", "--bind", f"127.0.0.1:{port}",
         "--chdir", str(Path(__file__).parent / "apps"), "preload_app:app"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        answers = []
        deadline = time.monotonic() + 30
        while len(answers) < 12 and time.monotonic() < deadline:
            try:
                answers.append(get_json(f"http://127.0.0.1:{port}/"))
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        assert len(answers) == 12, f"gunicorn did not answer: {answers}"
        for answer in answers:
            assert answer.get("clients") == ["Acme Ltd"], answer
            assert answer.get("events") == ["Kick-off"], answer
        assert len({a["pid"] for a in answers}) >= 1
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "another process" not in output
