"""``/api/v1/status`` and ``/api/v1/devices``: the room at a glance, every device's state."""

from __future__ import annotations

from fastapi import APIRouter

from appliance.agent import operations as ops
from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.models import DeviceOut, StatusOut

router = APIRouter(tags=["status"])


@router.get("/status", name="status")
async def status(service: ServiceDep) -> StatusOut:
    return ops.status(service)


@router.get("/devices", name="devices")
async def devices(service: ServiceDep) -> list[DeviceOut]:
    return ops.devices(service)
