"""Fidelity test: Google's own google-api-python-client (a client nobody here wrote) against
the emulator: calendar listing, event CRUD, list_next paging over 600 events, and a full then
incremental sync that reports a deletion as a cancelled tombstone."""

import pytest
from googleapiclient.errors import HttpError


def timed(summary, day, hour=10):
    return {
        "summary": summary,
        "start": {"dateTime": f"2024-06-{day:02d}T{hour:02d}:00:00Z"},
        "end": {"dateTime": f"2024-06-{day:02d}T{hour + 1:02d}:00:00Z"},
    }


def test_calendar_list_shows_the_primary_calendar(service, account):
    listing = service.calendarList().list().execute()
    assert listing["kind"] == "calendar#calendarList"
    primary = [c for c in listing["items"] if c.get("primary")]
    assert [c["id"] for c in primary] == [account]
    assert service.calendars().get(calendarId="primary").execute()["id"] == account


def test_event_insert_get_patch_update_delete(service):
    events = service.events()
    created = events.insert(calendarId="primary", body=timed("Design review", 3)).execute()
    assert created["status"] == "confirmed"
    event_id = created["id"]

    fetched = events.get(calendarId="primary", eventId=event_id).execute()
    assert fetched == created

    patched = events.patch(calendarId="primary", eventId=event_id, body={"location": "Room 4B"}).execute()
    assert patched["location"] == "Room 4B"
    assert patched["summary"] == "Design review"
    assert patched["etag"] != created["etag"]

    body = dict(patched, summary="Design review v2")
    body.pop("location")
    updated = events.update(calendarId="primary", eventId=event_id, body=body).execute()
    assert updated["summary"] == "Design review v2"
    assert "location" not in updated

    assert events.delete(calendarId="primary", eventId=event_id).execute() == ""
    with pytest.raises(HttpError) as gone:
        events.delete(calendarId="primary", eventId=event_id).execute()
    assert gone.value.resp.status == 410
    assert gone.value.reason == "Resource has been deleted"
    assert gone.value.error_details[0]["reason"] == "deleted"


def test_list_next_pages_through_600_events(service):
    calendar = service.calendars().insert(body={"summary": "Bulk"}).execute()
    events = service.events()
    for n in range(600):
        events.insert(calendarId=calendar["id"], body=timed(f"event {n}", 1 + n % 28, 8 + n % 10)).execute()

    seen, pages = [], 0
    request = events.list(calendarId=calendar["id"])
    while request is not None:
        page = request.execute()
        pages += 1
        seen.extend(item["id"] for item in page["items"])
        if "nextPageToken" in page:
            assert "nextSyncToken" not in page
        else:
            assert "nextSyncToken" in page
        request = events.list_next(request, page)
    assert pages == 3  # default maxResults is 250
    assert len(seen) == 600
    assert len(set(seen)) == 600


def test_full_then_incremental_sync_reports_a_tombstone(service):
    events = service.events()
    keep = events.insert(calendarId="primary", body=timed("keep", 10)).execute()
    doomed = events.insert(calendarId="primary", body=timed("doomed", 11)).execute()

    items, request, sync_token = [], events.list(calendarId="primary", maxResults=1), None
    while request is not None:
        page = request.execute()
        items.extend(page["items"])
        sync_token = page.get("nextSyncToken", sync_token)
        request = events.list_next(request, page)
    assert {i["id"] for i in items} == {keep["id"], doomed["id"]}
    assert sync_token

    events.delete(calendarId="primary", eventId=doomed["id"]).execute()
    added = events.insert(calendarId="primary", body=timed("added", 12)).execute()

    changes = events.list(calendarId="primary", syncToken=sync_token).execute()
    by_id = {c["id"]: c for c in changes["items"]}
    assert set(by_id) == {doomed["id"], added["id"]}
    assert by_id[doomed["id"]]["status"] == "cancelled"
    assert by_id[added["id"]]["summary"] == "added"
    assert changes["nextSyncToken"]

    with pytest.raises(HttpError) as bad:
        events.list(calendarId="primary", syncToken=sync_token, q="keep").execute()
    assert bad.value.resp.status == 400


def test_missing_calendar_is_a_404_the_client_understands(service):
    with pytest.raises(HttpError) as missing:
        service.events().list(calendarId="nobody@nowhere.example").execute()
    assert missing.value.resp.status == 404
    assert missing.value.error_details[0]["reason"] == "notFound"


def test_batch_request_through_the_python_client(service, emulator_url):
    from googleapiclient.http import BatchHttpRequest

    results = {}

    def collect(request_id, response, exception):
        results[request_id] = (response, exception)

    # The shipped discovery document points batches at Google's rootUrl; aim it at the emulator.
    batch = BatchHttpRequest(callback=collect, batch_uri=emulator_url + "/batch/calendar/v3")
    batch.add(service.events().insert(calendarId="primary", body=timed("batched", 20)), request_id="insert")
    batch.add(service.events().get(calendarId="primary", eventId="nosuchevent0"), request_id="missing")
    batch.add(service.colors().get(), request_id="colors")
    batch.execute()

    assert results["insert"][0]["summary"] == "batched"
    assert results["missing"][1].resp.status == 404
    assert results["colors"][0]["kind"] == "calendar#colors"


def test_acl_and_settings_through_the_official_client(service, account):
    acl = service.acl()
    rule = acl.insert(calendarId="primary",
                      body={"role": "reader", "scope": {"type": "user", "value": "guest@example.com"}}).execute()
    assert rule["id"] == "user:guest@example.com"
    listing = acl.list(calendarId="primary").execute()
    assert sorted((r["id"], r["role"]) for r in listing["items"]) == [
        ("user:guest@example.com", "reader"), (f"user:{account}", "owner")]
    acl.delete(calendarId="primary", ruleId=rule["id"]).execute()
    delta = acl.list(calendarId="primary", syncToken=listing["nextSyncToken"]).execute()
    assert [(r["id"], r["role"]) for r in delta["items"]] == [("user:guest@example.com", "none")]

    settings = service.settings().list().execute()
    values = {s["id"]: s["value"] for s in settings["items"]}
    assert values["timezone"] == "UTC" and values["weekStart"] == "0"
    assert service.settings().get(setting="locale").execute()["value"] == "en"
    with pytest.raises(HttpError) as missing:
        service.settings().get(setting="noSuchSetting").execute()
    assert missing.value.resp.status == 404
