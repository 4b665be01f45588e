"""The WSGI entry point for gunicorn (``flask_app.wsgi:app``), built from the environment."""

from __future__ import annotations

from . import create_app

app = create_app()
