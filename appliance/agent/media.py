"""Media handles of the service: displays, camera video sources (audio: ``audio.py``).

    AudioDevices / AudioEndpoint   re-exported from appliance.agent.audio
    DisplayHandle                  a VLC output on an X display (+ HDMI-CEC power)
    VideoHandle                    a camera's picture (RTSP/HTTP/file/V4L2) for snapshots

The driver modules (sounddevice, VLC, OpenCV underneath) are imported when first used,
so a room without one of them pays neither its start-up time nor its memory
(PLATFORM.md Media 5: cv2 alone is +32 MB RSS), and a video source is opened only while
it is used (a decoding RTSP reader costs ~10 % of a core; the idle target is 1 %).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from typing import TYPE_CHECKING, Final, Protocol, cast

from appliance.agent.audio import AudioDevices, AudioEndpoint
from appliance.agent.devices import DeviceStatus, LatencyObserver, Scalar
from appliance.config import DisplayConfig
from drivers.errors import DeviceError, NotSupportedError
from drivers.supervision import DeviceState

if TYPE_CHECKING:
    from drivers.video.capture import VideoSource

__all__ = ["AudioDevices", "AudioEndpoint", "DisplayHandle", "VideoHandle"]


class VlcDisplayLike(Protocol):
    """``drivers.display.VlcDisplay`` as docs/INTERFACES.md describes it (the display
    driver had not landed when this was written; the names are the contract's)."""

    async def open(self) -> None: ...

    async def show_pattern(self, kind: str | None = None) -> None: ...

    async def show_slate(self, room_name: str) -> None: ...

    async def play_url(self, url: str) -> None: ...

    async def stop(self) -> None: ...

    async def close(self) -> None: ...


class CecDisplayLike(Protocol):
    """``drivers.display.CecDisplay`` per docs/INTERFACES.md."""

    async def power_on(self) -> None: ...

    async def standby(self) -> None: ...

    async def power_status(self) -> object: ...


def _display_driver(module_name: str, name: str, **kwargs: object) -> object:
    """Build ``drivers.display.<module>.<name>``; NotSupportedError if the driver is missing."""
    try:
        module = importlib.import_module(f"drivers.display.{module_name}")
    except ImportError:
        module = None
    factory = getattr(module, name, None)
    if factory is None:
        raise NotSupportedError(
            str(kwargs.get("device_id", "display")),
            f"display driver has no {name} (drivers/display not installed)",
            operation="open",
        )
    return factory(**kwargs)


log = logging.getLogger(__name__)

VIDEO_IDLE_CLOSE_S: Final = 15.0  # close a video source this long after its last snapshot
SNAPSHOT_TIMEOUT_S: Final = 5.0


class DisplayHandle:
    """One display: what VLC shows on it, and its power over HDMI-CEC."""

    kind: Final = "display"

    def __init__(self, config: DisplayConfig, *, room_name: str, observe: LatencyObserver) -> None:
        self.config = config
        self.id = config.id
        self.room_name = room_name
        self._observe = observe
        self._vlc: VlcDisplayLike | None = None
        self._cec: CecDisplayLike | None = None
        self.state = DeviceState.DISCONNECTED
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
        return DeviceStatus(self.id, "display", self.state, self.last_error, details)

    async def start(self) -> None:
        """Nothing is shown at start; the display opens on the first ``show``."""

    async def show(self, what: str, *, pattern: str | None = None, url: str | None = None) -> None:
        async with self._lock:
            start = time.perf_counter()
            try:
                vlc = await self._display("show")
                if what == "pattern":
                    await vlc.show_pattern(pattern) if pattern else await vlc.show_pattern()
                elif what == "slate":
                    await vlc.show_slate(self.room_name)
                else:
                    await vlc.play_url(url or "")
            except DeviceError as exc:
                self.last_error = str(exc)
                raise
            finally:
                self._observe(self.id, "show", time.perf_counter() - start)
            self.showing = what if what != "url" else f"url:{url}"
            self.state = DeviceState.READY
            self.last_error = None

    async def stop(self) -> None:
        """Stop showing (the player stays ready)."""
        async with self._lock:
            if self._vlc is not None:
                await self._vlc.stop()
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
            vlc, self._vlc = self._vlc, None
            if vlc is not None:
                await vlc.close()
            self.showing = None
            self.state = DeviceState.DISCONNECTED

    async def _display(self, operation: str) -> VlcDisplayLike:
        if self._vlc is None:
            vlc = cast(
                VlcDisplayLike,
                _display_driver(
                    "display",
                    "VlcDisplay",
                    output=self.config.output,
                    xdisplay=self.config.x_display,
                    device_id=self.id,
                ),
            )
            try:
                await vlc.open()
            except DeviceError as exc:
                self.state = DeviceState.DISCONNECTED
                self.last_error = str(exc)
                raise
            self._vlc = vlc
        return self._vlc

    def _cec_display(self, operation: str) -> CecDisplayLike:
        if not self.config.cec:
            raise NotSupportedError(
                self.id, "HDMI-CEC is off for this display (cec = false)", operation=operation
            )
        if self._cec is None:
            self._cec = cast(
                CecDisplayLike, _display_driver("cec", "CecDisplay", device_id=self.id)
            )
        return self._cec


class VideoHandle:
    """A camera's picture source, opened on demand and closed when idle."""

    kind: Final = "video"

    def __init__(
        self, camera_id: str, url: str, *, idle_close_s: float = VIDEO_IDLE_CLOSE_S
    ) -> None:
        self.camera_id = camera_id
        self.id = f"video:{camera_id}"
        self.url = url
        self.idle_close_s = idle_close_s
        self._source: VideoSource | None = None
        self._closer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self.state = DeviceState.DISCONNECTED
        self.last_error: str | None = None

    def status(self) -> DeviceStatus:
        details: dict[str, Scalar] = {"url": self.url, "open": self._source is not None}
        return DeviceStatus(self.id, "video", self.state, self.last_error, details)

    async def start(self) -> None:
        """Opened on first use."""

    async def source(self) -> VideoSource:
        """The open source (the check engine reads frames through this too)."""
        async with self._lock:
            if self._source is None:
                from drivers.video.capture import VideoSource

                source = VideoSource(self.url, device_id=self.id)
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
        start = time.perf_counter()
        try:
            source = await self.source()
            return await source.snapshot_jpeg()
        except DeviceError as exc:
            self.last_error = str(exc)
            raise
        finally:
            if observe is not None:
                observe(self.camera_id, "snapshot", time.perf_counter() - start)

    async def stop(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        async with self._lock:
            source, self._source = self._source, None
            if source is not None:
                await source.stop()
            self.state = DeviceState.DISCONNECTED

    def _schedule_close(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
        loop = asyncio.get_running_loop()
        self._closer = loop.call_later(self.idle_close_s, self._close_idle)

    def _close_idle(self) -> None:
        self._closer = None
        self._idle_task = asyncio.create_task(self.stop(), name=f"{self.id}:idle-close")
