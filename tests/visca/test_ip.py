"""Acceptance: VISCA-over-IP (Sony UDP header) and raw TCP/UDP against the simulator on loopback.

Lost ACKs and lost completions are injected by the simulator (``drop_next_ack``,
``drop_next_completion``); over Sony's header the recovery is the documented one
(VISCA.md §3.1): resend with the *same* sequence number, the camera answers ``0F 01``
because it already ran the command, and the transport resends with a new number.
Scripted UDP peers cover what the simulator does not do on demand (a camera answering
from another port, ``0F 02``, a sequence number out of step, no RESET answer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from drivers.errors import DeviceUnavailableError, ProtocolError
from drivers.supervision import DeviceState
from drivers.visca import messages as m
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import TCPSimulator, UDPSimulator
from drivers.visca.supervisor import ViscaSupervisor
from drivers.visca.transport import RawTCPTransport, RawUDPTransport, SonyIPTransport, Transport
from tests.visca.link_peers import free_port, parse_sony, sony, udp_peer

MODEL = "srg-300h"
PROFILE = profile_for(MODEL)
FAST = {"power_transition_s": 0.05, "one_push_wb_s": 0.05, "pan_tilt_reset_s": 0.1}


def _port(transport: Transport) -> ViscaPort:
    return ViscaPort(
        transport,
        ack_timeout_s=0.15,
        inquiry_timeout_s=0.15,
        completion_timeout_s=0.5,
        move_completion_timeout_s=1.5,
        retries=2,
    )


@pytest.fixture
async def sony_rig() -> AsyncIterator[tuple[UDPSimulator, SonyIPTransport, ViscaCamera]]:
    async with UDPSimulator(cameras=1, model=MODEL, sony_header=True, **FAST) as sim:
        transport = SonyIPTransport("127.0.0.1", sim.port)
        port = _port(transport)
        assert await port.open() is None  # no AddressSet / IF_Clear over IP
        try:
            yield sim, transport, ViscaCamera(port, 1, PROFILE, "cam-ip")
        finally:
            await port.close()


@pytest.fixture
async def tcp_rig() -> AsyncIterator[tuple[TCPSimulator, ViscaCamera]]:
    async with TCPSimulator(cameras=1, model=MODEL, **FAST) as sim:
        port = _port(RawTCPTransport("127.0.0.1", sim.port))
        await port.open()
        try:
            yield sim, ViscaCamera(port, 1, PROFILE, "cam-tcp")
        finally:
            await port.close()


# --- Sony VISCA-over-IP ----------------------------------------------------------------


async def test_sony_ip_commands_inquiries_and_moves(sony_rig) -> None:
    sim, transport, cam = sony_rig
    assert transport.resets_sent == 1  # RESET on open
    assert (await cam.version()).max_socket == 2
    await cam.power(False)
    assert await cam.inquire_power() is False
    await cam.power(True)
    assert sim.state().power is True
    await cam.goto_degrees(25.0, -5.0)
    position = await cam.position()
    assert position.pan_deg == pytest.approx(25.0, abs=0.05)
    await cam.preset_store(2)
    await cam.home()
    assert (sim.state().pan, sim.state().tilt) == (0, 0)
    await cam.preset_recall(2)
    assert sim.state().pan_deg == pytest.approx(25.0, abs=0.05)
    await cam.move(m.PanDir.LEFT, m.TiltDir.STOP, 4, 4)
    await asyncio.sleep(0.05)
    await cam.stop()
    assert not sim.state().moving
    assert sim.state().pan_deg < 25.0  # it drove left before the stop
    assert transport.renumbered == 0


async def test_sony_ip_lost_ack_completion_still_comes(sony_rig) -> None:
    sim, transport, cam = sony_rig
    sim.drop_next_ack()
    await cam.backlight(True)  # the completion follows within a frame: no resend needed
    assert await cam.backlight_on() is True
    assert transport.renumbered == 0


async def test_sony_ip_lost_ack_of_a_long_move_resend_same_seq_then_0f01(sony_rig) -> None:
    sim, transport, cam = sony_rig
    await cam.goto_degrees(-40.0, 0.0)
    await cam.preset_store(1)
    await cam.home()
    assert (sim.state().pan, sim.state().tilt) == (0, 0)
    sim.drop_next_ack()
    # No first reply within ACK_TIMEOUT_S (the completion comes only after the move):
    # resent with the same sequence number → camera says 0F 01 → new sequence number.
    await cam.preset_recall(1)
    assert sim.state().pan_deg == pytest.approx(-40.0, abs=0.05)
    assert not sim.state().moving
    assert transport.renumbered == 1
    assert transport.resets_sent == 1  # a renumber, not a RESET


async def test_sony_ip_lost_completion_of_a_move_is_not_resent(sony_rig) -> None:
    sim, transport, cam = sony_rig
    sim.drop_next_completion()
    # Completion lost: an acknowledged move is never resent (issue #7 item 3); at its
    # deadline the driver asks where the head is, and it is there.
    await cam.goto_degrees(12.0, 3.0)
    assert sim.state().pan_deg == pytest.approx(12.0, abs=0.05)
    assert transport.renumbered == 0
    assert (await cam.position()).tilt_deg == pytest.approx(3.0, abs=0.05)


async def test_sony_ip_supervisor_from_url_with_local_port() -> None:
    async with UDPSimulator(cameras=1, model=MODEL, sony_header=True, **FAST) as sim:
        local = free_port(2)  # SOCK_DGRAM
        sup = ViscaSupervisor.from_url(
            f"visca-ip://127.0.0.1:{sim.port}?local_port={local}", device_id="cam-ip"
        )
        await sup.start()
        try:
            await sup.wait_ready(2.0)
            assert isinstance(sup.port.transport, SonyIPTransport)
            assert sup.port.transport.bound_port == local
            assert sup.versions[1].max_socket == 2
        finally:
            await sup.stop()
        assert sup.state is DeviceState.DISCONNECTED


# --- raw TCP / UDP ---------------------------------------------------------------------


async def test_raw_tcp_commands_and_moves(tcp_rig) -> None:
    sim, cam = tcp_rig
    await cam.goto_degrees(-15.0, 10.0)
    assert sim.state().tilt_deg == pytest.approx(10.0, abs=0.05)
    await cam.zoom_to(0x0400)
    assert await cam.zoom_position() == 0x0400


async def test_raw_tcp_lost_ack_and_lost_completion(tcp_rig) -> None:
    sim, cam = tcp_rig
    sim.drop_next_ack()
    await cam.white_balance(m.WBMode.OUTDOOR)  # completion without ACK
    assert await cam.white_balance_mode() is m.WBMode.OUTDOOR
    sim.drop_next_completion()
    await cam.goto_degrees(8.0, 0.0)  # no completion → not resent; the position is checked
    assert sim.state().pan_deg == pytest.approx(8.0, abs=0.05)


async def test_raw_tcp_camera_drops_the_connection_supervisor_reconnects() -> None:
    async with TCPSimulator(cameras=1, model=MODEL, **FAST) as sim:
        sup = ViscaSupervisor.from_url(
            f"tcp://127.0.0.1:{sim.port}",
            device_id="cam-tcp",
            port_options={"ack_timeout_s": 0.2, "inquiry_timeout_s": 0.2},
            health_interval_s=None,
        )
        states: list[DeviceState] = []
        errors: list[str] = []

        def record(old: DeviceState, new: DeviceState, error: str | None) -> None:
            states.append(new)
            errors.append(error or "")

        sup.on_state_change(record)
        await sup.start()
        try:
            await sup.wait_ready(2.0)
            cam = ViscaCamera(sup.port, 1, PROFILE, "cam-tcp")
            sim.disconnect_all()  # camera reboot / cable pulled
            async with asyncio.timeout(2.0):
                while DeviceState.DISCONNECTED not in states:  # noqa: ASYNC110 - state list
                    await asyncio.sleep(0.01)
            await sup.wait_ready(2.0)  # reconnected at once after the loss
            assert any("closed by the camera" in e for e in errors)
            assert await cam.inquire_power() is True
        finally:
            await sup.stop()


async def test_raw_udp_commands() -> None:
    async with UDPSimulator(cameras=1, model=MODEL, sony_header=False, **FAST) as sim:
        port = _port(RawUDPTransport("127.0.0.1", sim.port))
        await port.open()
        try:
            cam = ViscaCamera(port, 1, PROFILE, "cam-udp")
            await cam.goto_degrees(3.0, 4.0)
            assert (await cam.position()).pan_deg == pytest.approx(3.0, abs=0.05)
        finally:
            await port.close()


# --- Sony header, scripted camera ------------------------------------------------------


async def _sony_open(
    peer_port: int, **kwargs: object
) -> tuple[SonyIPTransport, asyncio.Task[None]]:
    transport = SonyIPTransport("127.0.0.1", peer_port, reset_timeout_s=0.2, **kwargs)  # type: ignore[arg-type]
    return transport, asyncio.create_task(transport.open())


async def test_sony_reset_on_open_and_replies_from_another_source_port() -> None:
    peer = await udp_peer()
    other = await udp_peer()  # the camera answers from a different port
    transport, opening = await _sony_open(peer.port)
    try:
        data, addr = await peer.next()
        assert parse_sony(data) == (0x0200, 0, b"\x01")
        peer.reply(sony(0x0201, 0, b"\x01"), addr)
        await opening
        await transport.send(bytes.fromhex("81090400ff"))
        data, addr = await peer.next()
        ptype, seq, payload = parse_sony(data)
        assert (ptype, payload) == (0x0110, bytes.fromhex("81090400ff"))  # inquiry type
        other.reply(sony(0x0111, seq, bytes.fromhex("905002ff")), addr)
        assert await asyncio.wait_for(transport.receive(), 1) == bytes.fromhex("905002ff")
        await transport.send(bytes.fromhex("8101040002ff"))
        ptype, seq2, _ = parse_sony((await peer.next())[0])
        assert (ptype, seq2) == (0x0100, seq + 1)  # command type, next number
    finally:
        await transport.close()
        peer.close()
        other.close()


async def test_sony_sequence_error_on_first_send_resets_then_renumbers() -> None:
    peer = await udp_peer()
    transport, opening = await _sony_open(peer.port)
    try:
        _, addr = await peer.next()
        peer.reply(sony(0x0201, 0, b"\x01"), addr)
        await opening
        packet = bytes.fromhex("8101040002ff")
        await transport.send(packet)
        _, seq, _ = parse_sony((await peer.next())[0])
        peer.reply(sony(0x0201, seq, b"\x0f\x01"), addr)  # out of step (another controller)
        data, _ = await peer.next()
        assert parse_sony(data)[0] == 0x0200  # RESET first
        peer.reply(sony(0x0201, 0, b"\x01"), addr)
        ptype, new_seq, payload = parse_sony((await peer.next())[0])
        assert (ptype, payload) == (0x0100, packet)
        assert new_seq == 1  # numbering restarted after the RESET
        assert transport.resets_sent == 2
    finally:
        await transport.close()
        peer.close()


async def test_sony_message_error_0f02_is_a_protocol_error() -> None:
    peer = await udp_peer()
    transport, opening = await _sony_open(peer.port)
    try:
        _, addr = await peer.next()
        peer.reply(sony(0x0201, 0, b"\x01"), addr)
        await opening
        await transport.send(bytes.fromhex("8101040002ff"))
        _, seq, _ = parse_sony((await peer.next())[0])
        peer.reply(sony(0x0201, seq, b"\x0f\x02"), addr)
        with pytest.raises(ProtocolError, match="0F 02"):
            await asyncio.wait_for(transport.receive(), 1)
        assert transport.is_open  # a message error does not end the link
    finally:
        await transport.close()
        peer.close()


async def test_sony_no_reset_answer_is_unavailable_and_broadcast_refused() -> None:
    peer = await udp_peer()
    transport, opening = await _sony_open(peer.port)
    try:
        with pytest.raises(DeviceUnavailableError, match="no answer to RESET"):
            await opening
        assert transport.resets_sent == 3
        with pytest.raises(ProtocolError, match="broadcast"):
            await transport.send(bytes.fromhex("883001ff"))
    finally:
        await transport.close()
        peer.close()


async def test_only_noise_at_connect_is_named_noise_not_silence() -> None:
    # Issue #7 item 8: garbage replies used to read "no camera answers".
    async with TCPSimulator(cameras=1, model=MODEL, **FAST) as sim:
        sim.garbage(True)
        sup = ViscaSupervisor.from_url(
            f"tcp://127.0.0.1:{sim.port}",
            device_id="cam-tcp",
            port_options={"ack_timeout_s": 0.2, "inquiry_timeout_s": 0.2},
            health_interval_s=None,
        )
        await sup.start()
        try:
            async with asyncio.timeout(5):
                while sup.last_error is None:  # noqa: ASYNC110 - no event for a failed connect
                    await asyncio.sleep(0.02)
            assert "cameras answer with noise" in sup.last_error
            assert "check baud rate and cable" in sup.last_error
        finally:
            await sup.stop()
