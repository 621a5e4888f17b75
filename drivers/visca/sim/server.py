"""Simulator servers: the clock pump, the fault API, and the pseudo-terminal server.

Servers: :class:`PtySimulator` (a pseudo-terminal behind a stable symlink, so
``unplug()``/``replug()`` keep the path, PLATFORM.md Infra 1), :class:`TCPSimulator`
(raw VISCA, PTZOptics port 5678 style), :class:`UDPSimulator` (raw on 1259, or Sony's
8-byte header on 52381 with ``sony_header=True``). All bind loopback by default; port 0
picks a free port. Timing: bytes are paced at ``baud`` (len × 10 / baud; a pty has no
baud of its own), every camera answers one message per video frame
(``frame_s``, VISCA.md §1.3), and moves take the time the model's speeds give.
:class:`SimulatorThread` (``thread.py``) runs one in a background thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Any, Final, Self

from drivers.supervision import cancel_and_wait
from drivers.visca.models import ModelProfile, profile_for
from drivers.visca.sim.camera import CameraSimulator
from drivers.visca.sim.engine import ChainEngine, Outgoing
from drivers.visca.sim.link import BITS_PER_BYTE, SPIN_S, CameraFramer, PacedWriter, PtyEnd
from drivers.visca.sim.state import CameraState, Faults

log = logging.getLogger(__name__)

LOOPBACK: Final = "127.0.0.1"
DEFAULT_MODEL: Final = "srg-300h"


class ViscaSimulator:
    """Common part of every server: the chain, the clock pump, the fault API."""

    sony_ip = False

    def __init__(
        self,
        cameras: int = 1,
        *,
        model: str | ModelProfile = DEFAULT_MODEL,
        baud: int | None = None,
        frame_s: float | None = None,
        addressed: bool = True,
        network_change: bool | None = None,
        seed: int = 0,
        **camera_options: Any,
    ) -> None:
        self.profile = profile_for(model) if isinstance(model, str) else model
        self.baud = baud
        self.cameras = [
            CameraSimulator(self.profile, i + 1, frame_s=frame_s, **camera_options)
            for i in range(cameras)
        ]
        self.engine = ChainEngine(self.cameras, ip_mode=self.sony_ip, addressed=addressed)
        wants_change = (
            self.profile.sends_network_change if network_change is None else network_change
        )
        self.network_change = wants_change and not self.sony_ip  # never over IP (VISCA.md §3.1)
        self._garbage = False
        self._rng = random.Random(seed)  # noqa: S311 - line noise, not crypto
        self._wake = asyncio.Event()
        self._pump_task: asyncio.Task[None] | None = None
        self._rx_free = 0.0

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await self._open()
        self._pump_task = asyncio.create_task(self._pump(), name=f"visca-sim:{self.describe()}")

    async def stop(self) -> None:
        task, self._pump_task = self._pump_task, None
        if task is not None:
            await cancel_and_wait(task)  # never swallows our caller's cancel
        await self._close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def describe(self) -> str:
        raise NotImplementedError

    # -- state ----------------------------------------------------------------------------

    def camera(self, address: int = 1) -> CameraSimulator:
        """The camera at chain position ``address``; ``.state`` is a live snapshot."""
        return self.engine.camera(address)

    def state(self, address: int = 1) -> CameraState:
        return self.camera(address).state

    # -- fault injection (call from the simulator's event loop or via SimulatorThread) -------

    def silent(self, on: bool = True, address: int | None = None) -> None:
        """The camera(s) hear nothing and answer nothing."""
        for faults in self._faults(address):
            faults.silent = on

    def drop_next_ack(self, count: int = 1, address: int = 1) -> None:
        self.camera(address).faults.drop_acks += count

    def drop_next_completion(self, count: int = 1, address: int = 1) -> None:
        self.camera(address).faults.drop_completions += count

    def slow(
        self, extra_s: float, address: int | None = None, *, up_to_s: float | None = None
    ) -> None:
        """Answer ``extra_s`` (… ``up_to_s``, drawn per message) later than normally."""
        for faults in self._faults(address):
            faults.slow_s = extra_s
            faults.slow_up_to_s = up_to_s

    def error_reply(self, code: int | None, count: int = 1, address: int = 1) -> None:
        """Answer the next ``count`` commands (−1 = all, until ``code=None``) with ``code``."""
        faults = self.camera(address).faults
        faults.error_count = 0 if code is None else count
        if code is not None:
            faults.error_code = code

    def refuse_inquiry(self, body: bytes, address: int = 1) -> None:
        """Answer the inquiry ``8x 09 <body> FF`` with a syntax error from now on."""
        faults = self.camera(address).faults
        faults.refused_inquiries = faults.refused_inquiries | {bytes(body)}

    def preset_lands_elsewhere(self, pan: int, tilt: int, address: int = 1) -> None:
        """Recalls go (pan, tilt) units away from the stored position; (0, 0) clears."""
        self.camera(address).faults.preset_offset = (pan, tilt) if (pan or tilt) else None

    def garbage(self, on: bool = True) -> None:
        """Replace every outgoing packet with line noise of the same length."""
        self._garbage = on

    def clear_faults(self) -> None:
        for camera in self.cameras:
            camera.faults = Faults()
        self._garbage = False

    def send_network_change(self) -> None:
        """Send ``z0 38 FF`` now, as a camera does at power-up (VISCA.md §1.2).

        The one sent at start/replug is usually lost on a pty: pyserial flushes its
        input when it opens the port, exactly as with a real adapter.
        """
        self._transmit(self.engine.network_change(time.monotonic()))

    def inject(self, raw: bytes) -> None:
        """Send ``raw`` bytes on the link as they are (stray or malformed data)."""
        self._transmit(Outgoing(time.monotonic(), raw, None), raw_bytes=True)

    # -- for the servers --------------------------------------------------------------------

    def _faults(self, address: int | None) -> list[Faults]:
        cams = self.cameras if address is None else [self.camera(address)]
        return [cam.faults for cam in cams]

    def _arrivals(self, data: bytes, now: float) -> list[float]:
        """When each byte of ``data`` reaches the camera on a ``baud`` line."""
        if not self.baud:
            return [now] * len(data)
        per_byte = BITS_PER_BYTE / self.baud
        start = max(now, self._rx_free)
        times = [start + (i + 1) * per_byte for i in range(len(data))]
        self._rx_free = times[-1] if times else self._rx_free
        return times

    def _feed(self, framer: CameraFramer, data: bytes, client: object) -> None:
        arrivals = self._arrivals(data, time.monotonic())
        for packet, last_index in framer.feed(data):
            self.engine.receive(packet, arrivals[last_index], client)
        self._wake.set()

    def _transmit(self, out: Outgoing, *, raw_bytes: bool = False) -> None:
        data = out.packet
        if self._garbage and not raw_bytes:
            data = self._noise(len(data))
        self._send(data, out.client)

    def _noise(self, length: int) -> bytes:
        # What a wrong baud rate or a bad cable looks like: random bytes, some with bit 7
        # set and some FF, so a framer sees junk packets as well as stray bytes.
        return bytes(
            self._rng.choice((0xFF, 0x90, 0x41, 0x00, 0x7F, 0xE5, 0x13)) for _ in range(length)
        )

    async def _pump(self) -> None:
        while True:
            due = self.engine.next_due()
            now = time.monotonic()
            if due is not None and due <= now:
                for out in self.engine.step(now):
                    self._transmit(out)
                continue
            self._wake.clear()
            if due is None:
                await self._wake.wait()
            elif due - now > SPIN_S:
                # Wake a little early (epoll rounds timeouts up to whole ms; link.py).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(due - now - SPIN_S):  # not wait_for: gh-86296
                        await self._wake.wait()
            else:
                await asyncio.sleep(0)  # the last stretch: keep serving I/O, re-check

    async def _open(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        raise NotImplementedError

    def _send(self, data: bytes, client: object) -> None:
        raise NotImplementedError


class PtySimulator(ViscaSimulator):
    """A camera chain on a pseudo-terminal; ``path`` is a symlink that survives replug."""

    def __init__(self, cameras: int = 1, *, link: str | None = None, **options: Any) -> None:
        super().__init__(cameras, **options)
        self._pty = PtyEnd(link, on_data=self._on_data)
        self._writer = PacedWriter(self._pty.write, self.baud)
        self._framer = CameraFramer()

    @property
    def path(self) -> str:
        """The stable path a driver opens (a symlink to the current /dev/pts/N)."""
        return self._pty.path

    @property
    def device(self) -> str | None:
        """The current ``/dev/pts/N`` behind :attr:`path` (None while unplugged)."""
        return self._pty.device if self._pty.is_open else None

    @property
    def plugged(self) -> bool:
        return self._pty.is_open

    def describe(self) -> str:
        return f"pty {self.path}"

    def unplug(self) -> None:
        """Close the pty: the driver's reads fail like a pulled USB adapter."""
        self._writer.flush()
        self._pty.close()

    def replug(self) -> None:
        """A new pty behind the same path; sends the network change if enabled."""
        self._framer = CameraFramer()
        self._pty.open()
        if self.network_change:
            self._power_up_network_change()

    async def _open(self) -> None:
        self._pty.open()
        self._writer.start()
        if self.network_change:
            self._power_up_network_change()

    def _power_up_network_change(self) -> None:
        """``z0 38 FF`` at power-up reaches only a client that has the port open: a real
        line loses bytes sent while nobody listens. Queued in the pty, it would reach
        the first client to open it, which stays one reply behind unless it flushes
        (issue #7 item 10)."""
        if self._pty.peer_open():
            self.send_network_change()
        else:
            log.debug("%s: power-up network change lost: nobody has the port open", self.path)

    async def _close(self) -> None:
        await self._writer.stop()
        self._pty.close()
        self._pty.remove_dir()

    def _on_data(self, data: bytes) -> None:
        self._feed(self._framer, data, None)

    def _send(self, data: bytes, client: object) -> None:
        if self._pty.is_open:
            self._writer.send(data)
