"""The Celery side of background jobs: the Celery app bound to the Flask app (Redis as the
broker), and the one task that runs a job by id, writing its progress as it goes.

A worker runs them with (from the repository root)::

    celery --workdir examples -A flask_app.worker:celery worker --pool threads --concurrency 4

Job kinds (``KINDS``): ``bulk`` (copy, move, delete, shift across calendars and clients),
``ics_import`` / ``ics_export`` (``calstack.ics``) and ``mirror_sync`` (``stack.sync``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

import calstack
from celery import Celery, Task, shared_task  # type: ignore[import-untyped]
from flask import Flask, current_app

from ..errors import BadInput
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
                return self.run(*args, **kwargs)

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
