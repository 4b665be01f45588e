"""The model classes: construction from dicts and keywords, Google's JSON shape, typed
attributes, and input checks that name the field at fault. No network involved."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import calstack

PARIS = ZoneInfo("Europe/Paris")


def test_event_from_keywords_serialises_to_googles_json_shape() -> None:
    event = calstack.Event(
        summary="Standup",
        description="Daily",
        start=dt.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 3, 2, 9, 15, tzinfo=PARIS),
        attendees=["ann@acme.test", calstack.EventAttendee("bob@acme.test", optional=True)],
        recurrence=["RRULE:FREQ=DAILY;COUNT=5"],
    )
    assert event.to_dict() == {
        "summary": "Standup",
        "description": "Daily",
        "start": {"dateTime": "2026-03-02T09:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-03-02T09:15:00+01:00", "timeZone": "Europe/Paris"},
        "attendees": [{"email": "ann@acme.test"}, {"email": "bob@acme.test", "optional": True}],
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"],
    }


def test_event_attributes_are_typed() -> None:
    event = calstack.Event(
        {
            "id": "abc123",
            "status": "confirmed",
            "summary": "Review",
            "start": {"dateTime": "2026-03-02T10:00:00Z"},
            "end": {"dateTime": "2026-03-02T11:00:00Z"},
            "created": "2026-01-01T08:00:00.000Z",
            "attendees": [{"email": "ann@acme.test", "responseStatus": "accepted", "self": True}],
        }
    )
    assert event.id == "abc123"
    assert event.start is not None
    assert event.start.date_time == dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc)
    assert event.created == dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone.utc)
    assert not event.is_all_day and not event.is_cancelled
    [ann] = event.attendees
    assert (ann.email, ann.response_status, ann.is_self, ann.optional) == (
        "ann@acme.test", "accepted", True, False,
    )


def test_all_day_event_from_dates() -> None:
    event = calstack.Event(summary="Holiday", start=dt.date(2026, 7, 4), end=dt.date(2026, 7, 5))
    assert event.is_all_day
    assert event.to_dict()["start"] == {"date": "2026-07-04"}
    assert event.start is not None and event.start.date == dt.date(2026, 7, 4)
    assert event.start.date_time is None


def test_unknown_fields_survive_a_round_trip() -> None:
    data = {
        "summary": "x",
        "conferenceData": {"conferenceId": "abc-defg-hij"},
        "someFutureField": [1, 2.5, None, True],
    }
    event = calstack.Event(data)
    event.summary = "y"
    assert event.to_dict() == {**data, "summary": "y"}
    assert calstack.Event.from_dict(event.to_dict()) == event


def test_setting_a_field_to_none_removes_it() -> None:
    event = calstack.Event(summary="x", location="Room 1")
    event.location = None
    assert "location" not in event.to_dict()


def test_naive_datetime_is_rejected_naming_the_field() -> None:
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Event(summary="x", start=dt.datetime(2026, 1, 1, 9))
    assert err.value.field == "event.start"
    assert "timezone" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_naive_datetime_inside_a_dict_is_rejected_with_its_path() -> None:
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Event({"summary": "x", "start": {"dateTime": dt.datetime(2026, 1, 1)}})
    assert err.value.field == "event.start.dateTime"


def test_wrong_types_are_rejected_naming_the_field() -> None:
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Event(summary=42)  # type: ignore[arg-type]
    assert err.value.field == "event.summary"
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Event(attendees="ann@acme.test")  # type: ignore[arg-type]
    assert err.value.field == "event.attendees"
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Event({"summary": object()})
    assert err.value.field == "event.summary"


def test_event_date_time_needs_exactly_one_of_date_time_or_date() -> None:
    with pytest.raises(calstack.ValidationError):
        calstack.EventDateTime()
    with pytest.raises(calstack.ValidationError):
        calstack.EventDateTime(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), date=dt.date(2026, 1, 1))
    when = calstack.EventDateTime(dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc), time_zone="UTC")
    assert when.to_dict() == {"dateTime": "2026-01-01T09:00:00Z", "timeZone": "UTC"}


def test_reprs_are_readable() -> None:
    event = calstack.Event(id="e1", summary="Standup", start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))
    assert repr(event) == "Event(id='e1', summary='Standup', start='2026-01-01', end='2026-01-02')"
    assert repr(calstack.EventAttendee("a@b.test")) == "EventAttendee(email='a@b.test', response_status=None)"
    entry = calstack.CalendarListEntry({"id": "primary", "summary": "Me", "accessRole": "owner"})
    assert repr(entry) == "CalendarListEntry(id='primary', summary='Me', access_role='owner')"


def test_models_are_accepted_wherever_dicts_are() -> None:
    start = calstack.EventDateTime(date=dt.date(2026, 1, 1))
    event = calstack.Event(calstack.Event(summary="copy"), start=start, end={"date": "2026-01-02"})
    assert event.to_dict() == {"summary": "copy", "start": {"date": "2026-01-01"}, "end": {"date": "2026-01-02"}}


def test_exception_hierarchy() -> None:
    assert issubclass(calstack.ValidationError, calstack.CalstackError)
    assert issubclass(calstack.ValidationError, ValueError)
    assert issubclass(calstack.NotFoundError, LookupError)
    assert issubclass(calstack.ConflictError, calstack.StoreError)
    for name in (
        "ReauthorizationRequired", "AuthorizationError", "RateLimitedError", "PreconditionFailedError",
        "SyncTokenExpiredError", "ApiError", "TransportError", "StoreError",
    ):
        assert issubclass(getattr(calstack, name), calstack.CalstackError), name
    assert calstack.ValidationError.__module__ == "calstack"


def test_generate_key_makes_distinct_32_byte_keys() -> None:
    import base64

    a, b = calstack.generate_key(), calstack.generate_key()
    assert a != b
    assert len(base64.b64decode(a)) == 32
