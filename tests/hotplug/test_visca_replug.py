"""Acceptance: a VISCA camera whose USB adapter is replugged is reopened by the hotplug kick.

Everything is production code except the two fakes that speak real wire formats: the
VISCA camera simulator on a pty (drivers/visca/sim/; its ``path`` is a stable
symlink, like the ``/dev/visca/<serial>`` name our udev rule gives) and the udev
broadcaster (tests/support/fake_udev.py) feeding the real ``pyudev.Monitor`` inside
``HotplugMonitor``. The supervisor's backoff AND its path-poll interval are 60 s, so a
reconnect within 2 s can only come from the monitor's ``kick()`` — and a replug without
the udev event is shown not to come back within that window.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.errors import DeviceTimeoutError, DeviceUnavailableError
from drivers.hotplug import DeviceMatch, HotplugMonitor
from drivers.supervision import Backoff, DeviceState
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.supervisor import ViscaSupervisor
from drivers.visca.transport import SerialTransport
from tests.hotplug.conftest import EventCollector
from tests.support.fake_udev import send_udev_event, usb_devpath, usb_serial_adapter

MODEL = "srg-300h"
FAST = {"power_transition_s": 0.05, "one_push_wb_s": 0.05, "pan_tilt_reset_s": 0.1}
LONG_S = 60.0  # backoff and path-poll interval: neither can act within the test
REPLUG_READY_S = 2.0  # DESIGN.md §8: back in use within 2 s of returning
NO_EVENT_WAIT_S = 0.6


@dataclass
class Room:
    sim: PtySimulator
    sup: ViscaSupervisor
    cam: ViscaCamera
    states: list[DeviceState]
    token: str

    def node(self) -> str:
        """The /dev/pts/N the stable path points at now (the event's DEVNAME)."""
        return os.path.realpath(self.sim.path)

    def send(self, action: str, node: str) -> None:
        props = usb_serial_adapter(self.token, node, links=[self.sim.path])
        send_udev_event(action, usb_devpath(self.token), "tty", **props)


@pytest.fixture
async def room(monitor: HotplugMonitor, token: str, tmp_path: Path) -> AsyncIterator[Room]:
    async with PtySimulator(
        cameras=1, model=MODEL, link=str(tmp_path / f"visca-{token}"), **FAST
    ) as sim:
        port = ViscaPort(
            SerialTransport(sim.path),
            ack_timeout_s=0.2,
            inquiry_timeout_s=0.2,
            completion_timeout_s=0.5,
            retries=1,
        )
        sup = ViscaSupervisor(
            port,
            device_id="cam1",
            backoff=Backoff(initial_s=LONG_S, max_s=LONG_S, jitter=0.0),
            poll_interval_s=LONG_S,
            health_interval_s=None,
            connect_timeout_s=1.0,
        )
        states: list[DeviceState] = []
        sup.on_state_change(lambda old, new, err: states.append(new))
        # What the agent does (appliance/agent/service.py): match the configured path.
        monitor.attach(sup, DeviceMatch.for_path(sim.path))
        await sup.start()
        try:
            await sup.wait_ready(REPLUG_READY_S)
            yield Room(sim, sup, ViscaCamera(port, 1, profile_for(MODEL), "cam1"), states, token)
        finally:
            await sup.stop()  # re-cancels a lost cancel itself (Supervisor.stop)


async def _until(predicate: object, timeout_s: float = 2.0) -> None:
    assert callable(predicate)
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - supervisor state has no event to await
            await asyncio.sleep(0.01)


async def _unplug(room: Room, collector: EventCollector) -> None:
    node = room.node()
    room.states.clear()
    room.sim.unplug()
    room.send("remove", node)
    await collector.wait_for(lambda evs: any(e.action == "remove" for e in evs))
    # Link lost -> one immediate reconnect -> fails (the path is gone) -> 60 s backoff.
    await _until(
        lambda: (
            DeviceState.CONNECTING in room.states
            and room.states[-1] in (DeviceState.DISCONNECTED, DeviceState.FAILED)
        )
    )
    with pytest.raises(DeviceUnavailableError):
        await room.cam.inquire_power()


async def test_replugged_camera_is_reopened_by_the_hotplug_kick(
    room: Room, collector: EventCollector
) -> None:
    assert await room.cam.inquire_power() is True
    version = await room.cam.version()
    await room.cam.goto_degrees(30.0, 5.0)
    before = await room.cam.position()

    await _unplug(room, collector)
    room.sim.replug()  # a new /dev/pts/N behind the same stable path
    # Without the udev event nothing brings the camera back this fast...
    with pytest.raises(DeviceTimeoutError):
        await room.sup.wait_ready(NO_EVENT_WAIT_S)
    assert room.sup.state is not DeviceState.READY

    # ...with it, the monitor kicks the supervisor and the camera is back in use.
    room.send("add", room.node())
    await room.sup.wait_ready(REPLUG_READY_S)
    assert await room.cam.inquire_power() is True
    assert await room.cam.version() == version
    # The same camera object works: the simulated head kept its position.
    after = await room.cam.position()
    assert (after.pan, after.tilt) == (before.pan, before.tilt)
    await room.cam.goto_degrees(-10.0, 0.0)
    assert (await room.cam.position()).pan_deg == pytest.approx(-10.0, abs=0.5)


async def test_repeated_replugs_each_come_back(room: Room, collector: EventCollector) -> None:
    for _ in range(3):
        await _unplug(room, collector)
        room.sim.replug()
        room.send("add", room.node())
        await room.sup.wait_ready(REPLUG_READY_S)
        assert await room.cam.inquire_power() is True
        collector.events.clear()
