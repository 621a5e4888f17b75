"""Raw VISCA over TCP (port 5678) and UDP (port 1259): PTZOptics and clones, serial bridges.

No header: plain ``8x … FF`` packets out, ``y0 … FF`` back (VISCA.md §3.2). The TCP
stream is split on ``FF`` exactly like a serial line.

Half-open TCP (VISCA.md §5 #13: a camera power-cycled for days still looks connected):
TCP keepalive finds a dead peer within ``KEEPALIVE_IDLE_S + KEEPALIVE_COUNT ×
KEEPALIVE_INTERVAL_S``, and, sooner, ``silent_limit`` messages sent without a single
byte coming back declares the link lost, so the supervisor reconnects.

The Sony encapsulation lives in :mod:`drivers.visca.transport.sony`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Final

from drivers.errors import DeviceUnavailableError
from drivers.supervision import cancel_and_wait
from drivers.visca.messages import RAW_TCP_PORT, RAW_UDP_PORT
from drivers.visca.transport.base import PlainPacketTransport
from drivers.visca.transport.framing import Framer

log = logging.getLogger(__name__)

TCP_DEFAULT_PORT: Final = RAW_TCP_PORT
UDP_DEFAULT_PORT: Final = RAW_UDP_PORT
CONNECT_TIMEOUT_S: Final = 3.0
WRITE_TIMEOUT_S: Final = 2.0
CLOSE_TIMEOUT_S: Final = 1.0  # close(): the receive task ends, the socket closes
KEEPALIVE_IDLE_S: Final = 5
KEEPALIVE_INTERVAL_S: Final = 2
KEEPALIVE_COUNT: Final = 3
# Messages sent with nothing at all received since → the connection is half-open.
SILENT_LIMIT: Final = 4
READ_CHUNK: Final = 1024


class RawTCPTransport(PlainPacketTransport):
    """Raw VISCA over one TCP connection."""

    supports_broadcast = True

    def __init__(
        self,
        host: str,
        port: int = TCP_DEFAULT_PORT,
        *,
        device_id: str | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        write_timeout_s: float = WRITE_TIMEOUT_S,
        silent_limit: int = SILENT_LIMIT,
    ) -> None:
        super().__init__(device_id or f"tcp://{host}:{port}")
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self.write_timeout_s = write_timeout_s
        self.silent_limit = silent_limit
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._framer = Framer()
        self._dropped = 0
        self._unanswered = 0

    @property
    def is_open(self) -> bool:
        return self._writer is not None and self._inbox.error is None

    @property
    def description(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @property
    def dropped_bytes(self) -> int:
        """Bytes the framer dropped (noise); the port tells noise from silence by it."""
        return self._dropped + self._framer.dropped_bytes

    async def open(self) -> None:
        await self.close()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for could lose a cancel that
            # landed as the connection completed (gh-86296).
            async with asyncio.timeout(self.connect_timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            raise DeviceUnavailableError(
                self.device_id,
                f"no TCP connection within {self.connect_timeout_s:.1f} s",
                operation="open",
            ) from None
        except OSError as exc:
            raise DeviceUnavailableError(
                self.device_id, f"cannot connect: {exc}", operation="open"
            ) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            _enable_keepalive(sock)
        self._reader, self._writer = reader, writer
        self._dropped += self._framer.dropped_bytes  # the count survives a reconnect
        self._framer = Framer()
        self._inbox.reset()
        self._unanswered = 0
        self._task = asyncio.create_task(self._read_loop(reader), name=f"visca-tcp:{self.port}")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # Not ``suppress(CancelledError)`` around ``await task``: that would swallow a
            # cancel of our caller (drivers/supervision.py cancel_and_wait).
            await cancel_and_wait(task, timeout_s=CLOSE_TIMEOUT_S)
        writer, self._writer = self._writer, None
        self._reader = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await writer.wait_closed()
        self._inbox.fail("connection closed")

    def _before_send(self) -> None:
        if self._unanswered >= self.silent_limit:
            raise self._give_up(
                f"no reply to the last {self._unanswered} messages (half-open connection?)"
            )
        self._unanswered += 1

    async def _write(self, data: bytes) -> None:
        self._inbox.raise_if_failed()
        writer = self._writer
        if writer is None:
            raise DeviceUnavailableError(self.device_id, "not connected", operation="send")
        try:
            writer.write(data)
            async with asyncio.timeout(self.write_timeout_s):  # not wait_for: gh-86296
                await writer.drain()
        except TimeoutError:
            raise self._give_up(f"send did not drain in {self.write_timeout_s:.1f} s") from None
        except OSError as exc:
            raise self._give_up(f"send failed: {exc}") from None

    def _give_up(self, reason: str) -> DeviceUnavailableError:
        log.debug("%s: TCP link lost: %s", self.device_id, reason)
        error = self._inbox.fail(reason, operation="send")
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        return error

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                data = await reader.read(READ_CHUNK)
                if not data:
                    self._inbox.fail("connection closed by the camera")
                    return
                self._unanswered = 0
                for packet in self._framer.feed(data):
                    self._inbox.put(packet)
        except OSError as exc:
            self._inbox.fail(f"receive failed: {exc}")


class _UDPDatagrams(asyncio.DatagramProtocol):
    def __init__(self, owner: RawUDPTransport) -> None:
        self._owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self._owner.dropped_bytes += self._owner._put_datagram(data)

    def error_received(self, exc: Exception) -> None:
        # A connected UDP socket reports ICMP "port unreachable" here: nobody listens.
        self._owner._inbox.fail(f"camera not reachable: {exc}")


class RawUDPTransport(PlainPacketTransport):
    """Raw VISCA in UDP datagrams, one packet per datagram (no header)."""

    supports_broadcast = True

    def __init__(self, host: str, port: int = UDP_DEFAULT_PORT, *, device_id: str | None = None):
        super().__init__(device_id or f"udp://{host}:{port}")
        self.host = host
        self.port = port
        self._udp: asyncio.DatagramTransport | None = None
        self.dropped_bytes = 0  # noise in datagrams (the port tells noise from silence)

    @property
    def is_open(self) -> bool:
        return self._udp is not None and self._inbox.error is None

    @property
    def description(self) -> str:
        return f"udp://{self.host}:{self.port}"

    async def open(self) -> None:
        await self.close()
        try:
            udp, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _UDPDatagrams(self), remote_addr=(self.host, self.port)
            )
        except OSError as exc:
            raise DeviceUnavailableError(
                self.device_id, f"cannot open UDP socket: {exc}", operation="open"
            ) from None
        self._udp = udp
        self._inbox.reset()

    async def close(self) -> None:
        udp, self._udp = self._udp, None
        if udp is not None:
            udp.close()
        self._inbox.fail("socket closed")

    async def _write(self, packet: bytes) -> None:
        self._inbox.raise_if_failed()
        udp = self._udp
        if udp is None:
            raise DeviceUnavailableError(self.device_id, "socket not open", operation="send")
        try:
            udp.sendto(packet)
        except OSError as exc:
            raise self._inbox.fail(f"send failed: {exc}", operation="send") from None


def _enable_keepalive(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    # Linux-only knobs; elsewhere the OS defaults (2 h) apply and SILENT_LIMIT catches it.
    for name, value in (
        ("TCP_KEEPIDLE", KEEPALIVE_IDLE_S),
        ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL_S),
        ("TCP_KEEPCNT", KEEPALIVE_COUNT),
    ):
        option = getattr(socket, name, None)
        if option is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, option, value)


__all__ = ["RawTCPTransport", "RawUDPTransport"]
