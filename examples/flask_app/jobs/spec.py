"""What every job kind shares: the parsed request (the spec the record keeps and echoes, and
the files that travel sealed beside it) and the request-field helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import BadInput


@dataclass(frozen=True)
class Parsed:
    """A job request, checked: its ``spec`` (ids, times, options; shown in the job's answer)
    and its ``files`` by role (contents; kept sealed, never shown)."""

    spec: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)


def optional_time(data: dict[str, Any], name: str, prefix: str = "") -> Optional[dt.datetime]:
    """An ISO 8601 timestamp field with a UTC offset, None when absent, else 400 naming
    ``prefix + name``."""
    raw = data.get(name)
    if raw is None:
        return None
    field_name = f"{prefix}{name}"
    if not isinstance(raw, str):
        raise BadInput(field_name, "must be an ISO 8601 timestamp with a UTC offset")
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(field_name, "must be an ISO 8601 timestamp, e.g. 2026-03-02T09:00:00Z") from None
    if value.tzinfo is None:
        raise BadInput(field_name, "needs a UTC offset")
    return value
