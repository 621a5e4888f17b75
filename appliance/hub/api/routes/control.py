"""Room control proxied over the link (docs/LINK.md §5): cameras, audio, displays, on/off.

    POST /rooms/{room}/cameras/{cam}/power        {on}
    POST /rooms/{room}/cameras/{cam}/drive        {pan, tilt, speed?}    POST …/stop
    PUT  /rooms/{room}/cameras/{cam}/position     {pan_deg, tilt_deg, speed?}
    POST /rooms/{room}/cameras/{cam}/zoom         {action | position}
    POST /rooms/{room}/cameras/{cam}/focus        {action | position | auto}
    GET  /rooms/{room}/cameras/{cam}/presets      POST …/presets {number, name?}
    POST /rooms/{room}/cameras/{cam}/presets/{preset}/recall
    GET  /rooms/{room}/cameras/{cam}/snapshot     image/jpeg
    GET  /rooms/{room}/audio/{device}/level?seconds=0.5
    POST /rooms/{room}/displays/{display}/power   {on}
    POST /rooms/{room}/displays/{display}/show    {what, pattern?, text?, url?}   POST …/stop
    POST /rooms/{room}/power                      {on}     one room on/off
    POST /rooms/power                             {on, room_ids | district | all}

Commands need technician or above and a room in the caller's scope; reads (presets,
snapshot, level) any logged-in role. Every one is audited (``Fleet.command``); the room's
``ErrorInfo.kind`` becomes the HTTP status in ``app.py``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from appliance.hub.api.access import chosen_rooms, visible_room
from appliance.hub.api.deps import FleetDep, StoreDep
from appliance.hub.errors import CommandError
from appliance.hub.fleet import Outcome
from appliance.hub.security.deps import CommanderDep, PrincipalDep
from appliance.hub.security.roles import Principal

router = APIRouter(tags=["control"])

_Speed = Annotated[int, Field(ge=1, le=24)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PowerIn(_In):
    on: bool


class DriveIn(_In):
    pan: Literal["left", "right", "stop"] = "stop"
    tilt: Literal["up", "down", "stop"] = "stop"
    speed: _Speed | None = None


class PositionIn(_In):
    pan_deg: Annotated[float, Field(ge=-360, le=360)]
    tilt_deg: Annotated[float, Field(ge=-360, le=360)]
    speed: _Speed | None = None


class ZoomIn(_In):
    action: Literal["tele", "wide", "stop"] | None = None
    position: Annotated[int, Field(ge=0, le=0xFFFF)] | None = None

    @model_validator(mode="after")
    def _one(self) -> ZoomIn:
        if (self.action is None) == (self.position is None):
            raise ValueError("give either action or position")
        return self


class FocusIn(_In):
    action: Literal["far", "near", "stop", "one_push"] | None = None
    position: Annotated[int, Field(ge=0, le=0xFFFF)] | None = None
    auto: bool | None = None

    @model_validator(mode="after")
    def _some(self) -> FocusIn:
        if self.action is None and self.position is None and self.auto is None:
            raise ValueError("give action, position or auto")
        return self


class PresetStoreIn(_In):
    number: Annotated[int, Field(ge=0, le=255)]
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    # Also store the camera's view as the preset's reference picture (the check compares
    # the preset's picture with it); the room answers reference / reference_error.
    reference: bool = False


class ShowIn(_In):
    what: Literal["pattern", "slate", "stream"]
    pattern: Annotated[str, Field(max_length=32)] | None = None
    text: Annotated[str, Field(max_length=200)] | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None


class FleetPowerIn(_In):
    on: bool
    room_ids: Annotated[list[str], Field(max_length=10_000)] | None = None
    district: str | None = None
    all: bool = False


class CommandOut(BaseModel):
    room_id: str
    op: str
    data: Any = None
    duration_s: float


async def _run(
    fleet: FleetDep, store: StoreDep, who: Principal, room_id: str, op: str, args: dict[str, Any]
) -> CommandOut:
    await visible_room(store, who, room_id)
    res = await fleet.command(who.who, room_id, op, args)
    return CommandOut(room_id=room_id, op=op, data=res.data, duration_s=res.duration_s)


def _args(model: BaseModel, **extra: Any) -> dict[str, Any]:
    return {**extra, **model.model_dump(exclude_none=True)}


# -- cameras ---------------------------------------------------------------------------------


@router.post("/rooms/{room_id}/cameras/{camera}/power", name="camera_power")
async def camera_power(
    room_id: str, camera: str, body: PowerIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.power", _args(body, camera=camera))


@router.post("/rooms/{room_id}/cameras/{camera}/drive", name="camera_drive")
async def camera_drive(
    room_id: str, camera: str, body: DriveIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.drive", _args(body, camera=camera))


@router.post("/rooms/{room_id}/cameras/{camera}/stop", name="camera_stop")
async def camera_stop(
    room_id: str, camera: str, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.stop", {"camera": camera})


@router.put("/rooms/{room_id}/cameras/{camera}/position", name="camera_position")
async def camera_position(
    room_id: str,
    camera: str,
    body: PositionIn,
    who: CommanderDep,
    fleet: FleetDep,
    store: StoreDep,
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.position", _args(body, camera=camera))


@router.post("/rooms/{room_id}/cameras/{camera}/zoom", name="camera_zoom")
async def camera_zoom(
    room_id: str, camera: str, body: ZoomIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.zoom", _args(body, camera=camera))


@router.post("/rooms/{room_id}/cameras/{camera}/focus", name="camera_focus")
async def camera_focus(
    room_id: str, camera: str, body: FocusIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.focus", _args(body, camera=camera))


@router.get("/rooms/{room_id}/cameras/{camera}/presets", name="camera_presets")
async def camera_presets(
    room_id: str, camera: str, who: PrincipalDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.presets", {"camera": camera})


@router.post("/rooms/{room_id}/cameras/{camera}/presets", name="camera_preset_store")
async def camera_preset_store(
    room_id: str,
    camera: str,
    body: PresetStoreIn,
    who: CommanderDep,
    fleet: FleetDep,
    store: StoreDep,
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "camera.preset.store", _args(body, camera=camera))


@router.post(
    "/rooms/{room_id}/cameras/{camera}/presets/{preset}/recall", name="camera_preset_recall"
)
async def camera_preset_recall(
    room_id: str, camera: str, preset: str, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    args = {"camera": camera, "preset": preset}
    return await _run(fleet, store, who, room_id, "camera.preset.recall", args)


@router.get(
    "/rooms/{room_id}/cameras/{camera}/snapshot",
    name="camera_snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def camera_snapshot(
    room_id: str, camera: str, who: PrincipalDep, fleet: FleetDep, store: StoreDep
) -> Response:
    out = await _run(fleet, store, who, room_id, "camera.snapshot", {"camera": camera})
    try:
        jpeg = base64.b64decode(str((out.data or {}).get("jpeg_base64", "")), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        raise CommandError.of(
            room_id, "camera.snapshot", "internal", "the room sent no valid picture"
        ) from None
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


# -- audio and displays ------------------------------------------------------------------------


@router.get("/rooms/{room_id}/audio/{device}/level", name="audio_level")
async def audio_level(
    room_id: str,
    device: str,
    who: PrincipalDep,
    fleet: FleetDep,
    store: StoreDep,
    seconds: Annotated[float, Query(ge=0.05, le=10)] = 0.5,
) -> CommandOut:
    args = {"device": device, "seconds": seconds}
    return await _run(fleet, store, who, room_id, "audio.level", args)


@router.post("/rooms/{room_id}/displays/{display}/power", name="display_power")
async def display_power(
    room_id: str, display: str, body: PowerIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "display.power", _args(body, display=display))


@router.post("/rooms/{room_id}/displays/{display}/show", name="display_show")
async def display_show(
    room_id: str, display: str, body: ShowIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "display.show", _args(body, display=display))


@router.post("/rooms/{room_id}/displays/{display}/stop", name="display_stop")
async def display_stop(
    room_id: str, display: str, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "display.stop", {"display": display})


# -- rooms on / off ---------------------------------------------------------------------------


@router.post("/rooms/power", name="rooms_power")
async def rooms_power(
    body: FleetPowerIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> list[Outcome]:
    """Cameras and displays on (with the "room ready" slate) or off, in every chosen room
    at once; one outcome per room (a room that fails does not stop the others)."""
    rooms = await chosen_rooms(store, who, body.room_ids, body.district, body.all)
    return await fleet.power(who.who, [r.id for r in rooms], on=body.on)


@router.post("/rooms/{room_id}/power", name="room_power")
async def room_power(
    room_id: str, body: PowerIn, who: CommanderDep, fleet: FleetDep, store: StoreDep
) -> CommandOut:
    return await _run(fleet, store, who, room_id, "room.on" if body.on else "room.off", {})
