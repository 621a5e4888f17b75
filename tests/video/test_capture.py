"""Capture through ``cv2.VideoCapture`` from a live local stream, a file and UDP, with
our own watchdog; typed errors for every way a source goes wrong."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.errors import ConfigError, DeviceTimeoutError, DeviceUnavailableError
from drivers.video import (
    Fault,
    SceneRenderer,
    SourceState,
    VideoSimulator,
    VideoSource,
    parse_source,
)
from tests.video.conftest import SIM_SIZE, wait_until

STALL_S = 0.5


async def test_reads_the_simulator_stream(sim: VideoSimulator, tmp_path: Path) -> None:
    async with VideoSource(sim.url, device_id="cam1") as source:
        assert source.state is SourceState.STREAMING
        assert source.kind == "network"
        first = await source.next_frame()
        second = await source.next_frame(after=first.seq)
        assert second.seq > first.seq
        assert second.at >= first.at
        assert first.image.shape == (SIM_SIZE[1], SIM_SIZE[0], 3)
        assert not first.image.flags.writeable  # shared with every reader: read-only
        assert source.latest().seq >= second.seq
        age = source.frame_age_s()
        assert age is not None
        assert age < 1.0
        seen = []
        async for frame in source.frames():
            seen.append(frame.seq)
            if len(seen) == 3:
                break
        assert seen == sorted(set(seen))
        dest = tmp_path / "snap.jpg"
        jpeg = await source.snapshot_jpeg(dest)
        assert jpeg[:2] == b"\xff\xd8"
        assert dest.read_bytes() == jpeg
        assert (
            cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).shape == first.image.shape
        )
        with pytest.raises(ConfigError, match="cannot write"):
            await source.snapshot_jpeg(tmp_path / "no" / "such" / "dir.jpg")
    assert source.state is SourceState.CLOSED
    with pytest.raises(DeviceUnavailableError):
        source.latest()


async def test_watchdog_catches_a_stalled_stream(sim: VideoSimulator) -> None:
    source = VideoSource(sim.url, device_id="cam1", stall_timeout_s=STALL_S)
    await source.start()
    try:
        await source.next_frame()
        stalled_at = time.monotonic()
        await sim.set_fault(Fault.STALLED)  # sockets stay open, nothing is sent
        reason = await asyncio.wait_for(source.wait_lost(), 5.0)
        detected_after = time.monotonic() - stalled_at
        # The contract, not a speed figure: reported long before OpenCV's own read gives
        # up (9–60 s, PLATFORM.md 3b). bench/frames.py prints the measured latency.
        assert detected_after < STALL_S + 3.0, detected_after
        assert "stalled" in reason
        assert source.state is SourceState.STALLED
        with pytest.raises(DeviceTimeoutError, match="cam1"):
            source.latest()
        with pytest.raises(DeviceTimeoutError):
            await source.next_frame(timeout_s=0.2)
        with pytest.raises(DeviceTimeoutError):
            await source.snapshot_jpeg()
        # The camera comes back on the same connection: the watchdog sees frames again.
        await sim.set_fault(Fault.NONE)
        await wait_until(lambda: source.state is SourceState.STREAMING)
        assert source.state is SourceState.STREAMING
        assert (await source.next_frame()).image.shape[0] == SIM_SIZE[1]
    finally:
        await source.stop()


async def test_lost_signal_ends_the_stream(sim: VideoSimulator) -> None:
    async with VideoSource(sim.url, device_id="cam1") as source:
        await source.next_frame()
        await sim.set_fault(Fault.NO_SIGNAL)  # connections closed, port closed
        reason = await asyncio.wait_for(source.wait_lost(), 5.0)
        assert source.state is SourceState.ENDED
        assert "connection lost" in reason
        with pytest.raises(DeviceUnavailableError, match="cam1"):
            source.latest()
        with pytest.raises(DeviceUnavailableError):
            await source.next_frame()
        await sim.set_fault(Fault.NONE)  # listening again: a new source opens
    async with VideoSource(sim.url) as again:
        assert (await again.next_frame()).seq >= 1


async def test_nothing_listening_is_unavailable_at_once() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Refused ("cannot open": the connection was refused), not a read timeout's error.
    with pytest.raises(DeviceUnavailableError, match="cannot open"):
        await VideoSource(f"http://127.0.0.1:{port}/video.mjpg", device_id="cam9").start()


async def test_a_camera_that_says_nothing_is_no_signal(sim: VideoSimulator) -> None:
    await sim.set_fault(Fault.STALLED)  # accepts the connection, never answers
    source = VideoSource(sim.url, open_timeout_s=0.5, first_frame_timeout_s=0.3, read_timeout_s=0.5)
    with pytest.raises(DeviceUnavailableError, match=r"cannot open|no signal"):
        await source.start()
    assert source.state is SourceState.CLOSED
    await sim.set_fault(Fault.NO_SIGNAL)  # drop the half-open connection: the reader returns


def _write_clip(path: Path, frames: int = 20) -> None:
    r = SceneRenderer(320, 180)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (320, 180))
    for i in range(frames):
        writer.write(r.render(-10.0 + i, -5.0, 1.0))
    writer.release()


async def test_reads_a_file_to_its_end_and_loops(tmp_path: Path) -> None:
    clip = tmp_path / "clip.avi"
    _write_clip(clip)
    async with VideoSource(str(clip), realtime_file=False) as source:
        assert source.kind == "file"
        await asyncio.wait_for(source.wait_lost(), 5.0)
        assert source.state is SourceState.ENDED
        assert source.reason == "end of file"
        assert source.frames_received == 20
    started = time.monotonic()
    async with VideoSource(clip.as_uri(), loop_file=True) as looping:
        await wait_until(lambda: looping.frames_received > 25, 10.0)
        assert looping.frames_received > 25  # past the end of the 20-frame clip
        assert looping.state is SourceState.STREAMING
        # Paced at the file's 25 fps, not read flat out: 25 frames cannot come sooner.
        assert time.monotonic() - started >= 0.9


async def test_reads_mpeg_ts_over_udp(tmp_path: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is missing: install the Debian package ffmpeg"
    clip = tmp_path / "clip.avi"
    _write_clip(clip)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sender = await asyncio.create_subprocess_exec(
        ffmpeg, "-v", "error", "-re", "-stream_loop", "-1", "-i", str(clip),
        "-c:v", "mpeg2video", "-g", "5", "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316",
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with VideoSource(f"udp://127.0.0.1:{port}", device_id="udp-cam") as source:
            frame = await source.next_frame(timeout_s=5.0)
            assert frame.image.shape == (180, 320, 3)
    finally:
        sender.terminate()
        await sender.wait()


async def test_missing_file_and_device_are_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailableError, match="no such video file"):
        await VideoSource(str(tmp_path / "none.mp4")).start()
    # No V4L2 device can exist here (PLATFORM.md Media 4): the thin path must say so.
    with pytest.raises(DeviceUnavailableError, match="no such device"):
        await VideoSource("/dev/video97", device_id="usb-cam").start()


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("/dev/video0", "v4l2"),
        ("rtsp://127.0.0.1:8554/cam", "network"),
        ("http://127.0.0.1:8090/video.mjpg", "network"),
        ("udp://127.0.0.1:5004", "network"),
        ("file:///srv/clip.mp4", "file"),
        ("/srv/clip.mp4", "file"),
    ],
)
def test_source_kinds(source: str, kind: str) -> None:
    assert parse_source(source)[0] == kind


@pytest.mark.parametrize("bad", ["", "   ", "gopher://x/y", "smb://share/cam"])
def test_unusable_source_strings_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="video source"):
        VideoSource(bad)


async def test_snapshot_quality_is_checked(sim: VideoSimulator) -> None:
    async with VideoSource(sim.url) as source:
        with pytest.raises(ValueError, match="quality"):
            await source.snapshot_jpeg(quality=0)
        small = await source.snapshot_jpeg(quality=10)
        large = await source.snapshot_jpeg(quality=95)
        assert len(small) < len(large)
