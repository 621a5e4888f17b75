"""A command overtaken by a newer one is reported as superseded, never as done (issue #7 item 2).

What a camera does with an overridden command (VISCA.md §5 #11, PTZOptics log in
companion-module-ptzoptics-visca#41): two quick preset recalls give ACK1 ACK2 C1 C2 —
the first is *completed* when the second takes over, though the head never got there.
A Sony camera answers a Cancel with "canceled" (04) and no completion (§1.2). Either
way the first caller must hear "superseded by …", and the latest click wins.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from drivers.errors import CommandSupersededError
from drivers.visca import messages as m
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.transport import SerialTransport
from tests.visca.link_peers import ScriptedCamera

ACK1, ACK2 = bytes.fromhex("9041ff"), bytes.fromhex("9042ff")
DONE1, DONE2 = bytes.fromhex("9051ff"), bytes.fromhex("9052ff")
CANCELED1 = bytes.fromhex("906104ff")
MODEL = "srg-300h"
ALL = frozenset(("pan_tilt", "zoom", "focus"))


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[ScriptedCamera, ViscaPort]]:
    cam = ScriptedCamera()
    port = ViscaPort(SerialTransport(cam.path), init_chain=False)
    await port.open()
    try:
        yield cam, port
    finally:
        await port.close()
        cam.close()


@pytest.mark.parametrize("ends_first", [DONE1, CANCELED1], ids=["completion", "canceled"])
async def test_recall_overtaken_by_another_is_superseded(
    scripted: tuple[ScriptedCamera, ViscaPort], ends_first: bytes
) -> None:
    cam, port = scripted
    first = asyncio.create_task(port.command(1, m.memory_recall(1, "0p"), claims=ALL))
    await cam.packet()
    cam.write(ACK1)
    second = asyncio.create_task(port.command(1, m.memory_recall(2, "0p"), claims=ALL))
    assert await cam.packet() == m.memory_recall(2, "0p").to_bytes(1)
    cam.write(ACK2 + ends_first)  # the camera ends the first as the second takes over
    with pytest.raises(CommandSupersededError, match="superseded by CAM_Memory Recall") as info:
        await asyncio.wait_for(first, 1)
    assert info.value.superseded_by == m.memory_recall(2, "0p").name
    assert not second.done()
    cam.write(DONE2)
    await asyncio.wait_for(second, 1)  # the latest one is done when it is done


async def test_a_command_on_other_axes_supersedes_nothing(
    scripted: tuple[ScriptedCamera, ViscaPort],
) -> None:
    cam, port = scripted
    move = asyncio.create_task(port.command(1, m.zoom_direct(0x1000), group="zoom"))
    await cam.packet()
    cam.write(ACK1)
    focus = asyncio.create_task(port.command(1, m.focus_direct(0x1000), group="focus"))
    await cam.packet()
    cam.write(ACK2 + DONE1)
    await asyncio.wait_for(move, 1)  # done: the focus move did not touch the zoom
    cam.write(DONE2)
    await asyncio.wait_for(focus, 1)


async def _until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - simulator state has no event to await
            await asyncio.sleep(0.01)


async def test_rapid_clicks_on_the_simulator_latest_wins() -> None:
    async with PtySimulator(cameras=1, model=MODEL, baud=9600) as sim:
        port = ViscaPort(SerialTransport(sim.path, 9600))
        await port.open()
        try:
            cam = ViscaCamera(port, 1, profile_for(MODEL), "cam1")
            spots = {1: -150.0, 2: 40.0, 3: -20.0, 4: 70.0, 5: 10.0}
            for number, pan_deg in spots.items():
                await cam.goto_degrees(pan_deg, 0.0)
                await cam.preset_store(number)
            await cam.goto_degrees(150.0, 0.0)  # 300° from preset 1: seconds on the way
            # Two clicks: the second while the head is on its way to the first.
            first = asyncio.create_task(cam.preset_recall(1))
            await _until(lambda: sim.state(1).moving)
            second = asyncio.create_task(cam.preset_recall(2))
            with pytest.raises(CommandSupersededError):
                await first
            await second
            assert abs(sim.state(1).pan_deg - spots[2]) < 1.0
            # A burst of clicks: only the last one is reported done, and the head is there.
            clicks = [asyncio.create_task(cam.preset_recall(n)) for n in (3, 4, 5, 1, 3)]
            results = await asyncio.gather(*clicks, return_exceptions=True)
            assert results[-1] is None, results
            assert all(isinstance(r, CommandSupersededError) for r in results[:-1]), results
            assert abs(sim.state(1).pan_deg - spots[3]) < 1.0
            assert not sim.state(1).moving
        finally:
            await port.close()


async def test_stop_supersedes_a_running_absolute_move() -> None:
    async with PtySimulator(cameras=1, model=MODEL, baud=9600) as sim:
        port = ViscaPort(SerialTransport(sim.path, 9600))
        await port.open()
        try:
            cam = ViscaCamera(port, 1, profile_for(MODEL), "cam1")
            move = asyncio.create_task(cam.goto_degrees(120.0, 0.0, speed=1))
            await _until(lambda: sim.state(1).moving)
            await cam.stop()
            with pytest.raises(CommandSupersededError, match="STOP"):
                await move
            assert sim.state(1).pan_deg < 119.0  # it really did not get there
        finally:
            await port.close()
