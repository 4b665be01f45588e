"""A tiny WSGI app for the fork-safety test: one Calstack opened at import time (so gunicorn
`--preload` opens it in the master, before forking its workers), used by every worker.

Configured by CALSTACK_TEST_DATABASE_URL, CALSTACK_TEST_KEY, CALSTACK_TEST_CLIENT and the
emulator's CALSTACK_GOOGLE_* variables."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, Callable

import calstack

STACK = calstack.Calstack(
    os.environ["CALSTACK_TEST_DATABASE_URL"],
    os.environ["CALSTACK_TEST_KEY"],
    google_api_base=os.environ["CALSTACK_GOOGLE_API_BASE"],
    google_auth_url=os.environ["CALSTACK_GOOGLE_AUTH_URL"],
    google_token_url=os.environ["CALSTACK_GOOGLE_TOKEN_URL"],
    google_revoke_url=os.environ["CALSTACK_GOOGLE_REVOKE_URL"],
)
# Used once in the master, as an app warming up would: its connections must stay the master's.
STACK.clients.list()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        clients = [c.name for c in STACK.clients.list()]
        cal = STACK.calendar(os.environ["CALSTACK_TEST_CLIENT"])
        events = [e.summary for e in cal.list_events("primary")]
        body = {"pid": os.getpid(), "clients": clients, "events": events}
        status = "200 OK"
    except calstack.CalstackError as e:
        body = {"pid": os.getpid(), "error": str(e)}
        status = "500 Internal Server Error"
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
