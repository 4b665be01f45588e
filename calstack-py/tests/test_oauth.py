"""stack.oauth against the emulator: the whole consent dance without a browser, refusals,
revocation, and that no secret ever leaks into a repr, a dict or the database file."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
import requests

import calstack
from calstack.testing import Emulator, consent

from calstack_fixtures import ACCOUNT, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, REDIRECT_URI, Authorized, register


def test_full_consent_dance_without_a_browser(stack: calstack.Calstack) -> None:
    client = stack.clients.create("Acme Ltd", "ops@acme.test")
    credential = register(stack, client)
    assert not credential.is_valid and not credential.has_refresh_token

    url = stack.oauth.authorize_url(credential.id)
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert params["access_type"] == ["offline"]
    assert params["code_challenge_method"] == ["S256"]
    assert params["login_hint"] == [ACCOUNT]

    # The emulated user consents; the "browser" is sent back to the redirect URI.
    answer = requests.get(url, allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303)
    location = urllib.parse.urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    callback = urllib.parse.parse_qs(location.query)

    done = stack.oauth.complete(code=callback["code"][0], state=callback["state"][0])
    assert done.id == credential.id
    assert done.is_valid and done.has_refresh_token
    assert "https://www.googleapis.com/auth/calendar" in done.granted_scopes
    assert done.expires_at is not None
    assert stack.oauth.get(credential.id).is_valid

    # The same callback cannot be replayed.
    with pytest.raises(calstack.AuthorizationError) as err:
        stack.oauth.complete(code=callback["code"][0], state=callback["state"][0])
    assert err.value.code == "invalid_state"


def test_denied_consent_raises_access_denied_and_leaves_the_credential_unauthorized(
    stack: calstack.Calstack, emulator: Emulator
) -> None:
    client = stack.clients.create("Acme Ltd", "ops@acme.test")
    credential = register(stack, client)
    emulator.set_consent("deny")
    with pytest.raises(calstack.AuthorizationError) as err:
        consent(stack, credential.id)
    assert err.value.code == "access_denied"
    assert not stack.oauth.get(credential.id).is_valid


def test_unknown_state_is_refused(stack: calstack.Calstack) -> None:
    with pytest.raises(calstack.AuthorizationError) as err:
        stack.oauth.complete(code="4/abc", state="forged")
    assert err.value.code == "invalid_state"
    with pytest.raises(calstack.AuthorizationError):
        stack.oauth.complete_callback({"code": "4/abc", "state": "forged"})


def test_register_validates_and_names_the_field(stack: calstack.Calstack) -> None:
    client = stack.clients.create("Acme Ltd", "ops@acme.test")
    with pytest.raises(calstack.ValidationError) as err:
        stack.oauth.register(client.id, google_client_id="has spaces", google_client_secret=GOOGLE_CLIENT_SECRET,
                             scopes=["calendar"], redirect_uri=REDIRECT_URI)
    assert err.value.field == "google_client_id"
    with pytest.raises(calstack.ValidationError) as err:
        stack.oauth.register(client.id, google_client_id=GOOGLE_CLIENT_ID, google_client_secret=GOOGLE_CLIENT_SECRET,
                             scopes=["calendar"], redirect_uri="not a url")
    assert err.value.field == "redirect_uri"
    with pytest.raises(calstack.ValidationError) as err:
        stack.oauth.register(client.id, google_client_id=GOOGLE_CLIENT_ID, google_client_secret="  ",
                             scopes=["calendar"], redirect_uri=REDIRECT_URI)
    assert err.value.field == "google_client_secret"
    with pytest.raises(calstack.NotFoundError):
        stack.oauth.register("00000000-0000-4000-8000-000000000000", google_client_id=GOOGLE_CLIENT_ID,
                             google_client_secret=GOOGLE_CLIENT_SECRET, scopes=["calendar"],
                             redirect_uri=REDIRECT_URI)
    assert stack.oauth.list() == []


def test_list_update_delete_credentials(stack: calstack.Calstack) -> None:
    acme = stack.clients.create("Acme Ltd", "ops@acme.test")
    beta = stack.clients.create("Beta", "it@beta.test")
    a = register(stack, acme)
    b = register(stack, beta, account="it@beta.test")
    assert {c.id for c in stack.oauth.list()} == {a.id, b.id}
    assert [c.id for c in stack.oauth.list(client_id=beta.id)] == [b.id]
    gamma = stack.clients.create("Gamma", "it@gamma.test")
    assert stack.oauth.list(client_id=gamma.id) == []  # a known client with none yet
    with pytest.raises(calstack.NotFoundError):
        stack.oauth.list(client_id="00000000-0000-4000-8000-000000000000")

    changed = stack.oauth.update(a.id, scopes=["calendar.readonly"], redirect_uri="https://app.acme.test/cb")
    assert changed.scopes == ["https://www.googleapis.com/auth/calendar.readonly"]
    assert changed.redirect_uri == "https://app.acme.test/cb"

    stack.oauth.delete(a.id)
    with pytest.raises(calstack.NotFoundError):
        stack.oauth.get(a.id)


def test_revoke_invalidates_the_credential(authorized: Authorized) -> None:
    stack = authorized.stack
    stack.oauth.revoke(authorized.credential.id)
    after = stack.oauth.get(authorized.credential.id)
    assert not after.is_valid and not after.has_refresh_token
    with pytest.raises(calstack.ReauthorizationRequired) as err:
        stack.calendar(authorized.client.id)
    assert err.value.credential_id == authorized.credential.id


def test_grant_revoked_at_google_requires_reauthorization(authorized: Authorized, emulator: Emulator) -> None:
    calendar = authorized.calendar
    emulator.revoke_account(authorized.account)
    emulator.expire_access_tokens()
    with pytest.raises(calstack.ReauthorizationRequired):
        calendar.list_calendars()
    credential = authorized.stack.oauth.get(authorized.credential.id)
    assert not credential.is_valid
    assert credential.last_error


def test_access_token_is_refreshed_when_expired(authorized: Authorized, emulator: Emulator) -> None:
    first = authorized.stack.oauth.access_token(authorized.credential.id)
    assert first
    emulator.expire_access_tokens()
    # calls keep working: the manager refreshes on 401 / expiry
    assert authorized.calendar.list_calendars()


def test_secrets_never_appear_in_reprs_dicts_or_the_database_file(
    authorized: Authorized, database_path: Path
) -> None:
    stack = authorized.stack
    token = stack.oauth.access_token(authorized.credential.id)
    credential = stack.oauth.get(authorized.credential.id)
    shown = " ".join([repr(credential), str(credential.to_dict()), repr(stack), repr(authorized.calendar)])
    assert GOOGLE_CLIENT_SECRET not in shown
    assert token not in shown
    for attribute in dir(credential):
        if not attribute.startswith("_"):
            value = getattr(credential, attribute)
            assert GOOGLE_CLIENT_SECRET not in str(value)
            assert token not in str(value)

    files = [p for p in database_path.parent.iterdir() if p.name.startswith(database_path.name)]
    raw = b"".join(p.read_bytes() for p in files)
    assert raw, "the database file exists"
    assert GOOGLE_CLIENT_SECRET.encode() not in raw
    assert token.encode() not in raw
