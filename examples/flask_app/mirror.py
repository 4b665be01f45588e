"""The local mirror from the web: Google's push notifications (``POST /api/notifications``)
and the mirror's state (``GET /api/sync/status``). Sync runs themselves are background jobs
(``mirror_sync``, see ``jobs/mirror.py``); with ``CALSTACK_PUSH_ADDRESS`` set to this route's
public URL, they open the channels whose notifications arrive here.

Google calls the notification route, so it needs no operator session and no CSRF token; what
protects it is the library: ``stack.handle_notification`` checks the channel id, its secret
token (constant-time) and the resource id against the store and only then makes that one
calendar due. A forged, unknown or malformed notification answers 400 naming the header and
changes nothing. The answer never echoes a header (the token is a secret).
"""

from __future__ import annotations

from typing import Any

import calstack
from flask import Blueprint, Flask, current_app, jsonify, request

from .api import stack
from .errors import error
from .security import csrf

mirror = Blueprint("mirror", __name__)

#: Google's channel headers, the only ones handed to the library.
CHANNEL_HEADERS = ("X-Goog-Channel-ID", "X-Goog-Channel-Token", "X-Goog-Resource-ID", "X-Goog-Resource-State",
                   "X-Goog-Resource-URI", "X-Goog-Message-Number", "X-Goog-Channel-Expiration")


@mirror.post("/api/notifications")
def notification() -> Any:
    """A push notification from Google: 200 once the calendar is due, 400 when refused."""
    headers = {name: request.headers[name] for name in CHANNEL_HEADERS if name in request.headers}
    try:
        note = stack().handle_notification(headers)
    except calstack.ValidationError as e:
        current_app.logger.warning("push notification refused", extra={"field": e.field})
        return error(400, "notification_refused", f"not a notification of a channel this app opened ({e.field})",
                     field=e.field)
    current_app.logger.info("push notification", extra={"client_id": note["client_id"], "state": note["state"]})
    return jsonify({"client_id": note["client_id"], "calendar_id": note["calendar_id"], "state": note["state"]})


@mirror.get("/api/sync/status")
def sync_status() -> Any:
    """Per mirrored calendar: events kept, last synced, next due, failures, why it is parked,
    until when it is watched (push)."""
    rows = []
    for row in stack().sync_status():
        rows.append({
            **row,
            "last_synced": row["last_synced"].isoformat() if row["last_synced"] else None,
            "next_sync_due": row["next_sync_due"].isoformat(),
            "watched_until": row["watched_until"].isoformat() if row["watched_until"] else None,
        })
    return jsonify(rows)


def register(app: Flask) -> None:
    """Adds the routes; the notification route takes no CSRF token (Google is no browser)."""
    csrf.exempt(notification)
    app.register_blueprint(mirror)
