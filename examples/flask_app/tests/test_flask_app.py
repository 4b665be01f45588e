"""The Flask example through its test client: the whole workflow a user runs (client →
OAuth credentials → consent → calendars → events), and bad input on every route answering a
4xx JSON error while changing nothing."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from calstack.testing import Emulator

SECRET = "GOCSPX-flask-example-secret-42"
GOOGLE_CLIENT_ID = "999-flask.apps.googleusercontent.com"


def create_client(client: FlaskClient, name: str = "Acme Ltd", email: str = "ops@acme.test") -> dict[str, Any]:
    answer = client.post("/api/clients", json={"name": name, "email": email})
    assert answer.status_code == 201, answer.json
    return answer.json


def save_oauth(client: FlaskClient, client_id: str) -> dict[str, Any]:
    answer = client.post(
        "/api/oauth",
        json={"client_id": client_id, "google_client_id": GOOGLE_CLIENT_ID, "google_client_secret": SECRET,
              "scopes": ["calendar"]},
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def authorize(client: FlaskClient, credential_id: str) -> dict[str, Any]:
    url = client.post(f"/api/oauth/{credential_id}/authorize").json["url"]
    redirect = requests.get(url, allow_redirects=False, timeout=30)
    assert redirect.status_code in (302, 303)
    location = urllib.parse.urlsplit(redirect.headers["Location"])
    assert location.path == "/api/oauth/callback"
    answer = client.get(f"{location.path}?{location.query}")
    assert answer.status_code == 200, answer.json
    return answer.json


def connected(client: FlaskClient) -> tuple[str, str]:
    """A client with an authorized credential: (client id, credential id)."""
    c = create_client(client)
    credential = save_oauth(client, c["id"])
    authorize(client, credential["id"])
    return c["id"], credential["id"]


def event_body(summary: str = "Kick-off", start: str = "2026-03-02T09:00:00Z", end: str = "2026-03-02T10:00:00Z",
               **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}, **extra}


def assert_error(answer: Any, status: int, field: str | None = None) -> None:
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    assert answer.is_json, answer.get_data(as_text=True)
    assert answer.json["error"] and answer.json["message"]
    if field is not None:
        assert answer.json["field"] == field, answer.json


# The workflow


def test_seed_workflow_end_to_end(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []

    def record(answer: Any) -> Any:
        seen.append(answer.get_data(as_text=True))
        return answer

    acme = record(client.post("/api/clients", json={"name": "Acme Ltd", "email": "ops@acme.test"})).json
    credential = record(client.post("/api/oauth", json={
        "client_id": acme["id"], "google_client_id": GOOGLE_CLIENT_ID, "google_client_secret": SECRET,
    })).json
    assert credential["is_valid"] is False
    assert credential["redirect_uri"] == "http://localhost/api/oauth/callback"

    authorized = authorize(client, credential["id"])
    assert authorized["is_valid"] is True and authorized["has_refresh_token"] is True
    assert record(client.get(f"/api/oauth/{credential['id']}")).json["is_valid"] is True
    assert record(client.get(f"/api/clients/{acme['id']}")).json["authorized"] is True

    calendars = record(client.get(f"/api/clients/{acme['id']}/calendars")).json
    primary = next(c for c in calendars if c["primary"])
    assert primary["id"] == "user@example.com" and primary["summary"]
    events_url = f"/api/clients/{acme['id']}/calendars/{primary['id']}/events"

    created = record(client.post(events_url, json={
        "summary": "Kick-off", "description": "Agenda", "attendees": [{"email": "ann@acme.test"}],
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        "start": {"dateTime": "2026-03-02T09:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-03-02T10:00:00+01:00", "timeZone": "Europe/Paris"},
    }))
    assert created.status_code == 201, created.json
    event = created.json
    assert event["id"] and event["summary"] == "Kick-off"

    listed = record(client.get(f"{events_url}?time_min=2026-03-01T00:00:00Z&time_max=2026-04-01T00:00:00Z")).json
    assert len(listed) == 3  # the weekly series, expanded
    assert {e["recurringEventId"] for e in listed} == {event["id"]}

    event["summary"] = "Kick-off (v2)"
    updated = record(client.put(f"{events_url}/{event['id']}", json=event, headers={"If-Match": event["etag"]}))
    assert updated.status_code == 200, updated.json
    assert updated.json["summary"] == "Kick-off (v2)"

    stale = client.put(f"{events_url}/{event['id']}", json=event, headers={"If-Match": event["etag"]})
    assert_error(stale, 412)

    assert record(client.delete(f"{events_url}/{event['id']}")).status_code == 204
    assert record(client.get(f"{events_url}?time_min=2026-03-01T00:00:00Z")).json == []

    token = app.extensions["calstack"].oauth.access_token(credential["id"])
    for body in seen:
        assert SECRET not in body and token not in body
        assert '"refresh_token"' not in body and '"access_token"' not in body


def test_ui_and_health_are_served(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and b"calstack" in page.data
    for section in (b'id="dashboard"', b'id="clients"', b'id="events"', b'id="oauth"', b'id="settings"'):
        assert section in page.data
    assert client.get("/static/app.js").status_code == 200
    assert b"function showAlert" in client.get("/static/app.js").data
    health = client.get("/health").json
    assert health["status"] == "ok"
    assert all(health["checks"][name]["ok"] for name in ("database", "redis", "google")), health
    settings = client.get("/api/settings").json
    assert settings["database"] == "sqlite" and "secret" not in str(settings).lower()


def test_clients_crud(client: FlaskClient) -> None:
    acme = create_client(client)
    assert [c["name"] for c in client.get("/api/clients").json] == ["Acme Ltd"]
    changed = client.put(f"/api/clients/{acme['id']}", json={"email": "it@acme.test"}).json
    assert changed["email"] == "it@acme.test" and changed["name"] == "Acme Ltd"
    assert client.delete(f"/api/clients/{acme['id']}").status_code == 204
    assert client.get("/api/clients").json == []


def test_oauth_credentials_crud_never_returns_the_secret(client: FlaskClient) -> None:
    acme = create_client(client)
    credential = save_oauth(client, acme["id"])
    changed = client.put(f"/api/oauth/{credential['id']}", json={"scopes": ["calendar.readonly"],
                                                                "google_client_secret": "GOCSPX-new-secret-1"})
    assert changed.status_code == 200
    assert changed.json["scopes"] == ["https://www.googleapis.com/auth/calendar.readonly"]
    listing = client.get(f"/api/oauth?client_id={acme['id']}")
    assert [c["id"] for c in listing.json] == [credential["id"]]
    for answer in (changed, listing, client.get(f"/api/oauth/{credential['id']}")):
        text = answer.get_data(as_text=True)
        assert SECRET not in text and "GOCSPX-new-secret-1" not in text
    assert client.delete(f"/api/oauth/{credential['id']}").status_code == 204
    assert_error(client.get(f"/api/oauth/{credential['id']}"), 404)


def test_secret_is_not_stored_in_plaintext(client: FlaskClient, database_path: Path) -> None:
    connected(client)
    raw = b"".join(p.read_bytes() for p in database_path.parent.iterdir() if p.name.startswith(database_path.name))
    assert raw and SECRET.encode() not in raw


# Bad input: 4xx JSON, nothing changed


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "email": "ops@acme.test"}, "name"),
        ({"name": "   ", "email": "ops@acme.test"}, "name"),
        ({"name": "Acme", "email": "not-an-email"}, "email"),
        ({"name": "Acme"}, "email"),
        ({"email": "ops@acme.test"}, "name"),
        ({"name": 42, "email": "ops@acme.test"}, "name"),
        (["not", "an", "object"], "body"),
    ],
)
def test_create_client_rejects_bad_input(client: FlaskClient, payload: Any, field: str) -> None:
    assert_error(client.post("/api/clients", json=payload), 400, field)
    assert client.get("/api/clients").json == []


def test_create_client_rejects_non_json_and_duplicates(client: FlaskClient) -> None:
    assert_error(client.post("/api/clients", data="name=Acme", content_type="application/x-www-form-urlencoded"), 400,
                 "body")
    create_client(client)
    duplicate = client.post("/api/clients", json={"name": "Other", "email": "OPS@acme.test"})
    assert duplicate.status_code in (400, 409), duplicate.json
    assert len(client.get("/api/clients").json) == 1


def test_update_client_rejects_bad_input_and_changes_nothing(client: FlaskClient) -> None:
    acme = create_client(client)
    assert_error(client.put(f"/api/clients/{acme['id']}", json={"email": "bad"}), 400, "email")
    assert_error(client.put(f"/api/clients/{acme['id']}", json={"name": ""}), 400, "name")
    assert_error(client.put(f"/api/clients/{acme['id']}", json={"name": ["x"]}), 400, "name")
    assert_error(client.put(f"/api/clients/{acme['id']}", data="x"), 400, "body")
    after = client.get(f"/api/clients/{acme['id']}").json
    assert (after["name"], after["email"]) == ("Acme Ltd", "ops@acme.test")


@pytest.mark.parametrize("client_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
def test_unknown_client_ids_are_404(client: FlaskClient, client_id: str) -> None:
    assert_error(client.get(f"/api/clients/{client_id}"), 404)
    assert_error(client.put(f"/api/clients/{client_id}", json={"name": "x"}), 404)
    assert_error(client.delete(f"/api/clients/{client_id}"), 404)
    assert_error(client.get(f"/api/clients/{client_id}/calendars"), 404)
    assert_error(client.get(f"/api/clients/{client_id}/calendars/primary/events"), 404)
    assert_error(client.post(f"/api/clients/{client_id}/calendars/primary/events", json=event_body()), 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_id": None}, "client_id"),
        ({"google_client_id": None}, "google_client_id"),
        ({"google_client_secret": None}, "google_client_secret"),
        ({"google_client_id": "has spaces"}, "google_client_id"),
        ({"google_client_secret": "   "}, "google_client_secret"),
        ({"redirect_uri": "not a url"}, "redirect_uri"),
        ({"scopes": "calendar"}, "scopes"),
        ({"scopes": [1, 2]}, "scopes"),
    ],
)
def test_create_oauth_rejects_bad_input(client: FlaskClient, change: dict[str, Any], field: str) -> None:
    acme = create_client(client)
    payload = {"client_id": acme["id"], "google_client_id": GOOGLE_CLIENT_ID, "google_client_secret": SECRET,
               **change}
    assert_error(client.post("/api/oauth", json={k: v for k, v in payload.items() if v is not None}), 400, field)
    assert client.get("/api/oauth").json == []


def test_oauth_for_unknown_client_is_404(client: FlaskClient) -> None:
    answer = client.post("/api/oauth", json={"client_id": "00000000-0000-4000-8000-000000000000",
                                             "google_client_id": GOOGLE_CLIENT_ID, "google_client_secret": SECRET})
    assert_error(answer, 404)
    assert client.get("/api/oauth").json == []


def test_update_oauth_rejects_bad_input_and_changes_nothing(client: FlaskClient) -> None:
    credential = save_oauth(client, create_client(client)["id"])
    assert_error(client.put(f"/api/oauth/{credential['id']}", json={"redirect_uri": "nope"}), 400, "redirect_uri")
    assert_error(client.put(f"/api/oauth/{credential['id']}", json={"scopes": [3]}), 400, "scopes")
    assert client.get(f"/api/oauth/{credential['id']}").json == credential


@pytest.mark.parametrize("credential_id", ["00000000-0000-4000-8000-000000000000", "nope"])
def test_unknown_credential_ids_are_404(client: FlaskClient, credential_id: str) -> None:
    assert_error(client.get(f"/api/oauth/{credential_id}"), 404)
    assert_error(client.put(f"/api/oauth/{credential_id}", json={"scopes": ["calendar"]}), 404)
    assert_error(client.delete(f"/api/oauth/{credential_id}"), 404)
    assert_error(client.post(f"/api/oauth/{credential_id}/authorize"), 404)
    assert_error(client.post(f"/api/oauth/{credential_id}/revoke"), 404)
    assert_error(client.get(f"/api/oauth?client_id={credential_id}"), 404)


def test_callback_rejects_forged_missing_and_denied_consent(client: FlaskClient, emulator: Emulator) -> None:
    credential = save_oauth(client, create_client(client)["id"])
    assert_error(client.get("/api/oauth/callback?code=4/abc&state=forged"), 400)
    assert_error(client.get("/api/oauth/callback?code=4/abc"), 400)
    emulator.set_consent("deny")
    url = client.post(f"/api/oauth/{credential['id']}/authorize").json["url"]
    location = urllib.parse.urlsplit(requests.get(url, allow_redirects=False, timeout=30).headers["Location"])
    denied = client.get(f"{location.path}?{location.query}")
    assert_error(denied, 400)
    assert denied.json["code"] == "access_denied"
    assert client.get(f"/api/oauth/{credential['id']}").json["is_valid"] is False


def test_callback_in_a_browser_redirects_to_the_ui(client: FlaskClient) -> None:
    answer = client.get("/api/oauth/callback?code=4/abc&state=forged", headers={"Accept": "text/html"})
    assert answer.status_code == 302
    assert "oauth_error=invalid_state" in answer.headers["Location"]


def test_calendars_without_credentials_is_404(client: FlaskClient) -> None:
    acme = create_client(client)
    assert_error(client.get(f"/api/clients/{acme['id']}/calendars"), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("time_min=yesterday", "time_min"),
        ("time_max=2026-13-45T00:00:00Z", "time_max"),
        ("time_min=2026-03-01T00:00:00", "time_min"),  # no UTC offset
        ("time_min=2026-03-02T00:00:00Z&time_max=2026-03-01T00:00:00Z", "time_max"),
        ("single_events=maybe", "single_events"),
    ],
)
def test_list_events_rejects_bad_dates(client: FlaskClient, query: str, field: str) -> None:
    client_id, _ = connected(client)
    assert_error(client.get(f"/api/clients/{client_id}/calendars/primary/events?{query}"), 400, field)


@pytest.mark.parametrize(
    ("event", "field_prefix"),
    [
        (event_body(start="2026-03-02T10:00:00Z", end="2026-03-02T09:00:00Z"), "end"),
        (event_body(start="not a date"), "event.start"),
        (event_body(attendees=[{"email": "not-an-email"}]), "attendees"),
        ({"summary": 5, "start": {"date": "2026-03-02"}, "end": {"date": "2026-03-03"}}, "event.summary"),
        (["an", "array"], "body"),
    ],
)
def test_create_event_rejects_bad_input_and_creates_nothing(
    client: FlaskClient, event: Any, field_prefix: str
) -> None:
    client_id, _ = connected(client)
    url = f"/api/clients/{client_id}/calendars/primary/events"
    answer = client.post(url, json=event)
    assert_error(answer, 400)
    assert answer.json["field"].startswith(field_prefix), answer.json
    assert client.get(url).json == []


def test_update_and_delete_unknown_events_are_404(client: FlaskClient) -> None:
    client_id, _ = connected(client)
    url = f"/api/clients/{client_id}/calendars/primary/events"
    assert_error(client.put(f"{url}/nosuchevent", json=event_body()), 404)
    assert_error(client.delete(f"{url}/nosuchevent"), 404)
    assert_error(client.get(f"/api/clients/{client_id}/calendars/nobody@nowhere.test/events"), 404)


def test_update_event_rejects_bad_input_and_changes_nothing(client: FlaskClient) -> None:
    client_id, _ = connected(client)
    url = f"/api/clients/{client_id}/calendars/primary/events"
    created = client.post(url, json=event_body()).json
    bad = {**created, "end": {"dateTime": "2026-03-01T00:00:00Z"}}
    assert_error(client.put(f"{url}/{created['id']}", json=bad), 400, "end")
    assert_error(client.put(f"{url}/{created['id']}", data="x"), 400, "body")
    [after] = client.get(url).json
    assert after["end"] == created["end"] and after["etag"] == created["etag"]


def test_revoked_access_answers_401_with_a_hint(client: FlaskClient) -> None:
    client_id, credential_id = connected(client)
    assert client.post(f"/api/oauth/{credential_id}/revoke").json["is_valid"] is False
    answer = client.get(f"/api/clients/{client_id}/calendars")
    assert_error(answer, 401)
    assert answer.json["credential_id"] == credential_id
    assert f"/api/oauth/{credential_id}/authorize" in answer.json["hint"]


def test_unknown_routes_and_methods_answer_json(client: FlaskClient) -> None:
    assert_error(client.get("/api/nope"), 404)
    assert_error(client.patch("/api/clients"), 405)


def test_every_element_the_ui_script_uses_exists_in_the_page() -> None:
    import re

    static = Path(__file__).resolve().parents[1] / "static"
    page = (static.parent / "templates" / "index.html").read_text()
    script = "".join((static / name).read_text() for name in ("app.js", "calendar.js", "jobs.js"))
    ids = set(re.findall(r'getElementById\("([\w-]+)"\)', script))
    assert ids, "the script looks elements up by id"
    missing = sorted(i for i in ids if f'id="{i}"' not in page)
    assert missing == []
    for modal in ("client-modal", "credential-modal", "event-modal", "confirm-modal"):
        assert f'<dialog id="{modal}">' in page
    for field in ("summary", "description", "start", "end", "attendees", "recurrence"):
        assert f'name="{field}"' in page
