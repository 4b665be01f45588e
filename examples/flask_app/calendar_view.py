"""The stacked calendar view's data: one JSON feed of every selected client's events over a
time range (``GET /api/calendar``), and the browser libraries served from the app's own
``node_modules`` (``/vendor/...``, installed by ``npm ci`` from package.json and its lock).

The feed is the library's stacked agenda (``stack.agenda``, read live), conflicts included;
the app reshapes nothing the library computes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

from flask import Blueprint, Flask, abort, current_app, jsonify, request, send_from_directory

from .api import query_time, stack
from .errors import BadInput
from .stacked import Window, agenda_entries, scoped_client_ids, split_connected, stacked

calendar_view = Blueprint("calendar_view", __name__)

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
#: The npm packages the pages load, and the files of each that may be served.
VENDOR_FILES = {"fullcalendar": {"index.global.min.js", "index.global.js"}}
MAX_RANGE = dt.timedelta(days=62)


def init_vendor(app: Flask) -> None:
    """Serves the allowed files of the npm packages at ``/vendor/<package>/<file>``."""

    def vendor(package: str, filename: str) -> Any:
        if filename not in VENDOR_FILES.get(package, set()):
            abort(404)
        root = Path(current_app.config.get("NODE_MODULES") or NODE_MODULES)
        return send_from_directory(root / package, filename, max_age=3600)

    app.add_url_rule("/vendor/<package>/<path:filename>", "vendor", vendor)


def selected_clients(raw: Optional[str]) -> list[str]:
    """The clients a view covers: ``?clients=a,b`` when given, else the operator's scope
    (one client), else every client. Unknown ids are 404."""
    if raw:
        return [stack().clients.get(part.strip()).id for part in raw.split(",") if part.strip()]
    return scoped_client_ids()


def stacked_entries(
    client_ids: list[str], time_min: dt.datetime, time_max: dt.datetime, time_zone: Optional[str] = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The library's stacked agenda of the clients over [time_min, time_max), read live:
    every event of their calendars, recurring series expanded, as ``{client_id, client,
    calendar_id, calendar, event, start, end, all_day, busy, conflicts_with}`` (indexes into
    the same list); and the clients that could not be read, as ``{client_id, error, message}``."""
    readable, failures = split_connected(client_ids)
    view = Window(time_min, time_max, readable, None, True, time_zone)
    return agenda_entries(view), failures


@calendar_view.get("/api/calendar")
def calendar_feed() -> Any:
    """``?time_min&time_max`` (ISO 8601 with offset, at most 62 days apart), optional
    ``clients=a,b`` and ``time_zone`` (the viewer's): the entries to draw, and the clients
    that failed."""
    time_min, time_max = query_time("time_min"), query_time("time_max")
    if time_min is None:
        raise BadInput("time_min", "is required")
    if time_max is None:
        raise BadInput("time_max", "is required")
    if time_max <= time_min:
        raise BadInput("time_max", "must be after time_min")
    if time_max - time_min > MAX_RANGE:
        raise BadInput("time_max", "the range may span at most 62 days")
    clients = selected_clients(request.args.get("clients"))
    entries, failures = stacked_entries(clients, time_min, time_max, request.args.get("time_zone") or None)
    return jsonify({"clients": clients, "entries": entries, "errors": failures})


def register(app: Flask) -> None:
    """Adds the feed, the stacked views API and the vendor files to ``app``."""
    init_vendor(app)
    app.register_blueprint(calendar_view)
    app.register_blueprint(stacked)
