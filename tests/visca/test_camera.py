"""Acceptance: ViscaCamera over the production serial transport against the camera simulator.

Every test opens the simulator's pseudo-terminal with ``SerialTransport`` (pyserial,
exclusive, raw 8N1) and talks to it through ``ViscaPort`` — the same path as a USB
adapter on a room PC. The simulator (drivers/visca/sim/) answers with the
model's real timing rules: one message per video frame, moves that take time,
completions only when a move ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from drivers.errors import CommandRejectedError
from drivers.visca import messages as m
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.transport import SerialTransport

MODEL = "srg-300h"
FAST = {"power_transition_s": 0.05, "one_push_wb_s": 0.05, "pan_tilt_reset_s": 0.1}


@dataclass
class Rig:
    sim: PtySimulator
    port: ViscaPort
    cam: ViscaCamera


def _port(path: str, baud: int = 9600) -> ViscaPort:
    return ViscaPort(
        SerialTransport(path, baud),
        ack_timeout_s=0.3,
        inquiry_timeout_s=0.3,
        completion_timeout_s=1.0,
        move_completion_timeout_s=5.0,
    )


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with PtySimulator(cameras=1, model=MODEL, **FAST) as sim:
        port = _port(sim.path)
        assert await port.open() == 1  # AddressSet found one camera
        try:
            yield Rig(sim, port, ViscaCamera(port, 1, profile_for(MODEL), "cam1"))
        finally:
            await port.close()


async def test_serial_power_off_and_on(rig: Rig) -> None:
    await rig.cam.power(False)
    assert await rig.cam.inquire_power() is False
    assert rig.sim.state().power is False
    await rig.cam.power(True)
    assert await rig.cam.inquire_power() is True
    assert await rig.cam.power_state() is m.PowerState.ON


async def test_serial_drive_then_stop_holds_position(rig: Rig) -> None:
    start = await rig.cam.position()
    await rig.cam.move(m.PanDir.RIGHT, m.TiltDir.UP, 0x10, 0x10)
    await asyncio.sleep(0.2)
    assert rig.sim.state().moving
    await rig.cam.stop()
    stopped = await rig.cam.position()
    assert stopped.pan > start.pan
    assert stopped.tilt > start.tilt
    await asyncio.sleep(0.1)
    assert await rig.cam.position() == stopped  # really stopped
    assert not rig.sim.state().moving
    assert rig.sim.state().busy_sockets == ()  # the drive's socket was completed by the stop


async def test_serial_absolute_move_completes_only_at_the_end(rig: Rig) -> None:
    profile = profile_for(MODEL)
    target_pan, target_tilt = profile.pan_from_degrees(30.0), profile.tilt_from_degrees(10.0)
    move = asyncio.create_task(rig.cam.goto(target_pan, target_tilt, speed=0x14))
    seen_moving = False
    while not move.done():
        state = rig.sim.state()
        if state.moving:
            seen_moving = True
            assert state.pan != target_pan or state.tilt != target_tilt
        await asyncio.sleep(0.01)
    await move
    assert seen_moving  # the command was outstanding while the head moved
    state = rig.sim.state()
    assert not state.moving
    assert (state.pan, state.tilt) == (target_pan, target_tilt)
    position = await rig.cam.position()
    assert (position.pan, position.tilt) == (target_pan, target_tilt)
    assert position.pan_deg == pytest.approx(30.0, abs=0.05)
    assert position.tilt_deg == pytest.approx(10.0, abs=0.05)


async def test_serial_goto_degrees_home_and_relative(rig: Rig) -> None:
    await rig.cam.goto_degrees(-20.0, 5.0)
    assert rig.sim.state().pan_deg == pytest.approx(-20.0, abs=0.05)
    await rig.cam.move_relative(512, 0, speed=0x18)
    assert rig.sim.state().pan_deg == pytest.approx(-10.0, abs=0.05)
    await rig.cam.home()
    assert (rig.sim.state().pan, rig.sim.state().tilt) == (0, 0)
    await rig.cam.goto_degrees(15.0, -5.0)
    await rig.cam.reset()  # a re-initialisation that ends at home
    state = rig.sim.state()
    assert (state.pan, state.tilt, state.moving) == (0, 0, False)


async def test_serial_preset_store_and_recall(rig: Rig) -> None:
    await rig.cam.goto_degrees(20.0, 15.0)
    await rig.cam.zoom_to(0x0800)
    await rig.cam.preset_store(3)
    await rig.cam.goto_degrees(-10.0, -5.0)
    await rig.cam.zoom_to(0x0000)
    await rig.cam.preset_recall(3)  # returns once the head has arrived
    state = rig.sim.state()
    assert not state.moving
    assert state.pan_deg == pytest.approx(20.0, abs=0.05)
    assert state.tilt_deg == pytest.approx(15.0, abs=0.05)
    assert state.zoom == 0x0800
    assert await rig.cam.last_preset() == 3
    assert 3 in rig.sim.camera(1).presets
    await rig.cam.preset_reset(3)
    assert 3 not in rig.sim.camera(1).presets  # the camera forgot it
    with pytest.raises(ValueError, match="preset"):
        await rig.cam.preset_recall(16)  # SRG-300H has 16 presets, 0–F


async def test_serial_zoom_focus_and_picture_settings(rig: Rig) -> None:
    await rig.cam.zoom("tele", 7)
    await asyncio.sleep(0.1)
    await rig.cam.zoom("stop")
    zoomed = await rig.cam.zoom_position()
    assert zoomed > 0
    await rig.cam.focus_auto(False)
    assert await rig.cam.focus_is_auto() is False
    await rig.cam.focus_to(0x5000)
    assert await rig.cam.focus_position() == 0x5000
    await rig.cam.focus("near", 5)
    await asyncio.sleep(0.05)
    await rig.cam.focus("stop")
    assert await rig.cam.focus_position() > 0x5000
    await rig.cam.focus_to(profile_for(MODEL).focus_range[0])  # ∞: AF settles nearer
    assert not rig.sim.state().in_focus
    await rig.cam.focus("one_push")  # one-push AF in manual mode brings the lens back
    assert rig.sim.state().in_focus
    await rig.cam.focus_auto(True)
    assert await rig.cam.focus_is_auto() is True
    await rig.cam.white_balance(m.WBMode.INDOOR)
    assert await rig.cam.white_balance_mode() is m.WBMode.INDOOR
    await rig.cam.exposure(m.AEMode.MANUAL)
    assert await rig.cam.exposure_mode() is m.AEMode.MANUAL
    await rig.cam.backlight(True)
    assert await rig.cam.backlight_on() is True
    settings = rig.sim.camera(1).settings
    await rig.cam.ir_receive_return(True)
    assert settings.ir_receive_return is True
    await rig.cam.digital_zoom(True)
    assert settings.mode(b"\x04\x06") == m.ON
    await rig.cam.digital_zoom(False)
    assert settings.mode(b"\x04\x06") == m.OFF


async def test_serial_ir_receive(rig: Rig) -> None:
    await rig.cam.ir_receive(False)
    assert m.decode_on_off(await rig.port.inquire(1, m.inq_ir_receive())) is False


async def test_serial_menu_open_blocks_commands_until_menu_off(rig: Rig) -> None:
    rig.sim.camera(1).open_menu()
    assert await rig.cam.menu_open() is True
    with pytest.raises(CommandRejectedError) as info:
        await rig.cam.goto_degrees(10.0, 0.0)
    assert info.value.code == m.ErrorCode.NOT_EXECUTABLE
    await rig.cam.menu_off()
    assert await rig.cam.menu_open() is False
    await rig.cam.goto_degrees(10.0, 0.0)
    assert rig.sim.state().pan_deg == pytest.approx(10.0, abs=0.05)


async def test_serial_every_camera_inquiry(rig: Rig) -> None:
    cam = rig.cam
    version = await cam.version()
    assert version.vendor in profile_for(MODEL).vendor_ids
    assert version.max_socket == 2
    info = await cam.info()
    assert (info.address, info.profile, info.power) == (1, MODEL, m.PowerState.ON)
    assert isinstance(await cam.pan_tilt_status(), m.PanTiltStatus)
    position, state = await cam.position(), rig.sim.camera(1).state
    assert (position.pan, position.tilt) == (state.pan, state.tilt)  # the simulator's truth
    assert position.pan_deg == pytest.approx(state.pan_deg, abs=0.1)
    assert 0 <= await cam.zoom_position() <= 0x7AC0
    assert await cam.focus_position() > 0
    assert await cam.focus_is_auto() is True
    assert isinstance(await cam.white_balance_mode(), m.WBMode)
    assert isinstance(await cam.exposure_mode(), m.AEMode)
    assert await cam.backlight_on() is False
    assert await cam.menu_open() is False


_INQUIRIES = sorted(n for n in m.__all__ if n.startswith("inq_") and n != "inq_block")


@pytest.mark.parametrize("name", _INQUIRIES)
async def test_serial_every_inquiry_of_the_message_set(rig: Rig, name: str) -> None:
    request = getattr(m, name)()
    data = await rig.port.inquire(1, request)  # checks the reply length when fixed
    assert request.reply_len is None or len(data) == request.reply_len
    assert all(byte != 0xFF for byte in data)


@pytest.mark.parametrize("block", range(len(m.BLOCK_NAMES)))
async def test_serial_block_inquiries(rig: Rig, block: int) -> None:
    data = await rig.port.inquire(1, m.inq_block(block))
    assert len(data) == m.BLOCK_REPLY_LEN


async def test_serial_speed_zero_and_out_of_range_never_reach_the_wire(rig: Rig) -> None:
    sent: list[bytes] = []
    rig.port.on_trace = lambda direction, packet: sent.append(packet)
    with pytest.raises(ValueError, match="speed"):
        await rig.cam.move(m.PanDir.LEFT, m.TiltDir.STOP, 0, 1)
    with pytest.raises(ValueError, match="speed"):
        await rig.cam.move(m.PanDir.LEFT, m.TiltDir.STOP, 0x19, 1)  # max 18h
    with pytest.raises(ValueError, match="pan"):
        await rig.cam.goto(0x3000, 0)  # ±2200h on SRG-300H
    with pytest.raises(ValueError, match="zoom/focus speed"):
        await rig.cam.zoom("tele", 8)
    assert sent == []


async def test_serial_three_camera_daisy_chain_with_address_set() -> None:
    async with PtySimulator(cameras=3, model=MODEL, addressed=False, **FAST) as sim:
        port = _port(sim.path)
        try:
            assert await port.open() == 3  # 88 30 01 FF → 88 30 04 FF
            profile = profile_for(MODEL)
            cams = [ViscaCamera(port, a, profile, f"cam{a}") for a in (1, 2, 3)]
            for cam in cams:
                assert (await cam.version()).max_socket == 2
            # Three moves in flight at once on one port: one message awaiting its
            # first reply at a time, completions matched per camera and socket.
            await asyncio.gather(
                cams[0].goto_degrees(-30.0, 0.0),
                cams[1].goto_degrees(20.0, 5.0),
                cams[2].preset_recall(0),
            )
            assert sim.state(1).pan_deg == pytest.approx(-30.0, abs=0.05)
            assert sim.state(2).pan_deg == pytest.approx(20.0, abs=0.05)
            assert (sim.state(3).pan, sim.state(3).tilt) == (0, 0)
            await cams[1].move(m.PanDir.LEFT, m.TiltDir.STOP, 5, 5)
            await asyncio.sleep(0.05)
            await cams[1].stop()
            assert sim.state(2).pan_deg < 20.0  # camera 2 drove left, then stopped
            assert not sim.state(2).moving
            assert sim.state(1).pan_deg == pytest.approx(-30.0, abs=0.05)  # others untouched
        finally:
            await port.close()


async def test_serial_at_38400_baud_with_byte_pacing() -> None:
    async with PtySimulator(cameras=1, model=MODEL, baud=38400, **FAST) as sim:
        port = _port(sim.path, baud=38400)
        try:
            await port.open()
            cam = ViscaCamera(port, 1, profile_for(MODEL), "cam1")
            await cam.goto_degrees(5.0, 5.0)
            assert (await cam.position()).pan_deg == pytest.approx(5.0, abs=0.05)
        finally:
            await port.close()


async def test_serial_srg_360she_five_nibble_moves_are_17_bytes_on_the_wire() -> None:
    """SRG-360SHE: 5+5-nibble absolute/relative moves and limits are 17-byte packets
    (SONY-HTML Sony_SRG-360SHE.html note *6); the driver sends them, the camera moves."""
    model = "srg-360she"
    profile = profile_for(model)
    async with PtySimulator(cameras=1, model=model, baud=9600, **FAST) as sim:
        port = _port(sim.path)
        sent: list[bytes] = []
        port.on_trace = lambda direction, packet: sent.append(packet) if direction == "tx" else None
        try:
            await port.open()
            cam = ViscaCamera(port, 1, profile, "she")
            pan, tilt = profile.pan_from_degrees(-150.0), profile.tilt_from_degrees(60.0)
            assert pan < -0x8000  # only 5 nibbles carry it (EAC00 … 15400)
            await cam.goto(pan, tilt, speed=0x18)
            assert (sim.state().pan, sim.state().tilt) == (pan, tilt)
            position = await cam.position()
            assert (position.pan, position.tilt) == (pan, tilt)
            assert position.pan_deg == pytest.approx(-150.0, abs=0.01)
            await cam.move_relative(0x200, -0x200, speed=0x18)
            assert (sim.state().pan, sim.state().tilt) == (pan + 0x200, tilt - 0x200)
            await port.command(1, m.pan_tilt_limit_clear(m.LimitCorner.DOWN_LEFT, 5, 5))
        finally:
            await port.close()
    moves = [p for p in sent if p[1:3] == b"\x01\x06" and p[3] in (0x02, 0x03, 0x07)]
    assert [len(p) for p in moves] == [17, 17, 17]
    assert moves[0] == m.pan_tilt_absolute(pan, tilt, 0x18, None, 5, 5).to_bytes(1)
