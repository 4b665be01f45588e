"""``GET /metrics``: the library's series (Google Calendar calls by operation and outcome,
latency, retries, errors by reason, token refreshes) in the Prometheus text format, for
signed-in operators, or a scraper that sends ``Authorization: Bearer <CALSTACK_METRICS_TOKEN>``;
anyone else gets 401.

Every process counts its own calls (each gunicorn worker, each Celery worker process), so each
publishes its page (``calstack.prometheus_metrics()``) to Redis under
``{prefix}metrics:{host}:{pid}``: every ``PUBLISH_EVERY`` seconds from a background thread,
after each Celery task, and when it answers a scrape. A scrape answers the sum of every page
there (``calstack.merge_prometheus_metrics``). A page not refreshed for ``PAGE_TTL`` seconds (its
process is gone) expires. With Redis down, a scrape answers its own process's page."""

from __future__ import annotations

import hmac
import os
import socket
import threading
import time
import weakref
from typing import Any, Optional

import calstack
import redis
from flask import Blueprint, Flask, Response, current_app, request

from .errors import error
from .security import current_operator

metrics = Blueprint("metrics", __name__)

#: The Prometheus text format's content type.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Seconds between two publications of a process's page by its background thread.
PUBLISH_EVERY = 5.0
#: Seconds a published page lives without being refreshed (then its process is taken as gone).
PAGE_TTL = 3600


class Pages:
    """The processes' metric pages in Redis: this process publishes its own, a scrape sums all."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._pattern = f"{prefix}metrics:*"
        self._prefix = f"{prefix}metrics:{socket.gethostname()}:"
        self._lock = threading.Lock()
        self._publisher_pid: Optional[int] = None

    def publish(self) -> str:
        """Writes this process's page; returns it. Raises redis errors."""
        page = calstack.prometheus_metrics()
        self._client.set(f"{self._prefix}{os.getpid()}", page, ex=PAGE_TTL)
        return page

    def start(self) -> None:
        """Starts this process's publishing thread, once per process (a forked child starts
        its own on first use: threads do not survive a fork)."""
        pid = os.getpid()
        if self._publisher_pid == pid:
            return
        with self._lock:
            if self._publisher_pid == pid:
                return
            self._publisher_pid = pid
            threading.Thread(target=_keep_publishing, args=(weakref.ref(self),), name="calstack-metrics",
                             daemon=True).start()

    def merged(self) -> str:
        """Every process's page summed, this process's freshly published first."""
        own = self.publish()
        keys = list(self._client.scan_iter(match=self._pattern, count=500))
        found = self._client.mget(keys) if keys else []
        pages = [p.decode() if isinstance(p, bytes) else str(p) for p in found if p]
        return calstack.merge_prometheus_metrics(pages or [own])


def _keep_publishing(ref: weakref.ReferenceType[Pages]) -> None:
    """Publishes the page every ``PUBLISH_EVERY`` seconds while its app lives."""
    while True:
        time.sleep(PUBLISH_EVERY)
        pages = ref()
        if pages is None:
            return
        try:
            pages.publish()
        except redis.RedisError:
            pass  # the next round tries again; a scrape says what it could not reach
        del pages


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
    pages: Optional[Pages] = current_app.extensions.get("metrics_pages")
    if pages is not None:
        try:
            return Response(pages.merged(), content_type=CONTENT_TYPE)
        except redis.RedisError as e:
            current_app.logger.warning("metrics of other processes unreachable", extra={"error": type(e).__name__})
    # No recorder of ours (another was installed first), or Redis is down: this process alone.
    headers = {"X-Calstack-Metrics": "this-process-only"} if pages is not None else {}
    return Response(calstack.prometheus_metrics(), content_type=CONTENT_TYPE, headers=headers)


def published_after_task(app: Flask) -> None:
    """Publishes this process's page after a Celery task (so a job's calls show at once)."""
    pages: Optional[Pages] = app.extensions.get("metrics_pages")
    if pages is None:
        return
    pages.start()
    try:
        pages.publish()
    except redis.RedisError:
        pass  # the publishing thread tries again


def register(app: Flask) -> None:
    """Adds ``/metrics``, starts counting, and publishes this process's page (see the module)."""
    app.register_blueprint(metrics)
    try:
        calstack.prometheus_metrics()  # installs the recorder for this process
    except calstack.ValidationError as e:  # another metrics recorder was installed first
        app.logger.warning("no calstack metrics", extra={"reason": e.reason})
        return
    pages = Pages(app.extensions["redis"], str(app.config["REDIS_PREFIX"]))
    app.extensions["metrics_pages"] = pages
    app.before_request(pages.start)
