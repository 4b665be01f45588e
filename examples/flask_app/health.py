"""``GET /health``: whether the app can reach its database, Redis (the job queue) and Google
(or whatever stands in for it), each reported separately. 200 when all are reachable, 503
otherwise; no secrets and no details beyond the kind of failure. ``GET /health/live`` only
says the process answers (for a load balancer that should not drop every instance when
Google is unreachable)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any, Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .api import stack
from .security import operators

health = Blueprint("health", __name__)

GOOGLE_API_BASE = "https://www.googleapis.com/calendar/v3/"
TIMEOUT = 3.0


def _database() -> None:
    stack().clients.list()
    with operators().engine.connect() as db:
        db.execute(text("SELECT 1"))


def _redis() -> None:
    current_app.extensions["redis"].ping()


def _google() -> None:
    """Any HTTP answer from the Calendar API's base URL means Google is reachable."""
    base = current_app.config["GOOGLE_API_BASE"] or GOOGLE_API_BASE
    try:
        with urllib.request.urlopen(base, timeout=TIMEOUT):  # noqa: S310 - a configured https/http URL
            pass
    except urllib.error.HTTPError:
        pass  # answered (404 or 401 for the bare base URL)


def _check(probe: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        probe()
    except Exception as e:  # reachability: any failure is "not reachable", by its kind only
        return {"ok": False, "error": type(e).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


@health.get("/health/live")
def live() -> Any:
    return jsonify({"status": "ok"})


@health.get("/health")
def health_check() -> Any:
    checks = {"database": _check(_database), "redis": _check(_redis), "google": _check(_google)}
    healthy = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ok" if healthy else "degraded", "checks": checks})
    response.status_code = 200 if healthy else 503
    return response
