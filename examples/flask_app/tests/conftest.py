"""Fixtures for the Flask example's tests: one emulator per session (reset before each test)
and a fresh app on a fresh SQLite file per test, driven through Flask's test client. ``client``
is signed in as an operator and sends the session's CSRF token; ``anonymous`` is not signed in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import calstack
from calstack.testing import Emulator

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # examples/, home of flask_app
sys.path.insert(0, str(Path(__file__).resolve().parent))  # flask_support

from flask_app import create_app  # noqa: E402
from flask_support import OPERATOR, PASSWORD, app_config, celery_worker, forget_redis_keys, sign_in  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def shared_redis_left_clean() -> Iterator[None]:
    """The shared Redis keeps nothing of this session's jobs and queues."""
    yield
    forget_redis_keys()


@pytest.fixture(scope="session")
def flask_emulator_process() -> Iterator[Emulator]:
    with Emulator.start() as emu:
        yield emu


@pytest.fixture
def emulator(flask_emulator_process: Emulator) -> Emulator:
    flask_emulator_process.reset()
    return flask_emulator_process


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    return tmp_path / "flask.db"


@pytest.fixture
def app(emulator: Emulator, database_path: Path) -> Flask:
    app = create_app(app_config(emulator, f"sqlite://{database_path}"))
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    return app


@pytest.fixture
def operator() -> tuple[str, str]:
    """The name and password of the operator every test app has."""
    return OPERATOR, PASSWORD


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    signed_in = app.test_client()
    sign_in(signed_in)
    return signed_in


@pytest.fixture
def jobs_client(emulator: Emulator, tmp_path: Path) -> Iterator[FlaskClient]:
    """A signed-in client of an app whose jobs a real Celery worker runs."""
    config = app_config(emulator, f"sqlite://{tmp_path / 'jobs.db'}")
    app: Flask = create_app(config)
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    with celery_worker(config):
        client = app.test_client()
        sign_in(client)
        yield client
