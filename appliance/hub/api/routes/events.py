"""``GET /api/v1/events``: Server-Sent Events for operators' screens (login required).

    event: presence      data: {"room_id": "r1", "online": false, "reason": "…"}
    event: health | device | check.progress | check.result | follow.switch
    event: fleet.progress | fleet.done
    event: scene.outcome  one room's answer to a scene recall, as it comes (routes/scenes.py)
    event: resync        the stream lost events (a slow client): reload the state

Each event carries ``room_id`` and goes only to callers who may see that room (a
technician: their districts); fleet-wide events without a room go to unscoped roles.
A comment line every ``KEEPALIVE_S`` keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Final

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from appliance.hub.api.deps import BusDep
from appliance.hub.events import EventBus, HubEvent
from appliance.hub.security.deps import PrincipalDep
from appliance.hub.security.roles import Principal

router = APIRouter(tags=["events"])

KEEPALIVE_S: Final = 15.0
RETRY_MS: Final = 2000  # the browser's EventSource reconnect delay


def may_see(who: Principal, event: HubEvent) -> bool:
    if not who.scoped:
        return True
    return event.district is not None and event.district in who.districts


@router.get(
    "/events",
    name="events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(who: PrincipalDep, bus: BusDep) -> StreamingResponse:
    return StreamingResponse(
        _stream(bus, who),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(bus: EventBus, who: Principal) -> AsyncIterator[str]:
    with bus.subscribe(lambda ev: may_see(who, ev)) as sub:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        dropped = 0
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_S):
                    ev = await sub.get()
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if sub.dropped != dropped:
                dropped = sub.dropped
                yield "event: resync\ndata: {}\n\n"
            yield format_event(ev)


def format_event(ev: HubEvent) -> str:
    data = json.dumps({"room_id": ev.room_id, "at": ev.at, **ev.data}, default=str)
    return f"id: {ev.seq}\nevent: {ev.kind}\ndata: {data}\n\n"
