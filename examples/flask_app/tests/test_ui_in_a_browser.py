"""The Flask example's web UI driven in headless Chromium (playwright-core): the same workflow
a user clicks through, against a real server and the emulator.

Needs node, Chromium (Debian's ``chromium`` package) and ``npm install`` in ``browser/``
(scripts/test-python does that when node and Chromium are there); skipped otherwise, except
with CI=true, where a missing browser fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

BROWSER = Path(__file__).resolve().parent / "browser"


def test_ui_workflow_in_a_browser(app: Flask, operator: tuple[str, str]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    if not (chromium and node and (BROWSER / "node_modules" / "playwright-core").is_dir()):
        missing = "needs node, chromium and `npm install` in examples/flask_app/tests/browser"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)  # CI installs them (scripts/test-python): never skip there
        pytest.skip(missing)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = subprocess.run(
            [node, "ui.js", f"http://127.0.0.1:{server.port}"],
            cwd=BROWSER,
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "CHROMIUM": chromium, "OPERATOR": operator[0], "PASSWORD": operator[1]},
        )
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"errors": [], "secretShown": False}
