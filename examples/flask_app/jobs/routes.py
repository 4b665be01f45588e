"""The jobs API: ``POST /api/jobs`` starts a background job on Celery, ``GET /api/jobs/<id>``
reports its progress (state, done/total, each failed item with its reason)."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, jsonify
from kombu.exceptions import OperationalError

from ..api import body
from ..calendar_view import selected_clients
from ..errors import BadInput, error
from ..security import signed_in
from .tasks import KINDS, records, run_job

jobs = Blueprint("jobs", __name__)


@jobs.errorhandler(redis.RedisError)
@jobs.errorhandler(OperationalError)
def queue_unavailable(e: Exception) -> Any:
    """Redis (the queue and the job records) cannot be reached: 503, nothing started."""
    return error(503, "queue_unavailable", f"the job queue is unavailable ({type(e).__name__})")

#: What a job answer shows (the spec is echoed; it holds ids and times, no secrets).
PUBLIC_FIELDS = (
    "id", "kind", "state", "done", "total", "failures", "result", "operator", "spec", "created_at", "finished_at",
)


def job_json(record: dict[str, Any]) -> dict[str, Any]:
    """A job record as the API answers it."""
    return {field: record.get(field) for field in PUBLIC_FIELDS}


@jobs.post("/api/jobs")
def start_job() -> Any:
    """``{"kind": "bulk" | "ics_import" | "ics_export" | "mirror_sync", ...}`` → 202 with the
    job (see each kind's module for its fields)."""
    data = body()
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise BadInput("kind", f"must be one of {', '.join(KINDS)}")
    parsed = KINDS[kind].parse(data, selected_clients(None))
    record = records().create(kind, parsed.spec, signed_in().username)
    for role, content in parsed.files.items():
        records().put_file(record["id"], role, content)
    run_job.apply_async(args=[record["id"]], task_id=record["id"])
    return jsonify(job_json(records().get(record["id"]) or record)), 202


@jobs.get("/api/jobs/<job_id>")
def get_job(job_id: str) -> Any:
    record = records().get(job_id)
    if record is None:
        return error(404, "not_found", "no such job (unknown, or older than 7 days)")
    return jsonify(job_json(record))


@jobs.get("/api/jobs/<job_id>/file")
def job_file(job_id: str) -> Any:
    """An export job's file (``text/calendar``), for a day after it finished."""
    record = records().get(job_id)
    content = records().get_file(job_id, "output") if record and record["kind"] == "ics_export" else None
    if record is None or content is None:
        return error(404, "not_found", "no exported file for this job (unknown, not an export, not finished, or expired)")
    name = f"{record['spec']['calendar_id']}.ics".replace("/", "_").replace('"', "")
    response = Response(content, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
