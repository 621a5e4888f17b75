"""The simulated camera's video: the meeting-room scene, faults, and its MJPEG stream.

    sim = VideoSimulator(visca_camera_view(visca_sim.camera(1)), width=1280, height=720)
    await sim.start()               # sim.url -> http://127.0.0.1:PORT/video.mjpg
    await sim.set_fault(Fault.STALLED)

Where the camera looks comes from a :data:`ViewSource` (a callable returning a
:class:`CameraView`). :func:`visca_camera_view` adapts the VISCA simulator's live state
snapshot (``camera.state`` with ``pan_deg``/``tilt_deg``/``zoom_fraction``/``in_focus``/
``power``, docs/INTERFACES.md) without importing it; :func:`ptz_view` adapts any
``(pan_deg, tilt_deg, zoom)`` callable; :class:`ManualCamera` is a camera you move by
hand (tests, demos). A camera that is off shows black; a camera out of focus shows a
blurred picture — so a readiness check on the simulator finds what a real one would.

Run as a script to serve a fixed view: ``python -m drivers.video --port 8090 --pan -25``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import enum
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

from drivers.video import _cv
from drivers.video._cv import Frame
from drivers.video.scene import DEFAULT_ROOM_NAME, PtzSource, SceneRenderer
from drivers.video.stream import DEFAULT_FPS, MjpegServer

JPEG_QUALITY: Final = 80
BLUR_FACTOR: Final = 16  # defocus: shrink this many times and enlarge back
ZOOM_TELE_RATIO: Final = 20.0  # optical zoom at the tele end (EVI-D70: 18×, SRG-300H: 30×)


class Fault(enum.StrEnum):
    """What can go wrong with the picture or the stream."""

    NONE = "none"
    BLACK = "black"  # lens cap / dead sensor: dark frames with sensor noise
    FROZEN = "frozen"  # encoder repeats the same frame
    BLURRED = "blurred"  # out of focus
    NO_SIGNAL = "no_signal"  # stream gone: connections closed, port not listening
    STALLED = "stalled"  # stream hangs: sockets open, nothing sent


@dataclass(frozen=True)
class CameraView:
    """Where the camera looks and whether it can give a picture."""

    pan_deg: float = 0.0
    tilt_deg: float = 0.0
    zoom: float = 1.0  # ratio, 1 = wide
    in_focus: bool = True
    power: bool = True


ViewSource = Callable[[], CameraView]


class CameraStateLike(Protocol):
    """The fields of the VISCA simulator's ``CameraState`` the picture depends on."""

    @property
    def pan_deg(self) -> float: ...
    @property
    def tilt_deg(self) -> float: ...
    @property
    def zoom_fraction(self) -> float: ...
    @property
    def in_focus(self) -> bool: ...
    @property
    def power(self) -> bool: ...


class SimulatedCameraLike(Protocol):
    @property
    def state(self) -> CameraStateLike: ...


def zoom_ratio(fraction: float, tele_ratio: float = ZOOM_TELE_RATIO) -> float:
    """Zoom position (0 wide … 1 tele) → magnification; the ratio grows geometrically
    with the position, roughly like a Sony block camera's zoom table."""
    f = min(1.0, max(0.0, fraction))
    return float(tele_ratio**f)


def visca_camera_view(
    camera: SimulatedCameraLike, *, tele_ratio: float = ZOOM_TELE_RATIO
) -> ViewSource:
    """Adapter: the VISCA simulator's camera (``sim.camera(address)``) → a view source."""

    def view() -> CameraView:
        s = camera.state
        return CameraView(
            s.pan_deg, s.tilt_deg, zoom_ratio(s.zoom_fraction, tele_ratio), s.in_focus, s.power
        )

    return view


def ptz_view(ptz: PtzSource) -> ViewSource:
    """Adapter: a ``() -> (pan_deg, tilt_deg, zoom)`` callable → a view source."""

    def view() -> CameraView:
        pan, tilt, zoom = ptz()
        return CameraView(pan, tilt, zoom)

    return view


class ManualCamera:
    """A camera moved by assignment (thread-safe enough: one tuple swap)."""

    def __init__(self, pan_deg: float = 0.0, tilt_deg: float = -5.0, zoom: float = 1.0) -> None:
        self.view = CameraView(pan_deg, tilt_deg, zoom)

    def move(
        self,
        pan_deg: float | None = None,
        tilt_deg: float | None = None,
        zoom: float | None = None,
        *,
        in_focus: bool | None = None,
        power: bool | None = None,
    ) -> None:
        v = self.view
        self.view = CameraView(
            v.pan_deg if pan_deg is None else pan_deg,
            v.tilt_deg if tilt_deg is None else tilt_deg,
            v.zoom if zoom is None else zoom,
            v.in_focus if in_focus is None else in_focus,
            v.power if power is None else power,
        )

    def __call__(self) -> CameraView:
        return self.view


class VideoSimulator:
    """Renders the scene for the current view with the current fault; serves it."""

    def __init__(
        self,
        view: ViewSource | None = None,
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = DEFAULT_FPS,
        jpeg_quality: int = JPEG_QUALITY,
        port: int = 0,
        room_name: str = DEFAULT_ROOM_NAME,
        renderer: SceneRenderer | None = None,
    ) -> None:
        if not 1 <= jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must be 1…100, not {jpeg_quality}")
        self.view: ViewSource = view or ManualCamera()
        self.renderer = renderer or SceneRenderer(width, height, room_name=room_name)
        self.jpeg_quality = jpeg_quality
        self._fault = Fault.NONE
        self._lock = threading.Lock()
        self._last_jpeg: bytes | None = None
        self._black = np.zeros((self.renderer.height, self.renderer.width, 3), dtype=np.uint8)
        self.server = MjpegServer(self.jpeg, port=port, fps=fps)

    # -- pictures --------------------------------------------------------------------

    @property
    def fault(self) -> Fault:
        return self._fault

    def frame(self) -> Frame:
        """The next picture for the current view and picture fault (BGR)."""
        v = self.view()
        if not (math.isfinite(v.pan_deg) and math.isfinite(v.tilt_deg) and math.isfinite(v.zoom)):
            raise ValueError(f"the view source gave a non-finite position: {v}")
        if self._fault is Fault.BLACK or not v.power:
            return self.renderer.add_noise(self._black)
        clean = self.renderer.render_clean(v.pan_deg, v.tilt_deg, v.zoom)
        if self._fault is Fault.BLURRED or not v.in_focus:
            clean = _cv.box_blur_by_scaling(clean, BLUR_FACTOR)
        return self.renderer.add_noise(clean)

    def jpeg(self) -> bytes:
        """The next frame as JPEG; while FROZEN, the same bytes as the last frame."""
        with self._lock:
            if self._fault is Fault.FROZEN and self._last_jpeg is not None:
                return self._last_jpeg
        data = _cv.encode_jpeg(self.frame(), self.jpeg_quality)
        with self._lock:
            self._last_jpeg = data
        return data

    # -- the stream ------------------------------------------------------------------

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

    async def __aenter__(self) -> VideoSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return self.server.url

    async def set_fault(self, fault: Fault) -> None:
        """Switch the fault (NONE clears it); stream faults act on open connections."""
        fault = Fault(fault)
        with self._lock:
            self._fault = fault
        if fault is Fault.NO_SIGNAL:
            await self.server.go_offline()
        else:
            await self.server.go_online()
        if fault is Fault.STALLED:
            self.server.stall()
        else:
            self.server.resume()


# -- script ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the scene at a fixed view on loopback until interrupted."""
    p = argparse.ArgumentParser(description="Mô phỏng hình ảnh camera phòng họp (MJPEG/HTTP).")
    p.add_argument("--port", type=int, default=0, help="cổng (0: tự chọn) / port")
    p.add_argument("--pan", type=float, default=0.0, help="độ / degrees")
    p.add_argument("--tilt", type=float, default=-5.0, help="độ / degrees")
    p.add_argument("--zoom", type=float, default=1.0, help="tỉ lệ / ratio")
    p.add_argument("--size", default="1280x720", help="WxH")
    p.add_argument("--fps", type=float, default=DEFAULT_FPS)
    p.add_argument("--fault", choices=[f.value for f in Fault], default="none")
    args = p.parse_args(argv)
    try:
        width, height = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        p.error(f"--size must look like 1280x720, not {args.size!r}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args, width, height))


async def _serve(args: argparse.Namespace, width: int, height: int) -> None:
    sim = VideoSimulator(
        ManualCamera(args.pan, args.tilt, args.zoom), width=width, height=height, fps=args.fps
    )
    async with sim:
        await sim.set_fault(Fault(args.fault))
        print(sim.url, flush=True)  # noqa: T201 - the script's one line of output
        await asyncio.Event().wait()
