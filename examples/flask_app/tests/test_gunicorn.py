"""Production serving: gunicorn with 3 worker processes on one PostgreSQL database (a database
of the test's own on the shared server, dropped afterwards) runs the whole REST workflow
through real HTTP: sign in, client, OAuth consent, calendars, events with etags, health. Once
with the app preloaded in the master (the default: its Calstack crosses the fork), once with
an app per worker.

Needs PostgreSQL (``CALSTACK_TEST_POSTGRES_URL``, default the local server's ``test``
database); skipped without it, except with CI=true, where it fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from calstack.testing import Emulator
from flask_support import EXAMPLES, app_config, stop, wait_until, worker_environment

POSTGRES = os.environ.get("CALSTACK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
ROOT = EXAMPLES.parent
PASSWORD = "gunicorn operator password"


def _admin_connection() -> object:
    import psycopg

    try:
        return psycopg.connect(POSTGRES.replace("postgres://", "postgresql://", 1), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable at {POSTGRES}: {e}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES}")


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A database of this test's own on the shared server: its URL; dropped afterwards."""
    admin = _admin_connection()
    name = f"calstack_flask_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    parts = urllib.parse.urlsplit(POSTGRES)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers_of(master: int) -> list[int]:
    """The pids whose parent is ``master`` (Linux /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(entry.name))
    return children


@pytest.fixture(params=["preloaded", "one app per worker"])
def gunicorn(emulator: Emulator, postgres_database: str, request: pytest.FixtureRequest,
             tmp_path: Path) -> Iterator[str]:
    """gunicorn with 3 workers on the PostgreSQL database, the app built in the master before
    forking (the documented default) or in each worker; its base URL."""
    preload = request.param == "preloaded"
    config = app_config(emulator, postgres_database)
    port = _free_port()
    env = {**worker_environment(config), "CALSTACK_BIND": f"127.0.0.1:{port}", "CALSTACK_WORKERS": "3",
           "CALSTACK_THREADS": "2", "CALSTACK_INSECURE_COOKIES": "1", "CALSTACK_PRELOAD": "1" if preload else "0"}
    created = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "examples/flask_app", "create-operator", "admin", "--password-stdin"],
        input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    # The log goes to a file: a pipe nobody reads fills up and blocks the workers' writes.
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(EXAMPLES / "flask_app" / "gunicorn_conf.py")],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text(errors="replace")[-4000:]
            try:  # healthy, and every worker forked (gunicorn spawns them a moment apart)
                if requests.get(f"{base}/health", timeout=5).status_code == 200 and len(_workers_of(server.pid)) == 3:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not become healthy with 3 workers"
            time.sleep(0.3)
        # a preloaded master built the app: its Calstack opened the database on calstack's threads
        threads = [(t / "comm").read_text().strip() for t in Path(f"/proc/{server.pid}/task").iterdir()]
        assert ("calstack-worker" in threads) is preload, threads
        yield base
    finally:
        stop(server)


def test_three_gunicorn_workers_on_postgres_run_the_whole_rest_workflow(gunicorn: str, emulator: Emulator) -> None:
    base = gunicorn
    emulator.reset_counters()
    web = requests.Session()
    web.headers["Accept"] = "application/json"
    assert web.get(f"{base}/api/clients").status_code == 401
    token = web.get(f"{base}/login").json()["csrf_token"]
    signed_in = web.post(f"{base}/login", json={"username": "admin", "password": PASSWORD}, headers={"X-CSRFToken": token})
    assert signed_in.status_code == 200, signed_in.text
    web.headers["X-CSRFToken"] = signed_in.json()["csrf_token"]

    acme = web.post(f"{base}/api/clients", json={"name": "Acme Ltd", "email": "ops@acme.test"}).json()
    credential = web.post(f"{base}/api/oauth", json={
        "client_id": acme["id"], "google_client_id": "77-gunicorn.apps.googleusercontent.com",
        "google_client_secret": "GOCSPX-gunicorn", "account_email": "acme@example.com"}).json()
    assert credential["redirect_uri"] == f"{base}/api/oauth/callback"
    consent = web.post(f"{base}/api/oauth/{credential['id']}/authorize").json()["url"]
    callback = requests.get(consent, allow_redirects=False, timeout=30).headers["Location"]
    assert web.get(callback).json()["is_valid"] is True

    calendars = web.get(f"{base}/api/clients/{acme['id']}/calendars").json()
    assert [c["id"] for c in calendars if c["primary"]] == ["acme@example.com"]
    events = f"{base}/api/clients/{acme['id']}/calendars/primary/events"
    created = web.post(events, json={"summary": "Kick-off", "start": {"dateTime": "2026-03-02T09:00:00Z"},
                                     "end": {"dateTime": "2026-03-02T10:00:00Z"}})
    assert created.status_code == 201, created.text
    event = created.json()

    # Many requests at once, spread over the workers, all see the same database.
    with ThreadPoolExecutor(max_workers=12) as pool:
        listings = list(pool.map(lambda _: web.get(f"{events}?time_min=2026-03-01T00:00:00Z").json(), range(36)))
    assert all([e["id"] for e in listing] == [event["id"]] for listing in listings)

    event["summary"] = "Kick-off (v2)"
    updated = web.put(f"{events}/{event['id']}", json=event, headers={"If-Match": event["etag"]})
    assert updated.status_code == 200 and updated.json()["summary"] == "Kick-off (v2)"
    assert web.put(f"{events}/{event['id']}", json=event, headers={"If-Match": event["etag"]}).status_code == 412
    assert web.delete(f"{events}/{event['id']}").status_code == 204
    assert web.get(f"{events}?time_min=2026-03-01T00:00:00Z").json() == []

    health = web.get(f"{base}/health").json()
    assert health["status"] == "ok" and health["checks"]["database"]["ok"] is True
    assert web.post(f"{base}/api/clients", json={"name": "X", "email": "x@x.test"},
                    headers={"X-CSRFToken": "forged"}).status_code == 403

    # /metrics sums every worker's calls, whichever worker answers the scrape: each of the 6
    # scrapes (spread over the workers) counts every events.list Google received.
    listed = emulator.counters()["events.list"]
    assert listed >= 37  # the 36 listings at once and the one after the delete

    def scraped() -> list[float]:
        pages = [web.get(f"{base}/metrics", timeout=10) for _ in range(6)]
        assert all(p.status_code == 200 for p in pages)
        return [_series_sum(p.text, "calstack_requests_total", 'operation="events.list"') for p in pages]

    wait_until("every scrape to count every worker's events.list calls", lambda: scraped() == [listed] * 6,
               timeout=30)


def _series_sum(page: str, name: str, label: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``label``."""
    total = 0.0
    for line in page.splitlines():
        series, _, value = line.rpartition(" ")
        if series.startswith(name + "{") and label in series:
            total += float(value)
    return total
