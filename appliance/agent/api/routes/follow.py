"""``/api/v1/follow``: the voice-follow camera — status, on/off, operator lock, live state.

    GET    /follow               status (seats with live levels, what is on air, last switch)
    POST   /follow/on | /off     switch following on or off (off: cameras stay where they are)
    PUT    /follow/pin           {"seat": "Đại biểu 3" | "3" | "overview"}: lock the camera there
    DELETE /follow/pin           free the lock: following goes on
    WS     /follow/live          {"type": "status", …} now and every interval_s, and
                                 {"type": "event", …} at once for every follow.* event

A room without ``[follow]`` answers 503 ``device_unavailable``; an unknown seat 404; a
recall the camera refuses 409/503/504 like every camera route (the lock stays set).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from appliance.agent.api.deps import ServiceDep
from appliance.agent.follow import follow_of
from drivers.errors import DeviceError
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

router = APIRouter(prefix="/follow", tags=["follow"])

LIVE_INTERVAL_DEFAULT_S: Final = 0.5
WS_UNAVAILABLE: Final = 1011  # RFC 6455 §7.4.1: the server cannot serve this request


class FollowSeatOut(BaseModel):
    name: str
    channel: int
    camera: str
    preset: str | int
    level_dbfs: float
    speaking: bool


class FollowOnAirOut(BaseModel):
    seat: str
    camera: str
    preset: str | int


class FollowStatusOut(BaseModel):
    enabled: bool
    state: str  # off, starting, following, pinned, error
    pinned: str | None
    on_air: FollowOnAirOut | None
    device: str
    channels: int
    last_error: str | None
    last_switch: dict[str, Any] | None
    switches: int
    errors: int
    seats: list[FollowSeatOut]


class PinIn(BaseModel):
    seat: str = Field(
        min_length=1, max_length=64, description="seat name, channel number or 'overview'"
    )


@router.get("", name="follow_status")
async def follow_status(service: ServiceDep) -> FollowStatusOut:
    return FollowStatusOut.model_validate(follow_of(service).status())


@router.post("/on", name="follow_on")
async def follow_on(service: ServiceDep) -> FollowStatusOut:
    return FollowStatusOut.model_validate(follow_of(service).set_enabled(True))


@router.post("/off", name="follow_off")
async def follow_off(service: ServiceDep) -> FollowStatusOut:
    return FollowStatusOut.model_validate(follow_of(service).set_enabled(False))


@router.put("/pin", name="follow_pin")
async def follow_pin(body: PinIn, service: ServiceDep) -> FollowStatusOut:
    return FollowStatusOut.model_validate(await follow_of(service).pin(body.seat))


@router.delete("/pin", name="follow_unpin")
async def follow_unpin(service: ServiceDep) -> FollowStatusOut:
    return FollowStatusOut.model_validate(await follow_of(service).pin(None))


@router.websocket("/live", name="follow_live")
async def follow_live(
    websocket: WebSocket,
    service: ServiceDep,
    interval_s: float = Query(LIVE_INTERVAL_DEFAULT_S, ge=0.05, le=10),
) -> None:
    """Live state for the dashboard: status snapshots and follow events as JSON text."""
    try:
        follow = follow_of(service)
    except DeviceError as exc:
        await websocket.close(WS_UNAVAILABLE, reason=str(exc)[:120])
        return
    await websocket.accept()
    queue, unsubscribe = service.events.queue()
    closed = asyncio.create_task(_wait_closed(websocket), name="follow-ws-closed")
    try:
        while not closed.done():
            await websocket.send_json({"type": "status", **_jsonable(follow.status())})
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval_s):
                    while True:
                        event = await queue.get()
                        if str(event.get("kind", "")).startswith("follow."):
                            await websocket.send_json({"type": "event", **_jsonable(event)})
    except WebSocketDisconnect:
        return
    finally:
        unsubscribe()
        if not closed.done():
            await cancel_and_wait(closed, what="follow live: client watch")
        elif not closed.cancelled():
            closed.exception()
    with contextlib.suppress(Exception):
        await websocket.close()


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    return (
        FollowStatusOut.model_validate(value).model_dump(mode="json") if "seats" in value else value
    )


async def _wait_closed(websocket: WebSocket) -> None:
    """Drain client messages; return when the client closes."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message.get("type") == "websocket.disconnect":
                return
