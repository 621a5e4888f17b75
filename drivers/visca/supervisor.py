"""Keeps one VISCA port (and the cameras on it) connected: the shared Supervisor, for VISCA.

Connect = open the port (serial chains: AddressSet + IF_Clear, VISCA.md §1.4) and ask
every expected camera for its version — a port where no expected camera answers is not
ready; one where some answer is ready, and the silent ones are listed in ``missing``
(one dead camera at the end of a chain must not take the others down with it). Watch =
the link (an unplug is seen at once by the serial transport), every camera marked
silent (``ViscaPort`` after ``SILENT_LIMIT`` unanswered messages), ``link_lost()`` (the
hotplug monitor's remove event), and a periodic power inquiry while idle, so a camera
that dies quietly is noticed too.

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

from drivers.errors import (
    CommandRejectedError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    LineNoiseError,
    ProtocolError,
)
from drivers.supervision import (
    STOP_GRACE_S,
    STOP_TIMEOUT_S,
    Backoff,
    Supervisor,
    cancel_and_wait,
)
from drivers.visca import messages as m
from drivers.visca.protocol import ViscaPort
from drivers.visca.transport import SerialTransport, transport_from_url

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
        stop_timeout_s: float = STOP_TIMEOUT_S,
        stop_grace_s: float = STOP_GRACE_S,
    ) -> None:
        super().__init__(
            device_id or port.device_id,
            backoff=backoff,
            max_failures=max_failures,
            stop_timeout_s=stop_timeout_s,
            stop_grace_s=stop_grace_s,
        )
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
        # Expected cameras that did not answer at the last connect → why.
        self.missing: dict[int, str] = {}
        self._present_at_attempt = True
        self._all_silent = asyncio.Event()
        previous = port.on_availability

        def on_availability(address: int, available: bool) -> None:
            if previous is not None:
                previous(address, available)
            if available:
                self.missing.pop(address, None)
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

    def answered(self, address: int) -> None:
        """The camera at ``address`` answered a request: it is no longer ``missing``
        (its version is asked at the next idle health poll)."""
        self.missing.pop(address, None)

    # -- Supervisor hooks --------------------------------------------------------------

    async def _connect(self) -> None:
        self._present_at_attempt = self._present() if self._present else True
        self._all_silent.clear()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for lost stop()'s cancel when it
            # landed as a failing open finished (gh-86296; tests/test_cancellation.py).
            async with asyncio.timeout(self.connect_timeout_s):
                await self._open_and_identify()
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
        lost = asyncio.create_task(self._lost.wait(), name=f"{self.device_id}:lost")
        tasks = (closed, silent, health, lost)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Not ``with suppress(CancelledError): await task``: a stop() arriving during
            # that await would be taken for the subtask's own end and swallowed.
            await cancel_and_wait(*tasks, timeout_s=self.stop_grace_s)
        if closed.done() and not closed.cancelled():
            raise closed.result()
        if lost.done() and not lost.cancelled():
            raise DeviceUnavailableError(
                self.device_id, self.last_error or "link lost", operation="watch"
            )
        raise DeviceUnavailableError(
            self.device_id,
            f"no camera answers (addresses {', '.join(map(str, self.addresses))})",
            operation="watch",
        )

    async def _disconnect(self) -> None:
        await self.port.close()

    async def _wait_retry(self, delay: float) -> None:
        """Wait for the backoff, a kick, or the device path coming back (polled)."""
        if self._present is None:
            await self._kicked_within(delay)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while (remaining := deadline - loop.time()) > 0:
            if await self._kicked_within(min(remaining, self.poll_interval_s)):
                return
            if not self._present_at_attempt and self._present():
                log.info("%s: device path is back; reconnecting", self.device_id)
                self.backoff.reset()
                return

    # -- internals ---------------------------------------------------------------------

    async def _open_and_identify(self) -> None:
        count = await self.port.open()
        noisy = False
        self.versions.clear()
        self.missing = {}
        for address in self.addresses:
            if count is not None and address > count:
                self.missing[address] = f"the chain has {count} camera(s)"
                continue
            try:
                data = await self.port.inquire(address, m.inq_version())
                self.versions[address] = m.decode_version(data)
            except DeviceUnavailableError as exc:
                if not self.port.is_open:
                    raise  # the link itself went away
                self.missing[address] = str(exc)  # marked silent earlier: this camera only
            except (DeviceTimeoutError, ProtocolError, CommandRejectedError) as exc:
                self.missing[address] = str(exc)  # silent or garbled: this camera only
                noisy = noisy or isinstance(exc, LineNoiseError)
            except ValueError as exc:
                self.missing[address] = f"bad version answer: {exc}"
        if not self.versions:
            first = min(self.missing)
            # Noise is an answer, at the wrong baud rate or over a bad cable (item 8).
            what = "cameras answer with noise" if noisy else "no camera answers"
            raise DeviceUnavailableError(
                self.device_id,
                f"{what}: camera {first}: {self.missing[first]}",
                operation="connect",
            )
        if self.missing:
            log.warning(
                "%s: camera(s) %s not answering (%s); the others are in use",
                self.device_id,
                ", ".join(map(str, sorted(self.missing))),
                "; ".join(self.missing[a] for a in sorted(self.missing)),
            )

    async def _health_loop(self) -> None:
        """While idle, ask each camera for its power state (one missing at connect: its
        version, so it is identified once it answers); misses count as silence."""
        if self.health_interval_s is None:
            await asyncio.Event().wait()
            return
        while True:
            await asyncio.sleep(self.health_interval_s)
            for address in self.addresses:
                if not self.port.is_open:
                    break
                # Errors are fine here: a miss counts towards the camera's silence,
                # and a lost link ends the watch through wait_closed().
                with contextlib.suppress(DeviceError, ValueError):
                    if address in self.versions:
                        await self.port.inquire(address, m.inq_power())
                        continue
                    data = await self.port.inquire(address, m.inq_version())
                    self.versions[address] = m.decode_version(data)
                    self.missing.pop(address, None)
                    log.warning("%s: camera %d answers now", self.device_id, address)
