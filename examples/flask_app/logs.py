"""Logs as JSON lines, secrets redacted: one object per line (time, level, logger, message and
the record's extra fields), with OAuth codes and states, tokens, client secrets, passwords and
bearer headers masked wherever they appear. One access line per request (method, path without
its query, status, duration, operator)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
from typing import Any

from flask import Flask, g, request

REDACTED = "[redacted]"
_SECRET_PATTERNS = [
    # key=value pairs in URLs, forms and messages
    re.compile(
        r"(?i)\b(code|state|token|access_token|refresh_token|id_token|client_secret|google_client_secret|"
        r"password|secret|api_key|key|csrf_token)(=|\"?\s*:\s*\"?)([^&\s\"',}]+)"
    ),
    re.compile(r"(?i)\b(bearer)(\s+)([A-Za-z0-9._~+/=-]+)"),
    re.compile(r"()()(GOCSPX-[A-Za-z0-9_-]+)"),  # Google client secrets
    re.compile(r"()()(ya29\.[A-Za-z0-9._-]+)"),  # Google access tokens
    re.compile(r"()()(1//[A-Za-z0-9._-]+)"),  # Google refresh tokens
]
#: Standard LogRecord attributes; everything else on a record is an extra field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """``text`` with every secret-looking value replaced by ``[redacted]``."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


class JsonLines(logging.Formatter):
    """Formats a record as one JSON object on one line, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value if isinstance(value, (int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


def json_handler(stream: Any = None) -> logging.Handler:
    """A stream handler (stderr by default) writing JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    return handler


def init_logging(app: Flask) -> None:
    """JSON lines on the root logger (once per process) and an access line per request."""
    root = logging.getLogger()
    if app.config.get("LOG_JSON", True) and not any(isinstance(h.formatter, JsonLines) for h in root.handlers):
        root.addHandler(json_handler())
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.handlers.clear()  # let records reach the root's JSON handler
    app.logger.propagate = True
    access = logging.getLogger("calstack.access")

    @app.before_request
    def started() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response: Any) -> Any:
        operator = g.get("operator")
        access.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
                "operator": operator.username if operator is not None else None,
                "remote": request.remote_addr,
            },
        )
        return response
