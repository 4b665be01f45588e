"""Operators and safety: sign-in with argon2-hashed operators, every state-changing route
refusing an anonymous caller (401) and a missing CSRF token (403) while changing nothing, the
security headers, the login rate limit, the create-operator command, the remembered client
scope, and logs that never show a secret."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from calstack.testing import Emulator

from flask_app import create_app  # conftest puts examples/ on sys.path
from flask_app.logs import JsonLines, redact
from flask_support import app_config, connect, sign_in

SECRET = "GOCSPX-security-test-secret-77"


@pytest.fixture
def world(client: FlaskClient) -> dict[str, str]:
    """One connected client with one event: ids for every route's placeholders."""
    ids = connect(client, "Acme Ltd", SECRET)
    event = client.post(
        f"/api/clients/{ids['client']}/calendars/primary/events",
        json={"summary": "Board", "start": {"dateTime": "2026-03-02T09:00:00Z"}, "end": {"dateTime": "2026-03-02T10:00:00Z"}},
    ).json
    return {**ids, "event": event["id"]}


def snapshot(client: FlaskClient, ids: dict[str, str]) -> Any:
    """Everything a state-changing route could change."""
    events = client.get(f"/api/clients/{ids['client']}/calendars/primary/events").json
    hours = client.get(f"/api/clients/{ids['client']}/working_hours").json
    return (client.get("/api/clients").json, client.get("/api/oauth").json, events, client.get("/api/me").json["client_scope"],
            hours)


#: Every state-changing route, with a body that would succeed for a signed-in operator.
STATE_CHANGING = [
    ("POST", "/api/clients", {"name": "Other", "email": "other@acme.test"}),
    ("PUT", "/api/clients/{client}", {"name": "Renamed"}),
    ("DELETE", "/api/clients/{client}", None),
    ("POST", "/api/oauth", {"client_id": "{client}", "google_client_id": "2-x.apps.googleusercontent.com",
                            "google_client_secret": "GOCSPX-other"}),
    ("PUT", "/api/oauth/{credential}", {"scopes": ["calendar.readonly"]}),
    ("DELETE", "/api/oauth/{credential}", None),
    ("POST", "/api/oauth/{credential}/authorize", None),
    ("POST", "/api/oauth/{credential}/revoke", None),
    ("POST", "/api/clients/{client}/calendars/primary/events",
     {"summary": "X", "start": {"date": "2026-03-03"}, "end": {"date": "2026-03-04"}}),
    ("PUT", "/api/clients/{client}/calendars/primary/events/{event}",
     {"summary": "Y", "start": {"date": "2026-03-03"}, "end": {"date": "2026-03-04"}}),
    ("PATCH", "/api/clients/{client}/calendars/primary/events/{event}", {"summary": "Z"}),
    ("DELETE", "/api/clients/{client}/calendars/primary/events/{event}", None),
    ("PUT", "/api/me/scope", {"client_id": "{client}"}),
    ("PUT", "/api/clients/{client}/working_hours", {"working_hours": "09:00-17:00", "time_zone": "UTC"}),
    ("POST", "/api/jobs", {"kind": "bulk", "operation": "delete",
                           "query": {"time_min": "2026-03-01T00:00:00Z", "time_max": "2026-03-09T00:00:00Z"}}),
    ("POST", "/logout", None),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "payload"), STATE_CHANGING, ids=[f"{m} {p}" for m, p, _ in STATE_CHANGING])
def test_state_changing_route_refuses_anonymous_callers_and_missing_csrf(
    app: Flask, client: FlaskClient, world: dict[str, str], method: str, path: str, payload: Any
) -> None:
    before = snapshot(client, world)
    url = fill(path, world)
    body = fill(payload, world)

    anonymous = app.test_client()
    token = anonymous.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]
    refused = anonymous.open(url, method=method, json=body, headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert refused.status_code == 401, refused.get_data(as_text=True)
    assert refused.json["error"] == "login_required"

    no_token = client.open(url, method=method, json=body, headers={"X-CSRFToken": ""})
    assert no_token.status_code == 403, no_token.get_data(as_text=True)
    assert no_token.json["error"] == "csrf_failed"
    forged = client.open(url, method=method, json=body, headers={"X-CSRFToken": "forged-token"})
    assert forged.status_code == 403

    assert snapshot(client, world) == before


def test_reading_routes_need_a_signed_in_operator(anonymous: FlaskClient) -> None:
    for path in ("/api/clients", "/api/oauth", "/api/settings", "/api/me", "/api/calendar", "/api/jobs/x",
                 "/api/agenda", "/api/conflicts", "/api/freebusy", "/api/slots", "/api/sync/status", "/api/jobs/x/file",
                 "/metrics"):
        answer = anonymous.get(path)
        assert answer.status_code == 401 and answer.json["error"] == "login_required", path
    page = anonymous.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_login_form_signs_in_and_wrong_passwords_do_not(anonymous: FlaskClient, operator: tuple[str, str]) -> None:
    page = anonymous.get("/login?next=/%23calendar").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    wrong = anonymous.post("/login", data={"username": operator[0], "password": "wrong password!", "csrf_token": token[1]})
    assert wrong.status_code == 401 and b"Wrong username or password" in wrong.data
    assert anonymous.get("/api/me").status_code == 401
    unknown = anonymous.post("/login", data={"username": "nobody", "password": operator[1], "csrf_token": token[1]})
    assert unknown.status_code == 401
    ok = anonymous.post("/login", data={"username": operator[0], "password": operator[1], "csrf_token": token[1]})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert anonymous.get("/api/me").json["username"] == operator[0]
    assert anonymous.get("/").status_code == 200


def test_login_without_csrf_token_is_refused(anonymous: FlaskClient, operator: tuple[str, str]) -> None:
    answer = anonymous.post("/login", data={"username": operator[0], "password": operator[1]})
    assert answer.status_code == 403
    assert anonymous.get("/api/me").status_code == 401


@pytest.mark.parametrize("target", ["//evil.test/x", "/\\evil.test/x", "https://evil.test/", "javascript:alert(1)"])
def test_login_never_redirects_off_site(anonymous: FlaskClient, operator: tuple[str, str], target: str) -> None:
    token = anonymous.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]
    answer = anonymous.post(
        "/login", data={"username": operator[0], "password": operator[1], "csrf_token": token, "next": target}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_login_is_rate_limited(emulator: Emulator, tmp_path: Path) -> None:
    app = create_app(app_config(emulator, f"sqlite://{tmp_path / 'rl.db'}", LOGIN_RATE_LIMIT="3 per minute"))
    client = app.test_client()
    token = client.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]
    statuses = [
        client.post("/login", json={"username": "admin", "password": "guess-number-%d" % i},
                    headers={"X-CSRFToken": token}).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]


def test_pages_send_security_headers_and_secure_cookies(emulator: Emulator, tmp_path: Path) -> None:
    config = app_config(emulator, f"sqlite://{tmp_path / 'h.db'}")
    del config["SESSION_COOKIE_SECURE"]  # the default: secure cookies
    app = create_app(config)
    answer = app.test_client().get("/login")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_pages_load_no_inline_script(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)


def test_create_operator_command_stores_an_argon2_hash(app: Flask, database_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-operator", "bob", "--password-stdin"], input="bobs long password\n")
    assert result.exit_code == 0, result.output
    raw = b"".join(p.read_bytes() for p in database_path.parent.iterdir() if p.name.startswith(database_path.name))
    assert b"bobs long password" not in raw and b"$argon2id$" in raw
    short = runner.invoke(args=["create-operator", "carol", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    taken = runner.invoke(args=["create-operator", "bob", "--password-stdin"], input="another long password\n")
    assert taken.exit_code != 0 and "username" in taken.output
    client = app.test_client()
    token = client.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]
    answer = client.post("/login", json={"username": "bob", "password": "bobs long password"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.json["username"] == "bob"


def test_switch_client_is_remembered_per_operator(app: Flask, client: FlaskClient, operator: tuple[str, str]) -> None:
    acme = client.post("/api/clients", json={"name": "Acme", "email": "a@acme.test"}).json
    assert client.get("/api/me").json["client_scope"] is None
    assert client.put("/api/me/scope", json={"client_id": acme["id"]}).json["client_scope"] == acme["id"]
    assert client.put("/api/me/scope", json={"client_id": "00000000-0000-4000-8000-000000000000"}).status_code == 404
    assert client.put("/api/me/scope", json={"client_id": 5}).status_code == 400

    later = app.test_client()  # a new session of the same operator
    sign_in(later, *operator)
    assert later.get("/api/me").json["client_scope"] == acme["id"]
    assert later.put("/api/me/scope", json={"client_id": None}).json["client_scope"] is None


def test_logs_are_json_lines_without_secrets(app: Flask, client: FlaskClient, operator: tuple[str, str]) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logging.getLogger().addHandler(handler)
    try:
        ids = connect(client, "Acme Ltd", SECRET)
        token = app.extensions["calstack"].oauth.access_token(ids["credential"])
        app.logger.warning("callback with code=4/abc-123&state=xyz-state and Bearer %s", token)
        bad = app.test_client()
        csrf = bad.get("/login", headers={"Accept": "application/json"}).json["csrf_token"]
        bad.post("/login", json={"username": operator[0], "password": "not-the-password-42"}, headers={"X-CSRFToken": csrf})
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]
    assert any(e["message"] == "request" and e["path"] == "/api/oauth/callback" for e in entries)
    text = stream.getvalue()
    for secret in (SECRET, token, "4/abc-123", "xyz-state", operator[1], "not-the-password-42"):
        assert secret not in text


def test_redact_masks_secret_values() -> None:
    line = redact('GET /cb?code=4/x&state=s1 {"google_client_secret": "GOCSPX-abc"} Bearer ya29.tok 1//refresh')
    for secret in ("4/x", "s1", "GOCSPX-abc", "ya29.tok", "1//refresh"):
        assert secret not in line
