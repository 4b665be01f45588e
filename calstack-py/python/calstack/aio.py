"""calstack for asyncio (FastAPI, aiohttp, Starlette): the same API as ``calstack``, every call
a coroutine.

    import calstack.aio

    stack = calstack.aio.Calstack("sqlite:///app.db", KEY)      # at startup: opens and migrates
    client = await stack.clients.create("Acme", "ops@acme.test")
    cal = await stack.calendar(client.id)
    events = await cal.list_events("primary")
    async for event in cal.iter_events("primary"):                # one page in memory at a time
        ...

The calls run on the module's one tokio runtime, not on threads, so thousands of them can be in
flight at once; cancelling the asyncio task (a timeout, a client that went away) cancels the
request. Typed by ``aio.pyi``; the objects are the ``calstack`` ones in asyncio mode
(``stack.is_asyncio``), sharing pools and caches with ``stack.asyncio()`` of a blocking stack.
"""

from __future__ import annotations

from typing import Any

from . import _calstack

__all__ = ["Calendar", "Calstack", "Clients", "OAuth"]


class Calstack:
    """Opens a stack whose methods return awaitables; see ``calstack.Calstack`` for the
    parameters. Opening itself blocks (it connects and migrates): do it at startup."""

    def __new__(cls, database_url: str, encryption_key: str, **options: Any) -> Any:
        return _calstack.Calstack(database_url, encryption_key, **options).asyncio()


# The services and the Calendar handle are the calstack classes themselves, in asyncio mode.
Clients = _calstack.Clients
OAuth = _calstack.OAuth
Calendar = _calstack.Calendar
