"""ICS jobs: import an iCalendar file into a client's calendar, or export a calendar to one,
through ``calstack.ics`` (the library's parser, batch import and VTIMEZONE export).

- ``{"kind": "ics_import", "client_id", "calendar_id": "primary", "ics": "<file text>",
  "skip_invalid": false, "file_name": "school.ics"}``: the file is read when the job is asked
  for (a refused file is 400 on ``ics`` and nothing starts), then imported by the worker with
  progress from the library's callback. Events matched by UID: a re-run changes nothing.
  With ``skip_invalid``, each refused event is a failure of its own and the rest go in.
- ``{"kind": "ics_export", "client_id", "calendar_id", "time_min"?, "time_max"?}``: the
  file waits (sealed) for ``GET /api/jobs/<id>/file``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

from calstack import ics

from ..api import stack, text
from ..errors import BadInput
from .records import JobRecords
from .spec import Parsed, optional_time

#: The largest file an import takes (characters).
MAX_ICS = 10 * 1024 * 1024
#: At most this often a running import writes its progress.
PROGRESS_EVERY = 0.25


def _place(data: dict[str, Any]) -> dict[str, str]:
    client_id = stack().clients.get(text(data, "client_id", required=True) or "").id  # 404 when unknown
    calendar_id = text(data, "calendar_id") or "primary"
    return {"client_id": client_id, "calendar_id": calendar_id}


def parse_import(data: dict[str, Any], default_clients: list[str]) -> Parsed:
    """The spec of an import (the file itself travels sealed beside it), or 400."""
    place = _place(data)
    content = data.get("ics")
    if not isinstance(content, str) or not content.strip():
        raise BadInput("ics", "send the file's text (an iCalendar document)")
    if len(content) > MAX_ICS:
        raise BadInput("ics", "the file is larger than 10 MiB")
    skip_invalid = data.get("skip_invalid", False)
    if not isinstance(skip_invalid, bool):
        raise BadInput("skip_invalid", "must be true or false")
    parsed = ics.parse(content, skip_invalid=skip_invalid)  # a refused file: 400 on "ics"
    spec = {
        **place,
        "skip_invalid": skip_invalid,
        "file_name": (text(data, "file_name") or "calendar.ics")[:200],
        "bytes": len(content.encode()),
        "sha256": hashlib.sha256(content.encode()).hexdigest(),
        "events": len(parsed.events) + len(parsed.exceptions) + len(parsed.refused),
    }
    return Parsed(spec, {"input": content})


def parse_export(data: dict[str, Any], default_clients: list[str]) -> Parsed:
    """The spec of an export, or 400."""
    spec: dict[str, Any] = {**_place(data)}
    time_min, time_max = optional_time(data, "time_min"), optional_time(data, "time_max")
    if time_min and time_max and time_max <= time_min:
        raise BadInput("time_max", "must be after time_min")
    spec["time_min"] = time_min.isoformat() if time_min else None
    spec["time_max"] = time_max.isoformat() if time_max else None
    return Parsed(spec)


def _failure(line: str) -> dict[str, str]:
    """``"uid: reason"`` / ``"line 7: reason"`` as ``{"item", "reason"}``."""
    item, _, reason = line.partition(": ")
    return {"item": item, "reason": reason or item}


def run_import(record: dict[str, Any], store: JobRecords) -> None:
    """Imports the job's file, writing progress as the library settles events."""
    spec = record["spec"]
    content = store.get_file(record["id"], "input")
    if content is None:
        raise LookupError("the uploaded file is gone (older than a day?): start the import again")
    last_saved = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last_saved
        record["done"], record["total"] = done, total
        if time.monotonic() - last_saved >= PROGRESS_EVERY or done == total:
            last_saved = time.monotonic()
            store.save(record)

    calendar = stack().calendar(spec["client_id"])
    report = ics.import_ics(
        calendar, spec["calendar_id"], content, skip_invalid=spec["skip_invalid"], progress=progress
    )
    record["failures"].extend(_failure(line) for line in [*report.skipped, *report.failed])
    record["result"] = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    settled = report.created + report.updated + report.unchanged + len(report.failed)
    record["total"] = max(record.get("total") or 0, settled) + len(report.skipped)
    record["done"] = record["total"]
    store.drop_file(record["id"], "input")


def run_export(record: dict[str, Any], store: JobRecords) -> None:
    """Exports the calendar; the file waits sealed for its download."""
    spec = record["spec"]
    record["total"] = 1
    store.save(record)
    calendar = stack().calendar(spec["client_id"])
    window = {k: dt.datetime.fromisoformat(spec[k]) for k in ("time_min", "time_max") if spec.get(k)}
    content = ics.export_ics(calendar, spec["calendar_id"], **window)
    store.put_file(record["id"], "output", content)
    record["result"] = {"events": content.count("BEGIN:VEVENT"), "bytes": len(content.encode())}
    record["done"] = 1
