"""Fixtures of the camera-video tests: the simulated camera's MJPEG stream, the local
RTSP camera (gst-rtsp-server via Debian's python3-gi; missing → the test FAILS naming
the packages), and helpers that read frames through the production capture path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from drivers.video import (
    Frame,
    FrameAnalyzer,
    FrameReport,
    ManualCamera,
    VideoSimulator,
    VideoSource,
    verify_preset,
)
from tests.support.rtsp import RtspCamera, RtspUnavailable, rtsp_camera

SIM_SIZE = (640, 360)
SIM_FPS = 25.0


@pytest.fixture
def camera() -> ManualCamera:
    """Looks at the table and the back wall, zoom 1."""
    return ManualCamera(0.0, -5.0, 1.0)


@pytest.fixture
async def sim(camera: ManualCamera) -> AsyncIterator[VideoSimulator]:
    simulator = VideoSimulator(camera, width=SIM_SIZE[0], height=SIM_SIZE[1], fps=SIM_FPS)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture(scope="module")
def rtsp() -> Iterator[RtspCamera]:
    """One RTSP camera for a module's known-answer tests."""
    try:
        with rtsp_camera() as cam:
            yield cam
    except RtspUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def rtsp_private() -> Iterator[RtspCamera]:
    """An RTSP camera of one test's own (it gets SIGSTOPped or killed)."""
    try:
        with rtsp_camera() as cam:
            yield cam
    except RtspUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


async def wait_until(predicate: Callable[[], bool], limit_s: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``limit_s`` passes; return its last value."""
    deadline = time.monotonic() + limit_s
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)


async def analyze_until(
    source: VideoSource, done: Callable[[FrameReport], bool], max_frames: int
) -> list[FrameReport]:
    """Analyze new frames until ``done(report)`` holds; at most ``max_frames``. (Under load
    the reader can lag a few frames behind the camera, so a fixed count would be flaky.)"""
    analyzer = FrameAnalyzer()
    reports: list[FrameReport] = []
    seq = 0
    while len(reports) < max_frames:
        frame = await source.next_frame(timeout_s=5.0, after=seq)
        seq = frame.seq
        reports.append(analyzer.analyze(frame.image))
        if done(reports[-1]):
            break
    return reports


async def caught_up_frame(source: VideoSource, sim: VideoSimulator, max_frames: int = 100) -> Frame:
    """The first streamed frame that shows what the simulator renders now (the stream
    has caught up with a move or a fault), compared by preset verification."""
    for _ in range(max_frames):
        image = (await source.next_frame(timeout_s=5.0)).image
        if verify_preset(image, sim.frame()).passed:
            return image
    raise AssertionError(f"the stream did not catch up within {max_frames} frames")
