"""Camera video: capture with a watchdog, frame checks, snapshots, preset verification,
and the simulated meeting-room camera (scene renderer + MJPEG stream).

Importing this package imports OpenCV (~180 ms, +32 MB RSS, PLATFORM.md Media 5);
import it where video is used, not at start-up.

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
