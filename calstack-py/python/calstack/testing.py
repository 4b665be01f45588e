"""Test helpers: run the calstack emulator (a local fake of Google Calendar and Google OAuth)
and walk through consent without a browser.

    from calstack.testing import Emulator, consent

    with Emulator.start() as emu:
        stack = calstack.Calstack("sqlite:///test.db", calstack.generate_key(), **emu.endpoints())
        ...
        consent(stack, credential.id)  # the user clicks "Allow"

The emulator binary is found through ``$CALSTACK_EMULATOR_BIN``, else ``calstack-emulator`` on
``PATH`` (build it with ``cargo build -p calstack-emulator``).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import weakref
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from ._calstack import Calstack, OAuthCredential

__all__ = ["Emulator", "EmulatorError", "consent", "follow_consent"]

_BANNER = "calstack-emulator listening on "


class EmulatorError(RuntimeError):
    """The emulator could not be started, or its admin API refused a request."""


class Emulator:
    """A running ``calstack-emulator`` process on 127.0.0.1; stop it with ``stop()`` or a
    ``with`` block."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self._process = process
        self.url = url.rstrip("/")
        # Never leave an emulator behind, even when stop() is forgotten.
        self._finalizer = weakref.finalize(self, _terminate, process)

    @classmethod
    def start(
        cls,
        *args: str,
        binary: Optional[str] = None,
        timeout: float = 30.0,
    ) -> Emulator:
        """Starts the emulator on a free port; ``args`` are extra command-line flags
        (e.g. ``"--strict-clients"``)."""
        path = binary or os.environ.get("CALSTACK_EMULATOR_BIN") or shutil.which("calstack-emulator")
        if not path:
            raise EmulatorError(
                "calstack-emulator not found: set CALSTACK_EMULATOR_BIN or put it on PATH "
                "(cargo build -p calstack-emulator)"
            )
        process = subprocess.Popen(
            [path, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            raise EmulatorError(f"calstack-emulator printed nothing within {timeout}s") from None
        if not first.startswith(_BANNER):
            process.kill()
            raise EmulatorError(f"unexpected first line from calstack-emulator: {first!r}")
        return cls(process, first[len(_BANNER) :].strip())

    def stop(self) -> None:
        """Stops the process."""
        self._finalizer()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Endpoints

    @property
    def api_base(self) -> str:
        """The Calendar v3 base URL (``…/calendar/v3/``)."""
        return f"{self.url}/calendar/v3/"

    @property
    def auth_url(self) -> str:
        """The consent page."""
        return f"{self.url}/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        """The token endpoint."""
        return f"{self.url}/token"

    @property
    def revoke_url(self) -> str:
        """The revocation endpoint."""
        return f"{self.url}/revoke"

    def endpoints(self) -> dict[str, str]:
        """Keyword arguments for ``calstack.Calstack(...)`` pointing it at this emulator."""
        return {
            "google_api_base": self.api_base,
            "google_auth_url": self.auth_url,
            "google_token_url": self.token_url,
            "google_revoke_url": self.revoke_url,
        }

    def environ(self) -> dict[str, str]:
        """The ``CALSTACK_GOOGLE_*`` environment variables pointing at this emulator."""
        return {
            "CALSTACK_GOOGLE_API_BASE": self.api_base,
            "CALSTACK_GOOGLE_AUTH_URL": self.auth_url,
            "CALSTACK_GOOGLE_TOKEN_URL": self.token_url,
            "CALSTACK_GOOGLE_REVOKE_URL": self.revoke_url,
        }

    # Admin API (/__emulator/)

    def admin(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        """Calls the admin API and returns its JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/__emulator/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as e:
            raise EmulatorError(f"{method} {path}: {e.code} {e.read().decode()}") from None
        return json.loads(text) if text else None

    def reset(self) -> None:
        """Forgets every account, calendar, event, grant, fault and counter."""
        self.admin("POST", "reset")

    def seed(
        self,
        account: str,
        count: int,
        calendar_id: Optional[str] = None,
        **options: Any,
    ) -> int:
        """Inserts ``count`` generated events into a calendar (the account's primary one by
        default). Options: ``start`` (RFC 3339), ``spacing_minutes``, ``duration_minutes``,
        ``summary_prefix``."""
        calendar = urllib.parse.quote(calendar_id or account, safe="")
        who = urllib.parse.quote(account, safe="")
        answer = self.admin("POST", f"accounts/{who}/calendars/{calendar}/seed", {"count": count, **options})
        return int(answer["inserted"])

    def set_consent(self, mode: str, scopes: Optional[list[str]] = None) -> None:
        """What the emulated user answers on the consent page: ``"grant"``, ``"deny"`` or
        ``"grant_only"`` (with the scopes ticked)."""
        body: dict[str, Any] = {"mode": mode}
        if scopes is not None:
            body["scopes"] = scopes
        self.admin("PUT", "consent", body)

    def script_fault(self, endpoint: str, kind: str, times: int = 1, **fields: Any) -> None:
        """Fails the next ``times`` calls to ``endpoint`` (``events.list``, ``events.*``,
        ``oauth.token``, ``*``) with a fault ``kind`` (``too_many_requests``,
        ``internal_error``, ``latency``, ...)."""
        self.admin("POST", "faults/script", {"endpoint": endpoint, "fault": {"kind": kind, **fields}, "times": times})

    def clear_faults(self) -> None:
        """Removes every injected fault."""
        self.admin("DELETE", "faults")

    def revoke_account(self, account: str) -> int:
        """Revokes every grant of an account at "Google" (as the user would in their Google
        account settings); the next refresh gets ``invalid_grant``."""
        return int(self.admin("POST", "grants/revoke", {"account": account})["revoked"])

    def expire_access_tokens(self) -> None:
        """Makes every issued access token expire now."""
        self.admin("POST", "access-tokens/expire")

    def expire_sync_tokens(self, calendar_id: Optional[str] = None) -> None:
        """Makes sync tokens (of one calendar, or all) answer 410 Gone."""
        body = {} if calendar_id is None else {"calendar_id": calendar_id}
        self.admin("POST", "sync-tokens/expire", body)

    def counters(self) -> dict[str, int]:
        """Requests received since the last reset, by Google method id (``events.list``,
        ``calendarList.list``, ``events.watch``, ``oauth.token``, ...)."""
        answer = self.admin("GET", "counters")
        return {str(name): int(count) for name, count in answer.items()}

    def reset_counters(self) -> None:
        """Sets every request counter back to zero."""
        self.admin("DELETE", "counters")

    def insert_event(self, account: str, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Inserts ``event`` (Google's JSON shape) into a calendar as ``account`` itself would,
        in Google Calendar, past calstack: the mirror does not see it until a sync, and the
        calendar's watch channels are notified as Google would notify them. Returns the
        inserted event."""
        who = urllib.parse.quote(account, safe="")
        token = self.admin("POST", f"accounts/{who}/token", {})["access_token"]
        calendar = urllib.parse.quote(calendar_id, safe="")
        request = urllib.request.Request(
            f"{self.api_base}calendars/{calendar}/events",
            data=json.dumps(event).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                inserted: dict[str, Any] = json.loads(response.read().decode())
        except urllib.error.HTTPError as e:
            raise EmulatorError(f"events.insert: {e.code} {e.read().decode()}") from None
        return inserted


def _terminate(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def follow_consent(authorize_url: str) -> str:
    """Opens a consent URL as a browser would and returns where it redirects to (the redirect
    URI with ``code`` and ``state``, or ``error``), without following it."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(authorize_url, timeout=30) as response:
            raise EmulatorError(f"consent page answered {response.status} without a redirect")
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307, 308) and e.headers.get("Location"):
            return str(e.headers["Location"])
        raise EmulatorError(f"consent page answered {e.code}: {e.read().decode()}") from None


def consent(stack: Calstack, credential_id: str, **authorize_options: Any) -> OAuthCredential:
    """Runs the whole consent flow for a credential against an emulator: builds the consent
    URL, lets the emulated user answer, and completes the callback."""
    url = stack.oauth.authorize_url(credential_id, **authorize_options)
    location = follow_consent(url)
    query = urllib.parse.urlsplit(location).query
    return stack.oauth.complete_callback(query)
