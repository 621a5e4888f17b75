"""Camera items: link and identity, power, pan/tilt move-and-read-back, preset recall with
image verification.

Per camera, in this order under the camera's lock (one head, one picture):

    camera.<id>.link       the link is up (kicked and given LINK_READY_WAIT_S if not) and the
                           camera answers CAM_VersionInq; its model IDs match the config
    camera.<id>.power      CAM_PowerInq: on (standby/fault fail)
    camera.<id>.pan_tilt   a PAN_TILT_DELTA_DEG absolute move from where it stands, read back
                           with Pan-tiltPosInq, then back to the start
    camera.<id>.preset.<n> recall, wait for PRESET_SETTLE_FRAMES fresh frames, compare with the
                           stored reference (drivers.video.presets, SSIM); only presets with a
                           reference are recalled, the others are skipped with how to store one

References live in ``<state.dir>/preset-references/<camera>/preset-NNN.{jpg,json}``
(:func:`reference_store`; :func:`capture_reference` stores one). After the run the camera
goes back to the pan/tilt/zoom it had before the first recall. The picture work (reading
the settled frame, comparing it, storing a reference) is done by the camera's video
handle in its child process: OpenCV and numpy never enter the agent (issue 7 item 11).

Commands go through the service's ``CameraHandle`` (its port, its lock); the version and
the power *state* (standby vs. fault) are asked through ``CameraHandle.inquire`` (the
handle's own driver object and port; the timings reach /metrics like every operation's).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from appliance.agent.checks.items import video
from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import (
    Outcome,
    Text,
    failed,
    passed,
    skipped,
    text,
    warned,
)
from appliance.agent.checks.settings import CheckSettings
from drivers.errors import (
    ConfigError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    LineNoiseError,
    NotSupportedError,
)
from drivers.supervision import DeviceState
from drivers.video.reference_files import ReferenceFiles, ReferenceInfo

if TYPE_CHECKING:
    from appliance.agent.devices import CameraHandle
    from appliance.agent.service import AgentService
    from appliance.config import AgentConfig

log = logging.getLogger(__name__)

REFERENCES_DIR = "preset-references"
REFERENCE_FRAMES = 2  # the 2nd fresh frame after the recall is the reference picture
T = TypeVar("T")


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    items: list[CheckItem] = []
    store = reference_store(service.config)
    for cam in service.cameras.values():
        lock = (camera_resource(cam.id),)
        hint = link_hint(cam)
        link_id, power_id, pt_id = (f"camera.{cam.id}.{n}" for n in ("link", "power", "pan_tilt"))

        items += [
            CheckItem(link_id, "camera.link", "camera", cam.id, functools.partial(_link, cam),
                      resources=lock, error_hint=hint),
            CheckItem(power_id, "camera.power", "camera", cam.id, functools.partial(_power, cam),
                      resources=lock, requires=(link_id,), error_hint=hint),
            CheckItem(pt_id, "camera.pan_tilt", "camera", cam.id,
                      functools.partial(_pan_tilt, cam),
                      resources=lock, requires=(power_id,), error_hint=hint),
        ]  # fmt: skip
        items += _preset_items(cam, store, pt_id, hint, settings)
    return items


def reference_store(config: AgentConfig) -> ReferenceFiles:
    """Where preset reference pictures of this room are kept (``drivers.video.presets.
    PresetStore`` over the same root does the picture work)."""
    return ReferenceFiles(Path(config.state.dir) / REFERENCES_DIR)


def camera_resource(camera_id: str) -> str:
    """The lock name of one camera head (items and :func:`capture_reference` callers)."""
    return f"camera:{camera_id}"


async def capture_reference(service: AgentService, camera_id: str, preset: str) -> ReferenceInfo:
    """Recall ``preset`` (number or name) on ``camera_id`` and store what it shows now as
    that preset's reference (``reference.image_path`` is the picture). Beside a running
    check, hold the engine's ``camera_resource(camera_id)`` lock around it."""
    cam = service.camera(camera_id)
    if cam.video is None:
        raise NotSupportedError(cam.id, "no video source configured", operation="read frame")
    number, _name, _s = await cam.preset_recall(preset)
    position = await cam.position()  # the recall has completed: the head stands still
    return await cam.video.store_reference(
        reference_store(service.config).root,
        number,
        frames=REFERENCE_FRAMES,
        position={"pan_deg": position.pan_deg, "tilt_deg": position.tilt_deg},
    )


def link_hint(cam: CameraHandle) -> Text:
    if cam.config.port is not None:
        return text("checks.camera.hint.serial", device=cam.id, port=cam.config.port)
    return text("checks.camera.hint.network", device=cam.id, url=cam.config.url or "")


# -- items -------------------------------------------------------------------------------------


async def _link(cam: CameraHandle, ctx: ItemContext) -> Outcome:
    from drivers.visca.models import GENERIC, profile_from_version

    link = cam.link
    hint = link_hint(cam)
    if link.state is not DeviceState.READY:
        link.supervisor.kick()  # retry now instead of at the end of its backoff
        try:
            await link.supervisor.wait_ready(ctx.settings.link_ready_wait_s)
        except DeviceTimeoutError:
            error = link.supervisor.last_error or link.state.value
            return failed(
                text("checks.camera.link.down", device=cam.id, link=cam.config.link, error=error),
                hint,
            )
    try:
        version = await cam.inquire("version", lambda c: c.version())
    except DeviceTimeoutError as exc:
        return failed(text("checks.camera.link.silent", device=cam.id, error=exc.detail), hint)
    except LineNoiseError as exc:  # it answers, but garbage: baud rate or cable (item 8)
        return failed(text("checks.camera.link.noise", device=cam.id, error=exc.detail), hint)
    except DeviceUnavailableError as exc:  # lost while asking (unplugged a moment ago)
        down = text(
            "checks.camera.link.down", device=cam.id, link=cam.config.link, error=exc.detail
        )
        return failed(down, hint)
    found = profile_from_version(version.vendor, version.model)
    values = {
        "vendor_id": f"0x{version.vendor:04X}",
        "model_id": f"0x{version.model:04X}",
        "rom": f"0x{version.rom:04X}",
        "model": found.name,
        "configured_model": cam.config.model,
    }
    if cam.profile is GENERIC or found.name == cam.profile.name:
        return passed(text("checks.camera.link.ok", device=cam.id, model=found.title), **values)
    fix = text("checks.camera.model.hint", device=cam.id, model=found.name)
    if found is GENERIC:
        unknown = text(
            "checks.camera.model.unknown",
            device=cam.id,
            model_id=values["model_id"],
            configured=cam.config.model,
        )
        return warned(unknown, fix, **values)
    return warned(
        text(
            "checks.camera.model.mismatch",
            device=cam.id,
            model=found.name,
            configured=cam.config.model,
        ),
        fix,
        **values,
    )


async def _power(cam: CameraHandle, ctx: ItemContext) -> Outcome:
    from drivers.visca.messages import PowerState

    state = await cam.inquire("power_inquiry", lambda c: c.power_state())
    if state is PowerState.ON:
        return passed(text("checks.camera.power.on", device=cam.id), power="on")
    if state is PowerState.STANDBY:
        return failed(
            text("checks.camera.power.standby", device=cam.id),
            text("checks.camera.power.hint", device=cam.id),
            power="standby",
        )
    return failed(
        text("checks.camera.power.fault", device=cam.id),
        text("checks.camera.power.fault_hint", device=cam.id),
        power="fault",
    )


async def _pan_tilt(cam: CameraHandle, ctx: ItemContext) -> Outcome:
    """Both axes by PAN_TILT_DELTA_DEG (away from a range end), read back, and back again."""
    profile = cam.profile
    pan_u, tilt_u = profile.units_per_degree_pan, profile.units_per_degree_tilt
    start = await cam.position()
    pan = _step(start.pan, round(ctx.settings.pan_tilt_delta_deg * pan_u), profile.pan_range)
    tilt = _step(start.tilt, round(ctx.settings.pan_tilt_delta_deg * tilt_u), profile.tilt_range)
    await cam.goto(pan, tilt, None)
    moved = await cam.position()
    await cam.goto(start.pan, start.tilt, None)
    back = await cam.position()
    tolerance = ctx.settings.pan_tilt_tolerance_deg
    moved_deg = min(abs(moved.pan - start.pan) / pan_u, abs(moved.tilt - start.tilt) / tilt_u)
    off_deg = max(abs(moved.pan - pan) / pan_u, abs(moved.tilt - tilt) / tilt_u)
    back_deg = max(abs(back.pan - start.pan) / pan_u, abs(back.tilt - start.tilt) / tilt_u)
    values = {
        "moved_deg": moved_deg,
        "target_deg": ctx.settings.pan_tilt_delta_deg,
        "target_error_deg": off_deg,
        "return_error_deg": back_deg,
    }
    hint = text("checks.camera.pan_tilt.hint", device=cam.id)
    if moved_deg < tolerance:
        return failed(
            text(
                "checks.camera.pan_tilt.stuck",
                device=cam.id,
                deg=f"{ctx.settings.pan_tilt_delta_deg:g}",
            ),
            hint,
            **values,
        )
    if off_deg > tolerance:
        return failed(
            text("checks.camera.pan_tilt.off", device=cam.id, error=f"{off_deg:.2f}"),
            hint,
            **values,
        )
    if back_deg > tolerance:
        return warned(
            text("checks.camera.pan_tilt.not_back", device=cam.id, error=f"{back_deg:.2f}"),
            hint,
            **values,
        )
    return passed(
        text("checks.camera.pan_tilt.ok", device=cam.id, deg=f"{moved_deg:.1f}"), **values
    )


def _preset_items(
    cam: CameraHandle, store: ReferenceFiles, pt_id: str, hint: Text, settings: CheckSettings
) -> list[CheckItem]:
    named = dict(cam.presets())
    try:
        refs = set(store.presets_sync(cam.id))
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot list preset references: %s", cam.id, exc)
        refs = set()
    numbers = sorted(set(named) | refs)
    if not numbers:
        return [
            _skip_item(
                f"camera.{cam.id}.preset", cam.id, text("checks.camera.preset.none", device=cam.id)
            )
        ]
    items = []
    for number in numbers:
        label = named.get(number) or str(number)
        ident = f"camera.{cam.id}.preset.{label}"
        if cam.video is None:
            items.append(
                _skip_item(
                    ident,
                    cam.id,
                    text("checks.camera.preset.no_video", device=cam.id, preset=label),
                )
            )
        elif number not in refs:
            why = text("checks.camera.preset.no_reference", device=cam.id, preset=label)
            how = text("checks.camera.preset.reference_hint", device=cam.id, preset=label)
            items.append(_skip_item(ident, cam.id, why, how))
        else:
            run = functools.partial(_preset, cam, number, label)
            items.append(
                CheckItem(
                    ident, "camera.preset", "camera", cam.id, run,
                    resources=(camera_resource(cam.id),),
                    requires=(pt_id, *video.picture_ids(cam.id)),
                    timeout_s=settings.preset_timeout_s, error_hint=hint,
                )
            )  # fmt: skip
    return items


async def _preset(cam: CameraHandle, number: int, label: str, ctx: ItemContext) -> Outcome:
    _remember_view(cam, ctx)
    await _snapshot_view(cam, ctx)
    _, _, recall_s = await cam.preset_recall(str(number))
    if cam.video is None:  # planned only for a camera with video
        raise NotSupportedError(cam.id, "no video source configured", operation="read frame")
    store = reference_store(ctx.service.config)
    path = ctx.evidence_path(f"camera.{cam.id}.preset.{number:03d}.jpg")
    try:
        match = await cam.video.verify_preset(
            store.root,
            number,
            frames=ctx.settings.preset_settle_frames,
            threshold=ctx.settings.preset_threshold,
            evidence=path,
        )
    except ConfigError as exc:
        return failed(
            text("checks.camera.preset.damaged", device=cam.id, preset=label, error=str(exc)),
            text("checks.camera.preset.reference_hint", device=cam.id, preset=label),
        )
    values = {
        "preset": number,
        "score": match.score,
        "threshold": match.threshold,
        "recall_s": recall_s,
    }
    evidence = {
        "snapshot": str(path),
        "reference": str(store.paths(cam.id, number)[0]),
    }
    if match.passed:
        outcome = passed(
            text(
                "checks.camera.preset.ok", device=cam.id, preset=label, score=f"{match.score:.2f}"
            ),
            **values,
        )
    else:
        outcome = failed(
            text(
                "checks.camera.preset.elsewhere",
                device=cam.id,
                preset=label,
                score=f"{match.score:.2f}",
                threshold=f"{match.threshold:.2f}",
            ),
            text("checks.camera.preset.hint", device=cam.id, preset=label),
            **values,
        )
    outcome.evidence.update(evidence)
    return outcome


# -- helpers ------------------------------------------------------------------------------------


def _step(position: int, delta: int, bounds: tuple[int, int]) -> int:
    """``position`` moved by ``delta`` units, the other way when that would leave ``bounds``."""
    return position + delta if position + delta <= bounds[1] else position - delta


def _skip_item(ident: str, device: str, why: Text, how: Text | None = None) -> CheckItem:
    async def run(_ctx: ItemContext) -> Outcome:
        return skipped(why, how)

    return CheckItem(ident, "camera.preset", "camera", device, run)


def _remember_view(cam: CameraHandle, ctx: ItemContext) -> None:
    """Before the first recall: put the camera back where it was once the run ends."""
    key = f"camera.{cam.id}.restore"
    if key in ctx.cleanups:
        return

    async def restore() -> None:
        view = ctx.scratch.get(key)
        if isinstance(view, tuple):
            pan, tilt, zoom = view
            await cam.goto(pan, tilt, None)
            if zoom is not None:
                await cam.zoom_to(zoom)

    ctx.on_cleanup(key, restore)


async def _snapshot_view(cam: CameraHandle, ctx: ItemContext) -> None:
    key = f"camera.{cam.id}.restore"
    if key in ctx.scratch:
        return
    position = await cam.position()
    zoom = await cam.zoom_position()
    ctx.stash(key, (position.pan, position.tilt, zoom))
