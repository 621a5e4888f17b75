"""Media handles of the service: displays, camera video sources (audio: ``audio.py``).

    AudioDevices / AudioEndpoint   re-exported from appliance.agent.audio
    DisplayHandle                  a VLC output on an X display (+ HDMI-CEC power); the
                                   player runs in a child process (``appliance.agent.display``)
    VideoHandle                    a camera's picture (RTSP/HTTP/file/V4L2): snapshots and
                                   the check engine's frame work, each done in a child
                                   process (``appliance.agent.video``)

The driver modules (sounddevice, VLC, OpenCV underneath) are imported when first used,
so a room without one of them pays neither its start-up time nor its memory
(PLATFORM.md Media 5: cv2 alone is +32 MB RSS), and a video source is opened only while
it is used (a decoding RTSP reader costs ~10 % of a core; the idle target is 1 %).
The display's VLC player (libVLC, numpy, Pillow) runs in a child process too.
Snapshots and the readiness check's frame work (sample and analysis, preset
verification, storing a reference) never load OpenCV or numpy here: the source lives in
a child process (issue 7 item 11, DESIGN.md §7: RSS ≤ 80 MB at all times).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from appliance.agent.audio import AudioDevices, AudioEndpoint
from appliance.agent.display import DisplayChild, PatternVerdict
from appliance.agent.status import DeviceStatus, LatencyObserver, Scalar
from appliance.agent.video import PresetVerdict, SignalSample, VideoChild
from appliance.config import DisplayConfig
from drivers.errors import DeviceError, NotSupportedError
from drivers.supervision import DeviceState

if TYPE_CHECKING:
    from drivers.display.cec import CecDisplay
    from drivers.display.status import DisplayStatus
    from drivers.video.capture import VideoSource
    from drivers.video.reference_files import ReferenceInfo

__all__ = ["AudioDevices", "AudioEndpoint", "DisplayHandle", "VideoHandle"]


log = logging.getLogger(__name__)
T = TypeVar("T")

VIDEO_IDLE_CLOSE_S: Final = 15.0  # close a video source this long after its last snapshot
# At start the agent knocks on the X server's socket (no X library: python-xlib and Pillow
# would cost ~7 MB of idle RSS) so a display whose X server is not there shows why at once.
X_PROBE_TIMEOUT_S: Final = 0.5
# The X11 local transport: the socket X<N> there (and the abstract "@/tmp/.X11-unix/X<N>").
X_SOCKET_DIR: Final = "/tmp/.X11-unix"  # noqa: S108 - a fixed system path, not a temp file


class DisplayHandle:
    """One display: what VLC shows on it (``drivers.display.VlcDisplay`` in a child
    process, ``DisplayChild``, started on the first show and ended by a stop, with the
    room's name on the pattern and slate), and its power over HDMI-CEC
    (``drivers.display.CecDisplay``, ``cec-client`` from ``$PATH``)."""

    kind: Final = "display"

    def __init__(
        self,
        config: DisplayConfig,
        *,
        room_name: str,
        observe: LatencyObserver,
        x_probe_timeout_s: float = X_PROBE_TIMEOUT_S,
    ) -> None:
        self.config = config
        self.id = config.id
        self.room_name = room_name
        self.x_probe_timeout_s = x_probe_timeout_s
        self._observe = observe
        self._player = DisplayChild(
            self.id, xdisplay=config.x_display, output=config.output, room_name=room_name
        )
        self._shown = False  # a player was opened since the last stop_all
        self._cec: CecDisplay | None = None
        self.state = DeviceState.IDLE  # opens on the first show
        self.last_error: str | None = None
        self.showing: str | None = None
        self.last_power: str | None = None
        self._lock = asyncio.Lock()

    def status(self) -> DeviceStatus:
        details: dict[str, Scalar] = {
            "x_display": self.config.x_display,
            "output": self.config.output,
            "cec": self.config.cec,
            "showing": self.showing,
            "power": self.last_power,
        }
        player = self.player()
        if player is not None:
            details.update({f"player_{k}": v for k, v in player.as_dict().items()})
        return DeviceStatus(self.id, "display", self.state, self.last_error, details)

    def player(self) -> DisplayStatus | None:
        """What VLC reported last (state, content, output, error); None before a show."""
        return self._player.status if self._shown else None

    async def probe(self) -> DisplayStatus | None:
        """Ask X whether our window is still there (an output lost becomes the player's
        error); None before a show."""
        if not self._shown:
            return None
        try:
            return await self._player.probe()
        except DeviceError as exc:
            self.last_error = str(exc)
            return self._player.status

    async def start(self) -> None:
        """Nothing is shown at start (the display opens on the first ``show``); a missing
        X server is reported at once as the display's error."""
        problem = await x_server_problem(self.config.x_display, self.x_probe_timeout_s)
        if problem is not None:
            self.state = DeviceState.DISCONNECTED
            self.last_error = problem
            log.warning("display %s: %s", self.id, problem)

    async def show(self, what: str, *, pattern: str | None = None, url: str | None = None) -> None:
        async with self._lock:
            start = time.perf_counter()
            try:
                self._shown = True
                await self._player.show(what, pattern=pattern, url=url)
            except DeviceError as exc:
                if self._player.open_failed:
                    self.state = DeviceState.DISCONNECTED
                self.last_error = str(exc)
                raise
            finally:
                self._observe(self.id, "show", time.perf_counter() - start)
            self.showing = what if what != "url" else f"url:{url}"
            self.state = DeviceState.READY
            self.last_error = None

    async def verify_pattern(
        self, kind: str, *, tolerance: int, timeout_s: float, evidence: Path
    ) -> PatternVerdict:
        """Screenshot the output until it shows ``kind`` (or ``timeout_s`` has passed) and
        compare it with the pattern's layout, in the player's child; the screenshot is
        saved to ``evidence``."""
        async with self._lock:
            return await self._player.verify_pattern(
                kind, tolerance=tolerance, timeout_s=timeout_s, evidence=evidence
            )

    async def stop(self) -> None:
        """Stop showing: the player's child ends, with its VLC instance and window (the
        next show starts it again, ~1 s)."""
        async with self._lock:
            await self._player.stop()
            self.showing = None

    async def power(self, on: bool) -> str:
        cec = self._cec_display("power")
        start = time.perf_counter()
        try:
            await (cec.power_on() if on else cec.standby())
            self.last_power = str(await cec.power_status())
        finally:
            self._observe(self.id, "power", time.perf_counter() - start)
        return self.last_power

    async def power_status(self) -> str:
        self.last_power = str(await self._cec_display("power_status").power_status())
        return self.last_power

    async def stop_all(self) -> None:
        """Release the player and its window (service stop)."""
        async with self._lock:
            await self._player.stop()
            self._shown = False
            self.showing = None
            self.state = DeviceState.IDLE

    def _cec_display(self, operation: str) -> CecDisplay:
        if not self.config.cec:
            raise NotSupportedError(
                self.id, "HDMI-CEC is off for this display (cec = false)", operation=operation
            )
        if self._cec is None:
            from drivers.display.cec import CecDisplay

            self._cec = CecDisplay(self.id)
        return self._cec


async def x_server_problem(xdisplay: str, timeout_s: float = X_PROBE_TIMEOUT_S) -> str | None:
    """None when an X server accepts connections for the local display ``xdisplay``
    (``:N``, ``:N.S``, ``unix:N``); else why not. A display on another host is not
    probed (None): VLC's own open reports it."""
    host, sep, rest = xdisplay.rpartition(":")
    if sep and host not in ("", "unix"):
        return None  # another host
    number = rest.split(".", 1)[0]
    if not sep or not number.isdigit():
        return f"X display {xdisplay!r} is malformed (expected :N or :N.S)"
    path = f"{X_SOCKET_DIR}/X{number}"
    errors = []
    for address in ("\0" + path, path):  # Xorg and Xvfb listen on both
        try:
            async with asyncio.timeout(timeout_s):
                _reader, writer = await asyncio.open_unix_connection(address)
        except (OSError, TimeoutError) as exc:
            errors.append(exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return None
    return f"X display {xdisplay} is not usable: no X server answers on {path} ({errors[-1]})"


class VideoHandle:
    """A camera's picture source, opened on demand and closed when idle.

    The agent's uses — :meth:`snapshot_jpeg`, :meth:`sample`, :meth:`verify_preset`,
    :meth:`store_reference` — are done by a child process (``VideoChild``) that holds
    the source: a source whose stream ended, failed to read or stalled (the camera's
    stream server went away, restarted, or stopped sending) is closed and opened again,
    instead of being used until the idle close; a stream that cannot be opened raises
    the driver's error. The idle close ends the child.

    :meth:`source` opens the same kind of source in THIS process (OpenCV and numpy
    with it: ~40 MB) by the same rules, for tools and tests that want frames; the agent
    never calls it.
    """

    kind: Final = "video"

    def __init__(
        self,
        camera_id: str,
        url: str,
        *,
        idle_close_s: float = VIDEO_IDLE_CLOSE_S,
        stall_timeout_s: float | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.id = f"video:{camera_id}"
        self.url = url
        self.idle_close_s = idle_close_s
        self.stall_timeout_s = stall_timeout_s  # None: the driver's STALL_TIMEOUT_S
        self._reopened = 0  # sources replaced because their stream had ended or stalled
        self._source: VideoSource | None = None
        self._child = VideoChild(self.id, url, stall_timeout_s=stall_timeout_s)
        self._closer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self.state = DeviceState.IDLE  # opened on first use, closed again when idle
        self.last_error: str | None = None

    @property
    def reopened(self) -> int:
        """Sources replaced because their stream had ended or stalled (here and in the
        child)."""
        return self._reopened + self._child.reopened

    def status(self) -> DeviceStatus:
        source = self._source
        details: dict[str, Scalar] = {
            "url": self.url,
            "open": source is not None or self._child.source_state is not None,
            "source_state": source.state.value if source else self._child.source_state,
            "reopened": self.reopened,
        }
        return DeviceStatus(self.id, "video", self.state, self.last_error, details)

    async def start(self) -> None:
        """Opened on first use."""

    async def source(self) -> VideoSource:
        """The open, live source in this process (see the class: not for the agent)."""
        from drivers.video.capture import SourceState, VideoSource

        async with self._lock:
            old = self._source
            if old is not None and old.state not in (SourceState.OPENING, SourceState.STREAMING):
                log.info("%s: %s (%s); opening it again", self.id, old.state.value, old.reason)
                self._source = None
                self._reopened += 1
                await old.stop()
            if self._source is None:
                source = (
                    VideoSource(self.url, device_id=self.id)
                    if self.stall_timeout_s is None
                    else VideoSource(
                        self.url, device_id=self.id, stall_timeout_s=self.stall_timeout_s
                    )
                )
                try:
                    await source.start()
                except DeviceError as exc:
                    self.state = DeviceState.DISCONNECTED
                    self.last_error = str(exc)
                    raise
                self._source = source
                self.state = DeviceState.READY
                self.last_error = None
            self._schedule_close()
            return self._source

    async def snapshot_jpeg(self, observe: LatencyObserver | None = None) -> bytes:
        """JPEG of the newest frame, read by the child (see the class)."""
        return await self._use("snapshot", self._child.snapshot_jpeg, observe)

    async def sample(
        self, frames: int, *, wait_s: float, frozen_pairs_fail: int, evidence: Path
    ) -> SignalSample:
        """``frames`` consecutive fresh frames analysed by the child (black, frozen, focus,
        exposure of the last one, frozen over the run); the last one saved to ``evidence``."""
        return await self._use(
            "sample",
            lambda: self._child.sample(
                frames, wait_s=wait_s, frozen_pairs_fail=frozen_pairs_fail, evidence=evidence
            ),
        )

    async def verify_preset(
        self, root: Path, preset: int, *, frames: int, threshold: float | None, evidence: Path
    ) -> PresetVerdict:
        """The ``frames``-th fresh frame against the reference of ``preset`` under ``root``
        (``ConfigError`` for a missing or damaged one), saved to ``evidence``."""
        return await self._use(
            "verify_preset",
            lambda: self._child.verify_preset(
                root, self.camera_id, preset, frames=frames, threshold=threshold, evidence=evidence
            ),
        )

    async def store_reference(
        self, root: Path, preset: int, *, frames: int, position: dict[str, float] | None
    ) -> ReferenceInfo:
        """Store the ``frames``-th fresh frame as the reference of ``preset`` under ``root``."""
        return await self._use(
            "preset_reference",
            lambda: self._child.store_reference(
                root, self.camera_id, preset, frames=frames, position=position
            ),
        )

    async def _use(
        self,
        operation: str,
        run: Callable[[], Awaitable[T]],
        observe: LatencyObserver | None = None,
    ) -> T:
        """One operation of the child; the handle's state follows what it said."""
        start = time.perf_counter()
        try:
            result = await run()
        except DeviceError as exc:
            if self._child.open_failed or not self._child.running:
                self.state = DeviceState.DISCONNECTED
            self.last_error = str(exc)
            raise
        finally:
            if observe is not None:
                observe(self.camera_id, operation, time.perf_counter() - start)
            self._schedule_close()
        self.state = DeviceState.READY
        self.last_error = None
        return result

    async def stop(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        async with self._lock:
            source, self._source = self._source, None
            if source is not None:
                await source.stop()
            await self._child.stop()
            # Closed on purpose: idle, unless the last use failed (then it stays
            # disconnected with that error until a use succeeds).
            self.state = DeviceState.IDLE if self.last_error is None else DeviceState.DISCONNECTED

    def _schedule_close(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
        loop = asyncio.get_running_loop()
        self._closer = loop.call_later(self.idle_close_s, self._close_idle)

    def _close_idle(self) -> None:
        self._closer = None
        self._idle_task = asyncio.create_task(self.stop(), name=f"{self.id}:idle-close")
