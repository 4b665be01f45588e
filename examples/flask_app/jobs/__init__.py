"""Background jobs on Celery with Redis: bulk operations across calendars and clients, ICS
import and export of a client's calendar, and sync runs of the local mirror (see
``tasks.KINDS``)."""

from __future__ import annotations

import redis
from flask import Flask

from .records import JobRecords, file_key
from .routes import jobs
from .tasks import init_celery


def register(app: Flask) -> None:
    """Adds the jobs API, the job records and the Celery app to ``app``."""
    client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
    app.extensions["redis"] = client
    key = file_key(str(app.config["ENCRYPTION_KEY"]))
    app.extensions["job_records"] = JobRecords(client, app.config["REDIS_PREFIX"], key)
    init_celery(app)
    app.register_blueprint(jobs)
