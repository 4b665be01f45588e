"""Helpers shared by the Flask example's tests: the test app's settings and signing in."""

from __future__ import annotations

import os
import uuid
from typing import Any

import calstack
from calstack.testing import Emulator
from flask.testing import FlaskClient

OPERATOR = "admin"
PASSWORD = "correct horse battery staple"
#: Cheap argon2 settings: the tests sign in hundreds of times.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
REDIS_URL = os.environ.get("CALSTACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def app_config(emulator: Emulator, database_url: str, **extra: Any) -> dict[str, Any]:
    """The settings of a test app on ``database_url`` talking to ``emulator``; job records and
    the job queue get names of their own, so parallel runs never see each other's."""
    run = uuid.uuid4().hex[:12]
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
        "REDIS_PREFIX": f"calstack-test-{run}:",
        "CELERY_QUEUE": f"calstack-test-{run}",
        "ARGON2_PARAMETERS": FAST_ARGON2,
        **extra,
    }


def sign_in(client: FlaskClient, username: str = OPERATOR, password: str = PASSWORD) -> str:
    """Signs ``client`` in and makes it send the session's CSRF token; returns the token."""
    token = client.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]  # type: ignore[index]
    answer = client.post("/login", json={"username": username, "password": password}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    token = answer.json["csrf_token"]  # type: ignore[index]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return str(token)
