"""The calstack Flask example: the clients / OAuth / calendars REST API (and a small web UI)
built on the ``calstack`` Python module.

Run it (from the repository root)::

    export CALSTACK_DATABASE_URL=sqlite://calstack-flask.db      # default
    export CALSTACK_ENCRYPTION_KEY=$(python -c 'import calstack; print(calstack.generate_key())')
    flask --app examples/flask_app run

Point it at the emulator instead of Google with ``CALSTACK_GOOGLE_API_BASE``,
``CALSTACK_GOOGLE_AUTH_URL``, ``CALSTACK_GOOGLE_TOKEN_URL`` and ``CALSTACK_GOOGLE_REVOKE_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import calstack
from flask import Flask

from .api import api
from .errors import register_error_handlers

#: Environment variables read at startup, and the config keys they set.
ENVIRONMENT = {
    "CALSTACK_DATABASE_URL": "DATABASE_URL",
    "CALSTACK_ENCRYPTION_KEY": "ENCRYPTION_KEY",
    "CALSTACK_GOOGLE_API_BASE": "GOOGLE_API_BASE",
    "CALSTACK_GOOGLE_AUTH_URL": "GOOGLE_AUTH_URL",
    "CALSTACK_GOOGLE_TOKEN_URL": "GOOGLE_TOKEN_URL",
    "CALSTACK_GOOGLE_REVOKE_URL": "GOOGLE_REVOKE_URL",
}


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
    )
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    if test_config:
        app.config.update(test_config)
    if not app.config["ENCRYPTION_KEY"]:
        app.config["ENCRYPTION_KEY"] = _instance_key(Path(app.instance_path))

    app.extensions["calstack"] = calstack.Calstack(
        app.config["DATABASE_URL"],
        app.config["ENCRYPTION_KEY"],
        google_api_base=app.config["GOOGLE_API_BASE"],
        google_auth_url=app.config["GOOGLE_AUTH_URL"],
        google_token_url=app.config["GOOGLE_TOKEN_URL"],
        google_revoke_url=app.config["GOOGLE_REVOKE_URL"],
    )
    app.register_blueprint(api)
    register_error_handlers(app)

    @app.get("/")
    def index() -> Any:
        return app.send_static_file("index.html")

    return app


def _instance_key(folder: Path) -> str:
    """The key kept in ``folder/encryption.key``, created (mode 0600) on first use."""
    path = folder / "encryption.key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = calstack.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key
