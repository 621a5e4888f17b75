"""Write one audit row around an administrative action, whatever its outcome.

    async with audited(store, who.who, "room.add", {"room": body.id}, room=body.id):
        await store.add_room(body)

The row says who, when, which room, the action, its arguments (credential-like names
redacted by the store), ``ok`` or ``error`` with the error's text, and how long it took.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from appliance.hub.store import Store

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def audited(
    store: Store, who: str, action: str, args: dict[str, Any], *, room: str | None = None
) -> AsyncIterator[None]:
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        await _write(
            store, who, room, action, args, "error", started, f"{type(exc).__name__}: {exc}"
        )
        raise
    await _write(store, who, room, action, args, "ok", started, None)


async def _write(
    store: Store,
    who: str,
    room: str | None,
    action: str,
    args: dict[str, Any],
    outcome: str,
    started: float,
    error: str | None,
) -> None:
    try:
        await store.audit(
            who, room, action, args, outcome, time.perf_counter() - started, error=error
        )
    except Exception:
        # The action itself is done (or failed on its own); a lost audit row is logged
        # loudly rather than turning the answer into an error.
        log.exception("audit row for %s by %s could not be written", action, who)
