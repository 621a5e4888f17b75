"""Camera picture items: signal, black, frozen, focus, exposure.

``video.<cam>.signal`` holds the camera's lock (the head must stand still) and has the
camera's video handle read VIDEO_SAMPLE_FRAMES consecutive frames; the driver's frame
checks (``drivers.video.analysis.FrameAnalyzer``, its own named thresholds) run over them
once, and the other four items each report one verdict of the last frame:

    video.<cam>.black      mean luma and dark share (lens cap, camera off, dead sensor)
    video.<cam>.frozen     every consecutive pair identical (VIDEO_FROZEN_PAIRS_FAIL)
    video.<cam>.focus      variance of the Laplacian (soft → warn, blurred → fail)
    video.<cam>.exposure   mean luma and clipped shares (dark/bright → warn, under/over → fail)

The frames are read and analysed, and the evidence picture written, in the handle's
child process (``appliance.agent.video``): OpenCV and numpy never enter the agent
(issue 7 item 11); what comes back is plain numbers and verdicts.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import Outcome, Text, failed, passed, skipped, text, warned
from appliance.agent.checks.settings import CheckSettings
from appliance.agent.video import PICTURE_CHECKS, PictureCheck, SignalSample
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError

if TYPE_CHECKING:
    from appliance.agent.devices import CameraHandle
    from appliance.agent.media import VideoHandle
    from appliance.agent.service import AgentService

__all__ = ["PICTURE_CHECKS", "picture_ids", "plan"]


def picture_ids(camera_id: str) -> tuple[str, ...]:
    return (f"video.{camera_id}.signal", *(f"video.{camera_id}.{c}" for c in PICTURE_CHECKS))


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    items: list[CheckItem] = []
    for cam in service.cameras.values():
        if cam.video is None:
            continue
        signal_id = f"video.{cam.id}.signal"
        hint = text("checks.video.signal.hint", device=cam.id, url=cam.video.url)
        items.append(
            CheckItem(signal_id, "video.signal", "video", cam.id,
                      functools.partial(_signal, cam, cam.video),
                      resources=(f"camera:{cam.id}",), error_hint=hint)
        )  # fmt: skip
        for check in PICTURE_CHECKS:
            items.append(
                CheckItem(f"video.{cam.id}.{check}", f"video.{check}", "video", cam.id,
                          functools.partial(_picture, cam.id, check, signal_id),
                          requires=(signal_id,))
            )  # fmt: skip
    return items


# -- items --------------------------------------------------------------------------------------


async def _signal(cam: CameraHandle, video: VideoHandle, ctx: ItemContext) -> Outcome:
    hint = text("checks.video.signal.hint", device=cam.id, url=video.url)
    path = ctx.evidence_path(f"video.{cam.id}.jpg")
    try:
        sample = await video.sample(
            ctx.settings.video_sample_frames,
            wait_s=ctx.settings.video_frame_timeout_s,
            frozen_pairs_fail=ctx.settings.video_frozen_pairs_fail,
            evidence=path,
        )
    except DeviceTimeoutError as exc:
        return failed(text("checks.video.signal.stalled", device=cam.id, error=exc.detail), hint)
    except DeviceUnavailableError as exc:
        return failed(text("checks.video.signal.none", device=cam.id, error=exc.detail), hint)
    ctx.stash(f"video.{cam.id}.signal", sample)  # for the picture items
    fps = sample.fps
    outcome = passed(
        text("checks.video.signal.ok", device=cam.id, width=sample.width, height=sample.height, fps=f"{fps:.1f}"),
        width=sample.width, height=sample.height, fps=fps, frames=sample.frames,
    )  # fmt: skip
    outcome.evidence["snapshot"] = str(path)
    return outcome


async def _picture(camera_id: str, check: str, signal_id: str, ctx: ItemContext) -> Outcome:
    sample = ctx.get(signal_id, SignalSample)
    if sample is None:  # the signal item passed but left nothing: an engine bug
        raise RuntimeError(f"{signal_id} left no frames")
    result: PictureCheck = sample.checks[check]
    values: dict[str, str | int | float | bool] = {"value": result.value}
    values.update({k: float(v) for k, v in result.values.items()})
    values.update({f"limit_{k}": float(v) for k, v in result.thresholds.items()})
    finding = result.code.rsplit(".", 1)[-1]  # video.focus.blurred → blurred
    message = text(f"checks.video.{check}.{finding}", device=camera_id, value=_fmt(result.value))
    verdict = result.verdict
    if verdict == "pass":
        return passed(message, **values)
    if verdict == "skip":
        return skipped(message, None, **values)
    hint: Text = text(f"checks.video.{check}.hint", device=camera_id)
    return (warned if verdict == "warn" else failed)(message, hint, **values)


def _fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
