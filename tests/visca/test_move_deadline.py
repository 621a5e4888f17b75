"""A slow move on a healthy camera completes; an unfinished one is never resent (issue #7 item 3).

The completion deadline of a move comes from the model's speed table and the distance
(``ViscaCamera._move``); the port's ``move_completion_timeout_s`` is only its floor.
Here the floor is 1 s and the move takes about 3 s: it used to end in a timeout after
the move had been resent (restarting it) twice.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from drivers.errors import DeviceTimeoutError
from drivers.visca import messages as m
from drivers.visca.camera import MOVE_MARGIN, MOVE_SETTLE_S, ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.transport import SerialTransport

MODEL = "srg-120dh"  # published speed table: speed 01 = 1.1 °/s
FLOOR_S = 1.0
Rig = tuple[PtySimulator, ViscaCamera, list[tuple[str, bytes]]]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with PtySimulator(cameras=1, model=MODEL, baud=9600) as sim:
        sent: list[tuple[str, bytes]] = []
        port = ViscaPort(
            SerialTransport(sim.path, 9600),
            move_completion_timeout_s=FLOOR_S,
            on_trace=lambda direction, packet: sent.append((direction, packet)),
        )
        await port.open()
        try:
            yield sim, ViscaCamera(port, 1, profile_for(MODEL), "cam1"), sent
        finally:
            await port.close()


def _sends(sent: list[tuple[str, bytes]], body_start: bytes) -> int:
    return sum(1 for d, p in sent if d.startswith("tx") and p[1:].startswith(body_start))


async def test_slow_pan_completes_past_the_floor_and_is_sent_once(rig: Rig) -> None:
    sim, cam, sent = rig
    await cam.goto_degrees(3.0, 0.0, speed=1)  # 3° at 1.1 °/s ≈ 2.7 s > FLOOR_S
    assert abs(sim.state(1).pan_deg - 3.0) < 0.1
    assert not sim.state(1).moving
    assert _sends(sent, bytes.fromhex("010602")) == 1  # Pan-tiltAbsolutePosition


async def test_lost_completion_of_a_move_is_not_resent_and_states_the_real_wait(rig: Rig) -> None:
    sim, cam, sent = rig
    sim.drop_next_completion()
    profile = profile_for(MODEL)
    deadline_s = max(FLOOR_S, profile.zoom_full_travel_s * MOVE_MARGIN + MOVE_SETTLE_S)
    with pytest.raises(DeviceTimeoutError, match=re.escape(f"within {deadline_s:.1f} s")) as info:
        await cam.zoom_to(0x1000)
    assert "sends" not in str(info.value)
    assert _sends(sent, m.zoom_direct(0x1000).body) == 1
