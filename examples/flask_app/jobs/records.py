"""Background job records in Redis: what a job is asked to do, and how far it got (done/total,
each failed item with its reason). The Celery task writes them; ``GET /api/jobs/<id>`` reads
them. Items finished by any run of the same job spec are remembered, so a re-run skips them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any, Optional

import redis

JOB_TTL = int(dt.timedelta(days=7).total_seconds())
DONE_TTL = int(dt.timedelta(days=30).total_seconds())


def spec_key(spec: dict[str, Any]) -> str:
    """A stable name for a job spec: two submissions of the same work share it."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class JobRecords:
    """Job records and the finished-item sets, under one Redis key prefix."""

    def __init__(self, client: redis.Redis, prefix: str = "calstack:") -> None:
        self._redis = client
        self._prefix = prefix

    def _job(self, job_id: str) -> str:
        return f"{self._prefix}job:{job_id}"

    def _done(self, key: str) -> str:
        return f"{self._prefix}job-done:{key}"

    def create(self, kind: str, spec: dict[str, Any], operator: str) -> dict[str, Any]:
        """A new queued job for ``spec``."""
        record: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "kind": kind,
            "state": "queued",
            "done": 0,
            "total": None,
            "failures": [],
            "operator": operator,
            "spec": spec,
            "key": spec_key({"kind": kind, **spec}),
            "created_at": _now(),
            "finished_at": None,
        }
        self.save(record)
        return record

    def get(self, job_id: str) -> Optional[dict[str, Any]]:
        """The record, or None when unknown or expired."""
        raw = self._redis.get(self._job(job_id))
        if raw is None:
            return None
        record: dict[str, Any] = json.loads(raw)
        return record

    def save(self, record: dict[str, Any]) -> None:
        """Writes the whole record (one writer per job: its task)."""
        self._redis.set(self._job(record["id"]), json.dumps(record), ex=JOB_TTL)

    def finished_items(self, key: str) -> set[str]:
        """The items any run of the spec named ``key`` finished."""
        members = self._redis.smembers(self._done(key))
        return {m.decode() if isinstance(m, bytes) else str(m) for m in members}

    def mark_finished(self, key: str, item: str) -> None:
        """Remembers that ``item`` is done for the spec named ``key``."""
        name = self._done(key)
        self._redis.sadd(name, item)
        self._redis.expire(name, DONE_TTL)

    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self._redis.ping())


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
