"""The room agent's service: owns every driver, its supervisor and its live state.

    service = AgentService(config)        # builds handles; opens nothing
    await service.start()                 # supervisors connect in the background
    service.cameras["cam1"].preset_recall("chu-toa")
    service.devices()                     # [DeviceStatus(id, kind, state, last_error, details)]
    await service.stop()                  # every port closed, player stopped (≤ STOP_TIMEOUT_S)

VISCA cameras on one physical port (a daisy chain) share ONE ``ViscaLink`` — one
``ViscaPort`` and one supervisor — and each camera is a handle for its address. The
hotplug monitor wakes a link's supervisor when its adapter comes back (DESIGN.md §8:
back in use within 2 s). The readiness-check engine plugs in by setting
:attr:`AgentService.checks` (the :class:`CheckRunner` protocol, docs/INTERFACES.md;
``appliance.agent.checks.install(service)`` does it, and the agent's ``build_service``
calls that); :meth:`AgentService.stop` closes it first, so a run in progress is
cancelled while the devices it uses are still open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Final, Protocol

from appliance.agent.devices import (
    HEALTH_INTERVAL_S,
    CameraHandle,
    DeviceStatus,
    LatencyObserver,
    PresetNames,
    ViscaLink,
)
from appliance.agent.errors import UnknownDeviceError
from appliance.agent.media import AudioDevices, DisplayHandle, VideoHandle
from appliance.config import AgentConfig, CameraConfig
from drivers.errors import DeviceError
from drivers.supervision import DeviceState

if TYPE_CHECKING:
    from drivers.hotplug import HotplugMonitor

log = logging.getLogger(__name__)

STOP_TIMEOUT_S: Final = 4.0  # all devices released within this (SIGTERM budget is 5 s)
# A check run in progress at stop: cancelled, then given this long to put the cameras
# back (its cleanups) before it is cancelled again; taken out of STOP_TIMEOUT_S.
CHECKS_CLOSE_TIMEOUT_S: Final = 1.5


class CheckRunner(Protocol):
    """What the readiness-check engine offers the API (docs/INTERFACES.md, "Check engine")."""

    async def start(self, only: set[str] | None = None) -> str: ...

    def progress(self, run_id: str) -> object: ...

    async def wait(self, run_id: str) -> object: ...

    def history(self, limit: int = 20) -> Sequence[object]: ...

    def health(self) -> str: ...

    async def close(self) -> None: ...


class HubLink(Protocol):
    """The agent's link to the hub as the service sees it (``appliance.agent.link``)."""

    @property
    def state(self) -> str: ...  # not_enrolled / connecting / connected / backoff

    @property
    def last_error(self) -> str | None: ...

    @property
    def clock_offset_s(self) -> float | None: ...  # our clock − the hub's, at the last welcome

    @property
    def connected_for_s(self) -> float | None: ...  # since the last welcome; None when down

    def emit(self, kind: str, data: dict[str, object]) -> None: ...  # an event for the hub


class AgentService:
    """See the module docstring."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        hotplug: bool = True,
        stop_timeout_s: float = STOP_TIMEOUT_S,
        checks_close_timeout_s: float = CHECKS_CLOSE_TIMEOUT_S,
        health_interval_s: float | None = HEALTH_INTERVAL_S,
    ) -> None:
        self.config = config
        self.checks: CheckRunner | None = None
        self.hub_link: HubLink | None = None  # set by run_agent when hub.url is configured
        self.started_monotonic = time.monotonic()
        self.stop_timeout_s = stop_timeout_s
        self.checks_close_timeout_s = checks_close_timeout_s
        self._observers: list[LatencyObserver] = []
        self._use_hotplug = hotplug
        self._hotplug: HotplugMonitor | None = None
        self._started = False
        self.preset_names = PresetNames(config.state.dir / "presets.json", config.cameras)
        self.video_sources: dict[str, VideoHandle] = {
            cam.id: VideoHandle(cam.id, cam.video) for cam in config.cameras if cam.video
        }
        chains: dict[str, list[CameraConfig]] = {}
        for cam in config.cameras:
            chains.setdefault(cam.link, []).append(cam)
        # health_interval_s: each link's idle poll of its cameras (a camera gone silent
        # shows ``disconnected`` within it); tests pass a short one.
        self.links: dict[str, ViscaLink] = {
            key: ViscaLink(cams, health_interval_s=health_interval_s)
            for key, cams in chains.items()
        }
        self.cameras: dict[str, CameraHandle] = {
            cam.id: CameraHandle(
                cam,
                self.links[cam.link],
                self.preset_names,
                self._observe,
                self.video_sources.get(cam.id),
            )
            for cam in config.cameras
        }
        self.audio = AudioDevices(config.microphones, config.speakers, self._observe)
        self.displays: dict[str, DisplayHandle] = {
            d.id: DisplayHandle(d, room_name=config.room.name, observe=self._observe)
            for d in config.displays
        }

    # -- lookups (unknown id → UnknownDeviceError → 404) ---------------------------------

    def camera(self, camera_id: str) -> CameraHandle:
        try:
            return self.cameras[camera_id]
        except KeyError:
            raise UnknownDeviceError(camera_id, "no such camera in this room") from None

    def display(self, display_id: str) -> DisplayHandle:
        try:
            return self.displays[display_id]
        except KeyError:
            raise UnknownDeviceError(display_id, "no such display in this room") from None

    def devices(self) -> list[DeviceStatus]:
        """Every device's live state: ports, cameras, video sources, audio, displays."""
        out: list[DeviceStatus] = [link.status() for link in self.links.values()]
        out += [cam.status() for cam in self.cameras.values()]
        out += [v.status() for v in self.video_sources.values()]
        out += self.audio.statuses()
        out += [d.status() for d in self.displays.values()]
        return out

    def health(self) -> str:
        """The engine's rollup when it runs; else from device states (no check results)."""
        if self.checks is not None:
            return self.checks.health()
        devices = self.devices()
        if not devices:
            return "unknown"
        # A device opened on demand (a video source) is idle, not broken: only a device
        # that failed or reports an error counts against the room.
        broken = [
            d
            for d in devices
            if d.state is DeviceState.FAILED or (d.state is not DeviceState.READY and d.last_error)
        ]
        if not broken:
            return "healthy"
        return "error" if len(broken) == len(devices) else "warning"

    # -- command latency (metrics) ------------------------------------------------------

    def add_latency_observer(self, observer: LatencyObserver) -> None:
        self._observers.append(observer)

    def _observe(self, device: str, operation: str, seconds: float) -> None:
        for observer in self._observers:
            observer(device, operation, seconds)

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start every supervisor; devices connect in the background (never raises for a
        missing device: it shows as disconnected/failed with its last error)."""
        if self._started:
            return
        self._started = True
        self.started_monotonic = time.monotonic()
        for link in self.links.values():
            await link.start()
        for video in self.video_sources.values():
            await video.start()
        await self.audio.start()
        for display in self.displays.values():
            await display.start()
        if self._use_hotplug:
            await self._start_hotplug()
        log.info(
            "room %s: %d camera(s) on %d link(s), %d audio device(s), %d display(s)",
            self.config.room.id,
            len(self.cameras),
            len(self.links),
            len(self.audio.endpoints()),
            len(self.displays),
        )

    async def stop(self) -> None:
        """Cancel a check run in progress, then release every device, all within
        ``stop_timeout_s`` (the check engine gets at most ``checks_close_timeout_s``)."""
        if not self._started:
            return
        self._started = False
        deadline = time.monotonic() + self.stop_timeout_s
        await self.close_checks(deadline)
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        if self._hotplug is not None:
            steps.append(("hotplug", self._stop_hotplug))
        steps += [(f"display {d.id}", d.stop_all) for d in self.displays.values()]
        steps.append(("audio", self.audio.stop))
        steps += [(f"video {v.id}", v.stop) for v in self.video_sources.values()]
        steps += [(f"link {link.id}", link.stop) for link in self.links.values()]
        results = await asyncio.gather(
            *(self._bounded(name, step, deadline) for name, step in steps), return_exceptions=True
        )
        for (name, _), result in zip(steps, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("stopping %s failed: %s", name, result)
        log.info("room %s: all devices released", self.config.room.id)

    async def close_checks(self, deadline: float | None = None) -> None:
        """Cancel a check run in progress (its cleanups get ``checks_close_timeout_s``, at
        most until ``deadline``); the agent calls it first on SIGTERM, so requests waiting
        for a result get their answer before the API closes."""
        if self.checks is None:
            return
        close_by = time.monotonic() + self.checks_close_timeout_s
        await self._bounded("check engine", self.checks.close, min(close_by, deadline or close_by))

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    async def _bounded(name: str, step: Callable[[], Awaitable[None]], deadline: float) -> None:
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel that
            # lands as the step completes (gh-86296), leaving stop() waiting forever.
            async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                await step()
        except TimeoutError:
            log.error("stopping %s timed out", name)

    async def _start_hotplug(self) -> None:
        from drivers.hotplug import DeviceMatch, HotplugMonitor

        monitor = HotplugMonitor()
        try:
            await monitor.start()
        except (DeviceError, OSError) as exc:
            log.warning("hotplug monitor unavailable (%s); devices retry on their backoff", exc)
            return
        for link in self.links.values():
            if link.serial_path is not None:
                monitor.attach(link.supervisor, DeviceMatch.for_path(link.serial_path))
        monitor.subscribe(lambda _event: self.audio.refresh_soon(), DeviceMatch(subsystem="sound"))
        self._hotplug = monitor

    async def _stop_hotplug(self) -> None:
        monitor, self._hotplug = self._hotplug, None
        if monitor is not None:
            with contextlib.suppress(Exception):
                await monitor.stop()
