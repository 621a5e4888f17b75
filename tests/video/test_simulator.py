"""The simulated camera's stream: real HTTP on loopback, faults, and VISCA-driven views."""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import cv2
import numpy as np
import pytest

from drivers.errors import DeviceUnavailableError
from drivers.video import (
    Fault,
    ManualCamera,
    Verdict,
    VideoSimulator,
    VideoSource,
    analyze_frame,
    visca_camera_view,
)
from drivers.video.analysis import FROZEN_WINDOW
from drivers.video.simulator import CameraView, ptz_view, zoom_ratio
from drivers.video.stream import MjpegServer
from drivers.visca import messages
from drivers.visca.models import profile_for
from drivers.visca.sim import CameraSimulator
from tests.video.conftest import SIM_SIZE, analyze_until, caught_up_frame, wait_until


async def _http(url_port: int, request: bytes, read: int = 200_000, limit_s: float = 5.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", url_port)
    try:
        writer.write(request)
        await writer.drain()
        data = b""
        deadline = time.monotonic() + limit_s
        while len(data) < read and time.monotonic() < deadline:
            chunk = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
            if not chunk:
                break
            data += chunk
        return data
    finally:
        writer.close()
        await writer.wait_closed()


async def test_stream_speaks_multipart_mjpeg(sim: VideoSimulator) -> None:
    data = await _http(
        sim.server.port, b"GET /video.mjpg HTTP/1.1\r\nHost: x\r\n\r\n", read=120_000
    )
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Type: multipart/x-mixed-replace; boundary=ffmpeg" in head
    parts = body.split(b"--ffmpeg\r\n")[1:]
    assert len(parts) >= 2
    part_head, _, jpeg = parts[0].partition(b"\r\n\r\n")
    length = int(part_head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    image = cv2.imdecode(np.frombuffer(jpeg[:length], np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (SIM_SIZE[1], SIM_SIZE[0], 3)


async def test_snapshot_not_found_and_bad_request(sim: VideoSimulator) -> None:
    snap = await _http(sim.server.port, b"GET /snapshot.jpg HTTP/1.1\r\n\r\n")
    head, _, jpeg = snap.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"image/jpeg" in head
    assert cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).shape[:2] == (
        SIM_SIZE[1],
        SIM_SIZE[0],
    )
    assert (await _http(sim.server.port, b"GET /nope HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404")
    assert (await _http(sim.server.port, b"POST /video.mjpg HTTP/1.1\r\n\r\n")).startswith(
        b"HTTP/1.1 400"
    )
    assert (await _http(sim.server.port, b"\x00\xff garbage\r\n\r\n")).startswith(b"HTTP/1.1 400")


async def test_server_refuses_other_than_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        MjpegServer(lambda: b"", host="0.0.0.0")


@pytest.mark.parametrize(
    ("fault", "check", "code"),
    [
        (Fault.BLACK, "black", "video.black.black"),
        (Fault.BLURRED, "focus", "video.focus.blurred"),
        (Fault.FROZEN, "frozen", "video.frozen.frozen"),
    ],
)
async def test_picture_faults_reach_the_checks_through_the_stream(
    sim: VideoSimulator, fault: Fault, check: str, code: str
) -> None:
    async with VideoSource(sim.url, stall_timeout_s=2.0) as source:
        healthy = await analyze_until(
            source, lambda r: r.verdict is Verdict.PASS, 3 * FROZEN_WINDOW
        )
        assert healthy[-1].verdict is Verdict.PASS, healthy[-1]
        await sim.set_fault(fault)
        reports = await analyze_until(
            source, lambda r: getattr(r, check).verdict is Verdict.FAIL, 3 * FROZEN_WINDOW
        )
        result = getattr(reports[-1], check)
        assert result.verdict is Verdict.FAIL, [getattr(r, check).value for r in reports]
        assert result.code == code
        await sim.set_fault(Fault.NONE)
        recovered = await analyze_until(
            source, lambda r: r.verdict is Verdict.PASS, 3 * FROZEN_WINDOW
        )
        assert recovered[-1].verdict is Verdict.PASS


async def test_manual_moves_change_the_picture(sim: VideoSimulator, camera: ManualCamera) -> None:
    async with VideoSource(sim.url) as source:
        before = await caught_up_frame(source, sim)
        camera.move(pan_deg=30.0, tilt_deg=-10.0, zoom=4.0)
        after = await caught_up_frame(source, sim)
        assert float(cv2.absdiff(before, after).mean()) > 10.0
        camera.move(power=False)
        dark = await analyze_until(source, lambda r: r.black.verdict is Verdict.FAIL, 100)
        assert dark[-1].black.verdict is Verdict.FAIL


async def test_visca_commands_move_the_simulated_picture() -> None:
    profile = profile_for("srg-300h")
    visca = CameraSimulator(profile, power_transition_s=0.0)
    # 1280×720: the focus thresholds are for 720p/1080p cameras (at 640×360 sensor noise
    # alone reaches the "blurred" limit; the stream's JPEG hides that in the other tests).
    sim = VideoSimulator(visca_camera_view(visca), width=1280, height=720)
    start = sim.frame()
    # A real VISCA packet: Pan-tiltAbsolutePosition to the left delegates, then zoom in.
    packet = messages.pan_tilt_absolute(
        profile.pan_from_degrees(-25.0),
        profile.tilt_from_degrees(-15.0),
        profile.max_pan_speed,
        profile.max_tilt_speed,
    ).to_bytes(1)
    assert visca.handle(packet, time.monotonic())  # ACK
    assert await wait_until(lambda: not visca.state.moving)
    moved = sim.frame()
    assert float(cv2.absdiff(start, moved).mean()) > 10.0
    assert analyze_frame(moved).focus.verdict is Verdict.PASS
    # Manual focus driven far from where autofocus would settle: a blurred picture.
    visca.handle(messages.focus_mode(messages.FocusMode.MANUAL).to_bytes(1), time.monotonic())
    visca.handle(messages.focus_direct(profile.focus_range[0]).to_bytes(1), time.monotonic())
    assert await wait_until(lambda: not visca.state.in_focus)
    assert analyze_frame(sim.frame()).focus.verdict is Verdict.FAIL
    visca.handle(messages.power(False).to_bytes(1), time.monotonic())
    await asyncio.sleep(0.05)
    assert analyze_frame(sim.frame()).black.verdict is Verdict.FAIL


def test_view_adapters() -> None:
    assert zoom_ratio(0.0) == 1.0
    assert zoom_ratio(1.0) == pytest.approx(20.0)
    assert zoom_ratio(2.0) == pytest.approx(20.0)  # clamped like the lens end
    assert ptz_view(lambda: (1.0, 2.0, 3.0))() == CameraView(1.0, 2.0, 3.0)
    sim = VideoSimulator(lambda: CameraView(float("inf"), 0.0, 1.0), width=64, height=36)
    with pytest.raises(ValueError, match="non-finite"):
        sim.frame()
    with pytest.raises(ValueError, match="jpeg_quality"):
        VideoSimulator(width=64, height=36, jpeg_quality=0)


async def test_frozen_fault_repeats_the_same_bytes(sim: VideoSimulator) -> None:
    sim.jpeg()
    await sim.set_fault(Fault.FROZEN)
    assert sim.jpeg() == sim.jpeg()
    await sim.set_fault(Fault.NONE)
    assert sim.jpeg() != sim.jpeg()


async def test_simulator_runs_as_a_script() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "drivers.video", "--size", "320x180", "--pan", "-25", "--fault", "black",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 20.0)).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/video.mjpg")
        async with VideoSource(url) as source:
            frame = (await source.next_frame()).image
        assert frame.shape == (180, 320, 3)
        assert analyze_frame(frame).black.verdict is Verdict.FAIL
    finally:
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 10.0) == 0


async def test_a_failing_view_source_does_not_kill_the_stream(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = [True]

    def view() -> CameraView:
        if broken[0]:
            raise RuntimeError("VISCA simulator state unavailable")
        return CameraView(0.0, -5.0, 1.0)

    async with VideoSimulator(view, width=320, height=180, fps=25.0) as sim:
        source = VideoSource(
            sim.url, open_timeout_s=1.0, first_frame_timeout_s=0.5, read_timeout_s=1.0
        )
        with pytest.raises(DeviceUnavailableError):
            await source.start()  # connected, but no picture comes
        errors = [r for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1  # logged once, not once a frame
        broken[0] = False
        async with VideoSource(sim.url) as healthy:
            assert (await healthy.next_frame()).image.shape == (180, 320, 3)
