"""calstack.aio against the emulator: the same API as coroutines on the module's one runtime,
many coroutines at once, errors as calstack exceptions, `async for` over a stream, and
cancelling a task cancels its request."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import ast
import socket
import threading
from pathlib import Path

import pytest

import calstack
import calstack.aio
from calstack.testing import Emulator

from calstack_fixtures import Authorized

UTC = dt.timezone.utc


def event(n: int) -> dict[str, object]:
    start = dt.datetime(2026, 4, 1, tzinfo=UTC) + dt.timedelta(hours=n)
    return {
        "summary": f"meeting {n}",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + dt.timedelta(minutes=30)).isoformat()},
    }


def aio_stack(authorized: Authorized, emulator: Emulator, database_path: Path, key: str) -> calstack.Calstack:
    stack = calstack.aio.Calstack(f"sqlite://{database_path}", key, **emulator.endpoints())
    assert stack.is_asyncio
    return stack  # type: ignore[no-any-return]


def test_two_hundred_concurrent_coroutines_share_one_stack(
    authorized: Authorized, emulator: Emulator, database_path: Path, key: str
) -> None:
    stack = aio_stack(authorized, emulator, database_path, key)

    async def main() -> list[str]:
        cal = await stack.calendar(authorized.client.id)
        created = await asyncio.gather(*(cal.create_event("primary", event(n)) for n in range(200)))
        listed = await cal.list_events("primary")
        clients = await stack.clients.list()
        assert [c.name for c in clients] == ["Acme Ltd"]
        assert len(listed) == 200
        return sorted(e.id for e in created)

    ids = asyncio.run(main())
    assert len(set(ids)) == 200
    # The blocking face of the same database sees them too.
    assert len(authorized.calendar.list_events("primary")) == 200


def test_errors_are_raised_as_calstack_exceptions(
    authorized: Authorized, emulator: Emulator, database_path: Path, key: str
) -> None:
    stack = aio_stack(authorized, emulator, database_path, key)

    async def main() -> None:
        cal = await stack.calendar(authorized.client.id)
        with pytest.raises(calstack.NotFoundError):
            await cal.get_event("primary", "missing")
        with pytest.raises(calstack.ValidationError) as refused:
            await stack.clients.create("", "x@acme.test")
        assert refused.value.field == "name"
        with pytest.raises(calstack.ValidationError):
            await cal.list_events("primary", time_min=dt.datetime(2026, 1, 1))

    asyncio.run(main())


def test_async_for_streams_the_events(
    authorized: Authorized, emulator: Emulator, database_path: Path, key: str
) -> None:
    emulator.seed(authorized.account, 1200)
    stack = aio_stack(authorized, emulator, database_path, key)

    async def main() -> int:
        cal = await stack.calendar(authorized.client.id)
        seen = 0
        async for e in cal.iter_events("primary", max_results=250):
            assert isinstance(e, calstack.Event)
            seen += 1
        return seen

    assert asyncio.run(main()) == 1200


def test_cancelling_a_task_cancels_its_request(
    authorized: Authorized, emulator: Emulator, database_path: Path, key: str
) -> None:
    stack = aio_stack(authorized, emulator, database_path, key)
    emulator.script_fault("events.list", "latency", millis=30_000)

    async def main() -> None:
        cal = await stack.calendar(authorized.client.id)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(cal.list_events("primary"), timeout=0.3)
        # The stack goes on: the next call is answered at once.
        assert await cal.list_events("primary") == []

    asyncio.run(main())


def test_a_cancelled_task_closes_its_connection(
    authorized: Authorized, emulator: Emulator, database_path: Path, key: str
) -> None:
    """The request is really dropped: a server that never answers sees the connection close
    as soon as the task is cancelled."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    seen: dict[str, object] = {}

    def hang() -> None:
        conn, _ = listener.accept()
        conn.settimeout(20)
        seen["request"] = conn.recv(65536).split(b"\r\n")[0]
        try:
            seen["eof"] = conn.recv(1) == b""  # blocks until the client closes
        except OSError as e:
            seen["error"] = e
        conn.close()

    server = threading.Thread(target=hang, daemon=True)
    server.start()
    endpoints = {**emulator.endpoints(), "google_api_base": f"http://127.0.0.1:{listener.getsockname()[1]}/calendar/v3/"}
    stack = calstack.aio.Calstack(f"sqlite://{database_path}", key, **endpoints)

    async def main() -> None:
        cal = await stack.calendar(authorized.client.id)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(cal.list_events("primary"), timeout=3.0)  # time to reach the server on a loaded machine

    asyncio.run(main())
    server.join(timeout=10)
    listener.close()
    request = seen.get("request")
    assert isinstance(request, bytes) and b"/calendars/primary/events" in request, seen
    assert seen.get("eof") is True, seen


def test_the_blocking_stack_has_an_asyncio_face(authorized: Authorized) -> None:
    aio = authorized.stack.asyncio()
    assert aio.is_asyncio and not authorized.stack.is_asyncio

    async def main() -> str:
        client = await aio.clients.get(authorized.client.id)
        return str(client.name)

    assert asyncio.run(main()) == "Acme Ltd"


def test_the_aio_stubs_match_the_blocking_api() -> None:
    """aio.pyi declares, for every service method, the blocking method's parameters."""
    stub = Path(calstack.aio.__file__).with_suffix(".pyi")
    tree = ast.parse(stub.read_text())
    runtime = {"Calstack": calstack.Calstack, "Clients": calstack.Clients, "OAuth": calstack.OAuth,
               "Calendar": calstack.Calendar}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = runtime[node.name]
        declared = {f.name: f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        public = {n for n in dir(cls) if not n.startswith("_") and n != "asyncio"}
        assert public <= set(declared), f"{node.name} lacks {public - set(declared)}"
        for name, fn in declared.items():
            if name.startswith("__") or isinstance(inspect.getattr_static(cls, name), (property,)):
                continue
            member = getattr(cls, name)
            if not callable(member):
                continue
            expected = [p for p in inspect.signature(member).parameters if p != "self"]
            args = fn.args
            got = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs if a.arg != "self"]
            assert got == expected, f"{node.name}.{name}: {got} != {expected}"
