"""The stacked calendar view's data: one JSON feed of every selected client's events over a
time range (``GET /api/calendar``), and the browser libraries served from the app's own
``node_modules`` (``/vendor/...``, installed by ``npm ci`` from package.json and its lock).

The feed calls the library and reshapes nothing it should compute: ``stacked_entries`` is
the one function to switch to ``stack.agenda(...)`` (which also fills ``conflicts_with``)
once the stacked views are in the Python module.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional

import calstack
from flask import Blueprint, Flask, abort, current_app, jsonify, request, send_from_directory

from .api import query_time, stack
from .errors import BadInput
from .security import signed_in

calendar_view = Blueprint("calendar_view", __name__)

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
#: The npm packages the pages load, and the files of each that may be served.
VENDOR_FILES = {"fullcalendar": {"index.global.min.js", "index.global.js"}}
MAX_RANGE = dt.timedelta(days=62)
FETCH_THREADS = 8


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
    scope = signed_in().client_scope
    if scope:
        return [stack().clients.get(scope).id]
    return [c.id for c in stack().clients.list()]


def stacked_entries(
    client_ids: list[str], time_min: dt.datetime, time_max: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every event of the clients' calendars in [time_min, time_max), recurring series expanded
    (Google's ``singleEvents=true``), as ``{client_id, calendar_id, event, conflicts_with}``;
    and the clients that could not be read, as ``{client_id, error, message}``.

    Today: the per-client listing, fetched concurrently. Later: ``stack.agenda(time_min,
    time_max, clients=client_ids)`` returns the same entries with their conflicts."""
    handle = stack()  # the worker threads have no app context
    connected = {c.client_id for c in handle.oauth.list() if c.is_valid}

    def one_client(client_id: str) -> tuple[list[dict[str, Any]], Optional[dict[str, Any]]]:
        if client_id not in connected:
            return [], {"client_id": client_id, "error": "not_connected", "message": "no valid Google grant"}
        try:
            calendar = handle.calendar(client_id)
            entries = []
            for listed in calendar.list_calendars():
                if listed.id is None:
                    continue
                for event in calendar.list_events(
                    listed.id, time_min=time_min, time_max=time_max, single_events=True, order_by="startTime"
                ):
                    entries.append(
                        {"client_id": client_id, "calendar_id": listed.id, "event": event.to_dict(), "conflicts_with": []}
                    )
            return entries, None
        except calstack.CalstackError as e:
            return [], {"client_id": client_id, "error": type(e).__name__, "message": str(e)}

    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, max(1, len(client_ids)))) as pool:
        results = list(pool.map(one_client, client_ids))
    entries = [entry for found, _ in results for entry in found]
    failures = [failed for _, failed in results if failed is not None]
    return entries, failures


@calendar_view.get("/api/calendar")
def calendar_feed() -> Any:
    """``?time_min&time_max`` (ISO 8601 with offset, at most 62 days apart), optional
    ``clients=a,b``: the entries to draw, and the clients that failed."""
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
    entries, failures = stacked_entries(clients, time_min, time_max)
    return jsonify({"clients": clients, "entries": entries, "errors": failures})


def register(app: Flask) -> None:
    """Adds the feed and the vendor files to ``app``."""
    init_vendor(app)
    app.register_blueprint(calendar_view)
