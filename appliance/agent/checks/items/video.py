"""Camera picture items: signal, black, frozen, focus, exposure.

``video.<cam>.signal`` holds the camera's lock (the head must stand still), opens the
camera's video source through the service and reads VIDEO_SAMPLE_FRAMES consecutive
frames; the driver's frame checks (``drivers.video.analysis.FrameAnalyzer``, its own named
thresholds) run over them once, and the other four items each report one verdict of the
last frame:

    video.<cam>.black      mean luma and dark share (lens cap, camera off, dead sensor)
    video.<cam>.frozen     every consecutive pair identical (VIDEO_FROZEN_PAIRS_FAIL)
    video.<cam>.focus      variance of the Laplacian (soft → warn, blurred → fail)
    video.<cam>.exposure   mean luma and clipped shares (dark/bright → warn, under/over → fail)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from appliance.agent.checks.items.base import CheckItem, ItemContext, in_thread
from appliance.agent.checks.model import Outcome, Text, failed, passed, skipped, text, warned
from appliance.agent.checks.settings import CheckSettings
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError, NotSupportedError

if TYPE_CHECKING:
    from appliance.agent.devices import CameraHandle
    from appliance.agent.media import VideoHandle
    from appliance.agent.service import AgentService
    from drivers.video import CheckResult as FrameCheck
    from drivers.video import Frame, FrameReport, VideoSource

PICTURE_CHECKS: Final = ("black", "frozen", "focus", "exposure")
EVIDENCE_JPEG_QUALITY: Final = 85


@dataclass(frozen=True)
class Sample:
    """What the signal item leaves for the picture items."""

    report: FrameReport
    frames: int
    fps: float


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


async def fresh_frame(cam: CameraHandle, *, frames: int) -> Frame:
    """The ``frames``-th frame that arrives from now on (older ones may be buffered)."""
    if cam.video is None:
        raise NotSupportedError(cam.id, "no video source configured", operation="read frame")
    source = await open_source(cam.video)
    frame = await source.next_frame()
    for _ in range(max(0, frames - 1)):
        frame = await source.next_frame(after=frame.seq)
    return frame.image


async def open_source(video: VideoHandle) -> VideoSource:
    """The service's live source (``VideoHandle.source()`` reopens one whose stream ended
    or stalled)."""
    return await video.source()


def write_jpeg(path: Path, frame: Frame) -> None:
    """Evidence picture (BGR frame → JPEG file)."""
    from PIL import Image

    Image.fromarray(frame[:, :, ::-1]).save(path, format="JPEG", quality=EVIDENCE_JPEG_QUALITY)


# -- items --------------------------------------------------------------------------------------


async def _signal(cam: CameraHandle, video: VideoHandle, ctx: ItemContext) -> Outcome:
    from drivers.video import FrameAnalyzer, Thresholds

    hint = text("checks.video.signal.hint", device=cam.id, url=video.url)
    wait_s = ctx.settings.video_frame_timeout_s
    try:
        source = await open_source(video)
        first = await source.next_frame(wait_s)
        frames = [first]
        while len(frames) < ctx.settings.video_sample_frames:
            frames.append(await source.next_frame(wait_s, after=frames[-1].seq))
    except DeviceTimeoutError as exc:
        return failed(text("checks.video.signal.stalled", device=cam.id, error=exc.detail), hint)
    except DeviceUnavailableError as exc:
        return failed(text("checks.video.signal.none", device=cam.id, error=exc.detail), hint)
    analyzer = FrameAnalyzer(Thresholds(frozen_pairs_fail=ctx.settings.video_frozen_pairs_fail))

    def analyze() -> FrameReport:
        report = None
        for f in frames:
            report = analyzer.analyze(f.image)
        assert report is not None  # noqa: S101 - at least one frame was read
        return report

    report = await in_thread(analyze)
    span = frames[-1].at - frames[0].at
    fps = (len(frames) - 1) / span if span > 0 else 0.0
    ctx.stash(f"video.{cam.id}.signal", Sample(report, len(frames), fps))
    path = ctx.evidence_path(f"video.{cam.id}.jpg")
    await in_thread(functools.partial(write_jpeg, path, frames[-1].image))
    outcome = passed(
        text("checks.video.signal.ok", device=cam.id, width=report.width, height=report.height, fps=f"{fps:.1f}"),
        width=report.width, height=report.height, fps=fps, frames=len(frames),
    )  # fmt: skip
    outcome.evidence["snapshot"] = str(path)
    return outcome


async def _picture(camera_id: str, check: str, signal_id: str, ctx: ItemContext) -> Outcome:
    sample = ctx.get(signal_id, Sample)
    if sample is None:  # the signal item passed but left nothing: an engine bug
        raise RuntimeError(f"{signal_id} left no frames")
    result: FrameCheck = getattr(sample.report, check)
    values: dict[str, str | int | float | bool] = {"value": result.value}
    values.update({k: float(v) for k, v in result.values.items()})
    values.update({f"limit_{k}": float(v) for k, v in result.thresholds.items()})
    finding = result.code.rsplit(".", 1)[-1]  # video.focus.blurred → blurred
    message = text(f"checks.video.{check}.{finding}", device=camera_id, value=_fmt(result.value))
    verdict = result.verdict.value
    if verdict == "pass":
        return passed(message, **values)
    if verdict == "skip":
        return skipped(message, None, **values)
    hint: Text = text(f"checks.video.{check}.hint", device=camera_id)
    return (warned if verdict == "warn" else failed)(message, hint, **values)


def _fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
