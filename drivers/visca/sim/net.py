"""Network servers of the simulator: raw VISCA over TCP, raw or Sony-header UDP.

- :class:`TCPSimulator`: plain ``8x … FF`` on a stream, like PTZOptics' port 5678
  (VISCA.md §3.2). Several connections share the camera chain; replies go to the
  connection that sent the request. The network change goes to a new connection when
  enabled (some Sony/AVer cameras send it over TCP, §3.2).
- :class:`UDPSimulator`: one packet per datagram, replies to the sender's address.
  ``sony_header=True`` adds Sony's 8-byte header and its sequence rules (``sony_ip``,
  §3.1; default port 52381), otherwise raw like PTZOptics' port 1259.
  ``reuse_address`` (default on, so ``appliance sim visca`` has it too, issue #7
  item 9): a VOIP-PY-style client binds the *same* port number locally for its inquiry
  replies (VISCA.md §3.1, VOIP-PY PR #36); with SO_REUSEADDR on both sockets and the
  simulator on another loopback address (127.0.0.2) both can live on one host.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any, cast

from drivers.supervision import cancel_and_wait
from drivers.visca.messages import RAW_TCP_PORT, RAW_UDP_PORT
from drivers.visca.sim.link import CameraFramer, PacedWriter
from drivers.visca.sim.server import LOOPBACK, ViscaSimulator
from drivers.visca.sim.sony_ip import IPClient, SonyIPFrontEnd, wrap_reply
from drivers.visca.sony_header import DEFAULT_PORT as SONY_DEFAULT_PORT

log = logging.getLogger(__name__)

# One constant each with the transport (pure wire facts, no transport import).
DEFAULT_TCP_PORT = RAW_TCP_PORT
DEFAULT_RAW_UDP_PORT = RAW_UDP_PORT
DEFAULT_SONY_PORT = SONY_DEFAULT_PORT
CLIENT_CLOSE_TIMEOUT_S = 1.0  # a client handler's own clean-up after its connection closed


class _Connection:
    def __init__(self, writer: asyncio.StreamWriter, baud: int | None) -> None:
        self.writer = writer
        self.framer = CameraFramer()
        self.out = PacedWriter(self._write, baud)

    def _write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)


class TCPSimulator(ViscaSimulator):
    """Raw VISCA over TCP on ``host:port`` (0 = a free port)."""

    def __init__(
        self, cameras: int = 1, *, host: str = LOOPBACK, port: int = 0, **options: Any
    ) -> None:
        options.setdefault("network_change", False)
        super().__init__(cameras, **options)
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._connections: dict[int, _Connection] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def describe(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def disconnect_all(self) -> None:
        """Drop every client connection (a camera reboot, a cable pulled)."""
        for conn in list(self._connections.values()):
            conn.writer.close()

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._on_client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        # The client handlers are asyncio's own tasks (start_server): on Python 3.11 a
        # cancelled one makes its done-callback log "Exception in callback …
        # CancelledError". So they are not cancelled: closing each connection ends its
        # handler (EOF), and only one stuck past CLIENT_CLOSE_TIMEOUT_S is cancelled —
        # a cancel the handler takes as its normal end (``_closing``).
        self._closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections.values()):
            conn.writer.close()
        if self._tasks:
            _, stuck = await asyncio.wait(set(self._tasks), timeout=CLIENT_CLOSE_TIMEOUT_S)
            # Bounded: a handler that ignored its cancel must not hang stop().
            await cancel_and_wait(*stuck, timeout_s=CLIENT_CLOSE_TIMEOUT_S)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        self._closing = False

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve_client(reader, writer)
        except asyncio.CancelledError:
            if not self._closing:
                raise
            log.debug("tcp client handler stopped with the simulator")
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = _Connection(writer, self.baud)
        key = id(conn)
        self._connections[key] = conn
        conn.out.start()
        try:
            if self.network_change:
                conn.out.send(self.engine.network_change(time.monotonic()).packet)
            while data := await reader.read(4096):
                self._feed(conn.framer, data, key)
        except (ConnectionError, OSError) as exc:
            log.debug("tcp client gone: %s", exc)
        finally:
            self._connections.pop(key, None)
            await conn.out.stop()
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    def _send(self, data: bytes, client: object) -> None:
        targets = (
            self._connections.values()
            if client is None
            else [self._connections.get(cast(int, client))]
        )
        for conn in targets:
            if conn is not None:
                conn.out.send(data)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, owner: UDPSimulator) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.owner._on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        log.debug("udp error: %s", exc)


class UDPSimulator(ViscaSimulator):
    """VISCA over UDP: raw (``sony_header=False``) or Sony's VISCA-over-IP."""

    def __init__(
        self,
        cameras: int = 1,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        sony_header: bool = True,
        lenient: bool = True,
        reuse_address: bool = True,
        **options: Any,
    ) -> None:
        self.sony_ip = sony_header  # before super(): the engine locks the address to 1
        options.setdefault("network_change", False)
        super().__init__(cameras, **options)
        self.host = host
        self.port = port
        self.reuse_address = reuse_address
        self.front = SonyIPFrontEnd(lenient=lenient)
        self._transport: asyncio.DatagramTransport | None = None
        self._peers: set[tuple[str, int]] = set()

    def describe(self) -> str:
        scheme = "visca-ip" if self.sony_ip else "udp"
        return f"{scheme}://{self.host}:{self.port}"

    async def _open(self) -> None:
        sock = socket.socket(
            socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_DGRAM
        )
        try:
            if self.reuse_address:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self), sock=sock)
        self._transport = transport
        self.port = sock.getsockname()[1]

    async def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        peer = (addr[0], addr[1])
        self._peers.add(peer)
        if not self.sony_ip:
            self._feed(CameraFramer(), data, peer)  # a datagram holds whole packets only
            return
        answers, packet, client = self.front.datagram(data, peer)
        for answer in answers:
            self._sendto(answer, peer)
        if packet is not None:
            self.engine.receive(packet, time.monotonic(), client)
            self._wake.set()

    def _send(self, data: bytes, client: object) -> None:
        if isinstance(client, IPClient):
            self._sendto(
                wrap_reply(data, client) if not self._garbage else data,
                cast(tuple[str, int], client.peer),
            )
            return
        targets = list(self._peers) if client is None else [cast(tuple[str, int], client)]
        for peer in targets:
            self._sendto(data, peer)

    def _sendto(self, data: bytes, peer: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(data, peer)
