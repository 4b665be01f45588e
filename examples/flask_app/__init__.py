"""The calstack Flask example: an operator's web app over many clients' calendars (a stacked
calendar view, switch client, background jobs) and the clients / OAuth / calendars REST API,
built on the ``calstack`` Python module. See docs/flask.md.

Run it (from the repository root)::

    export CALSTACK_DATABASE_URL=sqlite://calstack-flask.db      # default
    export CALSTACK_ENCRYPTION_KEY=$(python -c 'import calstack; print(calstack.generate_key())')
    (cd examples/flask_app && npm ci)                             # FullCalendar
    flask --app examples/flask_app create-operator admin --password-stdin <<< 'a long password'
    CALSTACK_INSECURE_COOKIES=1 flask --app examples/flask_app run  # plain http on localhost
    celery --workdir examples -A flask_app.worker:celery worker --pool threads   # background jobs

Point it at the emulator instead of Google with ``CALSTACK_GOOGLE_API_BASE``,
``CALSTACK_GOOGLE_AUTH_URL``, ``CALSTACK_GOOGLE_TOKEN_URL`` and ``CALSTACK_GOOGLE_REVOKE_URL``.
Set ``CALSTACK_PUSH_ADDRESS`` (the public https URL of ``/api/notifications``) and mirror sync
jobs watch every calendar they sync, so Google's notifications reach the app.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from pathlib import Path
from typing import Any, Optional

import calstack
from argon2 import PasswordHasher
from flask import Flask, render_template
from werkzeug.middleware.proxy_fix import ProxyFix

from . import calendar_view, jobs, metrics, mirror
from .api import api
from .cli import register_commands
from .errors import register_error_handlers
from .health import health
from .logs import init_logging
from .operators import Operators
from .security import init_security

#: Environment variables read at startup, and the config keys they set.
ENVIRONMENT = {
    "CALSTACK_DATABASE_URL": "DATABASE_URL",
    "CALSTACK_ENCRYPTION_KEY": "ENCRYPTION_KEY",
    "CALSTACK_GOOGLE_API_BASE": "GOOGLE_API_BASE",
    "CALSTACK_GOOGLE_AUTH_URL": "GOOGLE_AUTH_URL",
    "CALSTACK_GOOGLE_TOKEN_URL": "GOOGLE_TOKEN_URL",
    "CALSTACK_GOOGLE_REVOKE_URL": "GOOGLE_REVOKE_URL",
    "CALSTACK_SECRET_KEY": "SECRET_KEY",
    "CALSTACK_REDIS_URL": "REDIS_URL",
    "CALSTACK_REDIS_PREFIX": "REDIS_PREFIX",
    "CALSTACK_CELERY_QUEUE": "CELERY_QUEUE",
    "CALSTACK_LOGIN_RATE_LIMIT": "LOGIN_RATE_LIMIT",
    "CALSTACK_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "CALSTACK_PROXY_HOPS": "PROXY_HOPS",
    "CALSTACK_METRICS_TOKEN": "METRICS_TOKEN",
    "CALSTACK_PUSH_ADDRESS": "PUSH_ADDRESS",
    "CALSTACK_SYNC_EVERY": "SYNC_EVERY",
}

#: The route Google's push notifications must reach (see ``mirror.py``).
NOTIFICATION_ROUTE = "/api/notifications"


class ConfigError(ValueError):
    """A setting the app cannot start with; the message names the environment variable."""


def create_app(test_config: Optional[dict[str, Any]] = None) -> Flask:
    """Builds the app. Settings come from the environment (see ``ENVIRONMENT``), then from
    ``test_config``. Without an encryption key, one is generated once and kept in the
    instance folder (``instance/encryption.key``, mode 0600)."""
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(
        DATABASE_URL="sqlite://calstack-flask.db",
        ENCRYPTION_KEY=None,
        GOOGLE_API_BASE=None,
        GOOGLE_AUTH_URL=None,
        GOOGLE_TOKEN_URL=None,
        GOOGLE_REVOKE_URL=None,
        DEFAULT_SCOPES=["calendar"],
        JSON_SORT_KEYS=False,
        SECRET_KEY=None,
        REDIS_URL="redis://127.0.0.1:6379/0",
        REDIS_PREFIX="calstack:",
        CELERY_QUEUE="calstack",
        LOGIN_RATE_LIMIT="10 per minute;100 per day",
        RATELIMIT_STORAGE_URI=None,
        RATELIMIT_KEY_PREFIX="calstack-login",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,  # Redis down: each worker counts alone
        SESSION_COOKIE_SECURE=os.environ.get("CALSTACK_INSECURE_COOKIES") != "1",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        PROXY_HOPS=0,
        METRICS_TOKEN=None,
        PUSH_ADDRESS=None,  # the public URL of POST /api/notifications: mirror syncs open channels
        SYNC_EVERY=60,  # seconds between scheduled mirror syncs (Celery beat); 0: no schedule
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,  # a 10 MiB .ics as JSON fits; larger bodies are 413
    )
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    if test_config:
        app.config.update(test_config)
    if not app.config["ENCRYPTION_KEY"]:
        app.config["ENCRYPTION_KEY"] = _instance_key(Path(app.instance_path))
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_key(Path(app.instance_path), "session.key")
    if app.config["PUSH_ADDRESS"]:
        app.config["PUSH_ADDRESS"] = _push_address(str(app.config["PUSH_ADDRESS"]))
    app.config["SYNC_EVERY"] = _sync_every(app.config["SYNC_EVERY"])
    if not app.config["RATELIMIT_STORAGE_URI"]:  # shared by every worker process
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    init_logging(app)
    hops = int(app.config["PROXY_HOPS"] or 0)
    if hops:  # behind that many reverse proxies: trust their X-Forwarded-* headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    app.extensions["calstack"] = calstack.Calstack(
        app.config["DATABASE_URL"],
        app.config["ENCRYPTION_KEY"],
        google_api_base=app.config["GOOGLE_API_BASE"],
        google_auth_url=app.config["GOOGLE_AUTH_URL"],
        google_token_url=app.config["GOOGLE_TOKEN_URL"],
        google_revoke_url=app.config["GOOGLE_REVOKE_URL"],
    )
    argon2 = app.config.get("ARGON2_PARAMETERS")  # e.g. cheaper hashing in tests
    operators = Operators(app.config["DATABASE_URL"], PasswordHasher(**argon2) if argon2 else None)
    operators.prepare()
    app.extensions["operators"] = operators
    init_security(app)
    app.register_blueprint(api)
    app.register_blueprint(health)
    calendar_view.register(app)
    jobs.register(app)
    mirror.register(app)
    metrics.register(app)
    register_error_handlers(app)
    register_commands(app)

    @app.get("/")
    def index() -> Any:
        return render_template("index.html")

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return "", 204

    return app


def _push_address(text: str) -> str:
    """``CALSTACK_PUSH_ADDRESS`` checked by the library (https, or http on a loopback host; no
    user name, password or fragment) and pointing at this app's notification route; or
    ``ConfigError`` saying what is wrong."""
    try:
        address = calstack.validate_push_address(text)
    except calstack.ValidationError as e:
        raise ConfigError(f"CALSTACK_PUSH_ADDRESS is refused: {e.reason}") from None
    if not urllib.parse.urlsplit(address).path.endswith(NOTIFICATION_ROUTE):
        raise ConfigError(
            f"CALSTACK_PUSH_ADDRESS must be the public URL of this app's {NOTIFICATION_ROUTE} route, "
            f"e.g. https://calendar.example.com{NOTIFICATION_ROUTE}"
        )
    return address


#: The longest interval ``CALSTACK_SYNC_EVERY`` takes (a day).
MAX_SYNC_EVERY = 86_400


def _sync_every(value: Any) -> int:
    """``CALSTACK_SYNC_EVERY``: whole seconds between scheduled mirror syncs, 0 for none; or
    ``ConfigError`` saying what is wrong."""
    text = str(value).strip()
    if not text.isdigit() or int(text) > MAX_SYNC_EVERY:
        raise ConfigError(
            f"CALSTACK_SYNC_EVERY must be a whole number of seconds from 1 to {MAX_SYNC_EVERY} "
            f"(0 turns the schedule off), not {text[:40]!r}"
        )
    return int(text)


def _instance_key(folder: Path, name: str = "encryption.key") -> str:
    """The key kept in ``folder/name``, created (mode 0600) on first use; when several
    processes start at once, the first one's key wins."""
    path = folder / name
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = calstack.generate_key()
    draft = folder / f".{name}.{os.getpid()}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    try:
        os.link(draft, path)  # atomic: fails if another process got there first
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
