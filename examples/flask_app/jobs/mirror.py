"""Mirror sync jobs: ``{"kind": "mirror_sync", "clients": [...]}`` runs the library's
``stack.sync`` for each client in turn (its calendar list, then each calendar: a full listing
the first time, only the changes after), so progress counts clients. A calendar that fails
is a failure of its own (``client/calendar``) and the rest go on; a re-run only fetches what
changed since.

With ``CALSTACK_PUSH_ADDRESS`` set, the sync passes it as ``push_address``: every synced
calendar is watched (channels renewed before they expire), Google's notifications reach
``POST /api/notifications`` and make their calendar due, and a job syncs only what may have
changed (notified, due for the 5-minute safety poll, failing, or not watched yet), so
``result["calendars"]`` counts those."""

from __future__ import annotations

from typing import Any, Optional

import calstack
from flask import current_app

from ..api import stack, strings
from ..errors import BadInput
from ..stacked import scoped_client_ids, split_connected
from .records import JobRecords
from .spec import Parsed


def parse_sync(data: dict[str, Any], default_clients: list[str]) -> Parsed:
    """The clients to sync: the ones named, else the operator's connected ones; or 400."""
    named: Optional[list[str]] = strings(data, "clients")
    if named is None:
        clients, _ = split_connected(scoped_client_ids())
    else:
        clients = [stack().clients.get(c).id for c in named]  # 404 for an unknown one
    if not clients:
        raise BadInput("clients", "no client with a valid Google grant to sync")
    return Parsed({"clients": clients})


def run_sync(record: dict[str, Any], store: JobRecords) -> None:
    """Syncs each client, counting calendars and changes."""
    clients = record["spec"]["clients"]
    push_address: Optional[str] = current_app.config.get("PUSH_ADDRESS") or None
    totals = {"calendars": 0, "upserted": 0, "deleted": 0}
    record["total"] = len(clients)
    store.save(record)
    for client_id in clients:
        try:
            report = stack().sync(clients=[client_id], push_address=push_address)
        except calstack.CalstackError as e:
            record["failures"].append({"item": client_id, "reason": str(e)})
            report = {"synced": [], "failed": []}
        for synced in report["synced"]:
            totals["calendars"] += 1
            totals["upserted"] += synced["upserted"]
            totals["deleted"] += synced["deleted"]
        for failed in report["failed"]:
            item = "/".join(part for part in (failed["client_id"], failed["calendar_id"]) if part)
            record["failures"].append({"item": item, "reason": failed["error"]})
        record["done"] += 1
        record["result"] = dict(totals)
        store.save(record)
