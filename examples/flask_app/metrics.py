"""``GET /metrics``: the library's series (Google Calendar calls by operation and outcome,
latency, retries, errors by reason, token refreshes) in the Prometheus text format, from
``calstack.prometheus_metrics()``. For signed-in operators, or a scraper that sends
``Authorization: Bearer <CALSTACK_METRICS_TOKEN>``; anyone else gets 401. The recorder is
installed when the app starts, so every call from then on is counted (per process: with
several gunicorn workers, each answers for itself)."""

from __future__ import annotations

import hmac
from typing import Any

import calstack
from flask import Blueprint, Flask, Response, current_app, request

from .errors import error
from .security import current_operator

metrics = Blueprint("metrics", __name__)

#: The Prometheus text format's content type.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _scraper() -> bool:
    """Whether the request carries the configured scrape token."""
    expected = str(current_app.config.get("METRICS_TOKEN") or "")
    sent = request.headers.get("Authorization", "")
    if not expected or not sent.startswith("Bearer "):
        return False
    return hmac.compare_digest(sent[len("Bearer "):].encode(), expected.encode())


@metrics.get("/metrics")
def prometheus() -> Any:
    if current_operator() is None and not _scraper():
        return error(401, "login_required", "sign in as an operator, or send the scrape token as a Bearer token")
    return Response(calstack.prometheus_metrics(), content_type=CONTENT_TYPE)


def register(app: Flask) -> None:
    """Adds ``/metrics`` and starts counting."""
    try:
        calstack.prometheus_metrics()  # installs the recorder for this process
    except calstack.ValidationError as e:  # another metrics recorder was installed first
        app.logger.warning("no calstack metrics", extra={"reason": e.reason})
    app.register_blueprint(metrics)
