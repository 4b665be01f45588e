"""Background jobs on Celery with Redis: bulk operations across calendars and clients now,
ICS import/export and mirror sync runs once their bindings land (see ``tasks.RUNNERS``)."""

from __future__ import annotations

import redis
from flask import Flask

from .records import JobRecords
from .routes import jobs
from .tasks import init_celery


def register(app: Flask) -> None:
    """Adds the jobs API, the job records and the Celery app to ``app``."""
    client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
    app.extensions["redis"] = client
    app.extensions["job_records"] = JobRecords(client, app.config["REDIS_PREFIX"])
    init_celery(app)
    app.register_blueprint(jobs)
