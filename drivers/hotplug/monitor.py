"""USB hotplug events delivered into asyncio, and the glue that wakes supervisors.

A real ``pyudev.Monitor(source="udev")`` — the netlink socket udevd broadcasts on —
filtered in the kernel by subsystem (tty, sound, video4linux), read with
``loop.add_reader`` (no thread). Each event becomes a :class:`HotplugEvent` and goes
to the monitor's callback and to every matching subscription. A device supervisor
subscribes with :meth:`HotplugMonitor.attach`: an ``add`` of its adapter ``kick()``-s
it (reconnect now instead of after the backoff, DESIGN.md §8 "back in use within
2 s"), a ``remove`` reports the link lost.

Odd events never crash the agent: malformed datagrams are dropped by libudev,
undecodable bytes are replaced, a failing callback is logged and the next one runs.
A ``remove`` usually carries the device's last properties (udevd sends them from its
db); where it does not, the monitor fills them in from the ``add`` it saw.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol

from drivers.hotplug import _udev
from drivers.hotplug.inventory import DEFAULT_SUBSYSTEMS, DeviceInfo, device_info_from_properties
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

ADD: Final = "add"
REMOVE: Final = "remove"
CHANGE: Final = "change"
MOVE: Final = "move"
ALL_ACTIONS: Final = frozenset({ADD, REMOVE, CHANGE, MOVE, "bind", "unbind", "online", "offline"})
# Actions after which a device may be usable again.
ARRIVAL_ACTIONS: Final = frozenset({ADD, CHANGE, MOVE, "bind", "online"})

MAX_EVENTS_PER_WAKEUP: Final = 256  # then yield to the loop; the reader fires again
MAX_KNOWN_DEVICES: Final = 4096  # devpath -> last properties, for bare remove events


@dataclass(frozen=True, slots=True)
class HotplugEvent:
    """One udev event."""

    action: str
    device: DeviceInfo
    seqnum: int | None
    received_monotonic: float


EventCallback = Callable[[HotplugEvent], Awaitable[None] | None]


class Kickable(Protocol):
    """What :meth:`HotplugMonitor.attach` needs (``drivers.supervision.Supervisor`` has it)."""

    @property
    def device_id(self) -> str: ...

    def kick(self) -> None: ...

    def link_lost(self, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class DeviceMatch:
    """Which device a subscriber cares about; every given field must match.

    ``path`` matches the device node or any DEVLINKS entry (``/dev/serial/by-id/…``,
    ``/dev/visca/<serial>``), i.e. the names udev knows. A symlink of one's own is not
    followed: node names are reused (ttyUSB0, /dev/pts/N), so its target may be another
    device by the time an event arrives. IDs compare case-insensitively.
    """

    path: str | None = None
    vendor_id: str | None = None
    model_id: str | None = None
    serial: str | None = None
    subsystem: str | None = None

    def __post_init__(self) -> None:
        if not any((self.path, self.vendor_id, self.model_id, self.serial, self.subsystem)):
            raise ValueError("DeviceMatch needs at least one of path, vendor_id, serial, …")

    @classmethod
    def for_path(cls, path: str) -> DeviceMatch:
        return cls(path=path)

    @classmethod
    def for_usb(cls, vendor_id: str, serial: str, model_id: str | None = None) -> DeviceMatch:
        return cls(vendor_id=vendor_id, serial=serial, model_id=model_id)

    def matches(self, device: DeviceInfo) -> bool:
        if self.subsystem is not None and device.subsystem != self.subsystem:
            return False
        if self.vendor_id is not None and device.vendor_id != self.vendor_id.lower():
            return False
        if self.model_id is not None and device.model_id != self.model_id.lower():
            return False
        if self.serial is not None and (device.serial or "").lower() != self.serial.lower():
            return False
        if self.path is None:
            return True
        wanted = os.path.normpath(self.path)
        return any(os.path.normpath(p) == wanted for p in (*device.links, device.device_node) if p)


@dataclass
class MonitorStats:
    """Counters for diagnostics (`appliance` status pages, tests)."""

    events: int = 0
    dropped: int = 0  # events we could not turn into a HotplugEvent
    receive_errors: int = 0  # OSError from the socket (ENOBUFS: events were lost)
    callback_errors: int = 0


@dataclass(eq=False)
class Subscription:
    """A registered callback; :meth:`cancel` removes it (idempotent)."""

    callback: EventCallback
    match: DeviceMatch | None
    actions: frozenset[str]
    _owner: HotplugMonitor | None = field(default=None, repr=False)

    def wants(self, event: HotplugEvent) -> bool:
        if event.action not in self.actions:
            return False
        return self.match is None or self.match.matches(event.device)

    def cancel(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner._unsubscribe(self)


class HotplugMonitor:
    """Receives udev add/remove/change events and hands them to asyncio callbacks."""

    def __init__(
        self,
        callback: EventCallback | None = None,
        *,
        subsystems: Iterable[str] = DEFAULT_SUBSYSTEMS,
        source: str = "udev",
        max_events_per_wakeup: int = MAX_EVENTS_PER_WAKEUP,
    ) -> None:
        self._subsystems = tuple(subsystems)
        self._source_name = source
        self._max_batch = max(1, max_events_per_wakeup)
        self._source: _udev.UdevMonitorSource | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscriptions: list[Subscription] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._known: dict[str, dict[str, str]] = {}
        self.stats = MonitorStats()
        if callback is not None:
            self.subscribe(callback)

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._source is not None

    async def start(self) -> None:
        """Open the netlink monitor (``DeviceUnavailableError`` if not allowed here)."""
        if self._source is not None:
            return
        self._loop = asyncio.get_running_loop()
        source = _udev.UdevMonitorSource(self._subsystems, source=self._source_name)
        self._loop.add_reader(source.fileno(), self._on_readable)
        self._source = source
        log.debug("hotplug monitor listening (%s: %s)", self._source_name, self._subsystems)

    async def stop(self) -> None:
        """Stop reading, close the socket, cancel running async callbacks."""
        source, self._source = self._source, None
        if source is not None and self._loop is not None:
            self._loop.remove_reader(source.fileno())
            source.close()
        # Bounded, and a cancel of our caller is passed on (not swallowed).
        await cancel_and_wait(*self._tasks, what="hotplug callbacks")

    async def __aenter__(self) -> HotplugMonitor:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- subscriptions -----------------------------------------------------------------

    def subscribe(
        self,
        callback: EventCallback,
        match: DeviceMatch | None = None,
        actions: Iterable[str] = ALL_ACTIONS,
    ) -> Subscription:
        """Call ``callback(event)`` (plain or async) for matching events."""
        sub = Subscription(callback, match, frozenset(actions), self)
        self._subscriptions.append(sub)
        return sub

    def attach(
        self, supervisor: Kickable, match: DeviceMatch, *, report_removal: bool = True
    ) -> Subscription:
        """Wake ``supervisor`` when its device arrives; report the link lost on removal."""

        def _on_event(event: HotplugEvent) -> None:
            if event.action == REMOVE:
                log.info("%s: device removed (%s)", supervisor.device_id, event.device.devpath)
                supervisor.link_lost(f"device removed ({event.device.sys_name})")
            else:
                log.info(
                    "%s: device %s (%s), reconnecting now",
                    supervisor.device_id,
                    event.action,
                    event.device.device_node,
                )
                supervisor.kick()

        actions = ARRIVAL_ACTIONS | ({REMOVE} if report_removal else set())
        return self.subscribe(_on_event, match, actions)

    def known_devices(self) -> list[DeviceInfo]:
        """Devices seen arriving (and not removed) since start."""
        return [device_info_from_properties(p) for p in self._known.values()]

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    # -- internals ---------------------------------------------------------------------

    def _on_readable(self) -> None:
        source = self._source
        for _ in range(self._max_batch):
            if source is None or source is not self._source:
                return
            try:
                raw = source.receive()
            except OSError as exc:
                self.stats.receive_errors += 1
                if exc.errno == errno.ENOBUFS:
                    # The socket buffer overflowed: events were lost. Supervisors still
                    # reconnect by backoff; nothing else to do.
                    log.warning("hotplug: receive buffer overrun, some events were lost")
                else:
                    log.warning("hotplug: receive failed: %s", exc)
                continue
            except Exception as exc:
                # libudev refuses a message it cannot parse (e.g. an unknown ACTION gives
                # EINVAL, which pyudev raises as ValueError); the message is consumed.
                self.stats.dropped += 1
                log.warning("hotplug: dropped an invalid event: %r", exc)
                continue
            if raw is None:
                return
            try:
                event = self._make_event(raw)
            except Exception:
                self.stats.dropped += 1
                log.exception("hotplug: could not decode an event")
                continue
            self.stats.events += 1
            self._dispatch(event)

    def _make_event(self, raw: _udev.RawDevice) -> HotplugEvent:
        props = raw.properties
        devpath = props.get("DEVPATH", "")
        action = raw.action or CHANGE
        if action == REMOVE:
            last = self._known.pop(devpath, None)
            if last is not None:
                props = {**last, **props}
        elif devpath:
            if action == MOVE:
                self._known.pop(props.get("DEVPATH_OLD", ""), None)
            self._known.pop(devpath, None)  # re-insert at the end (newest)
            self._known[devpath] = dict(props)
            while len(self._known) > MAX_KNOWN_DEVICES:
                self._known.pop(next(iter(self._known)))
        device = device_info_from_properties(props, initialized=raw.initialized)
        return HotplugEvent(action, device, raw.seqnum, time.monotonic())

    def _dispatch(self, event: HotplugEvent) -> None:
        log.debug("hotplug: %s %s %s", event.action, event.device.subsystem, event.device.devpath)
        for sub in list(self._subscriptions):
            try:
                if not sub.wants(event):
                    continue
                result = sub.callback(event)
            except Exception:
                self.stats.callback_errors += 1
                log.exception("hotplug: callback failed for %s", event.device.devpath)
                continue
            if result is not None:
                self._spawn(result)

    def _spawn(self, awaitable: Awaitable[None]) -> None:
        async def _run() -> None:
            try:
                await awaitable
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats.callback_errors += 1
                log.exception("hotplug: async callback failed")

        task = asyncio.get_running_loop().create_task(_run(), name="hotplug-callback")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
