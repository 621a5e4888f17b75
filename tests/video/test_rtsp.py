"""Known answers through RTSP from a local gst-rtsp-server (H.264 over TCP), and the
watchdog against a camera process that hangs (SIGSTOP) with its socket open."""

from __future__ import annotations

import asyncio
import time

import pytest

from drivers.errors import DeviceTimeoutError
from drivers.video import SourceState, Verdict, VideoSource
from tests.support.rtsp import RtspCamera
from tests.video.conftest import analyze_until

FRAMES = 40  # 1.6 s of a live picture at 25 fps
# A known fault must show within 4 s: a still picture's stream needs about half a second
# before the encoder stops refining it, then FROZEN_PAIRS_FAIL identical pairs.
MAX_FRAMES = 100


@pytest.mark.parametrize(
    ("mount", "failing", "code"),
    [
        ("/cam", None, None),
        ("/black", "black", "video.black.black"),
        ("/frozen", "frozen", "video.frozen.frozen"),
        ("/blurred", "focus", "video.focus.blurred"),
    ],
)
async def test_known_answers_over_rtsp(
    rtsp: RtspCamera, mount: str, failing: str | None, code: str | None
) -> None:
    async with VideoSource(rtsp.url(mount), device_id=f"rtsp{mount}") as source:
        if failing is None:
            reports = await analyze_until(source, lambda r: False, FRAMES)
        else:
            reports = await analyze_until(
                source, lambda r: getattr(r, failing).verdict is Verdict.FAIL, MAX_FRAMES
            )
    last = reports[-1]
    assert (last.width, last.height) == (640, 360)
    if failing is None:
        # A live picture: nothing fails on any frame, and the last one passes
        # (a frozen WARN may come from a frame the loaded machine duplicated).
        assert all(r.verdict is not Verdict.FAIL for r in reports), reports
        assert [last.black.verdict, last.focus.verdict, last.exposure.verdict] == [
            Verdict.PASS
        ] * 3, last
        return
    result = getattr(last, failing)
    trace = [round(getattr(r, failing).value, 2) for r in reports]
    assert result.verdict is Verdict.FAIL, (last, trace)
    assert result.code == code
    others = [c for c in last.checks if c.name not in (failing, "frozen")]
    assert all(c.verdict in (Verdict.PASS, Verdict.SKIP) for c in others), last


async def test_watchdog_catches_a_hung_rtsp_camera(rtsp_private: RtspCamera) -> None:
    stall_s = 0.5
    source = VideoSource(rtsp_private.url("/cam"), device_id="cam-rtsp", stall_timeout_s=stall_s)
    await source.start()
    try:
        await source.next_frame()
        paused_at = time.monotonic()
        rtsp_private.pause()  # SIGSTOP: socket open, nothing sent; OpenCV's read blocks
        await asyncio.wait_for(source.wait_lost(), 5.0)
        detected_after = time.monotonic() - paused_at
        assert source.state is SourceState.STALLED
        # Our limit, not OpenCV's 9–60 s (PLATFORM.md 3b); the figure is in bench/frames.py.
        assert detected_after < stall_s + 3.0, detected_after
        with pytest.raises(DeviceTimeoutError, match="cam-rtsp"):
            source.latest()
    finally:
        # The camera dies for good: the TCP reset frees the blocked reader thread.
        rtsp_private.process.kill()
        rtsp_private.process.wait(5)
        await source.stop()
