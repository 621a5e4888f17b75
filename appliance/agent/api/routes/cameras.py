"""``/api/v1/cameras``: power, drive/stop, position, zoom, focus, presets (and their
reference pictures for the readiness check), snapshot."""

from __future__ import annotations

import contextlib
import logging
import math
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.errors import request_lang
from appliance.agent.api.models import (
    CameraOut,
    DriveIn,
    ErrorOut,
    FocusIn,
    FocusOut,
    PositionIn,
    PositionOut,
    PowerIn,
    PowerOut,
    PresetOut,
    PresetStoredOut,
    PresetStoreIn,
    RecallOut,
    ReferenceOut,
    ZoomIn,
    ZoomOut,
)
from appliance.agent.devices import CameraHandle
from appliance.agent.errors import InvalidRequestError, MoveInterruptedError
from appliance.i18n import t

if TYPE_CHECKING:
    from drivers.visca.camera import Position

log = logging.getLogger(__name__)
# How close to the target a finished absolute move must be; cameras land on the exact
# units (the simulator too), so this only absorbs rounding of degree conversions.
ARRIVAL_TOLERANCE_DEG = 0.5
router = APIRouter(prefix="/cameras", tags=["cameras"])


def _out(cam: CameraHandle) -> CameraOut:
    return CameraOut(
        id=cam.id,
        state=cam.state.value,
        last_error=cam.last_error,
        model=cam.config.model,
        link=cam.config.link,
        address=cam.config.address,
        video=cam.config.video,
        presets=[PresetOut(number=n, name=name) for n, name in cam.presets()],
    )


def _position(pos: Position) -> PositionOut:
    return PositionOut(pan=pos.pan, tilt=pos.tilt, pan_deg=pos.pan_deg, tilt_deg=pos.tilt_deg)


@router.get("", name="cameras_list")
async def cameras_list(service: ServiceDep) -> list[CameraOut]:
    return [_out(cam) for cam in service.cameras.values()]


@router.get("/{camera_id}", name="camera_get")
async def camera_get(camera_id: str, service: ServiceDep) -> CameraOut:
    return _out(service.camera(camera_id))


@router.get("/{camera_id}/power", name="camera_power_get")
async def camera_power_get(camera_id: str, service: ServiceDep) -> PowerOut:
    return PowerOut(on=await service.camera(camera_id).power_state())


@router.put("/{camera_id}/power", name="camera_power_set")
async def camera_power_set(camera_id: str, body: PowerIn, service: ServiceDep) -> PowerOut:
    await service.camera(camera_id).power(body.on)
    return PowerOut(on=body.on)


@router.post("/{camera_id}/drive", status_code=204, name="camera_drive")
async def camera_drive(camera_id: str, body: DriveIn, service: ServiceDep) -> Response:
    await service.camera(camera_id).drive(body.pan, body.tilt, body.pan_speed, body.tilt_speed)
    return Response(status_code=204)


@router.post("/{camera_id}/stop", status_code=204, name="camera_stop")
async def camera_stop(camera_id: str, service: ServiceDep) -> Response:
    await service.camera(camera_id).stop()
    return Response(status_code=204)


@router.get("/{camera_id}/position", name="camera_position_get")
async def camera_position_get(camera_id: str, service: ServiceDep) -> PositionOut:
    return _position(await service.camera(camera_id).position())


@router.put(
    "/{camera_id}/position",
    name="camera_position_set",
    responses={409: {"model": ErrorOut, "description": "refused, or stopped before arriving"}},
)
async def camera_position_set(camera_id: str, body: PositionIn, service: ServiceDep) -> PositionOut:
    """Move to the position and answer once the camera is there. A move that ended
    elsewhere (a stop or another move overtook it) is a 409 naming where it stopped."""
    cam = service.camera(camera_id)
    if body.pan is not None and body.tilt is not None:
        target = (body.pan, body.tilt)
        await cam.goto(body.pan, body.tilt, body.speed)
    elif body.pan_deg is not None and body.tilt_deg is not None:
        target = (
            cam.profile.pan_from_degrees(body.pan_deg),
            cam.profile.tilt_from_degrees(body.tilt_deg),
        )
        await cam.goto_degrees(body.pan_deg, body.tilt_deg, body.speed)
    pos = await cam.position()
    tolerance = (
        math.ceil(ARRIVAL_TOLERANCE_DEG * cam.profile.units_per_degree_pan),
        math.ceil(ARRIVAL_TOLERANCE_DEG * cam.profile.units_per_degree_tilt),
    )
    if abs(pos.pan - target[0]) > tolerance[0] or abs(pos.tilt - target[1]) > tolerance[1]:
        raise MoveInterruptedError(cam.id, "position_set", target=_position_text(cam, *target))
    return _position(pos)


def _position_text(cam: CameraHandle, pan: int, tilt: int) -> str:
    profile = cam.profile
    return (
        f"pan {pan / profile.units_per_degree_pan:+.1f}°, "
        f"tilt {tilt / profile.units_per_degree_tilt:+.1f}°"
    )


@router.get("/{camera_id}/zoom", name="camera_zoom_get")
async def camera_zoom_get(camera_id: str, service: ServiceDep) -> ZoomOut:
    return ZoomOut(position=await service.camera(camera_id).zoom_position())


@router.post("/{camera_id}/zoom", name="camera_zoom")
async def camera_zoom(camera_id: str, body: ZoomIn, service: ServiceDep) -> ZoomOut:
    cam = service.camera(camera_id)
    if body.position is not None:
        await cam.zoom_to(body.position)
    elif body.action is not None:
        await cam.zoom(body.action, body.speed)
    return ZoomOut(position=await cam.zoom_position())


@router.get("/{camera_id}/focus", name="camera_focus_get")
async def camera_focus_get(camera_id: str, service: ServiceDep) -> FocusOut:
    return FocusOut(position=await service.camera(camera_id).focus_position())


@router.post("/{camera_id}/focus", name="camera_focus")
async def camera_focus(camera_id: str, body: FocusIn, service: ServiceDep) -> FocusOut:
    cam = service.camera(camera_id)
    if body.mode is not None:
        await cam.focus_auto(body.mode == "auto")
    elif body.position is not None:
        await cam.focus_to(body.position)
    elif body.action is not None:
        await cam.focus(body.action, body.speed)
    return FocusOut(position=await cam.focus_position())


@router.get("/{camera_id}/presets", name="camera_presets_list")
async def camera_presets_list(camera_id: str, service: ServiceDep) -> list[PresetOut]:
    return [PresetOut(number=n, name=name) for n, name in service.camera(camera_id).presets()]


@router.post(
    "/{camera_id}/presets",
    status_code=201,
    name="camera_preset_store",
    responses={409: {"model": ErrorOut, "description": "the name names another preset"}},
)
async def camera_preset_store(
    camera_id: str, body: PresetStoreIn, service: ServiceDep, request: Request
) -> PresetStoredOut:
    """Store the camera's position as a preset. A reference picture of the old view of
    this number is removed: the next check would compare the new view with it and fail."""
    from appliance.agent.checks.items.camera import reference_store

    cam = service.camera(camera_id)
    await cam.preset_store(body.number, body.name)
    name = dict(cam.presets()).get(body.number)
    try:
        removed = await reference_store(service.config).delete(cam.id, body.number)
    except OSError as exc:  # the camera stored it: say so, and what is left to do
        log.warning("%s: old reference of preset %d not removed: %s", cam.id, body.number, exc)
        removed = False
    hint = None
    if removed:
        hint = t(
            "agent.preset.reference_removed",
            request_lang(request),
            camera=cam.id,
            preset=name or body.number,
        )
    return PresetStoredOut(number=body.number, name=name, reference_removed=removed, hint=hint)


@router.post(
    "/{camera_id}/presets/{preset}/reference", status_code=201, name="camera_preset_reference"
)
async def camera_preset_reference(camera_id: str, preset: str, service: ServiceDep) -> ReferenceOut:
    """Recall the preset, wait for fresh frames and store the picture as the preset's
    reference (``appliance check reference``); waits while a check run uses the camera."""
    from appliance.agent.checks import CheckEngine
    from appliance.agent.checks.items.camera import camera_resource, capture_reference

    cam = service.camera(camera_id)
    engine = service.checks
    hold = (
        engine.hold(camera_resource(cam.id))
        if isinstance(engine, CheckEngine)
        else contextlib.nullcontext()
    )
    async with hold:
        try:
            ref = await capture_reference(service, cam.id, preset)
        except ValueError as exc:  # the reference store refused the preset number
            raise InvalidRequestError(cam.id, str(exc), operation="preset_reference") from None
    position = ref.position or {}
    return ReferenceOut(
        camera=cam.id,
        number=ref.preset,
        name=dict(cam.presets()).get(ref.preset),
        image=str(ref.image_path),
        created_at=ref.created_at,
        width=ref.width,
        height=ref.height,
        pan_deg=position.get("pan_deg"),
        tilt_deg=position.get("tilt_deg"),
    )


@router.post("/{camera_id}/presets/{preset}/recall", name="camera_preset_recall")
async def camera_preset_recall(camera_id: str, preset: str, service: ServiceDep) -> RecallOut:
    number, name, seconds = await service.camera(camera_id).preset_recall(preset)
    return RecallOut(number=number, name=name, duration_s=round(seconds, 4))


@router.get(
    "/{camera_id}/snapshot.jpg",
    name="camera_snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "JPEG of the camera's picture"}},
)
async def camera_snapshot(camera_id: str, service: ServiceDep) -> Response:
    jpeg = await service.camera(camera_id).snapshot()
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
