"""Fixtures and helpers for the calstack module's tests: one emulator process per session (reset
before each test), a fresh SQLite-backed Calstack per test, and an authorized client."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

import calstack
from calstack.testing import Emulator, consent

ACCOUNT = "owner@acme.test"
GOOGLE_CLIENT_ID = "1234-acme.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "GOCSPX-acme-client-secret-0123456789"
REDIRECT_URI = "http://127.0.0.1:5000/api/oauth/callback"


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    with Emulator.start() as emu:
        yield emu


@pytest.fixture
def emulator(emulator_process: Emulator) -> Emulator:
    emulator_process.reset()
    return emulator_process


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    return tmp_path / "calstack.db"


@pytest.fixture
def key() -> str:
    return calstack.generate_key()


@pytest.fixture
def stack(emulator: Emulator, database_path: Path, key: str) -> calstack.Calstack:
    return calstack.Calstack(f"sqlite://{database_path}", key, **emulator.endpoints())


@dataclasses.dataclass
class Authorized:
    stack: calstack.Calstack
    client: calstack.Client
    credential: calstack.OAuthCredential
    account: str

    @property
    def calendar(self) -> calstack.Calendar:
        return self.stack.calendar(self.client.id)


def register(stack: calstack.Calstack, client: calstack.Client, account: str = ACCOUNT,
             scopes: list[str] | None = None) -> calstack.OAuthCredential:
    return stack.oauth.register(
        client.id,
        google_client_id=GOOGLE_CLIENT_ID,
        google_client_secret=GOOGLE_CLIENT_SECRET,
        scopes=scopes or ["calendar"],
        redirect_uri=REDIRECT_URI,
        account_email=account,
    )


@pytest.fixture
def authorized(stack: calstack.Calstack) -> Authorized:
    client = stack.clients.create("Acme Ltd", "ops@acme.test")
    credential = consent(stack, register(stack, client).id)
    return Authorized(stack, client, credential, ACCOUNT)
