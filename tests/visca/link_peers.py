"""Small scripted peers for link-layer tests: the far end of a pty, a UDP and a TCP socket.

They speak real VISCA bytes (and the real Sony 8-byte header) but have no camera
logic: each test scripts exactly what the peer answers, for timing cases the camera
simulator does not produce on demand. Everything binds to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
import tty
from collections.abc import Iterator

from drivers.visca.transport import Framer

SONY_HEADER = struct.Struct(">HHI")


class PtyPeer:
    """The master side of a pseudo-terminal; the slave path is what the daemon opens.

    The slave fd stays open here as well, so closing the master is a clean "unplug"
    (PLATFORM.md Infra 1) and the peer never busy-loops on EIO.
    """

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        os.set_blocking(self.master, False)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    async def read(self, count: int, timeout_s: float = 2.0) -> bytes:
        """Read exactly ``count`` bytes the daemon wrote (polling the non-blocking master)."""
        out = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(out) < count:
            try:
                out += os.read(self.master, count - len(out))
            except BlockingIOError:
                if loop.time() > deadline:
                    raise TimeoutError(f"peer got only {out.hex(' ')}") from None
                await asyncio.sleep(0.002)
        return out

    def unplug(self) -> None:
        """Close both ends: the /dev/pts node disappears at once."""
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.master = self.slave = -1

    def close(self) -> None:
        self.unplug()


class ScriptedCamera(PtyPeer):
    """A pty peer that frames what the daemon sends; the test answers each packet.

    ``await cam.packet()`` returns the next packet the daemon wrote; ``cam.write(...)``
    answers with real VISCA bytes. No camera logic: the test is the camera.
    """

    def __init__(self) -> None:
        super().__init__()
        self._framer = Framer()
        self._packets: asyncio.Queue[bytes] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.master, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self.master, 256)
        except OSError:
            return
        for packet in self._framer.feed(data):
            self._packets.put_nowait(packet)

    async def packet(self, timeout_s: float = 2.0) -> bytes:
        return await asyncio.wait_for(self._packets.get(), timeout_s)

    def pending(self) -> list[bytes]:
        """Packets received and not yet taken."""
        out = []
        while not self._packets.empty():
            out.append(self._packets.get_nowait())
        return out

    def unplug(self) -> None:
        if self.master >= 0:
            self._loop.remove_reader(self.master)
        super().unplug()


@contextlib.contextmanager
def pty_peer() -> Iterator[PtyPeer]:
    peer = PtyPeer()
    try:
        yield peer
    finally:
        peer.close()


class UdpPeer(asyncio.DatagramProtocol):
    """A UDP socket on 127.0.0.1 collecting datagrams; the test answers with ``reply``."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        self.udp: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.udp = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.received.put_nowait((data, (str(addr[0]), int(addr[1]))))

    @property
    def port(self) -> int:
        assert self.udp is not None
        return int(self.udp.get_extra_info("sockname")[1])

    async def next(self, timeout_s: float = 2.0) -> tuple[bytes, tuple[str, int]]:
        return await asyncio.wait_for(self.received.get(), timeout_s)

    def reply(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.udp is not None
        self.udp.sendto(data, addr)

    def close(self) -> None:
        if self.udp is not None:
            self.udp.close()


async def udp_peer(port: int = 0) -> UdpPeer:
    loop = asyncio.get_running_loop()
    udp, peer = await loop.create_datagram_endpoint(UdpPeer, local_addr=("127.0.0.1", port))
    peer.udp = udp
    return peer


def sony(payload_type: int, seq: int, payload: bytes) -> bytes:
    return SONY_HEADER.pack(payload_type, len(payload), seq) + payload


def parse_sony(datagram: bytes) -> tuple[int, int, bytes]:
    payload_type, length, seq = SONY_HEADER.unpack_from(datagram)
    return payload_type, seq, datagram[8 : 8 + length]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
