"""Camera video: capture with a watchdog, frame checks, snapshots, preset verification,
and the simulated meeting-room camera (scene renderer + MJPEG stream).

Importing this package imports nothing heavy: each name below loads its module on first
use (PEP 562), and most of them import OpenCV and numpy (~180 ms, +32 MB RSS for cv2
alone, PLATFORM.md Media 5). The room agent uses none of them in its own process
(``appliance.agent.video`` runs them in a child); ``drivers.video.sources`` and
``drivers.video.reference_files`` are the numpy-free modules it may import.

    VideoSource(url_or_device, device_id=…)     start()/stop(), latest(), next_frame(),
                                                frames(), snapshot_jpeg(path=None), wait_lost()
    analyze_frame(frame, previous) -> FrameReport    black, frozen, focus, exposure
    FrameAnalyzer().analyze(frame)                   the same over a stream (frozen run)
    check_signal(frame_age_s) -> CheckResult
    PresetStore(root).save/load/verify, verify_preset(frame, reference) -> PresetMatch
    SceneRenderer(w, h).render(pan_deg, tilt_deg, zoom)
    VideoSimulator(view).start() -> .url (MJPEG over HTTP), set_fault(Fault.…)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from drivers.video._cv import Frame
    from drivers.video.analysis import (
        CheckResult,
        FrameAnalyzer,
        FrameReport,
        Thresholds,
        Verdict,
        analyze_frame,
        check_signal,
    )
    from drivers.video.capture import SourceState, TimedFrame, VideoSource
    from drivers.video.presets import PresetMatch, PresetReference, PresetStore, ssim, verify_preset
    from drivers.video.scene import PtzSource, SceneRenderer
    from drivers.video.simulator import (
        CameraView,
        Fault,
        ManualCamera,
        VideoSimulator,
        ptz_view,
        visca_camera_view,
    )
    from drivers.video.sources import parse_source
    from drivers.video.stream import MjpegServer

_MODULES: dict[str, str] = {
    "CameraView": "simulator",
    "CheckResult": "analysis",
    "Fault": "simulator",
    "Frame": "_cv",
    "FrameAnalyzer": "analysis",
    "FrameReport": "analysis",
    "ManualCamera": "simulator",
    "MjpegServer": "stream",
    "PresetMatch": "presets",
    "PresetReference": "presets",
    "PresetStore": "presets",
    "PtzSource": "scene",
    "SceneRenderer": "scene",
    "SourceState": "capture",
    "Thresholds": "analysis",
    "TimedFrame": "capture",
    "Verdict": "analysis",
    "VideoSimulator": "simulator",
    "VideoSource": "capture",
    "analyze_frame": "analysis",
    "check_signal": "analysis",
    "parse_source": "sources",
    "ptz_view": "simulator",
    "ssim": "presets",
    "verify_preset": "presets",
    "visca_camera_view": "simulator",
}

__all__ = [
    "CameraView",
    "CheckResult",
    "Fault",
    "Frame",
    "FrameAnalyzer",
    "FrameReport",
    "ManualCamera",
    "MjpegServer",
    "PresetMatch",
    "PresetReference",
    "PresetStore",
    "PtzSource",
    "SceneRenderer",
    "SourceState",
    "Thresholds",
    "TimedFrame",
    "Verdict",
    "VideoSimulator",
    "VideoSource",
    "analyze_frame",
    "check_signal",
    "parse_source",
    "ptz_view",
    "ssim",
    "verify_preset",
    "visca_camera_view",
]


if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name as `object`
    __getattr__, __dir__ = lazy_exports(__name__, _MODULES)
