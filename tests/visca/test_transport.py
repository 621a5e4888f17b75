"""Link layer: serial over a real pseudo-terminal, raw TCP/UDP on loopback, URL parsing.

Scripted peers (tests/visca/link_peers.py) stand at the far end so each test controls
exact bytes and timing; the camera simulator runs in the acceptance tests.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from drivers.errors import ConfigError, DeviceUnavailableError, ProtocolError
from drivers.visca.transport import (
    RawTCPTransport,
    RawUDPTransport,
    SerialTransport,
    SonyIPTransport,
    transport_from_url,
)
from tests.visca.link_peers import free_port, pty_peer

POWER_ON = bytes.fromhex("8101040002ff")
ACK = bytes.fromhex("9041ff")
DONE = bytes.fromhex("9051ff")


# --- serial ----------------------------------------------------------------------------


async def test_serial_sends_packets_and_frames_split_replies_with_garbage() -> None:
    with pty_peer() as peer:
        link = SerialTransport(peer.path, 9600)
        await link.open()
        try:
            await link.send(POWER_ON)
            assert await peer.read(len(POWER_ON)) == POWER_ON
            # garbage, then an ACK split over two writes, then a completion
            peer.write(b"\x01\x02" + ACK[:1])
            # The first chunk has been read (its garbage counted) before the rest is
            # written: the ACK really arrives in two reads, whatever the load.
            async with asyncio.timeout(1):
                while link.dropped_bytes < 2:  # noqa: ASYNC110 - no event for a read
                    await asyncio.sleep(0.001)
            peer.write(ACK[1:] + DONE)
            assert await asyncio.wait_for(link.receive(), 1) == ACK
            assert await asyncio.wait_for(link.receive(), 1) == DONE
            assert link.dropped_bytes == 2
        finally:
            await link.close()


async def test_serial_resend_repeats_the_same_bytes() -> None:
    with pty_peer() as peer:
        link = SerialTransport(peer.path)
        await link.open()
        try:
            token = await link.send(POWER_ON)
            await link.send(bytes.fromhex("81090400ff"))
            await link.resend(token)
            got = await peer.read(len(POWER_ON) * 2 + 5)
            assert got == POWER_ON + bytes.fromhex("81090400ff") + POWER_ON
        finally:
            await link.close()


async def test_serial_unplug_while_idle_fails_receive_at_once() -> None:
    with pty_peer() as peer:
        link = SerialTransport(peer.path)
        await link.open()
        try:
            waiter = asyncio.create_task(link.receive())
            await asyncio.sleep(0.02)
            peer.unplug()
            with pytest.raises(DeviceUnavailableError) as info:
                await asyncio.wait_for(waiter, 1.0)
            assert info.value.device_id == peer.path
            assert not link.is_open
            with pytest.raises(DeviceUnavailableError):
                await link.send(POWER_ON)
            with pytest.raises(DeviceUnavailableError):
                await link.receive()
        finally:
            await link.close()


async def test_serial_open_missing_path_is_unavailable_and_names_enoent() -> None:
    with pty_peer() as peer:
        path = peer.path
    link = SerialTransport(path)
    assert not link.exists()
    with pytest.raises(DeviceUnavailableError) as info:
        await link.open()
    assert "ENOENT" in str(info.value)
    assert info.value.operation == "open"


async def test_serial_open_is_exclusive() -> None:
    with pty_peer() as peer:
        first = SerialTransport(peer.path)
        await first.open()
        try:
            with pytest.raises(DeviceUnavailableError) as info:
                await SerialTransport(peer.path).open()
            assert "in use" in str(info.value)
        finally:
            await first.close()
        # released on close: a new open succeeds
        again = SerialTransport(peer.path)
        await again.open()
        await again.close()


async def test_serial_flushes_stale_input_on_open() -> None:
    with pty_peer() as peer:
        peer.write(bytes.fromhex("9041ff9051ff"))  # left over from before we opened
        await asyncio.sleep(0.01)
        link = SerialTransport(peer.path)
        await link.open()
        try:
            peer.write(bytes.fromhex("905002ff"))
            assert await asyncio.wait_for(link.receive(), 1) == bytes.fromhex("905002ff")
        finally:
            await link.close()


def test_serial_rejects_unsupported_baud() -> None:
    with pytest.raises(ConfigError, match="baud"):
        SerialTransport("/dev/null", 115200)


async def test_send_refuses_a_non_visca_packet() -> None:
    with pty_peer() as peer:
        link = SerialTransport(peer.path)
        await link.open()
        try:
            eighteen = b"\x81" + bytes(16) + b"\xff"  # one past the SRG-360SHE's 17
            for bad in (b"\x01\x02\xff", b"\x81\x01", b"\x81\xff\x01\xff", bytes(17), eighteen):
                with pytest.raises(ProtocolError):
                    await link.send(bad)
        finally:
            await link.close()


async def test_seventeen_byte_sends_pass_but_replies_stay_capped_at_16() -> None:
    # SRG-360SHE 5+5 absolute move: 17 bytes out (SONY-HTML note *6); no reply is
    # longer than 16 bytes, so a 17-byte run from the camera is noise and is dropped.
    she_move = bytes.fromhex("8101060218000e0a0c0000000b040000ff")
    with pty_peer() as peer:
        link = SerialTransport(peer.path)
        await link.open()
        try:
            await link.send(she_move)
            assert await peer.read(len(she_move)) == she_move
            peer.write(b"\x90" + bytes(15) + b"\xff" + ACK)
            assert await asyncio.wait_for(link.receive(), 1) == ACK
            assert link.dropped_bytes == 17
        finally:
            await link.close()


# --- raw TCP ---------------------------------------------------------------------------


class _TcpPeer:
    def __init__(self) -> None:
        self.connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        async def on_client(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            self.writers.append(w)
            await self.connections.put((r, w))

        self.server = await asyncio.start_server(on_client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for w in self.writers:
            w.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_raw_tcp_round_trip_and_keepalive_is_on() -> None:
    peer = _TcpPeer()
    port = await peer.start()
    link = RawTCPTransport("127.0.0.1", port)
    try:
        await link.open()
        reader, writer = await asyncio.wait_for(peer.connections.get(), 1)
        await link.send(POWER_ON)
        assert await asyncio.wait_for(reader.readexactly(len(POWER_ON)), 1) == POWER_ON
        writer.write(ACK + DONE[:2])
        await writer.drain()
        await asyncio.sleep(0.01)
        writer.write(DONE[2:])
        assert await asyncio.wait_for(link.receive(), 1) == ACK
        assert await asyncio.wait_for(link.receive(), 1) == DONE
        sock = link._writer.get_extra_info("socket") if link._writer else None
        assert sock is not None
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 5
    finally:
        await link.close()
        await peer.close()


async def test_raw_tcp_peer_close_is_link_loss() -> None:
    peer = _TcpPeer()
    port = await peer.start()
    link = RawTCPTransport("127.0.0.1", port)
    try:
        await link.open()
        _, writer = await asyncio.wait_for(peer.connections.get(), 1)
        writer.close()
        with pytest.raises(DeviceUnavailableError, match="closed by the camera"):
            await asyncio.wait_for(link.receive(), 1)
    finally:
        await link.close()
        await peer.close()


async def test_raw_tcp_half_open_detected_after_silent_limit_messages() -> None:
    peer = _TcpPeer()
    port = await peer.start()
    link = RawTCPTransport("127.0.0.1", port, silent_limit=3)
    try:
        await link.open()
        reader, _ = await asyncio.wait_for(peer.connections.get(), 1)
        for _ in range(3):
            await link.send(POWER_ON)  # accepted by the kernel, never answered
        with pytest.raises(DeviceUnavailableError, match="half-open"):
            await link.send(POWER_ON)
        with pytest.raises(DeviceUnavailableError):
            await asyncio.wait_for(link.receive(), 1)
        assert await asyncio.wait_for(reader.read(100), 1)  # the three sends did arrive
    finally:
        await link.close()
        await peer.close()


async def test_raw_tcp_refused_is_unavailable() -> None:
    link = RawTCPTransport("127.0.0.1", free_port())
    with pytest.raises(DeviceUnavailableError, match="cannot connect"):
        await link.open()


# --- raw UDP ---------------------------------------------------------------------------


async def test_raw_udp_round_trip_without_header() -> None:
    from tests.visca.link_peers import udp_peer

    peer = await udp_peer()
    link = RawUDPTransport("127.0.0.1", peer.port)
    try:
        await link.open()
        token = await link.send(POWER_ON)
        data, addr = await peer.next()
        assert data == POWER_ON
        await link.resend(token)
        assert (await peer.next())[0] == POWER_ON
        peer.reply(ACK, addr)
        peer.reply(DONE, addr)
        assert await asyncio.wait_for(link.receive(), 1) == ACK
        assert await asyncio.wait_for(link.receive(), 1) == DONE
    finally:
        await link.close()
        peer.close()


async def test_raw_udp_nobody_listening_is_unavailable() -> None:
    link = RawUDPTransport("127.0.0.1", free_port(socket.SOCK_DGRAM))
    await link.open()
    try:
        await link.send(POWER_ON)
        with pytest.raises(DeviceUnavailableError, match="not reachable"):
            await asyncio.wait_for(link.receive(), 1)
    finally:
        await link.close()


# --- URLs ------------------------------------------------------------------------------


def test_transport_from_url_picks_the_transport() -> None:
    serial_link = transport_from_url("serial:///dev/ttyUSB0?baud=38400")
    assert isinstance(serial_link, SerialTransport)
    assert (serial_link.path, serial_link.baud) == ("/dev/ttyUSB0", 38400)
    plain = transport_from_url("/dev/serial/by-id/cam1")
    assert isinstance(plain, SerialTransport)
    assert plain.baud == 9600
    ip = transport_from_url("visca-ip://127.0.0.1?local_port=52381")
    assert isinstance(ip, SonyIPTransport)
    assert (ip.port, ip.local_port) == (52381, 52381)
    tcp = transport_from_url("tcp://127.0.0.1")
    assert isinstance(tcp, RawTCPTransport)
    assert tcp.port == 5678
    udp = transport_from_url("udp://127.0.0.1:2000")
    assert isinstance(udp, RawUDPTransport)
    assert udp.port == 2000
    assert udp.description == "udp://127.0.0.1:2000"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://cam", "unknown VISCA URL scheme"),
        ("tcp://", "without a host"),
        ("serial://", "without a device path"),
        ("serial:///dev/ttyUSB0?baud=fast", "not a number"),
        ("serial:///dev/ttyUSB0?baud=1200", "not supported"),
        ("tcp://cam:99999", "bad port"),
    ],
)
def test_transport_from_url_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        transport_from_url(url)
