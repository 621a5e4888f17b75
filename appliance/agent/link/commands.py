"""Run a hub ``command`` through the room's service code (docs/LINK.md §4–5).

    executor = CommandExecutor(service)
    result = await executor.run(command)       # a Result message; never raises

Every operation of :data:`appliance.link.ops.OPERATIONS` maps to ONE function of
:mod:`appliance.agent.operations` — the same function the control API's route calls.
The arguments are validated with the operation's model first (``invalid`` before any
device is touched), the command's ``timeout_s`` is enforced (``timeout``), and an error
of the agent's tree becomes an :class:`~appliance.link.ErrorInfo` of the kind the local
API's HTTP status stands for (``api/errors.classify``: 404 → not_found, 503 →
unavailable, …), so the hub answers with the same status the room PC would.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ValidationError

from appliance.agent import operations as ops
from appliance.agent.api.errors import classify
from appliance.agent.errors import UnknownCheckRunError
from appliance.i18n import t
from appliance.link import Command, ErrorInfo, ErrorKind, Result
from appliance.link import ops as link_ops
from drivers.errors import DeviceError

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

log = logging.getLogger(__name__)

# The local API's HTTP status → the link's error kind (docs/LINK.md §4).
_KIND_BY_STATUS: Final[dict[int, ErrorKind]] = {
    404: "not_found",
    422: "invalid",
    409: "rejected",
    503: "unavailable",
    502: "unavailable",  # the device answered garbage: not usable now
    504: "timeout",
    500: "internal",
}
_MESSAGE_MAX: Final = 4096
LANG: Final = "vi"  # texts for the hub's operators: Vietnamese, like the local API's default

Handler = Callable[["AgentService", Any], Awaitable[Any]]


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


async def _status(s: AgentService, _a: link_ops.NoArgs) -> Any:
    return ops.status(s)


async def _devices(s: AgentService, _a: link_ops.NoArgs) -> Any:
    return ops.devices(s)


async def _camera_power(s: AgentService, a: link_ops.CameraPowerArgs) -> Any:
    return await ops.camera_power(s, a.camera, a.on)


async def _camera_drive(s: AgentService, a: link_ops.CameraDriveArgs) -> Any:
    return await ops.camera_drive(s, a.camera, a.pan, a.tilt, a.speed, a.speed)


async def _camera_stop(s: AgentService, a: link_ops.CameraArgs) -> Any:
    return await ops.camera_stop(s, a.camera)


async def _camera_position(s: AgentService, a: link_ops.CameraPositionArgs) -> Any:
    return await ops.camera_goto(s, a.camera, pan_deg=a.pan_deg, tilt_deg=a.tilt_deg, speed=a.speed)


async def _camera_zoom(s: AgentService, a: link_ops.CameraZoomArgs) -> Any:
    if (a.action is None) == (a.position is None):
        raise _Invalid("give action or position")
    return await ops.camera_zoom(s, a.camera, action=a.action, position=a.position)


async def _camera_focus(s: AgentService, a: link_ops.CameraFocusArgs) -> Any:
    if sum(v is not None for v in (a.action, a.position, a.auto)) != 1:
        raise _Invalid("give exactly one of action, position, auto")
    out = await ops.camera_focus(s, a.camera, auto=a.auto, action=a.action, position=a.position)
    return {"position": out.position, "auto": a.auto}


async def _camera_presets(s: AgentService, a: link_ops.CameraArgs) -> Any:
    return ops.camera_presets(s, a.camera)


async def _preset_store(s: AgentService, a: link_ops.PresetStoreArgs) -> Any:
    return await ops.camera_preset_store(s, a.camera, a.number, a.name, reference=a.reference)


async def _preset_recall(s: AgentService, a: link_ops.PresetRecallArgs) -> Any:
    return await ops.camera_preset_recall(s, a.camera, a.preset)


async def _snapshot(s: AgentService, a: link_ops.CameraArgs) -> Any:
    jpeg = await ops.camera_snapshot(s, a.camera)
    return {"jpeg_base64": base64.b64encode(jpeg).decode("ascii")}


async def _audio_level(s: AgentService, a: link_ops.AudioLevelArgs) -> Any:
    return await ops.audio_level(s, a.device, a.seconds)


async def _display_power(s: AgentService, a: link_ops.DisplayPowerArgs) -> Any:
    out = await ops.display_power(s, a.display, a.on)
    return {"on": a.on, "power": out.power}


async def _display_show(s: AgentService, a: link_ops.DisplayShowArgs) -> Any:
    what: Any = "url" if a.what == "stream" else a.what
    if (what == "url") != (a.url is not None):
        raise _Invalid("url is required for what=stream and only then")
    await ops.display_show(s, a.display, what, pattern=a.pattern, url=a.url)
    return await ops.display_out(s.display(a.display))


async def _display_stop(s: AgentService, a: link_ops.DisplayArgs) -> Any:
    return await ops.display_stop(s, a.display)


async def _check_start(s: AgentService, a: link_ops.CheckStartArgs) -> Any:
    return await ops.check_start(s, a.only)


async def _check_get(s: AgentService, a: link_ops.CheckGetArgs) -> Any:
    return ops.check_progress(s, a.run_id)


async def _check_evidence(s: AgentService, a: link_ops.CheckEvidenceArgs) -> Any:
    path = ops.check_evidence_path(s, a.run_id, a.name)
    data = await asyncio.to_thread(path.read_bytes)
    kind = "image/jpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "application/octet-stream"
    if path.suffix.lower() == ".png":
        kind = "image/png"
    return {"content_type": kind, "data_base64": base64.b64encode(data).decode("ascii")}


async def _room_on(s: AgentService, _a: link_ops.NoArgs) -> Any:
    return await ops.room_power(s, True)


async def _room_off(s: AgentService, _a: link_ops.NoArgs) -> Any:
    return await ops.room_power(s, False)


HANDLERS: Final[dict[str, Handler]] = {
    "status": _status,
    "devices": _devices,
    "camera.power": _camera_power,
    "camera.drive": _camera_drive,
    "camera.stop": _camera_stop,
    "camera.position": _camera_position,
    "camera.zoom": _camera_zoom,
    "camera.focus": _camera_focus,
    "camera.presets": _camera_presets,
    "camera.preset.store": _preset_store,
    "camera.preset.recall": _preset_recall,
    "camera.snapshot": _snapshot,
    "audio.level": _audio_level,
    "display.power": _display_power,
    "display.show": _display_show,
    "display.stop": _display_stop,
    "check.start": _check_start,
    "check.get": _check_get,
    "check.evidence": _check_evidence,
    "room.on": _room_on,
    "room.off": _room_off,
}


class _Invalid(Exception):
    """Arguments that pass the model but not the operation (one of two fields, …)."""


class CommandExecutor:
    def __init__(self, service: AgentService) -> None:
        self.service = service

    async def run(self, command: Command) -> Result:
        start = time.monotonic()

        def answer(data: Any = None, error: ErrorInfo | None = None) -> Result:
            return Result(
                request_id=command.request_id,
                outcome="ok" if error is None else "error",
                data=None if error is not None else _dump(data),
                error=error,
                duration_s=round(time.monotonic() - start, 6),
            )

        handler = HANDLERS.get(command.op)
        model = link_ops.OPERATIONS.get(command.op)
        if handler is None or model is None:
            return answer(
                error=ErrorInfo(kind="invalid", message=f"unknown operation {command.op!r}")
            )
        try:
            # Through JSON: the strict models then take a JSON integer for a float field.
            args = model.model_validate_json(json.dumps(command.args))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return answer(error=ErrorInfo(kind="invalid", message=f"{where}: {first.get('msg')}"))
        try:
            async with asyncio.timeout(command.timeout_s):
                data = await handler(self.service, args)
        except _Invalid as exc:
            return answer(error=ErrorInfo(kind="invalid", message=str(exc)))
        except (DeviceError, UnknownCheckRunError) as exc:
            return answer(error=error_info(exc, command.op))
        except TimeoutError:  # the command's deadline (a DeviceTimeoutError is caught above)
            message = t(
                "agent.link.command.deadline", LANG, op=command.op, seconds=command.timeout_s
            )
            return answer(error=ErrorInfo(kind="timeout", message=message))
        except Exception as exc:
            log.exception("hub command %s (%s) failed", command.op, command.request_id)
            message = t("agent.error.internal", LANG, operation=command.op)
            return answer(
                error=ErrorInfo(kind="internal", message=f"{message}: {exc}"[:_MESSAGE_MAX])
            )
        return answer(data)


def error_info(exc: DeviceError | UnknownCheckRunError, op: str) -> ErrorInfo:
    """The agent's error as the link's ``ErrorInfo`` (same texts as the HTTP answers)."""
    status, code = classify(exc)
    if isinstance(exc, UnknownCheckRunError):
        message = t("agent.error.check_not_found", LANG, device=exc.run_id)
        return ErrorInfo(kind="not_found", message=message[:_MESSAGE_MAX])
    message = t(
        f"agent.error.{code}",
        LANG,
        device=exc.device_id,
        operation=exc.operation or op,
        detail=exc.detail,
    )
    if code == "device_error":
        message = str(exc)
    return ErrorInfo(
        kind=_KIND_BY_STATUS.get(status, "internal"),
        message=message[:_MESSAGE_MAX],
        device=exc.device_id[:128],
    )
