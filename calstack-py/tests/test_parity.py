"""The rest of the library, from Python, against the emulator: calendars and the calendar list,
quick add, move, instances, import, push channels, colours, free/busy; choosing a client's
Google account; key rotation; retry and throttle settings; the request counters. Every refusal
names the field and sends nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import calstack
from calstack.testing import Emulator, consent

from calstack_fixtures import Authorized, register

UTC = dt.timezone.utc


def at(hour: int, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def sent(emulator: Emulator) -> dict[str, int]:
    """Requests the emulator received per endpoint (OAuth endpoints left out)."""
    counters = emulator.admin("GET", "counters")
    return {k: v for k, v in counters.items() if not k.startswith("oauth")}


def test_a_secondary_calendar_is_created_read_changed_and_deleted(authorized: Authorized) -> None:
    cal = authorized.calendar
    created = cal.create_calendar("Projects", description="Team work", time_zone="Europe/Paris")
    assert isinstance(created, calstack.CalendarResource)
    assert created.id and created.summary == "Projects" and created.time_zone == "Europe/Paris"
    assert created.id in [e.id for e in cal.list_calendars()]

    patched = cal.patch_calendar(created.id, {"location": "Paris"})
    assert patched.location == "Paris" and patched.summary == "Projects"
    fetched = cal.get_calendar(created.id)
    assert fetched.to_dict()["location"] == "Paris"
    replaced = cal.update_calendar(created.id, {"summary": "Projects 2026", "timeZone": "UTC"})
    assert replaced.summary == "Projects 2026"

    cal.delete_calendar(created.id)
    with pytest.raises(calstack.NotFoundError):
        cal.get_calendar(created.id)


def test_clearing_the_primary_calendar_deletes_its_events(authorized: Authorized, emulator: Emulator) -> None:
    emulator.seed(authorized.account, 5)
    cal = authorized.calendar
    assert len(cal.list_events("primary")) == 5
    cal.clear_calendar("primary")
    assert cal.list_events("primary") == []


def test_the_calendar_list_entries_are_removed_added_and_changed(authorized: Authorized) -> None:
    cal = authorized.calendar
    other = cal.create_calendar("Shared")
    assert other.id
    cal.delete_calendar_list_entry(other.id)
    assert other.id not in [e.id for e in cal.list_calendars()]
    added = cal.insert_calendar_list_entry(other.id)
    assert added.id == other.id
    changed = cal.update_calendar_list_entry(other.id, {"id": other.id, "summaryOverride": "Mine", "colorId": "3"})
    assert changed.summary_override == "Mine" and changed.color_id == "3"


def test_quick_add_move_import_and_instances(authorized: Authorized) -> None:
    cal = authorized.calendar
    quick = cal.quick_add("primary", "Lunch with Ana")
    assert quick.id and quick.summary

    target = cal.create_calendar("Archive")
    assert target.id
    moved = cal.move_event("primary", quick.id, target.id)
    assert moved.id == quick.id
    assert [e.id for e in cal.list_events(target.id)] == [quick.id]
    assert cal.list_events("primary") == []

    imported = cal.import_event("primary", {
        "iCalUID": "imported-1@acme.test",
        "summary": "Imported",
        "start": {"dateTime": "2026-03-02T09:00:00Z"},
        "end": {"dateTime": "2026-03-02T10:00:00Z"},
    })
    assert imported.i_cal_uid == "imported-1@acme.test"

    paris = ZoneInfo("Europe/Paris")
    weekly = cal.create_event("primary", calstack.Event(
        summary="Weekly", start=at(9).astimezone(paris), end=at(10).astimezone(paris),
        recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"]))
    assert weekly.id
    instances = cal.instances("primary", weekly.id)
    assert len(instances) == 4
    assert all(i.recurring_event_id == weekly.id for i in instances)
    first_two = cal.instances("primary", weekly.id, time_min=at(0), time_max=at(0, day=12))
    assert len(first_two) == 2


def test_watching_events_opens_a_channel_that_can_be_stopped(authorized: Authorized) -> None:
    cal = authorized.calendar
    channel = cal.watch_events("primary", "chan-1", "https://app.example.com/hooks/calendar", token="t0ps3cret")
    assert isinstance(channel, calstack.Channel)
    assert channel.id == "chan-1" and channel.resource_id
    assert "t0ps3cret" not in repr(channel)
    cal.stop_channel(channel)
    with pytest.raises(calstack.NotFoundError):
        cal.stop_channel(channel)  # already stopped
    second = cal.watch_events("primary", "chan-2", "http://127.0.0.1:5000/hooks/calendar")
    cal.stop_channel({"id": "chan-2", "resourceId": second.resource_id})


def test_colors_and_free_busy(authorized: Authorized) -> None:
    cal = authorized.calendar
    colors = cal.colors()
    assert colors.event and all("background" in c for c in colors.event.values())
    assert colors.calendar

    cal.create_event("primary", {"summary": "Busy", "start": {"dateTime": "2026-03-02T09:00:00Z"},
                                 "end": {"dateTime": "2026-03-02T10:00:00Z"}})
    answer = cal.free_busy(["primary"], at(0), at(23))
    assert isinstance(answer, calstack.FreeBusy)
    assert answer.busy["primary"] == [(at(9), at(10))]
    assert answer.errors == {}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda cal: cal.create_calendar("   "), "summary"),
        (lambda cal: cal.create_calendar("X", time_zone="Mars/Olympus"), "timeZone"),
        (lambda cal: cal.quick_add("primary", "  "), "text"),
        (lambda cal: cal.watch_events("primary", "chan 1", "https://a.test/"), "id"),
        (lambda cal: cal.watch_events("primary", "chan-1", "http://a.test/"), "address"),
        (lambda cal: cal.import_event("primary", {"summary": "no uid"}), "iCalUID"),
        (lambda cal: cal.free_busy(["primary"], at(10), at(9)), "timeMax"),
        (lambda cal: cal.free_busy(["primary"], dt.datetime(2026, 3, 2), at(9)), "time_min"),
        (lambda cal: cal.instances("primary", "e1", time_min=at(10), time_max=at(9)), "time_max"),
        (lambda cal: cal.instances("primary", "e1", time_min=at(10), time_max=at(10)), "time_max"),
        (lambda cal: cal.list_events("primary", time_min=at(10), time_max=at(10)), "time_max"),
        (lambda cal: cal.iter_events("primary", time_min=at(10), time_max=at(9)), "time_max"),
        (lambda cal: cal.move_event("primary", "e1", "x", send_updates="some"), "send_updates"),
        (lambda cal: cal.insert_calendar_list_entry({"summaryOverride": "no id"}), "id"),
        (lambda cal: cal.update_calendar("c", {"summary": 3}), "calendar.summary"),
    ],
)
def test_refused_input_names_the_field_and_sends_nothing(
    authorized: Authorized, emulator: Emulator, call: object, field: str
) -> None:
    cal = authorized.calendar
    emulator.admin("DELETE", "counters")
    with pytest.raises(calstack.ValidationError) as refused:
        call(cal)  # type: ignore[operator]
    assert refused.value.field == field
    assert sent(emulator) == {}


def test_a_client_with_two_google_accounts_must_choose_one(stack: calstack.Calstack) -> None:
    client = stack.clients.create("Acme Ltd", "ops@acme.test")
    consent(stack, register(stack, client, account="ann@acme.test").id)
    bob = consent(stack, register(stack, client, account="bob@acme.test").id)
    with pytest.raises(calstack.ValidationError) as ambiguous:
        stack.calendar(client.id)
    assert ambiguous.value.field == "account"
    assert "ann@acme.test" in str(ambiguous.value) and "bob@acme.test" in str(ambiguous.value)

    as_bob = stack.calendar(client, account="Bob@acme.test")
    assert as_bob.credential_id == bob.id
    assert [e.id for e in as_bob.list_calendars() if e.primary] == ["bob@acme.test"]
    with pytest.raises(calstack.NotFoundError, match="ann@acme.test"):
        stack.calendar(client, account="eve@acme.test")


def test_rotating_keys_lets_the_old_key_go(emulator: Emulator, database_path, key: str) -> None:
    url = f"sqlite://{database_path}"
    old = calstack.Calstack(url, key, **emulator.endpoints())
    client = old.clients.create("Acme Ltd", "ops@acme.test")
    credential = consent(old, register(old, client).id)

    new_key = calstack.generate_key()
    both = calstack.Calstack(url, f"{new_key},{key}", **emulator.endpoints())
    report = both.rotate_keys()
    assert isinstance(report, calstack.RotationReport)
    assert report.examined == 1 and report.resealed == 1
    assert report.to_dict() == {"examined": 1, "resealed": 1, "pending_resealed": 0}

    only_new = calstack.Calstack(url, new_key, **emulator.endpoints())
    assert only_new.oauth.access_token(credential.id)
    assert only_new.calendar(client.id).list_calendars()


def test_metrics_count_the_requests_retries_and_errors(authorized: Authorized, emulator: Emulator) -> None:
    stack = authorized.stack
    cal = authorized.calendar
    before = stack.metrics()
    emulator.script_fault("events.list", "internal_error", times=1)
    cal.list_events("primary")
    after = stack.metrics()
    assert after.requests - before.requests == 2
    assert after.retries - before.retries == 1
    assert sum(after.errors.values()) >= 1
    assert after.to_dict()["requests"] == after.requests


def test_retry_and_throttle_settings_take_effect(emulator: Emulator, database_path, key: str) -> None:
    url = f"sqlite://{database_path}"
    setup = calstack.Calstack(url, key, **emulator.endpoints())
    client = setup.clients.create("Acme Ltd", "ops@acme.test")
    consent(setup, register(setup, client).id)

    once = calstack.Calstack(url, key, **emulator.endpoints(), max_attempts=1, max_delay=0.5)
    emulator.script_fault("events.list", "internal_error", times=1)
    with pytest.raises(calstack.ApiError):
        once.calendar(client.id).list_events("primary")

    throttled = calstack.Calstack(url, key, **emulator.endpoints(), requests_per_second=5)
    cal = throttled.calendar(client.id)
    for _ in range(12):
        cal.list_events("primary")
    assert throttled.metrics().throttled_waits > 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 100}, "max_attempts"),
        ({"max_delay": 0.0}, "max_delay"),
        ({"max_delay": float("inf")}, "max_delay"),
        ({"requests_per_second": 1_000_000}, "requests_per_second"),
    ],
)
def test_bad_request_settings_are_refused_naming_them(
    database_path, key: str, options: dict[str, float], field: str
) -> None:
    with pytest.raises(calstack.ValidationError) as refused:
        calstack.Calstack(f"sqlite://{database_path}", key, **options)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert not database_path.exists()
