"""Peers we did not write (issue #7 item 10): a converter without IF_Clear echo, a client
that does not flush the port when it opens it."""

from __future__ import annotations

import asyncio
import os
import termios
import tty

from drivers.visca import messages as m
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.transport import SerialTransport
from tests.visca.link_peers import ScriptedCamera

FRAME_S = 0.002


async def test_chain_without_if_clear_echo_opens_and_says_what_was_missing() -> None:
    cam = ScriptedCamera()
    port = ViscaPort(SerialTransport(cam.path), ack_timeout_s=0.15, retries=1, init_chain=True)
    try:
        opening = asyncio.create_task(port.open())
        assert await cam.packet() == bytes.fromhex("883001ff")
        cam.write(bytes.fromhex("883002ff"))  # AddressSet: one camera
        assert await cam.packet() == bytes.fromhex("88010001ff")  # IF_Clear: no echo ever
        assert await asyncio.wait_for(opening, 2) == 1
        assert port.is_open
        assert port.open_note is not None
        assert "no echo of the IF_Clear broadcast" in port.open_note
        cam.pending()
        power = asyncio.create_task(port.inquire(1, m.inq_power()))
        assert await cam.packet() == m.inq_power().to_bytes(1)
        cam.write(bytes.fromhex("905002ff"))
        assert m.decode_power(await asyncio.wait_for(power, 1)) is True
    finally:
        await port.close()
        cam.close()


def _read_reply(fd: int, timeout_s: float = 2.0) -> bytes:
    """Blocking read of one packet from a raw tty fd (a client that never flushes)."""
    import select

    out = b""
    while not out.endswith(b"\xff"):
        ready, _, _ = select.select([fd], [], [], timeout_s)
        if not ready:
            raise TimeoutError(f"no reply; got {out.hex(' ')}")
        out += os.read(fd, 1)
    return out


async def test_power_up_network_change_is_lost_when_nobody_has_the_port_open() -> None:
    # A real line loses what is sent while nobody listens; the simulator's power-up
    # "z0 38 FF" used to wait in the pty for the first client, which then stayed one
    # reply behind if it did not flush on open.
    async with PtySimulator(network_change=True, frame_s=FRAME_S) as sim:
        fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(fd, termios.TCSANOW)  # TCSAFLUSH would flush: this client does not
            os.write(fd, m.inq_power().to_bytes(1))
            first = await asyncio.to_thread(_read_reply, fd)
            assert first == bytes.fromhex("905002ff")
            sim.send_network_change()  # with the port open, it does arrive
            assert await asyncio.to_thread(_read_reply, fd) == bytes.fromhex("9038ff")
        finally:
            os.close(fd)
