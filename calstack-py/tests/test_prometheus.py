"""calstack.prometheus_metrics(): the library's series in the Prometheus text format, counted
from the first call on, with no secret in them."""

from __future__ import annotations

import re

import calstack
from calstack_fixtures import GOOGLE_CLIENT_SECRET, Authorized


def counter(text: str, name: str, **labels: str) -> float:
    """The value of the series ``name`` whose labels include ``labels`` (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            total += float(match.group(2))
    return total


def test_calls_made_after_the_first_scrape_are_counted_by_operation(authorized: Authorized) -> None:
    before = calstack.prometheus_metrics()  # installs the recorder (once per process)
    listed = counter(before, "calstack_requests_total", operation="calendarList.list", outcome="ok")

    authorized.calendar.list_calendars()
    authorized.calendar.list_calendars()

    after = calstack.prometheus_metrics()
    assert counter(after, "calstack_requests_total", operation="calendarList.list", outcome="ok") == listed + 2
    assert "# TYPE calstack_request_duration_seconds histogram" in after
    assert 'calstack_request_duration_seconds_bucket{operation="calendarList.list",outcome="ok",le="2"}' in after


def test_the_text_holds_no_secret(authorized: Authorized) -> None:
    calstack.prometheus_metrics()
    token = authorized.stack.oauth.access_token(authorized.credential.id)
    authorized.calendar.list_events("primary")
    text = calstack.prometheus_metrics()
    assert "calstack_requests_total" in text
    assert token not in text and GOOGLE_CLIENT_SECRET not in text


def test_several_processes_pages_add_up_to_one(authorized: Authorized) -> None:
    calstack.prometheus_metrics()
    authorized.calendar.list_calendars()
    page = calstack.prometheus_metrics()
    listed = counter(page, "calstack_requests_total", operation="calendarList.list", outcome="ok")
    assert listed >= 1

    # The same page three times: as if three workers had each counted the same calls.
    merged = calstack.merge_prometheus_metrics([page, page, page])
    assert counter(merged, "calstack_requests_total", operation="calendarList.list", outcome="ok") == 3 * listed
    assert merged.count("# TYPE calstack_requests_total counter") == 1
    assert calstack.merge_prometheus_metrics([]) == ""


def test_a_page_not_in_the_text_format_is_refused_naming_it() -> None:
    try:
        calstack.merge_prometheus_metrics(["calstack_requests_total 1\n", "not a sample\n"])
    except calstack.ValidationError as e:
        assert e.field == "pages"
        assert "page 1, line 1" in e.reason
        assert "not a sample" not in str(e)
    else:
        raise AssertionError("a malformed page is refused")
