"""Fixtures: start the calstack-emulator binary on an ephemeral port and point Google's
official Python client at it."""

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import google.oauth2.credentials
import pytest
from googleapiclient.discovery import build

REPO = Path(__file__).resolve().parents[3]
DEFAULT_BIN = REPO / "target" / "debug" / "calstack-emulator"
PREFIX = "calstack-emulator listening on "


@pytest.fixture(scope="session")
def emulator_url():
    binary = Path(os.environ.get("CALSTACK_EMULATOR_BIN", DEFAULT_BIN))
    if not binary.exists():
        pytest.fail(f"{binary} does not exist: run `cargo build -p calstack-emulator` first "
                    "or set CALSTACK_EMULATOR_BIN")
    proc = subprocess.Popen([str(binary), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith(PREFIX), f"unexpected first line: {line!r}"
        yield line[len(PREFIX):]
    finally:
        proc.kill()
        proc.wait(timeout=10)


def admin(base, path, body=None):
    """Calls the emulator's admin API and returns the decoded JSON answer."""
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(f"{base}/__emulator/{path}", data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


@pytest.fixture
def account(emulator_url, request):
    """A fresh account per test, so tests do not see each other's events."""
    return f"{request.node.name.replace('_', '-')}@example.com"


@pytest.fixture
def service(emulator_url, account):
    token = admin(emulator_url, f"accounts/{account}/token",
                  {"scopes": ["https://www.googleapis.com/auth/calendar"]})["access_token"]
    credentials = google.oauth2.credentials.Credentials(token)
    return build("calendar", "v3", credentials=credentials, static_discovery=True,
                 cache_discovery=False,
                 client_options={"api_endpoint": emulator_url + "/calendar/v3/"})
