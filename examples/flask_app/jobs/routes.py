"""The jobs API: ``POST /api/jobs`` starts a background job on Celery, ``GET /api/jobs/<id>``
reports its progress (state, done/total, each failed item with its reason)."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, jsonify
from kombu.exceptions import OperationalError

from ..api import body
from ..calendar_view import selected_clients
from ..errors import BadInput, error
from ..security import signed_in
from .bulk import parse_bulk
from .tasks import RUNNERS, records, run_job

jobs = Blueprint("jobs", __name__)


@jobs.errorhandler(redis.RedisError)
@jobs.errorhandler(OperationalError)
def queue_unavailable(e: Exception) -> Any:
    """Redis (the queue and the job records) cannot be reached: 503, nothing started."""
    return error(503, "queue_unavailable", f"the job queue is unavailable ({type(e).__name__})")

#: What a job answer shows (the spec is echoed; it holds ids and times, no secrets).
PUBLIC_FIELDS = ("id", "kind", "state", "done", "total", "failures", "operator", "spec", "created_at", "finished_at")


def job_json(record: dict[str, Any]) -> dict[str, Any]:
    """A job record as the API answers it."""
    return {field: record.get(field) for field in PUBLIC_FIELDS}


@jobs.post("/api/jobs")
def start_job() -> Any:
    """``{"kind": "bulk", "operation": ..., "query": {...}, ...}`` → 202 with the job."""
    data = body()
    kind = data.get("kind")
    if kind not in RUNNERS:
        raise BadInput("kind", f"must be one of {', '.join(RUNNERS)}")
    if RUNNERS[kind] is None:
        return error(501, "not_implemented", f"job kind {kind} needs a calstack binding that is not there yet")
    spec = parse_bulk(data, selected_clients(None))
    record = records().create(str(kind), spec, signed_in().username)
    run_job.apply_async(args=[record["id"]], task_id=record["id"])
    return jsonify(job_json(records().get(record["id"]) or record)), 202


@jobs.get("/api/jobs/<job_id>")
def get_job(job_id: str) -> Any:
    record = records().get(job_id)
    if record is None:
        return error(404, "not_found", "no such job (unknown, or older than 7 days)")
    return jsonify(job_json(record))
