"""The Flask example's web UI driven in headless Chromium (playwright-core): the same workflow
a user clicks through, against a real server and the emulator.

Needs node, Chromium (Debian's ``chromium`` package) and ``npm install`` in ``browser/``
(scripts/test-python does that when node and Chromium are there); skipped otherwise, except
with CI=true, where a missing browser fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess

from flask import Flask

from flask_support import BROWSER, browser_tools, serve


def test_ui_workflow_in_a_browser(app: Flask, operator: tuple[str, str]) -> None:
    chromium, node = browser_tools()
    with serve(app) as base:
        run = subprocess.run(
            [node, "ui.js", base],
            cwd=BROWSER,
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "CHROMIUM": chromium, "OPERATOR": operator[0], "PASSWORD": operator[1]},
        )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert (result["errors"], result["secretShown"]) == ([], False)
    hours, zone = result["hours"]
    assert (hours.split("; ")[0], hours.count(";"), zone) == ("mon 09:00-17:00", 4, "Europe/Zurich")
