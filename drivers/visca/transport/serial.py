"""VISCA over a serial line (RS-232/RS-422 through a USB adapter, or a pseudo-terminal).

The one module that imports pyserial. pyserial opens, locks and configures the port;
the bytes are then moved by the event loop itself: ``loop.add_reader`` on the file
descriptor (pyserial opens it with ``O_NONBLOCK``) and ``os.read``/``os.write``, so no
thread blocks and an unplug is seen at once, while idle.

Unplug (PLATFORM.md Infra 1, "Unplug simulation"): the fd becomes readable and a read
returns no data ("device reports readiness to read but returned no data") or fails with
EIO/ENXIO; a write fails with EIO. All become ``DeviceUnavailableError``. The device node
disappears, so reopening raises ``DeviceUnavailableError`` until it comes back; the
supervisor reopens by path (VISCA.md §5 #1: never keep a dead handle).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
from pathlib import Path
from typing import Final

import serial

from drivers.errors import ConfigError, DeviceUnavailableError
from drivers.supervision import open_in_thread
from drivers.visca.transport.base import PlainPacketTransport
from drivers.visca.transport.framing import Framer

log = logging.getLogger(__name__)

# VISCA.md §1.5: FCB block cameras run at 9600, 19200 or 38400 8N1; PTZ cameras
# mostly at 9600 (DIP switch).
SUPPORTED_BAUDS: Final = (9600, 19200, 38400)
DEFAULT_BAUD: Final = 9600
# A 16-byte packet takes 17 ms at 9600 baud; a write that cannot drain in this time
# means the adapter is wedged.
WRITE_TIMEOUT_S: Final = 1.0
READ_CHUNK: Final = 256


class SerialTransport(PlainPacketTransport):
    """A serial port at ``baud`` 8N1, raw, no flow control, opened exclusively."""

    supports_broadcast = True

    def __init__(
        self,
        path: str,
        baud: int = DEFAULT_BAUD,
        *,
        device_id: str | None = None,
        write_timeout_s: float = WRITE_TIMEOUT_S,
    ) -> None:
        if baud not in SUPPORTED_BAUDS:
            raise ConfigError(
                f"VISCA baud rate {baud} not supported (use {', '.join(map(str, SUPPORTED_BAUDS))})",
                key="baud",
            )
        super().__init__(device_id or path)
        self.path = path
        self.baud = baud
        self.write_timeout_s = write_timeout_s
        self._serial: serial.Serial | None = None
        self._fd: int | None = None
        self._framer = Framer()

    # -- Transport ---------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._fd is not None and self._inbox.error is None

    @property
    def description(self) -> str:
        return f"serial://{self.path}?baud={self.baud}"

    @property
    def dropped_bytes(self) -> int:
        """Bytes the framer threw away (garbage on the line) since open."""
        return int(self._framer.dropped_bytes)

    def exists(self) -> bool:
        """True when the device node is present (used to poll for a replug)."""
        return Path(self.path).exists()

    async def open(self) -> None:
        await self.close()
        # A cancel (stop(), the connect timeout) mid-open must not leave the port open
        # and flock()ed: the next open would fail "in use" (drivers/supervision.py).
        ser = await open_in_thread(self._open_blocking, _close_quietly)
        self._serial = ser
        fd = int(ser.fileno())
        self._fd = fd
        self._framer = Framer()
        self._inbox.reset()
        asyncio.get_running_loop().add_reader(fd, self._on_readable)
        log.debug("%s: opened %s", self.device_id, self.description)

    async def close(self) -> None:
        fd, self._fd = self._fd, None
        ser, self._serial = self._serial, None
        if fd is not None:
            asyncio.get_running_loop().remove_reader(fd)
            asyncio.get_running_loop().remove_writer(fd)
        if ser is not None:
            with contextlib.suppress(Exception):
                ser.close()
        self._inbox.fail("port closed")

    # -- internals ---------------------------------------------------------------------

    def _open_blocking(self) -> serial.Serial:
        ser = serial.Serial(
            port=None,
            baudrate=self.baud,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=0,
            xonxoff=False,
            rtscts=False,
            dsrdtr=False,
            # flock(): a second program (or a second agent) cannot talk over us.
            exclusive=True,
        )
        ser.port = self.path
        try:
            # pyserial ignores ENOTTY/EINVAL on the modem lines at open (a pty has
            # none: PLATFORM.md Infra 1); we never touch them afterwards.
            ser.open()
            # Flush on open: a port left in a bad state must not feed us stale bytes
            # (VISCA.md §5 #2).
            ser.reset_input_buffer()
            ser.reset_output_buffer()
        except (serial.SerialException, OSError, ValueError) as exc:
            with contextlib.suppress(Exception):
                ser.close()
            raise DeviceUnavailableError(
                self.device_id, f"cannot open {self.path}: {_reason(exc)}", operation="open"
            ) from None
        return ser

    def _on_readable(self) -> None:
        fd = self._fd
        if fd is None:
            return
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            self._lost(f"read failed: {_reason(exc)}")
            return
        if not data:
            # Same condition pyserial reports for a USB-serial unplug.
            self._lost("device reports readiness to read but returned no data (unplugged?)")
            return
        for packet in self._framer.feed(data):
            self._inbox.put(packet)

    def _lost(self, reason: str, operation: str = "receive") -> DeviceUnavailableError:
        fd = self._fd
        if fd is not None:
            asyncio.get_running_loop().remove_reader(fd)
        if self._inbox.error is None:
            log.debug("%s: serial link lost: %s", self.device_id, reason)
        return self._inbox.fail(reason, operation=operation)

    async def _write(self, data: bytes) -> None:
        self._inbox.raise_if_failed()
        fd = self._fd
        if fd is None:
            raise DeviceUnavailableError(self.device_id, "port not open", operation="send")
        view = memoryview(data)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.write_timeout_s
        while view:
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                written = 0
            except OSError as exc:
                raise self._lost(f"write failed: {_reason(exc)}", operation="send") from None
            view = view[written:]
            if view:
                await self._wait_writable(fd, deadline)

    async def _wait_writable(self, fd: int, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()

        def _wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_writer(fd, _wake)
        try:
            async with asyncio.timeout_at(deadline):  # not wait_for: gh-86296
                await ready
        except TimeoutError:
            raise self._lost(
                f"write did not drain in {self.write_timeout_s:.1f} s", operation="send"
            ) from None
        finally:
            if self._fd == fd:
                loop.remove_writer(fd)


def _close_quietly(ser: serial.Serial) -> None:
    with contextlib.suppress(Exception):
        ser.close()


def _reason(exc: BaseException) -> str:
    """A short cause for an OS/pyserial error (errno name where there is one)."""
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in errno.errorcode:
        name = errno.errorcode[code]
        if code == errno.ENOENT:
            return f"{name}: no such device (unplugged?)"
        if code == errno.EAGAIN:
            return f"{name}: port is in use by another program"
        return f"{name}: {os.strerror(code)}"
    return str(exc) or type(exc).__name__
