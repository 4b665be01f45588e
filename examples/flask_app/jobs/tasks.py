"""The Celery side of background jobs: the Celery app bound to the Flask app (Redis as the
broker), and the one task that runs a job by id, writing its progress as it goes.

A worker runs them with (from the repository root)::

    celery --workdir examples -A flask_app.worker:celery worker --pool threads --concurrency 4

Job kinds (``KINDS``): ``bulk`` (copy, move, delete, shift across calendars and clients),
``ics_import`` / ``ics_export`` (``calstack.ics``) and ``mirror_sync`` (``stack.sync``).

With ``CALSTACK_SYNC_EVERY`` (seconds, default 60; 0 for none) Celery beat runs a
``mirror_sync`` job over every connected client on that schedule: start the worker with ``-B``
(or run ``celery ... beat`` beside the workers, one beat in all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Optional

import calstack
import redis
from celery import Celery, Task, shared_task  # type: ignore[import-untyped]
from flask import Flask, current_app

from ..api import stack
from ..errors import BadInput
from ..metrics import published_after_task
from ..stacked import split_connected
from .bulk import apply, matching_items, parse_bulk
from .ics_files import parse_export, parse_import, run_export, run_import
from .mirror import parse_sync, run_sync
from .records import JobRecords
from .spec import Parsed

#: Runs a job: (its record, the records store) -> None; updates the record as it goes.
Runner = Callable[[dict[str, Any], JobRecords], None]
#: Checks a job request: (the request body, the operator's clients) -> the parsed job, or 400.
Parser = Callable[[dict[str, Any], list[str]], Parsed]


@dataclass(frozen=True)
class JobKind:
    """How a kind of job is asked for and run."""

    parse: Parser
    run: Runner


def records() -> JobRecords:
    """The app's job records."""
    store: JobRecords = current_app.extensions["job_records"]
    return store


def init_celery(app: Flask) -> Celery:
    """The Celery app for ``app`` (tasks run inside its app context), kept in
    ``app.extensions["celery"]``."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    published_after_task(app)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["REDIS_URL"],
        task_default_queue=app.config["CELERY_QUEUE"],
        task_ignore_result=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_always_eager=bool(app.config.get("CELERY_EAGER")),
    )
    every = int(app.config.get("SYNC_EVERY") or 0)
    if every:
        celery.conf.beat_schedule = {
            "calstack-mirror-sync": {
                "task": "calstack.scheduled_sync",
                "schedule": float(every),
                # A tick no worker took before the next one is dropped, not piled up.
                "options": {"queue": app.config["CELERY_QUEUE"], "expires": float(every)},
            }
        }
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def run_bulk(record: dict[str, Any], store: JobRecords) -> None:
    """A bulk operation: every matching item, skipping the ones an earlier run finished."""
    spec, key = record["spec"], record["key"]

    def failed(item: str, reason: str) -> None:
        record["failures"].append({"item": item, "reason": reason})
        store.save(record)

    items = matching_items(spec, failed)
    finished = store.finished_items(key)
    record["total"] = len(items)
    store.save(record)
    for item in items:
        if item.name not in finished:
            try:
                apply(spec, item)
            except (calstack.CalstackError, BadInput) as e:
                failed(item.name, e.message if isinstance(e, BadInput) else str(e))
                continue
            store.mark_finished(key, item.name)
        record["done"] += 1
        store.save(record)


#: The job kinds.
KINDS: dict[str, JobKind] = {
    "bulk": JobKind(parse_bulk, run_bulk),
    "ics_import": JobKind(parse_import, run_import),
    "ics_export": JobKind(parse_export, run_export),
    "mirror_sync": JobKind(parse_sync, run_sync),
}


@shared_task(name="calstack.run_job")  # type: ignore[untyped-decorator]
def run_job(job_id: str) -> None:
    """Runs the job ``job_id`` to the end, recording progress and failures."""
    store = records()
    record = store.get(job_id)
    if record is None:
        return
    kind = KINDS.get(record["kind"])
    record["state"] = "running"
    store.save(record)
    try:
        if kind is None:
            raise LookupError(f"unknown job kind {record['kind']}")
        kind.run(record, store)
        record["state"] = "done"
    except Exception as e:  # the job as a whole failed; report it, keep the worker alive
        current_app.logger.exception("job failed", extra={"job": job_id})
        record["failures"].append({"item": None, "reason": f"{type(e).__name__}: {e}"})
        record["state"] = "failed"
    record["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    store.save(record)


#: How long a scheduled sync holds its lock at most (a worker that died mid-run frees it then).
SCHEDULE_LOCK_SECONDS = 3600

#: Who the job records of scheduled syncs name as their operator.
SCHEDULER = "scheduler"


@shared_task(name="calstack.scheduled_sync")  # type: ignore[untyped-decorator]
def scheduled_sync() -> Optional[str]:
    """Celery beat's tick (``CALSTACK_SYNC_EVERY``): a ``mirror_sync`` job over every client
    with a valid Google grant, recorded like any job (operator ``scheduler``) and run here. A
    tick that comes while the last scheduled sync still runs is skipped. Returns the job id,
    or None when skipped or when no client is connected."""
    client: redis.Redis = current_app.extensions["redis"]
    lock = f"{current_app.config['REDIS_PREFIX']}scheduled-sync"
    if not client.set(lock, "1", nx=True, ex=SCHEDULE_LOCK_SECONDS):
        current_app.logger.info("scheduled mirror sync skipped: the last one still runs")
        return None
    try:
        clients, _ = split_connected([c.id for c in stack().clients.list()])
        if not clients:
            return None
        record = records().create("mirror_sync", {"clients": clients}, SCHEDULER)
        current_app.logger.info("scheduled mirror sync", extra={"job": record["id"], "clients": len(clients)})
        run_job(record["id"])
        return str(record["id"])
    finally:
        client.delete(lock)
