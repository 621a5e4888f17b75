"""``/api/v1/displays``: state, power over HDMI-CEC, show a pattern / slate / URL."""

from __future__ import annotations

from fastapi import APIRouter, Response

from appliance.agent import operations as ops
from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.models import DisplayOut, DisplayPowerOut, PowerIn, ShowIn

router = APIRouter(prefix="/displays", tags=["displays"])


@router.get("", name="displays_list")
async def displays_list(service: ServiceDep) -> list[DisplayOut]:
    return [await ops.display_out(d) for d in service.displays.values()]


@router.get("/{display_id}", name="display_get")
async def display_get(display_id: str, service: ServiceDep) -> DisplayOut:
    """The display's state; an open player is asked whether its output is still there."""
    return await ops.display_out(service.display(display_id), probe=True)


@router.get("/{display_id}/power", name="display_power_get")
async def display_power_get(display_id: str, service: ServiceDep) -> DisplayPowerOut:
    return DisplayPowerOut(power=await service.display(display_id).power_status())


@router.put("/{display_id}/power", name="display_power_set")
async def display_power_set(display_id: str, body: PowerIn, service: ServiceDep) -> DisplayPowerOut:
    return await ops.display_power(service, display_id, body.on)


@router.post("/{display_id}/show", name="display_show")
async def display_show(display_id: str, body: ShowIn, service: ServiceDep) -> DisplayOut:
    await ops.display_show(service, display_id, body.what, pattern=body.pattern, url=body.url)
    return await ops.display_out(service.display(display_id))


@router.post("/{display_id}/stop", status_code=204, name="display_stop")
async def display_stop(display_id: str, service: ServiceDep) -> Response:
    """Stop showing: the player and its window are released (the screen shows the desktop)."""
    await ops.display_stop(service, display_id)
    return Response(status_code=204)
