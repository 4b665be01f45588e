"""gunicorn settings for the calstack Flask app in production (see docs/flask.md).

    gunicorn -c examples/flask_app/gunicorn_conf.py

Several worker processes share one PostgreSQL database (``CALSTACK_DATABASE_URL``): calstack
keeps token refreshes single-flight across processes through the store, sessions are signed
cookies (one ``CALSTACK_SECRET_KEY`` for all workers), and the login rate limit and the job
queue live in Redis.

The app is built once, in the master, before the workers are forked (``preload_app``): the
database is migrated and the operators table created once, a broken configuration stops the
server at startup instead of in every worker, and the workers share the loaded code. That is
safe because a ``calstack.Calstack`` survives a fork (its first call in a worker opens the
worker's own connections and runtime), redis-py reopens its pools in a new process, and
``post_fork`` drops the operators table's SQLAlchemy connections inherited from the master.
``CALSTACK_PRELOAD=0`` builds one app per worker instead. Settings come from the environment:

    CALSTACK_BIND            address to listen on (default 127.0.0.1:8000)
    CALSTACK_WORKERS         worker processes (default 2 x cores + 1, at most 8)
    CALSTACK_THREADS         threads per worker (default 4)
    CALSTACK_PRELOAD         build the app in the master before forking (default 1)
    CALSTACK_FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-Proto (default 127.0.0.1)
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

EXAMPLES = str(Path(__file__).resolve().parent.parent)  # the folder holding flask_app/
if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)

pythonpath = EXAMPLES
wsgi_app = "flask_app.wsgi:app"
bind = os.environ.get("CALSTACK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CALSTACK_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
worker_class = "gthread"
threads = int(os.environ.get("CALSTACK_THREADS", "4"))
preload_app = os.environ.get("CALSTACK_PRELOAD", "1") != "0"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("CALSTACK_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs: the app writes one JSON line per request, so gunicorn's access log stays off; gunicorn's
# own messages go through the same JSON-lines formatter (secrets redacted).
accesslog = None
errorlog = "-"
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "flask_app.logs.JsonLines"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Without preloading: creates the app's own table once, before the workers start and
    race to do it (with preloading, building the app in the master did it)."""
    if preload_app:
        return
    from flask_app.operators import Operators

    operators = Operators(os.environ.get("CALSTACK_DATABASE_URL", "sqlite://calstack-flask.db"))
    operators.prepare()
    operators.engine.dispose()  # no connection crosses the fork


def post_fork(server: Any, worker: Any) -> None:
    """In a new worker of a preloaded app: forget the master's SQLAlchemy connections (they
    stay the master's to close) so that the worker opens its own."""
    if preload_app:
        from flask_app.wsgi import app

        app.extensions["operators"].engine.dispose(close=False)
