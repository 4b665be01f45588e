"""Background job records in Redis: what a job is asked to do, and how far it got (done/total,
each failed item with its reason). The Celery task writes them; ``GET /api/jobs/<id>`` reads
them. Items finished by any run of the same job spec are remembered, so a re-run skips them.

A job's files (an uploaded .ics waiting for its import, an export waiting to be downloaded)
hold calendar contents: they are kept sealed (AES-256-GCM, a key derived from the app's
encryption key, the job id and role as associated data), never in plaintext, and expire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from typing import Any, Optional

import redis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

JOB_TTL = int(dt.timedelta(days=7).total_seconds())
DONE_TTL = int(dt.timedelta(days=30).total_seconds())
FILE_TTL = int(dt.timedelta(days=1).total_seconds())
NONCE_BYTES = 12


def file_key(encryption_key: str) -> bytes:
    """The key that seals job files, derived from the app's encryption key (the first one,
    when it lists several for rotation)."""
    secret = encryption_key.split(",")[0].strip().encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"calstack-flask job files v1").derive(secret)


def spec_key(spec: dict[str, Any]) -> str:
    """A stable name for a job spec: two submissions of the same work share it."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class JobRecords:
    """Job records and the finished-item sets, under one Redis key prefix."""

    def __init__(self, client: redis.Redis, prefix: str = "calstack:", key: Optional[bytes] = None) -> None:
        self._redis = client
        self._prefix = prefix
        self._cipher = AESGCM(key or AESGCM.generate_key(bit_length=256))

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
            "result": None,
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

    def _file(self, job_id: str, role: str) -> str:
        return f"{self._prefix}job-file:{job_id}:{role}"

    def put_file(self, job_id: str, role: str, text: str) -> None:
        """Keeps ``text`` sealed for the job (``role``: ``input`` or ``output``) for a day."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._cipher.encrypt(nonce, text.encode(), f"{job_id}:{role}".encode())
        self._redis.set(self._file(job_id, role), sealed, ex=FILE_TTL)

    def get_file(self, job_id: str, role: str) -> Optional[str]:
        """The job's file, or None when there is none (expired, deleted, or not sealed for it)."""
        sealed = self._redis.get(self._file(job_id, role))
        if not isinstance(sealed, bytes) or len(sealed) <= NONCE_BYTES:
            return None
        try:
            plain = self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], f"{job_id}:{role}".encode())
        except InvalidTag:
            return None
        return plain.decode()

    def drop_file(self, job_id: str, role: str) -> None:
        """Forgets the job's file."""
        self._redis.delete(self._file(job_id, role))

    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self._redis.ping())


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
