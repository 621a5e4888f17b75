"""One function per room operation, called by the control API's routes AND by the hub's
commands (``appliance.agent.link.commands``), so a preset recalled from the hub and one
recalled with ``curl`` on the room PC go through the same lines (docs/LINK.md §5).

Each function takes the service and plain arguments, raises the agent's error tree
(``drivers.errors`` + ``appliance.agent.errors``) and returns the API's response model;
the route turns errors into HTTP answers (``api/errors.py``), the link into ``ErrorInfo``
kinds (``link/commands.py``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from appliance import __version__
from appliance.agent.api.errors import device_error_text
from appliance.agent.api.models import (
    CheckRunOut,
    CheckStartOut,
    DeviceOut,
    DisplayOut,
    DisplayPowerOut,
    FocusOut,
    LevelOut,
    PlayerOut,
    PositionOut,
    PowerOut,
    PresetOut,
    PresetStoredOut,
    RecallOut,
    ReferenceOut,
    StatusOut,
    ZoomOut,
)
from appliance.agent.errors import (
    CheckEngineUnavailableError,
    DiskFullError,
    InvalidRequestError,
    MoveInterruptedError,
    UnknownCheckRunError,
    is_disk_full,
    written_path,
)
from appliance.i18n import t
from drivers.errors import ConfigError, DeviceError

if TYPE_CHECKING:
    from appliance.agent.devices import CameraHandle
    from appliance.agent.media import DisplayHandle
    from appliance.agent.service import AgentService, CheckRunner
    from drivers.audio.results import LevelReading
    from drivers.visca.camera import FocusAction, Position, ZoomAction

log = logging.getLogger(__name__)
# How close to the target a finished absolute move must be; cameras land on the exact
# units (the simulator too), so this only absorbs rounding of degree conversions.
ARRIVAL_TOLERANCE_DEG = 0.5

# The hub's "rooms on" shows this on every display once it is on (DESIGN.md: "room ready").
ROOM_READY_SHOW: Literal["slate"] = "slate"


# -- status ---------------------------------------------------------------------------------


def status(service: AgentService) -> StatusOut:
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
        hub_link=service.hub_link.state if service.hub_link is not None else "not_configured",
    )


def devices(service: AgentService) -> list[DeviceOut]:
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


# -- cameras --------------------------------------------------------------------------------


def position_out(pos: Position) -> PositionOut:
    return PositionOut(pan=pos.pan, tilt=pos.tilt, pan_deg=pos.pan_deg, tilt_deg=pos.tilt_deg)


async def camera_power(service: AgentService, camera: str, on: bool) -> PowerOut:
    await service.camera(camera).power(on)
    return PowerOut(on=on)


async def camera_drive(
    service: AgentService,
    camera: str,
    pan: Literal["left", "right", "stop"],
    tilt: Literal["up", "down", "stop"],
    pan_speed: int | None = None,
    tilt_speed: int | None = None,
) -> None:
    await service.camera(camera).drive(pan, tilt, pan_speed, tilt_speed)


async def camera_stop(service: AgentService, camera: str) -> None:
    await service.camera(camera).stop()


async def camera_goto(
    service: AgentService,
    camera: str,
    *,
    pan: int | None = None,
    tilt: int | None = None,
    pan_deg: float | None = None,
    tilt_deg: float | None = None,
    speed: int | None = None,
) -> PositionOut:
    """Move to camera units or degrees and read the position back. A move that ended
    elsewhere (a stop or another move overtook it) raises MoveInterruptedError (409)
    naming the target: never a success for a camera that is not there."""
    cam = service.camera(camera)
    if pan is not None and tilt is not None:
        target = (pan, tilt)
        await cam.goto(pan, tilt, speed)
    elif pan_deg is not None and tilt_deg is not None:
        # The move first: it refuses a position outside the model's range (422); the
        # target in camera units is only computed for a position the camera accepted.
        await cam.goto_degrees(pan_deg, tilt_deg, speed)
        target = (cam.profile.pan_from_degrees(pan_deg), cam.profile.tilt_from_degrees(tilt_deg))
    else:
        raise InvalidRequestError(
            camera, "give pan and tilt or pan_deg and tilt_deg", operation="goto"
        )
    pos = await cam.position()
    tolerance = (
        math.ceil(ARRIVAL_TOLERANCE_DEG * cam.profile.units_per_degree_pan),
        math.ceil(ARRIVAL_TOLERANCE_DEG * cam.profile.units_per_degree_tilt),
    )
    if abs(pos.pan - target[0]) > tolerance[0] or abs(pos.tilt - target[1]) > tolerance[1]:
        raise MoveInterruptedError(cam.id, "position_set", target=_position_text(cam, *target))
    return position_out(pos)


def _position_text(cam: CameraHandle, pan: int, tilt: int) -> str:
    profile = cam.profile
    return (
        f"pan {pan / profile.units_per_degree_pan:+.1f}°, "
        f"tilt {tilt / profile.units_per_degree_tilt:+.1f}°"
    )


async def camera_zoom(
    service: AgentService,
    camera: str,
    *,
    action: ZoomAction | None = None,
    position: int | None = None,
    speed: int | None = None,
) -> ZoomOut:
    cam = service.camera(camera)
    if position is not None:
        await cam.zoom_to(position)
    elif action is not None:
        await cam.zoom(action, speed)
    return ZoomOut(position=await cam.zoom_position())


async def camera_focus(
    service: AgentService,
    camera: str,
    *,
    auto: bool | None = None,
    action: FocusAction | None = None,
    position: int | None = None,
    speed: int | None = None,
) -> FocusOut:
    cam = service.camera(camera)
    if auto is not None:
        await cam.focus_auto(auto)
    elif position is not None:
        await cam.focus_to(position)
    elif action is not None:
        await cam.focus(action, speed)
    return FocusOut(position=await cam.focus_position())


def camera_presets(service: AgentService, camera: str) -> list[PresetOut]:
    return [PresetOut(number=n, name=name) for n, name in service.camera(camera).presets()]


async def camera_preset_store(
    service: AgentService,
    camera: str,
    number: int,
    name: str | None,
    *,
    reference: bool = False,
    lang: str = "vi",
) -> PresetStoredOut:
    """Store the camera's position as a preset. A reference picture of the old view of
    this number is removed: the next check would compare the new view with it and fail.
    ``reference``: store the new view as the preset's reference picture now (the head is
    already there); the preset is stored whatever becomes of the picture, and a picture
    that could not be kept is said in ``reference_error`` with the command that retries."""
    from appliance.agent.checks.items.camera import reference_store

    cam = service.camera(camera)
    await cam.preset_store(number, name)
    stored_name = dict(cam.presets()).get(number)
    try:
        removed = await reference_store(service.config).delete(cam.id, number)
    except OSError as exc:  # the camera stored it: say so, and what is left to do
        log.warning("%s: old reference of preset %d not removed: %s", cam.id, number, exc)
        removed = False
    hint = None
    preset = stored_name or str(number)
    if removed:
        hint = t("agent.preset.reference_removed", lang, camera=cam.id, preset=preset)
    stored = None
    error = None
    if reference:
        try:
            stored = await camera_preset_reference(service, camera, str(number))
        except DeviceError as exc:
            error = t(
                "agent.preset.reference_failed",
                lang,
                camera=cam.id,
                preset=preset,
                error=device_error_text(exc, lang),
            )
            hint = None  # the error says what to run
    return PresetStoredOut(
        number=number,
        name=stored_name,
        reference_removed=removed,
        hint=hint,
        reference=stored,
        reference_error=error,
    )


async def camera_preset_reference(service: AgentService, camera: str, preset: str) -> ReferenceOut:
    """Recall ``preset``, wait for fresh frames and store the picture as its reference
    (``appliance check reference``, the API's and the hub's "store reference"); waits while
    a check run uses the camera. A full disk is a DiskFullError naming what to free."""
    from appliance.agent.checks import CheckEngine
    from appliance.agent.checks.items.camera import camera_resource, capture_reference

    cam = service.camera(camera)
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
        except (OSError, ConfigError) as exc:
            if not is_disk_full(exc):
                raise
            # The camera went to the preset; only the picture could not be kept.
            raise DiskFullError(
                cam.id,
                f"reference picture of preset {preset} not saved: disk full",
                written_path(exc) or str(service.config.state.dir),
                operation="preset_reference",
            ) from exc
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


async def camera_preset_recall(service: AgentService, camera: str, preset: str) -> RecallOut:
    number, name, seconds = await service.camera(camera).preset_recall(preset)
    return RecallOut(number=number, name=name, duration_s=round(seconds, 4))


async def camera_snapshot(service: AgentService, camera: str) -> bytes:
    return await service.camera(camera).snapshot()


# -- audio, displays ------------------------------------------------------------------------


def level_out(device: str, r: LevelReading) -> LevelOut:
    return LevelOut(
        device=device,
        rms_dbfs=r.rms_dbfs,
        peak_dbfs=r.peak_dbfs,
        noise_floor_dbfs=r.noise_floor_dbfs,
        clipping_ratio=r.clipping_ratio,
    )


async def audio_level(service: AgentService, device: str, seconds: float) -> LevelOut:
    return level_out(device, await service.audio.endpoint(device).level(seconds))


async def display_power(service: AgentService, display: str, on: bool) -> DisplayPowerOut:
    return DisplayPowerOut(power=await service.display(display).power(on))


async def display_show(
    service: AgentService,
    display: str,
    what: Literal["pattern", "slate", "url"],
    *,
    pattern: str | None = None,
    url: str | None = None,
) -> None:
    await service.display(display).show(what, pattern=pattern, url=url)


async def display_out(d: DisplayHandle, *, probe: bool = False) -> DisplayOut:
    """A display's state; with ``probe`` an open player is asked whether its output is
    still there."""
    player = await d.probe() if probe else d.player()
    return DisplayOut(
        id=d.id,
        state=d.state.value,
        last_error=d.last_error,
        x_display=d.config.x_display,
        output=d.config.output,
        cec=d.config.cec,
        showing=d.showing,
        power=d.last_power,
        player=PlayerOut.model_validate(player.as_dict()) if player is not None else None,
    )


async def display_stop(service: AgentService, display: str) -> None:
    await service.display(display).stop()


# -- checks ---------------------------------------------------------------------------------


def engine(service: AgentService, operation: str) -> CheckRunner:
    if service.checks is None:
        raise CheckEngineUnavailableError(operation)
    return service.checks


def run_out(obj: object) -> CheckRunOut:
    return CheckRunOut.model_validate(obj, from_attributes=True)


async def check_start(service: AgentService, only: list[str] | None) -> CheckStartOut:
    runner = engine(service, "checks_start")
    return CheckStartOut(run_id=await runner.start(set(only) if only is not None else None))


def check_progress(service: AgentService, run_id: str) -> CheckRunOut:
    runner = engine(service, "checks_progress")
    try:
        return run_out(runner.progress(run_id))
    except KeyError:
        raise UnknownCheckRunError(run_id) from None


async def check_result(service: AgentService, run_id: str) -> CheckRunOut:
    runner = engine(service, "checks_result")
    try:
        return run_out(await runner.wait(run_id))
    except KeyError:
        raise UnknownCheckRunError(run_id) from None


def check_evidence_path(service: AgentService, run_id: str, name: str) -> Path:
    """The file of one evidence picture of a run (names as in the run's ``evidence``)."""
    from appliance.agent.checks import CheckEngine

    runner = engine(service, "checks_evidence")
    check_progress(service, run_id)  # unknown run → 404
    if not isinstance(runner, CheckEngine) or "/" in name or name.startswith("."):
        raise UnknownCheckRunError(f"{run_id}/{name}")
    path = runner.store.evidence_dir(run_id) / name
    if not path.is_file():
        raise UnknownCheckRunError(f"{run_id}/{name}")
    return path


# -- the whole room -------------------------------------------------------------------------


async def room_power(service: AgentService, on: bool) -> dict[str, dict[str, str]]:
    """Rooms on / off: every camera's power, every display's power and, when on, the
    "room ready" slate. Each device's outcome is reported ("ok" or the error), one
    failing device does not stop the others."""
    cameras: dict[str, str] = {}
    for cam_id in service.cameras:
        cameras[cam_id] = await _outcome(camera_power(service, cam_id, on))
    displays: dict[str, str] = {}
    for display_id, handle in service.displays.items():
        outcome = "ok"
        if handle.config.cec:
            outcome = await _outcome(display_power(service, display_id, on))
        if on:
            shown = await _outcome(display_show(service, display_id, ROOM_READY_SHOW))
            outcome = outcome if shown == "ok" else shown
        else:
            outcome = (
                await _outcome(display_stop(service, display_id)) if outcome == "ok" else outcome
            )
        displays[display_id] = outcome
    return {"cameras": cameras, "displays": displays}


async def _outcome(step: Awaitable[object]) -> str:
    try:
        await step
    except DeviceError as exc:
        return f"error: {exc}"
    return "ok"
