"""The service's camera video handle: a source whose stream ended or stalled is reopened;
snapshots are read in a child process with the same rules and the same error types.

Real MJPEG over HTTP on loopback (drivers/video simulator) read by the production
``VideoSource`` (OpenCV); the faults are the simulator's own: ``NO_SIGNAL`` closes the
connections and the port, ``STALLED`` keeps the sockets open and sends nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appliance.agent.media import VideoHandle
from drivers.errors import ConfigError, DeviceUnavailableError
from drivers.supervision import DeviceState
from drivers.video import SourceState
from drivers.video.simulator import Fault, VideoSimulator
from drivers.video.sources import parse_target

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


async def test_an_unused_source_is_idle_not_disconnected(camera: VideoSimulator) -> None:
    handle = VideoHandle("cam1", camera.url, idle_close_s=0.2)
    try:
        assert handle.state is DeviceState.IDLE  # never opened: nothing is wrong with it
        assert (await handle.snapshot_jpeg())[:2] == b"\xff\xd8"
        assert handle.state is DeviceState.READY
        deadline = asyncio.get_running_loop().time() + LOST_WAIT_S
        while handle.state is DeviceState.READY:  # until the idle close has finished
            assert asyncio.get_running_loop().time() < deadline, "never closed when idle"
            await asyncio.sleep(0.02)
        assert handle.state is DeviceState.IDLE
        assert handle.last_error is None
        assert handle.status().details["open"] is False
        await camera.set_fault(Fault.NO_SIGNAL)  # a use that fails is a real disconnection
        with pytest.raises(DeviceUnavailableError):
            await handle.source()
        await handle.stop()
        assert handle.state is DeviceState.DISCONNECTED
        assert handle.last_error is not None
    finally:
        await handle.stop()


async def test_snapshot_is_read_in_a_child_that_reopens_an_ended_stream(
    camera: VideoSimulator,
) -> None:
    handle = VideoHandle("cam1", camera.url, stall_timeout_s=STALL_S)
    try:
        assert (await handle.snapshot_jpeg())[:2] == b"\xff\xd8"
        assert handle.status().details["open"] is True
        assert handle.status().details["source_state"] == "streaming"
        await camera.set_fault(Fault.NO_SIGNAL)
        deadline = asyncio.get_running_loop().time() + LOST_WAIT_S
        gone = await _first_snapshot_error(handle, deadline)  # once the child sees the end
        assert isinstance(gone, DeviceUnavailableError)
        assert gone.device_id == "video:cam1"
        assert handle.last_error == str(gone)
        await camera.set_fault(Fault.NONE)
        assert (await handle.snapshot_jpeg())[:2] == b"\xff\xd8"
        assert handle.state is DeviceState.READY
        assert handle.last_error is None
        assert handle.reopened >= 1
    finally:
        await handle.stop()
    assert handle.status().details["open"] is False


async def test_snapshot_errors_keep_their_types(tmp_path: Path) -> None:
    missing = VideoHandle("cam1", str(tmp_path / "none.mp4"))
    try:
        with pytest.raises(DeviceUnavailableError) as no_file:
            await missing.snapshot_jpeg()
        assert (no_file.value.device_id, no_file.value.operation) == ("video:cam1", "open")
        assert no_file.value.detail == "no such video file"
        assert missing.state is DeviceState.DISCONNECTED
    finally:
        await missing.stop()
    bad = VideoHandle("cam1", "gopher://camera/1")
    try:
        with pytest.raises(ConfigError) as config:
            await bad.snapshot_jpeg()
        with pytest.raises(ConfigError) as direct:
            parse_target("gopher://camera/1")
        assert (str(config.value), config.value.key) == (str(direct.value), direct.value.key)
    finally:
        await bad.stop()


async def _first_snapshot_error(handle: VideoHandle, deadline: float) -> Exception:
    while True:
        assert asyncio.get_running_loop().time() < deadline, "snapshots of a dead stream"
        try:
            await handle.snapshot_jpeg()
        except Exception as exc:  # the caller checks its type
            return exc
        await asyncio.sleep(0.05)
