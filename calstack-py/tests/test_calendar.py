"""stack.calendar(client) against the emulator: calendars, event CRUD, listing with ranges
and recurrence, incremental sync with tombstones, and each error as the user meets it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import calstack
from calstack.testing import Emulator, consent

from calstack_fixtures import Authorized, register

UTC = dt.timezone.utc
PARIS = ZoneInfo("Europe/Paris")


def at(hour: int, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def meeting(summary: str = "Standup", hour: int = 9, **extra: object) -> calstack.Event:
    return calstack.Event(summary=summary, start=at(hour), end=at(hour) + dt.timedelta(minutes=30), **extra)  # type: ignore[arg-type]


def test_list_calendars_includes_the_primary_calendar(authorized: Authorized) -> None:
    entries = authorized.calendar.list_calendars()
    assert all(isinstance(e, calstack.CalendarListEntry) for e in entries)
    primary = [e for e in entries if e.primary]
    assert len(primary) == 1
    assert primary[0].id == authorized.account
    assert primary[0].access_role == "owner"


def test_event_create_get_update_patch_delete(authorized: Authorized) -> None:
    cal = authorized.calendar
    created = cal.create_event(
        "primary",
        meeting(description="Daily", attendees=["ann@acme.test"], recurrence=None),
    )
    assert created.id and created.etag and created.status == "confirmed"
    assert created.summary == "Standup"
    assert [a.email for a in created.attendees] == ["ann@acme.test"]

    fetched = cal.get_event("primary", created.id)
    assert fetched.summary == "Standup" and fetched.start == created.start

    fetched.summary = "Standup (moved)"
    fetched.start = at(10)
    fetched.end = at(11)
    updated = cal.update_event("primary", created.id, fetched, etag=fetched.etag)
    assert updated.summary == "Standup (moved)"
    assert updated.start is not None and updated.start.date_time == at(10)
    assert updated.etag != created.etag

    patched = cal.patch_event("primary", created.id, {"location": "Room 4", "description": None})
    assert patched.location == "Room 4"
    assert patched.description is None
    assert patched.summary == "Standup (moved)"

    cal.delete_event("primary", created.id)
    with pytest.raises(calstack.NotFoundError):
        cal.get_event("primary", "no-such-event")
    assert cal.get_event("primary", created.id).is_cancelled


def test_plain_dicts_work_as_events(authorized: Authorized) -> None:
    created = authorized.calendar.create_event(
        "primary",
        {"summary": "Lunch", "start": {"dateTime": "2026-03-02T12:00:00+01:00"},
         "end": {"dateTime": "2026-03-02T13:00:00+01:00"}},
    )
    assert created.summary == "Lunch"
    assert created.start is not None
    assert created.start.date_time == dt.datetime(2026, 3, 2, 11, tzinfo=UTC)


def test_list_events_in_a_time_range(authorized: Authorized) -> None:
    cal = authorized.calendar
    for hour in (8, 10, 12, 14):
        cal.create_event("primary", meeting(f"m{hour}", hour))
    events = cal.list_events("primary", time_min=at(9), time_max=at(13), order_by="startTime")
    assert [e.summary for e in events] == ["m10", "m12"]
    assert [e.summary for e in cal.list_events("primary", query="m14")] == ["m14"]


def test_recurring_events_are_expanded_with_single_events(authorized: Authorized) -> None:
    cal = authorized.calendar
    cal.create_event(
        "primary",
        calstack.Event(summary="Daily", start=dt.datetime(2026, 3, 2, 9, tzinfo=PARIS),
                       end=dt.datetime(2026, 3, 2, 9, 30, tzinfo=PARIS),
                       recurrence=["RRULE:FREQ=DAILY;COUNT=5"]),
    )
    instances = cal.list_events("primary", time_min=at(0, 1), time_max=at(0, 10), single_events=True)
    assert len(instances) == 5
    assert all(e.recurring_event_id for e in instances)
    masters = cal.list_events("primary", time_min=at(0, 1), time_max=at(0, 10), single_events=False)
    assert len(masters) == 1 and masters[0].recurrence == ["RRULE:FREQ=DAILY;COUNT=5"]


def test_sync_reports_changes_and_deletions_as_tombstones(authorized: Authorized) -> None:
    cal = authorized.calendar
    keep = cal.create_event("primary", meeting("keep", 9))
    gone = cal.create_event("primary", meeting("gone", 10))
    full = cal.sync_events("primary")
    assert {e.id for e in full.events} == {keep.id, gone.id}
    assert full.next_sync_token

    cal.delete_event("primary", gone.id)
    cal.patch_event("primary", keep.id, {"summary": "kept"})
    added = cal.create_event("primary", meeting("new", 11))

    delta = cal.sync_events("primary", full.next_sync_token)
    by_id = {e.id: e for e in delta.events}
    assert set(by_id) == {keep.id, gone.id, added.id}
    assert by_id[gone.id].is_cancelled
    assert by_id[keep.id].summary == "kept"
    assert delta.next_sync_token and delta.next_sync_token != full.next_sync_token
    assert len(cal.sync_events("primary", delta.next_sync_token)) == 0


def test_expired_sync_token_raises(authorized: Authorized, emulator: Emulator) -> None:
    cal = authorized.calendar
    token = cal.sync_events("primary").next_sync_token
    emulator.expire_sync_tokens()
    with pytest.raises(calstack.SyncTokenExpiredError):
        cal.sync_events("primary", token)


def test_stale_etag_raises_precondition_failed(authorized: Authorized) -> None:
    cal = authorized.calendar
    created = cal.create_event("primary", meeting())
    cal.patch_event("primary", created.id, {"summary": "changed elsewhere"})
    with pytest.raises(calstack.PreconditionFailedError):
        cal.update_event("primary", created.id, created, etag=created.etag)
    assert cal.get_event("primary", created.id).summary == "changed elsewhere"


def test_naive_time_min_is_rejected_naming_the_parameter(authorized: Authorized) -> None:
    with pytest.raises(calstack.ValidationError) as err:
        authorized.calendar.list_events("primary", time_min=dt.datetime(2026, 1, 1))
    assert err.value.field == "time_min"
    with pytest.raises(calstack.ValidationError) as err:
        authorized.calendar.list_events("primary", time_min=at(10), time_max=at(9))
    assert err.value.field == "time_max"


def test_invalid_event_is_refused_before_sending(authorized: Authorized) -> None:
    cal = authorized.calendar
    with pytest.raises(calstack.ValidationError) as err:
        cal.create_event("primary", calstack.Event(summary="Backwards", start=at(10), end=at(9)))
    assert err.value.field == "end"
    with pytest.raises(calstack.ValidationError):
        cal.create_event("primary", {"summary": "x", "start": {"dateTime": 12}, "end": {"dateTime": "nope"}})
    with pytest.raises(calstack.ValidationError) as err:
        cal.create_event("primary", meeting(), send_updates="everyone")
    assert err.value.field == "send_updates"
    assert cal.list_events("primary") == []


def test_unknown_calendar_is_not_found(authorized: Authorized) -> None:
    with pytest.raises(calstack.NotFoundError):
        authorized.calendar.list_events("nobody@nowhere.test")


def test_rate_limit_surfaces_with_retry_after(authorized: Authorized, emulator: Emulator) -> None:
    cal = authorized.calendar
    emulator.script_fault("events.list", "too_many_requests", times=50, retry_after_secs=1)
    with pytest.raises(calstack.RateLimitedError) as err:
        cal.list_events("primary")
    assert err.value.retry_after is None or err.value.retry_after >= 0
    emulator.clear_faults()
    assert cal.list_events("primary") == []


def test_spent_quota_raises_quota_exceeded_at_once_without_retrying(
    authorized: Authorized, emulator: Emulator
) -> None:
    cal = authorized.calendar
    before = authorized.stack.metrics()
    emulator.script_fault("events.list", "quota_exceeded", times=1)
    with pytest.raises(calstack.QuotaExceededError) as err:
        cal.list_events("primary")
    assert isinstance(err.value, calstack.ApiError) and isinstance(err.value, calstack.CalstackError)
    assert not isinstance(err.value, calstack.RateLimitedError)
    assert (err.value.status, err.value.reason) == (403, "quotaExceeded")
    assert err.value.message and "quotaExceeded" in str(err.value)
    after = authorized.stack.metrics()
    assert (after.requests - before.requests, after.retries - before.retries) == (1, 0)
    # The fault was used up by that one request: the next call goes through.
    assert cal.list_events("primary") == []


def test_insufficient_scope_is_an_api_error_with_status_and_reason(stack: calstack.Calstack) -> None:
    client = stack.clients.create("Read Only Ltd", "ro@acme.test")
    consent(stack, register(stack, client, account="ro@acme.test", scopes=["calendar.readonly"]).id)
    with pytest.raises(calstack.ApiError) as err:
        stack.calendar(client.id).create_event("primary", meeting())
    assert err.value.status == 403
    assert err.value.reason


def test_unreachable_api_is_a_transport_error(authorized: Authorized, emulator: Emulator, database_path, key) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    endpoints = {**emulator.endpoints(), "google_api_base": f"http://127.0.0.1:{dead_port}/calendar/v3/"}
    offline = calstack.Calstack(f"sqlite://{database_path}", key, **endpoints)
    with pytest.raises(calstack.TransportError):
        offline.calendar(authorized.client.id).list_calendars()


def test_calendar_for_a_client_without_credentials_is_not_found(stack: calstack.Calstack) -> None:
    client = stack.clients.create("No Creds", "none@acme.test")
    with pytest.raises(calstack.NotFoundError):
        stack.calendar(client.id)


def test_listing_and_sync_follow_every_page(authorized: Authorized, emulator: Emulator) -> None:
    emulator.seed(authorized.account, 1200, start="2026-05-01T00:00:00Z", summary_prefix="Seeded")
    cal = authorized.calendar
    listed = cal.list_events("primary", single_events=False, max_results=100)
    assert len(listed) == 1200 and len({e.id for e in listed}) == 1200
    full = cal.sync_events("primary")
    assert len(full) == 1200 and full.next_sync_token
    cal.delete_event("primary", listed[0].id or "")
    delta = cal.sync_events("primary", full.next_sync_token)
    assert [(e.id, e.is_cancelled) for e in delta.events] == [(listed[0].id, True)]


def test_sharing_a_calendar_gives_another_client_access_until_unshared(authorized: Authorized) -> None:
    stack = authorized.stack
    globex = stack.clients.create("Globex", "it@globex.test")
    consent(stack, register(stack, globex, account="uma@globex.test").id)
    guest = stack.calendar(globex.id)
    owner = authorized.calendar
    owner.create_event("primary", {"summary": "Board meeting",
                                   "start": {"dateTime": "2030-01-01T09:00:00Z"},
                                   "end": {"dateTime": "2030-01-01T10:00:00Z"}})

    rule = owner.share("primary", "uma@globex.test", "reader")
    assert (rule.role, rule.scope_type, rule.scope_value) == ("reader", "user", "uma@globex.test")
    assert rule.id in {r.id for r in owner.list_acl("primary")}
    assert repr(rule) == "AclRule(id='user:uma@globex.test', role='reader')"
    assert rule.to_dict()["scope"] == {"type": "user", "value": "uma@globex.test"}

    shared = {c.id: c for c in guest.list_calendars()}[authorized.account]
    assert shared.access_role == "reader"
    assert [e.summary for e in guest.list_events(authorized.account)] == ["Board meeting"]
    with pytest.raises(calstack.ApiError) as denied:
        guest.create_event(authorized.account, {"summary": "x", "start": {"date": "2030-01-02"},
                                                "end": {"date": "2030-01-03"}})
    assert denied.value.status == 403

    assert rule.id is not None
    owner.unshare("primary", rule.id)
    assert authorized.account not in {c.id for c in guest.list_calendars()}
    with pytest.raises(calstack.CalstackError):
        guest.list_events(authorized.account)


def test_share_refuses_bad_roles_and_scopes_naming_the_field(authorized: Authorized) -> None:
    calendar = authorized.calendar
    with pytest.raises(calstack.ValidationError) as err:
        calendar.share("primary", "uma@globex.test", "admin")
    assert err.value.field == "role"
    with pytest.raises(calstack.ValidationError) as err:
        calendar.share("primary", "uma@globex.test", scope="planet")
    assert err.value.field == "scope"
    with pytest.raises(calstack.ValidationError) as err:
        calendar.share("primary", "not an email")
    assert "scope" in (err.value.field or "")
    assert [r.scope_value for r in calendar.list_acl("primary")] == [authorized.account]


def test_settings_are_the_accounts_google_settings(authorized: Authorized, emulator: Emulator) -> None:
    settings = authorized.calendar.settings()
    assert settings["timezone"] == "UTC"
    assert settings["weekStart"] in {"0", "1", "6"}
    assert all(isinstance(v, str) for v in settings.values())
    assert {"locale", "format24HourTime", "hideWeekends"} <= settings.keys()
