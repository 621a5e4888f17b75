"""``/api/v1/cameras``: power, drive/stop, position, zoom, focus, presets (and their
reference pictures for the readiness check), snapshot."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from appliance.agent import operations as ops
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

log = logging.getLogger(__name__)
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
    return await ops.camera_power(service, camera_id, body.on)


@router.post("/{camera_id}/drive", status_code=204, name="camera_drive")
async def camera_drive(camera_id: str, body: DriveIn, service: ServiceDep) -> Response:
    await ops.camera_drive(service, camera_id, body.pan, body.tilt, body.pan_speed, body.tilt_speed)
    return Response(status_code=204)


@router.post("/{camera_id}/stop", status_code=204, name="camera_stop")
async def camera_stop(camera_id: str, service: ServiceDep) -> Response:
    await ops.camera_stop(service, camera_id)
    return Response(status_code=204)


@router.get("/{camera_id}/position", name="camera_position_get")
async def camera_position_get(camera_id: str, service: ServiceDep) -> PositionOut:
    return ops.position_out(await service.camera(camera_id).position())


@router.put(
    "/{camera_id}/position",
    name="camera_position_set",
    responses={409: {"model": ErrorOut, "description": "refused, or stopped before arriving"}},
)
async def camera_position_set(camera_id: str, body: PositionIn, service: ServiceDep) -> PositionOut:
    """Move to the position and answer once the camera is there. A move that ended
    elsewhere (a stop or another move overtook it) is a 409 naming where it stopped."""
    return await ops.camera_goto(
        service,
        camera_id,
        pan=body.pan,
        tilt=body.tilt,
        pan_deg=body.pan_deg,
        tilt_deg=body.tilt_deg,
        speed=body.speed,
    )


@router.get("/{camera_id}/zoom", name="camera_zoom_get")
async def camera_zoom_get(camera_id: str, service: ServiceDep) -> ZoomOut:
    return ZoomOut(position=await service.camera(camera_id).zoom_position())


@router.post("/{camera_id}/zoom", name="camera_zoom")
async def camera_zoom(camera_id: str, body: ZoomIn, service: ServiceDep) -> ZoomOut:
    return await ops.camera_zoom(
        service, camera_id, action=body.action, position=body.position, speed=body.speed
    )


@router.get("/{camera_id}/focus", name="camera_focus_get")
async def camera_focus_get(camera_id: str, service: ServiceDep) -> FocusOut:
    return FocusOut(position=await service.camera(camera_id).focus_position())


@router.post("/{camera_id}/focus", name="camera_focus")
async def camera_focus(camera_id: str, body: FocusIn, service: ServiceDep) -> FocusOut:
    auto = None if body.mode is None else body.mode == "auto"
    return await ops.camera_focus(
        service, camera_id, auto=auto, action=body.action, position=body.position, speed=body.speed
    )


@router.get("/{camera_id}/presets", name="camera_presets_list")
async def camera_presets_list(camera_id: str, service: ServiceDep) -> list[PresetOut]:
    return ops.camera_presets(service, camera_id)


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
    this number is removed: the next check would compare the new view with it and fail.
    With ``reference``, the new view is stored as the preset's reference picture at once
    (its outcome in ``reference`` / ``reference_error``: the preset is stored either way)."""
    return await ops.camera_preset_store(
        service,
        camera_id,
        body.number,
        body.name,
        reference=body.reference,
        lang=request_lang(request),
    )


@router.post(
    "/{camera_id}/presets/{preset}/reference", status_code=201, name="camera_preset_reference"
)
async def camera_preset_reference(camera_id: str, preset: str, service: ServiceDep) -> ReferenceOut:
    """Recall the preset, wait for fresh frames and store the picture as the preset's
    reference (``appliance check reference``); waits while a check run uses the camera."""
    return await ops.camera_preset_reference(service, camera_id, preset)


@router.post("/{camera_id}/presets/{preset}/recall", name="camera_preset_recall")
async def camera_preset_recall(camera_id: str, preset: str, service: ServiceDep) -> RecallOut:
    return await ops.camera_preset_recall(service, camera_id, preset)


@router.get(
    "/{camera_id}/snapshot.jpg",
    name="camera_snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "JPEG of the camera's picture"}},
)
async def camera_snapshot(camera_id: str, service: ServiceDep) -> Response:
    jpeg = await ops.camera_snapshot(service, camera_id)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
