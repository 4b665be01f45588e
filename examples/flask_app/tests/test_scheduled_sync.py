"""Scheduled mirror syncs (``CALSTACK_SYNC_EVERY``): Celery beat runs a ``mirror_sync`` job over
every connected client, so a change made at Google reaches the mirror with no job posted; a
tick while the last scheduled sync still runs is skipped; a bad setting stops the app at start
naming the variable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from calstack.testing import Emulator
from flask_app import ConfigError, create_app
from flask_app.jobs.tasks import scheduled_sync
from flask_support import OPERATOR, PASSWORD, app_config, celery_worker, connect, sign_in, wait_until

CHANGED = {"summary": "Changed at Google", "start": {"dateTime": "2026-06-02T09:00:00Z"},
           "end": {"dateTime": "2026-06-02T10:00:00Z"}}
JUNE = "time_min=2026-06-01T00:00:00Z&time_max=2026-06-08T00:00:00Z&live=false"


def mirrored_titles(client: FlaskClient) -> list[str]:
    """The titles the mirror answers for the June week (read from the mirror, not Google)."""
    return [e["event"]["summary"] for e in client.get(f"/api/agenda?{JUNE}").json["entries"]]


def job_records(app: Flask) -> list[dict[str, Any]]:
    """Every job record this app's Redis prefix holds."""
    redis = app.extensions["redis"]
    pattern = f"{app.config['REDIS_PREFIX']}job:*"
    return [json.loads(redis.get(key)) for key in redis.scan_iter(match=pattern)]


def test_with_beat_running_a_change_at_google_reaches_the_mirror_with_no_job_posted(
    emulator: Emulator, tmp_path: Path
) -> None:
    config = app_config(emulator, f"sqlite://{tmp_path / 'beat.db'}", SYNC_EVERY=1)
    app = create_app(config)
    app.extensions["operators"].create(OPERATOR, PASSWORD)
    client = app.test_client()
    sign_in(client)
    connect(client, "Acme")
    assert mirrored_titles(client) == []  # the first read mirrors the calendar: nothing in June
    emulator.insert_event("acme@example.com", "acme@example.com", CHANGED)  # past the app
    assert mirrored_titles(client) == []  # the mirror does not know yet, and no job is posted
    with celery_worker(config, beat=tmp_path / "beat-schedule"):
        wait_until("the scheduled sync", lambda: mirrored_titles(client) == ["Changed at Google"], timeout=60)
    scheduled = [r for r in job_records(app) if r["operator"] == "scheduler"]
    assert scheduled, job_records(app)
    assert {(r["kind"], r["state"]) for r in scheduled} <= {("mirror_sync", "done"), ("mirror_sync", "running")}
    assert any(r["state"] == "done" and r["failures"] == [] for r in scheduled), scheduled


def test_a_tick_while_the_last_scheduled_sync_runs_is_skipped(app: Flask, client: FlaskClient) -> None:
    connect(client, "Acme")
    lock = f"{app.config['REDIS_PREFIX']}scheduled-sync"
    with app.app_context():
        app.extensions["redis"].set(lock, "1", ex=60)  # a scheduled sync is running elsewhere
        assert scheduled_sync() is None
        assert job_records(app) == []
        app.extensions["redis"].delete(lock)
        job_id = scheduled_sync()  # runs the job here, to the end
    assert job_id is not None
    [record] = job_records(app)
    assert (record["id"], record["kind"], record["state"], record["operator"]) == (
        job_id, "mirror_sync", "done", "scheduler")
    assert record["result"]["calendars"] == 1
    assert not app.extensions["redis"].exists(lock)  # released for the next tick


def test_no_connected_client_makes_no_scheduled_job(app: Flask) -> None:
    with app.app_context():
        assert scheduled_sync() is None
    assert job_records(app) == []


@pytest.mark.parametrize("value", ["-1", "ten", "1.5", "86401", ""])
def test_a_bad_sync_interval_stops_the_app_at_start_naming_the_setting(
    emulator: Emulator, tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(app_config(emulator, f"sqlite://{tmp_path / 'bad.db'}", SYNC_EVERY=value))
    assert "CALSTACK_SYNC_EVERY" in str(refused.value)


def test_the_schedule_follows_the_setting_and_zero_turns_it_off(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALSTACK_SYNC_EVERY", "300")
    every = create_app(app_config(emulator, f"sqlite://{tmp_path / 'a.db'}"))
    [entry] = every.extensions["celery"].conf.beat_schedule.values()
    assert (entry["task"], entry["schedule"]) == ("calstack.scheduled_sync", 300.0)
    monkeypatch.setenv("CALSTACK_SYNC_EVERY", "0")
    off = create_app(app_config(emulator, f"sqlite://{tmp_path / 'b.db'}"))
    assert not off.extensions["celery"].conf.beat_schedule
