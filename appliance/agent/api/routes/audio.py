"""``/api/v1/audio``: microphones and speakers, a level reading, a live level stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from appliance.agent import operations as ops
from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.models import AudioDeviceOut, LevelOut
from appliance.agent.errors import UnknownDeviceError
from appliance.agent.media import AudioEndpoint
from drivers.errors import DeviceError
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

router = APIRouter(prefix="/audio", tags=["audio"])

LEVEL_DEFAULT_S: Final = 0.5
STREAM_INTERVAL_DEFAULT_S: Final = 0.1
# RFC 6455 §7.4.1: 1011 = the server hit a condition that stops it serving the request.
WS_DEVICE_ERROR: Final = 1011
WS_UNKNOWN_DEVICE: Final = 1008  # policy violation: no such device to stream


def _out(ep: AudioEndpoint) -> AudioDeviceOut:
    return AudioDeviceOut(
        id=ep.id,
        kind=ep.kind,
        match=ep.config.name,
        state=ep.state.value,
        device_name=ep.device_name,
        last_error=ep.last_error,
    )


@router.get("/devices", name="audio_devices")
async def audio_devices(service: ServiceDep) -> list[AudioDeviceOut]:
    return [_out(ep) for ep in service.audio.endpoints()]


@router.get("/{device_id}/level", name="audio_level")
async def audio_level(
    device_id: str,
    service: ServiceDep,
    seconds: float = Query(LEVEL_DEFAULT_S, gt=0, le=10),
) -> LevelOut:
    return await ops.audio_level(service, device_id, seconds)


@router.websocket("/{device_id}/levels", name="audio_level_stream")
async def audio_level_stream(
    websocket: WebSocket,
    device_id: str,
    service: ServiceDep,
    interval_s: float = Query(STREAM_INTERVAL_DEFAULT_S, ge=0.02, le=5),
) -> None:
    """Live level readings as JSON text messages (one per ``interval_s``) until closed."""
    try:
        ep = service.audio.endpoint(device_id)
    except UnknownDeviceError:
        # Closed before accept: the server answers the handshake with HTTP 403 (ASGI spec).
        await websocket.close(WS_UNKNOWN_DEVICE)
        return
    await websocket.accept()
    try:
        async with contextlib.aclosing(ep.level_stream(interval_s)) as stream:
            closed = asyncio.create_task(_wait_closed(websocket), name="ws-closed")
            try:
                async for reading in stream:
                    if closed.done():
                        break
                    await websocket.send_text(ops.level_out(device_id, reading).model_dump_json())
            finally:
                await _stop_watch(closed)
    except WebSocketDisconnect:
        return
    except DeviceError as exc:
        log.info("level stream %s ended: %s", device_id, exc)
        with contextlib.suppress(Exception):
            await websocket.close(WS_DEVICE_ERROR, reason=str(exc)[:120])
        return
    with contextlib.suppress(Exception):
        await websocket.close()


async def _stop_watch(closed: asyncio.Task[None]) -> None:
    """End the client watch without swallowing a cancel of the handler itself.

    ``cancel(); suppress(CancelledError): await`` would take uvicorn's cancel of this
    handler for the watch's own and carry on (drivers/supervision.py cancel_and_wait).
    """
    if closed.done():
        # The client closed (or its socket failed): already acted on, nothing to log.
        if not closed.cancelled():
            closed.exception()
        return
    await cancel_and_wait(closed, what="level stream: client watch")


async def _wait_closed(websocket: WebSocket) -> None:
    """Drain client messages; return when the client closes."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
