"""The REST API: clients, their OAuth credentials (consent included) and their calendars.

Every answer is JSON. Secrets (client secrets, tokens) are accepted on input and never
returned. Errors are JSON too (see ``errors.py``): bad input answers 400 naming the field and
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import calstack
from flask import Blueprint, current_app, jsonify, redirect, request, url_for

from .errors import BadInput, error

api = Blueprint("api", __name__)


def stack() -> calstack.Calstack:
    """The app's one Calstack (thread-safe, shared by every request)."""
    handle: calstack.Calstack = current_app.extensions["calstack"]
    return handle


# Input helpers


def body() -> dict[str, Any]:
    """The request's JSON object, or 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput("body", "expected a JSON object (Content-Type: application/json)")
    return data


def text(data: dict[str, Any], field: str, *, required: bool = False) -> Optional[str]:
    """A string field of the body: 400 if it has another type, or is missing when required."""
    value = data.get(field)
    if value is None:
        if required:
            raise BadInput(field, "is required")
        return None
    if not isinstance(value, str):
        raise BadInput(field, "must be a string")
    return value


def strings(data: dict[str, Any], field: str) -> Optional[list[str]]:
    """A list-of-strings field of the body, or 400."""
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(field, "must be a list of strings")
    return value


def query_time(name: str) -> Optional[dt.datetime]:
    """An ISO 8601 timestamp query parameter with a UTC offset, or 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    # A '+' in an unencoded query string arrives as a space.
    raw = raw.replace(" ", "+").replace("Z", "+00:00").replace("z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(name, "must be an ISO 8601 timestamp, e.g. 2026-03-02T09:00:00Z") from None
    if value.tzinfo is None:
        raise BadInput(name, "needs a UTC offset, e.g. 2026-03-02T09:00:00+01:00")
    return value


def query_bool(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise BadInput(name, "must be true or false")


def client_json(client: calstack.Client, credentials: list[calstack.OAuthCredential]) -> dict[str, Any]:
    mine = [c for c in credentials if c.client_id == client.id]
    return {
        **client.to_dict(),
        "credentials": [c.to_dict() for c in mine],
        "authorized": any(c.is_valid for c in mine),
    }


# Settings


@api.get("/api/settings")
def settings() -> Any:
    """What the app is connected to (no secrets: the database URL shows its scheme only)."""
    config = current_app.config
    return jsonify(
        {
            "database": str(config["DATABASE_URL"]).split(":", 1)[0],
            "google_api_base": config["GOOGLE_API_BASE"] or "https://www.googleapis.com/calendar/v3/",
            "google_auth_url": config["GOOGLE_AUTH_URL"] or "https://accounts.google.com/o/oauth2/v2/auth",
            "google_token_url": config["GOOGLE_TOKEN_URL"] or "https://oauth2.googleapis.com/token",
            "google_revoke_url": config["GOOGLE_REVOKE_URL"] or "https://oauth2.googleapis.com/revoke",
            "default_scopes": config["DEFAULT_SCOPES"],
            "redirect_uri": url_for("api.oauth_callback", _external=True),
            "calstack_version": calstack.__version__,
        }
    )


# Clients


@api.get("/api/clients")
def list_clients() -> Any:
    credentials = stack().oauth.list()
    return jsonify([client_json(c, credentials) for c in stack().clients.list()])


@api.post("/api/clients")
def create_client() -> Any:
    data = body()
    client = stack().clients.create(text(data, "name", required=True) or "", text(data, "email", required=True) or "")
    return jsonify(client_json(client, [])), 201


@api.get("/api/clients/<client_id>")
def get_client(client_id: str) -> Any:
    client = stack().clients.get(client_id)
    return jsonify(client_json(client, stack().oauth.list(client_id=client.id)))


@api.put("/api/clients/<client_id>")
def update_client(client_id: str) -> Any:
    data = body()
    client = stack().clients.update(client_id, name=text(data, "name"), email=text(data, "email"))
    return jsonify(client_json(client, stack().oauth.list(client_id=client.id)))


@api.delete("/api/clients/<client_id>")
def delete_client(client_id: str) -> Any:
    stack().clients.delete(client_id)
    return "", 204


# OAuth credentials and consent


@api.get("/api/oauth")
def list_credentials() -> Any:
    client_id = request.args.get("client_id") or None
    if client_id is not None:
        client_id = stack().clients.get(client_id).id  # 404 for an unknown client
    return jsonify([c.to_dict() for c in stack().oauth.list(client_id=client_id)])


@api.post("/api/oauth")
def create_credential() -> Any:
    data = body()
    credential = stack().oauth.register(
        text(data, "client_id", required=True) or "",
        google_client_id=text(data, "google_client_id", required=True) or "",
        google_client_secret=text(data, "google_client_secret", required=True) or "",
        scopes=strings(data, "scopes") or list(current_app.config["DEFAULT_SCOPES"]),
        redirect_uri=text(data, "redirect_uri") or url_for("api.oauth_callback", _external=True),
        account_email=text(data, "account_email") or None,
    )
    return jsonify(credential.to_dict()), 201


@api.get("/api/oauth/callback")
def oauth_callback() -> Any:
    """Where Google sends the user back after consent (``?code&state`` or ``?error&state``)."""
    wants_html = request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
    try:
        credential = stack().oauth.complete_callback(request.args.to_dict())
    except calstack.AuthorizationError as e:
        if wants_html:
            return redirect(f"/?oauth_error={e.code}#oauth")
        return error(400, "authorization_failed", str(e), code=e.code)
    if wants_html:
        return redirect(f"/?authorized={credential.id}#oauth")
    return jsonify(credential.to_dict())


@api.get("/api/oauth/<credential_id>")
def get_credential(credential_id: str) -> Any:
    return jsonify(stack().oauth.get(credential_id).to_dict())


@api.put("/api/oauth/<credential_id>")
def update_credential(credential_id: str) -> Any:
    data = body()
    credential = stack().oauth.update(
        credential_id,
        google_client_id=text(data, "google_client_id"),
        google_client_secret=text(data, "google_client_secret") or None,
        scopes=strings(data, "scopes"),
        redirect_uri=text(data, "redirect_uri"),
        account_email=text(data, "account_email"),
    )
    return jsonify(credential.to_dict())


@api.delete("/api/oauth/<credential_id>")
def delete_credential(credential_id: str) -> Any:
    """Revokes the grant at Google when there is one (``?revoke=false`` skips it), then
    deletes the credential."""
    credential = stack().oauth.get(credential_id)
    if query_bool("revoke", True) and credential.has_refresh_token:
        stack().oauth.revoke(credential.id)
    stack().oauth.delete(credential.id)
    return "", 204


@api.post("/api/oauth/<credential_id>/authorize")
def authorize(credential_id: str) -> Any:
    return jsonify({"credential_id": credential_id, "url": stack().oauth.authorize_url(credential_id)})


@api.post("/api/oauth/<credential_id>/revoke")
def revoke(credential_id: str) -> Any:
    stack().oauth.revoke(credential_id)
    return jsonify(stack().oauth.get(credential_id).to_dict())


# Calendars and events


@api.get("/api/clients/<client_id>/calendars")
def list_calendars(client_id: str) -> Any:
    entries = stack().calendar(client_id).list_calendars()
    return jsonify(
        [
            {
                "id": e.id,
                "summary": e.summary_override or e.summary,
                "primary": e.primary,
                "access_role": e.access_role,
                "time_zone": e.time_zone,
                "background_color": e.background_color,
            }
            for e in entries
        ]
    )


@api.get("/api/clients/<client_id>/calendars/<calendar_id>/events")
def list_events(client_id: str, calendar_id: str) -> Any:
    time_min, time_max = query_time("time_min"), query_time("time_max")
    if time_min and time_max and time_min >= time_max:
        raise BadInput("time_max", "must be after time_min")
    events = stack().calendar(client_id).list_events(
        calendar_id,
        time_min=time_min,
        time_max=time_max,
        single_events=query_bool("single_events", True),
        query=request.args.get("q") or None,
        order_by="startTime" if query_bool("single_events", True) else None,
    )
    return jsonify([e.to_dict() for e in events])


@api.post("/api/clients/<client_id>/calendars/<calendar_id>/events")
def create_event(client_id: str, calendar_id: str) -> Any:
    event = calstack.Event(body())
    calendar = stack().calendar(client_id)
    return jsonify(calendar.create_event(calendar_id, event).to_dict()), 201


@api.get("/api/clients/<client_id>/calendars/<calendar_id>/events/<event_id>")
def get_event(client_id: str, calendar_id: str, event_id: str) -> Any:
    """One event: a single event, a recurring series' master, or one occurrence (its instance id)."""
    return jsonify(stack().calendar(client_id).get_event(calendar_id, event_id).to_dict())


@api.patch("/api/clients/<client_id>/calendars/<calendar_id>/events/<event_id>")
def patch_event(client_id: str, calendar_id: str, event_id: str) -> Any:
    """Changes only the fields sent. On an occurrence's id it changes that occurrence alone; on
    a series' id the whole series (its recurrence kept). ``If-Match`` makes it conditional:
    a stale etag answers 412 and changes nothing."""
    changes = calstack.Event(body())
    etag = request.headers.get("If-Match") or None
    calendar = stack().calendar(client_id)
    return jsonify(calendar.patch_event(calendar_id, event_id, changes, etag=etag).to_dict())


@api.put("/api/clients/<client_id>/calendars/<calendar_id>/events/<event_id>")
def update_event(client_id: str, calendar_id: str, event_id: str) -> Any:
    event = calstack.Event(body())
    etag = request.headers.get("If-Match") or None
    calendar = stack().calendar(client_id)
    return jsonify(calendar.update_event(calendar_id, event_id, event, etag=etag).to_dict())


@api.delete("/api/clients/<client_id>/calendars/<calendar_id>/events/<event_id>")
def delete_event(client_id: str, calendar_id: str, event_id: str) -> Any:
    stack().calendar(client_id).delete_event(calendar_id, event_id)
    return "", 204
