"""Acceptance: faults, over the production serial transport, against the camera simulator.

Unplug while idle and during a move, replug (ready again within 2 s of the port
reappearing), a silent camera, garbage on the line, buffer full, syntax and
not-executable errors, an unsolicited network change in the middle of traffic. Every
fault must give a typed error within its timeout — no hang, no crash — and the link
must come back by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from drivers.errors import (
    CommandRejectedError,
    CommandSupersededError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    LineNoiseError,
)
from drivers.supervision import Backoff, DeviceState
from drivers.visca import messages as m
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.supervisor import ViscaSupervisor
from drivers.visca.transport import SerialTransport

MODEL = "srg-300h"
FAST = {"power_transition_s": 0.05, "one_push_wb_s": 0.05, "pan_tilt_reset_s": 0.1}
REPLUG_READY_S = 2.0  # DESIGN.md §8: back in use within 2 s of returning
NO_POLL_S = 60.0  # a path-poll interval that cannot act within a test
NO_KICK_WAIT_S = 1.0  # well inside the 5 s backoff: without a kick nothing reconnects


@dataclass
class Rig:
    sim: PtySimulator
    sup: ViscaSupervisor
    cam: ViscaCamera
    states: list[DeviceState]
    errors: list[str]


@pytest.fixture
def health_s() -> float | None:
    """Idle health-poll interval of the supervisor (a test may parametrize it away)."""
    return 0.3


@pytest.fixture
async def rig(health_s: float | None) -> AsyncIterator[Rig]:
    async with PtySimulator(cameras=1, model=MODEL, **FAST) as sim:
        port = ViscaPort(
            SerialTransport(sim.path),
            ack_timeout_s=0.15,
            inquiry_timeout_s=0.15,
            completion_timeout_s=0.5,
            move_completion_timeout_s=3.0,
            retries=1,
            silent_limit=2,
            buffer_full_retries=1,
        )
        # A long backoff: only the path poll (or a kick) can bring the link back fast.
        sup = ViscaSupervisor(
            port,
            backoff=Backoff(initial_s=5.0, max_s=30.0),
            health_interval_s=health_s,
            connect_timeout_s=1.0,
        )
        states: list[DeviceState] = []
        errors: list[str] = []

        def record(old: DeviceState, new: DeviceState, error: str | None) -> None:
            states.append(new)
            if error:
                errors.append(error)

        sup.on_state_change(record)
        await sup.start()
        try:
            await sup.wait_ready(2.0)
            yield Rig(sim, sup, ViscaCamera(port, 1, profile_for(MODEL), "cam1"), states, errors)
        finally:
            await sup.stop()


async def _until(predicate: Callable[[], bool], timeout_s: float = 2.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - simulator/supervisor state has no event to await
            await asyncio.sleep(0.01)


async def test_unplug_while_idle_then_replug_ready_within_2s(rig: Rig) -> None:
    rig.sim.unplug()
    await _until(lambda: rig.sup.state is not DeviceState.READY, 1.0)
    with pytest.raises(DeviceUnavailableError):
        await rig.cam.inquire_power()  # at once, no timeout to wait for
    await asyncio.sleep(0.5)  # reconnects fail meanwhile; the backoff is now 5 s
    assert rig.sup.state in (DeviceState.DISCONNECTED, DeviceState.FAILED)
    assert "ENOENT" in (rig.sup.last_error or "")
    rig.sim.replug()
    await rig.sup.wait_ready(REPLUG_READY_S)  # the path poll, not the backoff
    assert await rig.cam.inquire_power() is True
    assert DeviceState.DISCONNECTED in rig.states


async def test_unplug_during_a_move_fails_the_move_at_once(rig: Rig) -> None:
    move = asyncio.create_task(rig.cam.goto_degrees(-150.0, 0.0, speed=0x08))
    await _until(lambda: rig.sim.state().moving)
    rig.sim.unplug()
    with pytest.raises(DeviceUnavailableError):
        await asyncio.wait_for(move, 1.0)
    # The move fails on the transport's read error; the supervisor's watch sees the same
    # loss a few loop turns later (more with both cores busy). Replugging before it has
    # would let wait_ready() return on the stale READY and stop() meet the dead port.
    await _until(lambda: rig.sup.state is not DeviceState.READY, 1.0)
    rig.sim.replug()
    await rig.sup.wait_ready(REPLUG_READY_S)
    # The head kept driving while unplugged (the command had arrived); stop works again
    # and the position read back is the simulated head's.
    await rig.cam.stop()
    assert not rig.sim.state().moving
    assert (await rig.cam.position()).pan == rig.sim.state().pan
    assert DeviceState.DISCONNECTED in rig.states


async def test_kick_reconnects_without_waiting_for_the_backoff(rig: Rig) -> None:
    # Only the kick may bring the link back here: the path poll is made as slow as the
    # backoff (it reconnected on its own, so the test passed with kick() doing nothing).
    rig.sup.poll_interval_s = NO_POLL_S
    seen = len(rig.states)
    rig.sim.unplug()
    # Link lost, the immediate reconnect tried and failed: now in the 5 s backoff.
    failed = [DeviceState.DISCONNECTED, DeviceState.CONNECTING, DeviceState.DISCONNECTED]
    await _until(lambda: rig.states[seen:][:3] == failed, 3.0)
    rig.sim.replug()
    with pytest.raises(DeviceTimeoutError):
        await rig.sup.wait_ready(NO_KICK_WAIT_S)  # back on the path, nobody reconnects
    rig.sup.kick()  # what the hotplug monitor does
    await rig.sup.wait_ready(REPLUG_READY_S)


@pytest.mark.parametrize("health_s", [None])  # only the commands below meet the silence
async def test_silent_camera_typed_errors_then_recovers(rig: Rig) -> None:
    rig.sim.silent()
    with pytest.raises(DeviceTimeoutError, match="no answer"):
        await rig.cam.inquire_power()
    with pytest.raises(DeviceUnavailableError, match="does not answer"):
        await rig.cam.goto(0, 0)  # second silent message: marked unavailable
    # Every camera of the port is silent: the supervisor drops the link and retries.
    await _until(lambda: rig.sup.state is not DeviceState.READY, 1.0)
    # Reconnecting: refused while the port is down, or unanswered while it probes.
    with pytest.raises((DeviceUnavailableError, DeviceTimeoutError)):
        await rig.cam.inquire_power()
    rig.sim.silent(False)
    rig.sup.kick()
    await rig.sup.wait_ready(REPLUG_READY_S)
    assert await rig.cam.inquire_power() is True


async def test_silent_camera_noticed_while_idle(rig: Rig) -> None:
    rig.sim.silent()
    await _until(lambda: rig.sup.state is not DeviceState.READY, 3.0)  # health poll
    assert "no camera answers" in rig.errors[0]
    rig.sim.silent(False)
    rig.sup.kick()
    await rig.sup.wait_ready(REPLUG_READY_S)


async def test_garbage_bytes_on_the_line(rig: Rig) -> None:
    transport = rig.sup.port.transport
    assert isinstance(transport, SerialTransport)
    rig.sim.inject(b"\x00\x13\x11\x7f\xff\x90\x90\x41")  # noise between packets
    assert await rig.cam.inquire_power() is True
    assert transport.dropped_bytes > 0
    rig.sim.garbage(True)  # every answer is line noise now
    # Noise is not silence: the camera answers, at the wrong baud rate or over a bad
    # cable (issue #7 item 8), and nothing is counted towards marking it silent.
    with pytest.raises(LineNoiseError, match="answers with noise: check baud rate and cable"):
        await rig.cam.inquire_power()
    with pytest.raises(LineNoiseError):
        await rig.cam.goto_degrees(10.0, 0.0)
    assert rig.sup.port.unavailable == frozenset()
    rig.sim.garbage(False)
    await rig.cam.goto_degrees(10.0, 0.0)  # the port still works
    assert rig.sim.state().pan_deg == pytest.approx(10.0, abs=0.05)
    rig.sup.kick()
    await rig.sup.wait_ready(REPLUG_READY_S)
    assert await rig.cam.inquire_power() is True


async def test_buffer_full_is_retried_after_a_completion(rig: Rig) -> None:
    rig.sim.error_reply(m.ErrorCode.BUFFER_FULL, count=1)
    await rig.cam.goto_degrees(5.0, 0.0)  # first answer: buffer full; the retry runs it
    assert rig.sim.state().pan_deg == pytest.approx(5.0, abs=0.05)


async def test_buffer_full_with_both_sockets_busy(rig: Rig) -> None:
    goto = asyncio.create_task(rig.cam.goto_degrees(-150.0, 0.0, speed=0x04))  # socket 1
    zoom = asyncio.create_task(rig.cam.zoom_to(0x4000))  # socket 2, seconds to the tele end
    await _until(lambda: len(rig.sim.state().busy_sockets) == 2)
    with pytest.raises(CommandRejectedError) as info:
        await rig.cam.backlight(True)  # waits for a completion once, then gives up
    assert info.value.code == m.ErrorCode.BUFFER_FULL
    assert "buffer full" in str(info.value)
    await rig.cam.stop()  # buffer full too: the pan-tilt move's socket is cancelled
    with pytest.raises(CommandRejectedError) as info:
        await goto
    assert info.value.code == m.ErrorCode.CANCELED
    assert len(rig.sim.state().busy_sockets) == 1  # the zoom runs on
    await rig.cam.zoom("stop")  # a socket is free now: the stop ends the zoom move ...
    with pytest.raises(CommandSupersededError, match="superseded by CAM_Zoom Stop"):
        await asyncio.wait_for(zoom, 1.0)  # ... which did not get to the tele end
    assert rig.sim.state().busy_sockets == ()
    assert not rig.sim.state().moving


@pytest.mark.parametrize(
    ("code", "text"),
    [(m.ErrorCode.SYNTAX, "syntax error"), (m.ErrorCode.NOT_EXECUTABLE, "not executable")],
)
async def test_syntax_and_not_executable_errors(rig: Rig, code: int, text: str) -> None:
    rig.sim.error_reply(code, count=1)
    with pytest.raises(CommandRejectedError) as info:
        await rig.cam.goto_degrees(15.0, 0.0)
    assert info.value.code == code
    assert text in str(info.value)
    assert info.value.device_id == "cam1"
    await rig.cam.goto_degrees(15.0, 0.0)  # the next command runs
    assert rig.sim.state().pan_deg == pytest.approx(15.0, abs=0.05)
    assert rig.sup.state is DeviceState.READY


async def test_network_change_in_the_middle_of_traffic() -> None:
    async with PtySimulator(cameras=2, model=MODEL, addressed=False, **FAST) as sim:
        port = ViscaPort(SerialTransport(sim.path), ack_timeout_s=0.3, inquiry_timeout_s=0.3)
        sup = ViscaSupervisor(port, addresses=(1, 2), health_interval_s=None)
        await sup.start()
        try:
            await sup.wait_ready(2.0)
            profile = profile_for(MODEL)
            cams = [ViscaCamera(port, a, profile, f"cam{a}") for a in (1, 2)]

            async def traffic(cam: ViscaCamera) -> None:
                for i in range(12):
                    await cam.goto(i * 16, 0, speed=0x18)
                    assert (await cam.position()).pan == i * 16
                    await cam.inquire_power()

            async def changes() -> None:
                for _ in range(3):
                    await asyncio.sleep(0.05)
                    sim.inject(bytes.fromhex("9038ff"))  # camera 1 reports a chain change

            await asyncio.gather(traffic(cams[0]), traffic(cams[1]), changes())
            assert port.network_changes == 3
            assert port.camera_count == 2
            assert sup.state is DeviceState.READY
        finally:
            await sup.stop()


async def test_one_silent_camera_does_not_take_the_chain_down() -> None:
    async with PtySimulator(cameras=2, model=MODEL, **FAST) as sim:
        port = ViscaPort(
            SerialTransport(sim.path), ack_timeout_s=0.15, inquiry_timeout_s=0.15, retries=1
        )
        sup = ViscaSupervisor(port, addresses=(1, 2), health_interval_s=None)
        sim.silent(True, address=2)
        await sup.start()
        try:
            await sup.wait_ready(2.0)
            assert set(sup.versions) == {1}
            assert set(sup.missing) == {2}
            assert "no answer" in sup.missing[2]
            profile = profile_for(MODEL)
            cam1, cam2 = (ViscaCamera(port, a, profile, f"cam{a}") for a in (1, 2))
            assert await cam1.inquire_power() is True  # the answering camera is in use
            with pytest.raises(DeviceTimeoutError):
                await cam2.inquire_power()
            sim.silent(False, address=2)
            assert await cam2.inquire_power() is True  # heard again: usable again
            sim.silent(True)  # now nobody answers: the link is not ready
            sup.link_lost("adapter removed")  # what the hotplug monitor does on 'remove'
            await _until(lambda: sup.state is not DeviceState.READY, 1.0)
            with pytest.raises(DeviceTimeoutError):
                await sup.wait_ready(0.8)
            assert "no camera answers" in (sup.last_error or "")
            sim.silent(False)
            sup.kick()
            await sup.wait_ready(2.0)
            assert set(sup.versions) == {1, 2}
            assert sup.missing == {}
        finally:
            await sup.stop()
