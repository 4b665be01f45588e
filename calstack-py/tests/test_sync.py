"""The local mirror from Python: stack.sync(), stack.sync_status(), stack.handle_notification()."""

from __future__ import annotations

import asyncio
import inspect

import pytest

import calstack
from calstack_fixtures import ACCOUNT, Authorized


def test_sync_mirrors_the_calendar_and_status_counts_its_events(authorized: Authorized, emulator) -> None:
    emulator.seed(ACCOUNT, 5)
    report = authorized.stack.sync()
    assert report["failed"] == []
    assert [s["calendar_id"] for s in report["synced"]] == [ACCOUNT]
    assert report["synced"][0]["full"] is True

    status = authorized.stack.sync_status()
    assert len(status) == 1
    row = status[0]
    assert row["client_id"] == authorized.client.id
    assert row["events"] == 5
    assert row["last_synced"] is not None and row["last_synced"].tzinfo is not None
    assert row["last_error"] is None and row["parked_reason"] is None

    again = authorized.stack.sync(clients=[authorized.client])
    assert again["synced"][0]["full"] is False


def test_sync_of_an_unknown_client_is_not_found(stack: calstack.Calstack) -> None:
    with pytest.raises(calstack.NotFoundError):
        stack.sync(clients=["00000000-0000-0000-0000-000000000000"])


def test_a_forged_notification_is_refused_naming_the_header(authorized: Authorized) -> None:
    authorized.stack.sync()
    with pytest.raises(calstack.ValidationError) as refused:
        authorized.stack.handle_notification(
            {
                "X-Goog-Channel-ID": "not-a-channel",
                "X-Goog-Channel-Token": "guess",
                "X-Goog-Resource-ID": "r",
                "X-Goog-Resource-State": "exists",
            }
        )
    assert refused.value.field == "X-Goog-Channel-ID"
    with pytest.raises(calstack.ValidationError) as missing:
        authorized.stack.handle_notification({})
    assert missing.value.field == "X-Goog-Channel-ID"


def test_sync_status_and_notifications_are_coroutines_on_an_asyncio_stack(
    authorized: Authorized, emulator
) -> None:
    emulator.seed(ACCOUNT, 3)
    aio = authorized.stack.asyncio()

    async def main() -> None:
        pending = aio.sync()
        assert inspect.isawaitable(pending)
        report, _ = await asyncio.gather(pending, aio.sync_status())
        assert report["failed"] == [] and report["synced"][0]["full"] is True
        status = await aio.sync_status()
        assert [(s["calendar_id"], s["events"]) for s in status] == [(ACCOUNT, 3)]
        again = await aio.sync(clients=[authorized.client.id])
        assert again["synced"][0]["full"] is False
        with pytest.raises(calstack.NotFoundError):
            await aio.sync(clients=["00000000-0000-0000-0000-000000000000"])
        with pytest.raises(calstack.ValidationError) as missing:
            await aio.handle_notification({})
        assert missing.value.field == "X-Goog-Channel-ID"
        with pytest.raises(calstack.ValidationError) as malformed:
            await aio.handle_notification([("X-Goog-Channel-ID", 7)])
        assert malformed.value.field == "headers"

    asyncio.run(main())
    # The blocking face sees what the coroutines did.
    assert authorized.stack.sync_status()[0]["events"] == 3
