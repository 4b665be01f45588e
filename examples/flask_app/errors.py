"""JSON error answers: every error the API gives is ``{"error": <code>, "message": ...}``
with the right status, including calstack's exceptions and Flask's own 404/405/500."""

from __future__ import annotations

from typing import Any

import calstack
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class BadInput(Exception):
    """A request body or query parameter the API refuses (400, naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def error(status: int, name: str, message: str, /, **extra: Any) -> Any:
    """A JSON error response: ``{"error": name, "message": message, **extra}``."""
    response = jsonify({"error": name, "message": message, **extra})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Installs the handlers on ``app``."""

    @app.errorhandler(BadInput)
    def bad_input(e: BadInput) -> Any:
        return error(400, "validation_error", e.message, field=e.field)

    @app.errorhandler(calstack.ValidationError)
    def validation(e: calstack.ValidationError) -> Any:
        return error(400, "validation_error", str(e), field=e.field)

    @app.errorhandler(calstack.NotFoundError)
    def not_found(e: calstack.NotFoundError) -> Any:
        return error(404, "not_found", str(e))

    @app.errorhandler(calstack.ReauthorizationRequired)
    def reauthorize(e: calstack.ReauthorizationRequired) -> Any:
        return error(
            401,
            "reauthorization_required",
            str(e),
            credential_id=e.credential_id,
            hint=f"POST /api/oauth/{e.credential_id}/authorize and send the client to the returned URL",
        )

    @app.errorhandler(calstack.AuthorizationError)
    def authorization(e: calstack.AuthorizationError) -> Any:
        return error(400, "authorization_failed", str(e), code=e.code)

    @app.errorhandler(calstack.RateLimitedError)
    def rate_limited(e: calstack.RateLimitedError) -> Any:
        response = error(429, "rate_limited", str(e), retry_after=e.retry_after)
        if e.retry_after is not None:
            response.headers["Retry-After"] = str(max(1, round(e.retry_after)))
        return response

    @app.errorhandler(calstack.PreconditionFailedError)
    def precondition(e: calstack.PreconditionFailedError) -> Any:
        return error(412, "precondition_failed", str(e))

    @app.errorhandler(calstack.SyncTokenExpiredError)
    def sync_expired(e: calstack.SyncTokenExpiredError) -> Any:
        return error(410, "sync_token_expired", str(e))

    @app.errorhandler(calstack.ConflictError)
    def conflict(e: calstack.ConflictError) -> Any:
        return error(409, "conflict", str(e))

    @app.errorhandler(calstack.ApiError)
    def google_error(e: calstack.ApiError) -> Any:
        status = e.status if 400 <= e.status < 500 else 502
        return error(status, "google_api_error", str(e), google_status=e.status, reason=e.reason)

    @app.errorhandler(calstack.TransportError)
    def transport(e: calstack.TransportError) -> Any:
        return error(502, "google_unreachable", str(e))

    @app.errorhandler(calstack.StoreError)
    def store(e: calstack.StoreError) -> Any:
        return error(503, "store_unavailable", str(e), kind=e.kind)

    @app.errorhandler(calstack.CalstackError)
    def calstack_error(e: calstack.CalstackError) -> Any:
        return error(500, "calstack_error", str(e))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        code = (e.name or "error").lower().replace(" ", "_")
        return error(e.code or 500, code, e.description or e.name)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Any:
        app.logger.exception("unhandled error")
        return error(500, "internal_server_error", "internal server error")
