"""The service's camera video handle: a source whose stream ended or stalled is reopened.

Real MJPEG over HTTP on loopback (drivers/video simulator) read by the production
``VideoSource`` (OpenCV); the faults are the simulator's own: ``NO_SIGNAL`` closes the
connections and the port, ``STALLED`` keeps the sockets open and sends nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from appliance.agent.media import VideoHandle
from drivers.errors import DeviceUnavailableError
from drivers.supervision import DeviceState
from drivers.video import SourceState
from drivers.video.simulator import Fault, VideoSimulator

STALL_S = 0.5  # the handle's stall limit here (the driver's default is 2 s)
LOST_WAIT_S = 10.0


@pytest.fixture
async def camera() -> AsyncIterator[VideoSimulator]:
    sim = VideoSimulator(width=320, height=180, fps=10.0)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def test_ended_stream_is_reopened_when_it_is_back(camera: VideoSimulator) -> None:
    handle = VideoHandle("cam1", camera.url, stall_timeout_s=STALL_S)
    try:
        first = await handle.source()
        assert first.state is SourceState.STREAMING
        await camera.set_fault(Fault.NO_SIGNAL)
        await first.wait_lost()
        assert first.state is SourceState.ENDED
        with pytest.raises(DeviceUnavailableError):  # reopened at once: the camera is gone
            await handle.source()
        assert handle.state is DeviceState.DISCONNECTED
        assert handle.last_error is not None
        await camera.set_fault(Fault.NONE)
        second = await handle.source()
        assert second is not first
        assert second.state is SourceState.STREAMING
        assert handle.state is DeviceState.READY
        assert handle.reopened == 1
        jpeg = await handle.snapshot_jpeg()
        assert jpeg[:2] == b"\xff\xd8"
        assert await handle.source() is second  # a live source is kept
        assert handle.status().details["source_state"] == "streaming"
    finally:
        await handle.stop()


async def test_stalled_stream_is_reopened(camera: VideoSimulator) -> None:
    handle = VideoHandle("cam1", camera.url, stall_timeout_s=STALL_S)
    try:
        first = await handle.source()
        await camera.set_fault(Fault.STALLED)
        await first.wait_lost()
        assert first.state is SourceState.STALLED
        await camera.set_fault(Fault.NONE)
        second = await handle.source()
        assert second is not first
        assert first.state is SourceState.CLOSED  # the stalled one was released
        frame = await second.next_frame()
        assert frame.image.shape == (180, 320, 3)
        assert handle.reopened == 1
    finally:
        await handle.stop()
