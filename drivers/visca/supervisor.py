"""Keeps one VISCA port (and the cameras on it) connected: the shared Supervisor, for VISCA.

Connect = open the port (serial chains: AddressSet + IF_Clear, VISCA.md §1.4) and ask
every expected camera for its version — a port whose cameras do not answer is not
ready. Watch = the link (an unplug is seen at once by the serial transport), every
camera marked silent (``ViscaPort`` after ``SILENT_LIMIT`` unanswered messages), and a
periodic power inquiry while idle, so a camera that dies quietly is noticed too.

Replug (VISCA.md §5 #1, DESIGN.md §8: "back in use within 2 s"): the serial path
vanishes on unplug and comes back on replug. While disconnected the path is polled
every ``poll_interval_s``; its reappearance ends the backoff wait at once, in addition
to ``kick()`` from the hotplug monitor. The port object stays the same across
reconnects, so cameras built on it keep working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, Final

from drivers.errors import DeviceError, DeviceTimeoutError, DeviceUnavailableError
from drivers.supervision import Backoff, Supervisor
from drivers.visca import messages as m
from drivers.visca.protocol import ViscaPort
from drivers.visca.transport import transport_from_url
from drivers.visca.transport_serial import SerialTransport

log = logging.getLogger(__name__)

PRESENCE_POLL_S: Final = 0.2  # path polling while disconnected (2 s replug target)
HEALTH_INTERVAL_S: Final = 10.0  # idle power inquiry per camera
CONNECT_TIMEOUT_S: Final = 3.0  # open + AddressSet + IF_Clear + version inquiries


class ViscaSupervisor(Supervisor):
    """State ``disconnected/connecting/ready/failed`` of one VISCA port."""

    def __init__(
        self,
        port: ViscaPort,
        *,
        addresses: Sequence[int] = (1,),
        device_id: str | None = None,
        present: Callable[[], bool] | None = None,
        poll_interval_s: float = PRESENCE_POLL_S,
        health_interval_s: float | None = HEALTH_INTERVAL_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        backoff: Backoff | None = None,
        max_failures: int | None = None,
    ) -> None:
        super().__init__(device_id or port.device_id, backoff=backoff, max_failures=max_failures)
        if not addresses or any(not m.MIN_ADDRESS <= a <= m.MAX_ADDRESS for a in addresses):
            raise ValueError(f"camera addresses must be 1–7, got {list(addresses)}")
        self.port = port
        self.addresses = tuple(addresses)
        if present is None and isinstance(port.transport, SerialTransport):
            present = port.transport.exists
        self._present = present
        self.poll_interval_s = poll_interval_s
        self.health_interval_s = health_interval_s
        self.connect_timeout_s = connect_timeout_s
        self.versions: dict[int, m.VersionInfo] = {}
        self._present_at_attempt = True
        self._all_silent = asyncio.Event()
        previous = port.on_availability

        def on_availability(address: int, available: bool) -> None:
            if previous is not None:
                previous(address, available)
            if set(self.addresses) <= port.unavailable:
                self._all_silent.set()

        port.on_availability = on_availability

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        addresses: Sequence[int] = (1,),
        device_id: str | None = None,
        port_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> ViscaSupervisor:
        """A supervisor for ``transport_from_url(url)`` (``ConfigError`` on a bad URL)."""
        transport = transport_from_url(url, device_id=device_id)
        port = ViscaPort(transport, device_id=device_id, **(port_options or {}))
        return cls(port, addresses=addresses, device_id=device_id, **options)

    # -- Supervisor hooks --------------------------------------------------------------

    async def _connect(self) -> None:
        self._present_at_attempt = self._present() if self._present else True
        self._all_silent.clear()
        try:
            await asyncio.wait_for(self._open_and_identify(), self.connect_timeout_s)
        except DeviceError:
            raise  # includes DeviceTimeoutError, itself a TimeoutError: keep its message
        except TimeoutError:
            raise DeviceTimeoutError(
                self.device_id,
                f"not connected within {self.connect_timeout_s:.1f} s",
                operation="connect",
            ) from None

    async def _watch(self) -> None:
        closed = asyncio.create_task(self.port.wait_closed(), name=f"{self.device_id}:closed")
        silent = asyncio.create_task(self._all_silent.wait(), name=f"{self.device_id}:silent")
        health = asyncio.create_task(self._health_loop(), name=f"{self.device_id}:health")
        tasks = (closed, silent, health)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, DeviceError):
                    await task
        if closed.done() and not closed.cancelled():
            raise closed.result()
        raise DeviceUnavailableError(
            self.device_id,
            f"no camera answers (addresses {', '.join(map(str, self.addresses))})",
            operation="watch",
        )

    async def _disconnect(self) -> None:
        await self.port.close()

    async def _sleep_or_kick(self, delay: float) -> None:
        """Wait for the backoff, a kick, or the device path coming back (polled)."""
        if self._present is None:
            await super()._sleep_or_kick(delay)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while (remaining := deadline - loop.time()) > 0:
            await super()._sleep_or_kick(min(remaining, self.poll_interval_s))
            if self._kick.is_set():
                return
            if not self._present_at_attempt and self._present():
                log.info("%s: device path is back; reconnecting", self.device_id)
                self.backoff.reset()
                return

    # -- internals ---------------------------------------------------------------------

    async def _open_and_identify(self) -> None:
        count = await self.port.open()
        if count is not None and count < max(self.addresses):
            raise DeviceUnavailableError(
                self.device_id,
                f"the chain has {count} camera(s); address {max(self.addresses)} is missing",
                operation="connect",
            )
        for address in self.addresses:
            data = await self.port.inquire(address, m.inq_version())
            try:
                self.versions[address] = m.decode_version(data)
            except ValueError as exc:
                raise DeviceUnavailableError(
                    self.device_id, f"camera {address}: bad version answer: {exc}"
                ) from None

    async def _health_loop(self) -> None:
        """While idle, ask each camera for its power state; misses count as silence."""
        if self.health_interval_s is None:
            await asyncio.Event().wait()
            return
        while True:
            await asyncio.sleep(self.health_interval_s)
            for address in self.addresses:
                if self.port.is_open:
                    # Errors are fine here: a miss counts towards the camera's silence,
                    # and a lost link ends the watch through wait_closed().
                    with contextlib.suppress(DeviceError):
                        await self.port.inquire(address, m.inq_power())
