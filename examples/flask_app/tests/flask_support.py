"""Helpers shared by the Flask example's tests: the test app's settings and signing in."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import calstack
from calstack.testing import Emulator

OPERATOR = "admin"
PASSWORD = "correct horse battery staple"
#: Cheap argon2 settings: the tests sign in hundreds of times.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
REDIS_URL = os.environ.get("CALSTACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Every Redis key and queue of this test session has this in its name (see forget_redis_keys).
SESSION_TAG = f"calstack-test-{uuid.uuid4().hex[:8]}"


def app_config(emulator: Emulator, database_url: str, **extra: Any) -> dict[str, Any]:
    """The settings of a test app on ``database_url`` talking to ``emulator``; job records and
    the job queue get names of their own, so parallel runs never see each other's."""
    run = f"{SESSION_TAG}-{uuid.uuid4().hex[:8]}"
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEY": calstack.generate_key(),
        "SECRET_KEY": calstack.generate_key(),
        "GOOGLE_API_BASE": emulator.api_base,
        "GOOGLE_AUTH_URL": emulator.auth_url,
        "GOOGLE_TOKEN_URL": emulator.token_url,
        "GOOGLE_REVOKE_URL": emulator.revoke_url,
        "SESSION_COOKIE_SECURE": False,  # the test client and the browser test speak plain http
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"{run}:",
        "CELERY_QUEUE": run,
        "ARGON2_PARAMETERS": FAST_ARGON2,
        **extra,
    }


def forget_redis_keys() -> None:
    """Deletes the job records, finished-item sets and queues this test session left in Redis."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        names = list(client.scan_iter(match=f"*{SESSION_TAG}*", count=1000))
        if names:
            client.delete(*names)
    except redis.RedisError:
        pass  # nothing was written without Redis either
    finally:
        client.close()


def sign_in(client: FlaskClient, username: str = OPERATOR, password: str = PASSWORD) -> str:
    """Signs ``client`` in and makes it send the session's CSRF token; returns the token."""
    token = client.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]  # type: ignore[index]
    answer = client.post("/login", json={"username": username, "password": password}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    token = answer.json["csrf_token"]  # type: ignore[index]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return str(token)


EXAMPLES = Path(__file__).resolve().parents[2]


def worker_environment(config: dict[str, Any]) -> dict[str, str]:
    """The environment that gives a worker (or gunicorn) the same settings as ``config``."""
    names = {
        "DATABASE_URL": "CALSTACK_DATABASE_URL", "ENCRYPTION_KEY": "CALSTACK_ENCRYPTION_KEY",
        "SECRET_KEY": "CALSTACK_SECRET_KEY", "GOOGLE_API_BASE": "CALSTACK_GOOGLE_API_BASE",
        "GOOGLE_AUTH_URL": "CALSTACK_GOOGLE_AUTH_URL", "GOOGLE_TOKEN_URL": "CALSTACK_GOOGLE_TOKEN_URL",
        "GOOGLE_REVOKE_URL": "CALSTACK_GOOGLE_REVOKE_URL", "REDIS_URL": "CALSTACK_REDIS_URL",
        "REDIS_PREFIX": "CALSTACK_REDIS_PREFIX", "CELERY_QUEUE": "CALSTACK_CELERY_QUEUE",
        "PUSH_ADDRESS": "CALSTACK_PUSH_ADDRESS", "SYNC_EVERY": "CALSTACK_SYNC_EVERY",
    }
    return {**os.environ, **{env: str(config[key]) for key, env in names.items() if config.get(key)}}


@contextmanager
def celery_worker(config: dict[str, Any], beat: Optional[Path] = None) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process for the app ``config`` describes, stopped afterwards; with
    ``beat`` (where to keep its schedule file), also running Celery beat (``-B``)."""
    scheduler = ["-B", "-s", str(beat)] if beat else []
    # Its log goes to a temporary file: a pipe nobody reads fills up and blocks the worker.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--workdir", str(EXAMPLES), "-A", "flask_app.worker:celery", "worker",
             "--pool", "threads", "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-Q", str(config["CELERY_QUEUE"]), *scheduler],
            env=worker_environment(config),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            yield process
        finally:
            stop(process)


def wait_until(what: str, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Polls ``done`` until it holds; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"still waiting for {what} after {timeout}s"
        time.sleep(0.1)


def wait_for_job(client: FlaskClient, job_id: str, timeout: float = 90.0) -> dict[str, Any]:
    """Polls ``GET /api/jobs/<id>`` until the job is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json  # type: ignore[assignment]
        if job["state"] in ("done", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {job['state']} after {timeout}s: {job}")
        time.sleep(0.2)


BROWSER = Path(__file__).resolve().parent / "browser"


def browser_tools() -> tuple[str, str]:
    """(chromium, node) for the browser tests. Skips when one is missing, except with CI=true,
    where scripts/test-python installs them and a missing one fails the test."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    if not (chromium and node and (BROWSER / "node_modules" / "playwright-core").is_dir()):
        missing = "needs node, chromium and `npm install` in examples/flask_app/tests/browser"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return chromium, node


@contextmanager
def listening_socket() -> Iterator[socket.socket]:
    """A socket listening on a free loopback port, for ``serve`` once the port is known (e.g.
    an app whose settings name its own public URL)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener
    finally:
        listener.close()


@contextmanager
def serve(app: Flask, listener: Optional[socket.socket] = None) -> Iterator[str]:
    """Serves ``app`` in a thread on ``listener`` (by default a free loopback port); yields
    its base URL."""
    fd = None if listener is None else listener.fileno()
    server = make_server("127.0.0.1", 0, app, threaded=True, fd=fd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()


def connect(client: FlaskClient, name: str, secret: str = "GOCSPX-flask-tests") -> dict[str, str]:
    """A client ``name`` with a credential that consented, through the emulator, as the account
    ``<first word of name>@example.com``: ``{"client": id, "credential": id}``."""
    slug = name.lower().split()[0]
    created: dict[str, Any] = client.post("/api/clients", json={"name": name, "email": f"ops@{slug}.test"}).json  # type: ignore[assignment]
    credential: dict[str, Any] = client.post(  # type: ignore[assignment]
        "/api/oauth",
        json={"client_id": created["id"], "google_client_id": "1-tests.apps.googleusercontent.com",
              "google_client_secret": secret, "account_email": f"{slug}@example.com"},
    ).json
    url = client.post(f"/api/oauth/{credential['id']}/authorize").json["url"]  # type: ignore[index]
    location = urllib.parse.urlsplit(requests.get(url, allow_redirects=False, timeout=30).headers["Location"])
    assert client.get(f"{location.path}?{location.query}").status_code == 200
    return {"client": str(created["id"]), "credential": str(credential["id"])}


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminates ``process`` and waits for it (killing it after 30 s)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
