"""The simulator's Sony VISCA-over-IP rules (VISCA.md §3.1) over real loopback UDP.

A plain socket client checks the exact datagrams; the production ``SonyIPTransport``
then recovers from a lost ACK against the same rules (resend with the same sequence
number → ``0F 01`` → a fresh number).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator

import pytest

from drivers.visca import messages as m
from drivers.visca.sim import UDPSimulator, create_simulator
from drivers.visca.transport import SonyIPTransport

HEADER = struct.Struct(">HHI")


def datagram(payload_type: int, payload: bytes, seq: int, length: int | None = None) -> bytes:
    return HEADER.pack(payload_type, len(payload) if length is None else length, seq) + payload


class Client:
    def __init__(self, port: int) -> None:
        self.addr = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)

    async def send(self, data: bytes) -> None:
        await asyncio.get_running_loop().sock_sendto(self.sock, data, self.addr)

    async def recv(self, timeout_s: float = 2.0) -> tuple[int, int, bytes]:
        data = await asyncio.wait_for(
            asyncio.get_running_loop().sock_recv(self.sock, 64), timeout_s
        )
        payload_type, length, seq = HEADER.unpack(data[:8])
        assert length == len(data) - 8
        return payload_type, seq, data[8:]

    async def nothing(self, wait_s: float = 0.2) -> bool:
        try:
            await self.recv(wait_s)
        except TimeoutError:
            return True
        return False


@pytest.fixture
async def sony() -> AsyncIterator[tuple[UDPSimulator, Client]]:
    async with UDPSimulator(sony_header=True, frame_s=0.002) as sim:
        client = Client(sim.port)
        try:
            yield sim, client
        finally:
            client.sock.close()


async def test_reset_is_acknowledged_and_sequence_numbers_are_copied(
    sony: tuple[UDPSimulator, Client],
) -> None:
    _, client = sony
    await client.send(datagram(0x0200, b"\x01", 0))
    assert await client.recv() == (0x0201, 0, b"\x01")
    await client.send(datagram(0x0100, m.power(True).to_bytes(1), 7))
    assert await client.recv() == (0x0111, 7, b"\x90\x41\xff")
    assert await client.recv() == (0x0111, 7, b"\x90\x51\xff")  # completion keeps the seq
    await client.send(datagram(0x0110, m.inq_power().to_bytes(1), 8))
    assert await client.recv() == (0x0111, 8, b"\x90\x50\x02\xff")


async def test_address_is_treated_as_one_and_broadcasts_are_not_used(
    sony: tuple[UDPSimulator, Client],
) -> None:
    _, client = sony
    await client.send(datagram(0x0110, m.inq_power().to_bytes(5), 1))
    assert await client.recv() == (0x0111, 1, b"\x90\x50\x02\xff")
    await client.send(datagram(0x0100, m.address_set().to_bytes(1), 2))
    assert await client.nothing()


async def test_retransmitted_sequence_of_an_executed_command_is_refused(
    sony: tuple[UDPSimulator, Client],
) -> None:
    sim, client = sony
    sim.drop_next_ack()
    command = datagram(0x0100, m.backlight(True).to_bytes(1), 41)
    await client.send(command)
    assert await client.recv() == (0x0111, 41, b"\x90\x51\xff")  # only the completion
    await client.send(command)  # the controller resends: same number
    assert await client.recv() == (0x0201, 41, b"\x0f\x01")
    await client.send(datagram(0x0200, b"\x01", 0))  # RESET forgets the numbers
    assert await client.recv() == (0x0201, 0, b"\x01")
    await client.send(command)
    assert (await client.recv())[2] == b"\x90\x41\xff"


@pytest.mark.parametrize(
    "bad",
    [
        datagram(0x0300, m.inq_power().to_bytes(1), 3),  # unknown payload type
        datagram(0x0100, m.inq_power().to_bytes(1), 3, length=9),  # length field lies
        datagram(0x0100, b"\x01\x02\x03", 3),  # not a VISCA packet
        datagram(0x0200, b"\x07", 3),  # unknown control payload
        b"\x01\x00\x00",  # shorter than a header
    ],
)
async def test_message_abnormalities_get_0f02(
    sony: tuple[UDPSimulator, Client], bad: bytes
) -> None:
    _, client = sony
    await client.send(bad)
    payload_type, _, payload = await client.recv()
    assert (payload_type, payload) == (0x0201, b"\x0f\x02")


async def test_inquiry_as_0100_is_accepted_leniently_and_refused_strictly() -> None:
    for lenient, expected in ((True, b"\x90\x50\x02\xff"), (False, b"\x0f\x02")):
        async with UDPSimulator(sony_header=True, lenient=lenient, frame_s=0.002) as sim:
            client = Client(sim.port)
            try:
                await client.send(datagram(0x0100, m.inq_power().to_bytes(1), 5))
                assert (await client.recv())[2] == expected
            finally:
                client.sock.close()


async def test_production_transport_recovers_a_lost_ack(sony: tuple[UDPSimulator, Client]) -> None:
    sim, _ = sony
    transport = SonyIPTransport("127.0.0.1", sim.port)
    await transport.open()
    try:
        sim.drop_next_ack()
        sim.drop_next_completion()
        token = await transport.send(m.backlight(True).to_bytes(1))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(transport.receive(), 0.3)
        await transport.resend(token)  # same number → 0F 01 → a fresh number
        replies = [m.decode_reply(await asyncio.wait_for(transport.receive(), 2)) for _ in range(2)]
    finally:
        await transport.close()
    assert replies == [m.Ack(1, 1), m.Completion(1, 1)]
    assert (
        m.decode_mode(sim.camera(1).settings.inquiry(b"\x04\x33") or b"") == 0x02
    )  # the command ran (twice: once per sequence number)


@pytest.mark.parametrize(("model", "accepted"), [("srg-360she", True), ("srg-300h", False)])
async def test_seventeen_byte_payload_reaches_the_camera_which_judges_its_length(
    model: str, accepted: bool
) -> None:
    # SRG-360SHE 5+5 absolute move (17 bytes, SONY-HTML note *6) over the production
    # transport: the 5-nibble camera takes it, a 4-nibble one answers "message length".
    move = m.pan_tilt_absolute(0x1000, 0x0400, 0x18, None, 5, 5).to_bytes(1)
    async with UDPSimulator(sony_header=True, model=model, frame_s=0.002) as sim:
        transport = SonyIPTransport("127.0.0.1", sim.port)
        await transport.open()
        try:
            await transport.send(move)
            first = m.decode_reply(await asyncio.wait_for(transport.receive(), 2))
        finally:
            await transport.close()
    if accepted:
        assert first == m.Ack(1, 1)
    else:
        assert first == m.ErrorReply(1, 0, m.ErrorCode.LENGTH)


@pytest.mark.parametrize("spec", ["sony-udp:0", "udp:0"])
async def test_cli_udp_simulator_shares_its_port_number_with_a_client_on_the_host(
    spec: str,
) -> None:
    # What `appliance sim visca --port sony-udp:…` builds. VOIP-PY binds the camera's
    # port number on all addresses with SO_REUSEADDR for its inquiry replies (VISCA.md
    # §3.1): that works only if the simulator's socket has SO_REUSEADDR too (item 9).
    sim = create_simulator(spec, host="127.0.0.2")
    await sim.start()
    try:
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            client.bind(("0.0.0.0", sim.port))
        finally:
            client.close()
    finally:
        await sim.stop()
