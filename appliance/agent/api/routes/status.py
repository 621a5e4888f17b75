"""``/api/v1/status`` and ``/api/v1/devices``: the room at a glance, every device's state."""

from __future__ import annotations

import time
from collections import Counter

from fastapi import APIRouter

from appliance import __version__
from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.models import DeviceOut, StatusOut

router = APIRouter(tags=["status"])


@router.get("/status", name="status")
async def status(service: ServiceDep) -> StatusOut:
    devices = service.devices()
    room = service.config.room
    return StatusOut(
        room_id=room.id,
        room_name=room.name,
        district=room.district,
        version=__version__,
        uptime_s=round(time.monotonic() - service.started_monotonic, 3),
        health=service.health(),
        devices=dict(Counter(d.state.value for d in devices)),
        checks_available=service.checks is not None,
    )


@router.get("/devices", name="devices")
async def devices(service: ServiceDep) -> list[DeviceOut]:
    return [
        DeviceOut(
            id=d.id,
            kind=d.kind,
            state=d.state.value,
            last_error=d.last_error,
            details=dict(d.details),
        )
        for d in service.devices()
    ]
