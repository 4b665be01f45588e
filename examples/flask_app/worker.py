"""The Celery worker's entry point: ``celery --workdir examples -A flask_app.worker:celery worker``.
Builds the app from the environment (the same ``CALSTACK_*`` variables as the web app)."""

from __future__ import annotations

from . import create_app

app = create_app()
celery = app.extensions["celery"]
