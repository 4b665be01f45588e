"""Fixtures for the Flask example's tests: one emulator per session (reset before each test)
and a fresh app on a fresh SQLite file per test, driven through Flask's test client."""

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

from flask_app import create_app  # noqa: E402


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
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite://{database_path}",
            "ENCRYPTION_KEY": calstack.generate_key(),
            "GOOGLE_API_BASE": emulator.api_base,
            "GOOGLE_AUTH_URL": emulator.auth_url,
            "GOOGLE_TOKEN_URL": emulator.token_url,
            "GOOGLE_REVOKE_URL": emulator.revoke_url,
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
