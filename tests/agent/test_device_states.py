"""Per-camera state on a daisy chain: one camera going silent shows ``disconnected``.

docs/INTERFACES.md (Service): a camera whose link is up but which does not answer shows
``disconnected`` with its reason. The room is the simulated one (2-camera VISCA chain on a
pty paced at 9600 baud); the fault is the simulator's ``silent`` on address 2 only. The
agent notices it at once when a command or a readiness check times out on that camera,
and within its idle poll interval when nobody uses it; it is ``ready`` again as soon as
the camera answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appliance.agent.checks import install
from appliance.agent.service import AgentService
from appliance.agent.simulate import SimulatedHardware
from appliance.config import load_config
from drivers.supervision import DeviceState
from tests.agent.conftest import AgentProcess, free_port, open_notify_socket, start_agent
from tests.agent.sim_room import SimRoomThread, api_client, device_map, wait_ready

RUN_TIMEOUT_S = 30.0
POLL_S = 0.5  # the in-process service's idle poll (the agent's default is 10 s)
MARGIN_S = 1.0  # scheduling slack on top of the poll interval and the reply budget


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    directory = tmp_path_factory.mktemp("device-states") / "room"
    with SimRoomThread(directory, room_id="half-silent", display=False) as room:
        yield room


@pytest.fixture(scope="module")
def agent(sim: SimRoomThread) -> Iterator[AgentProcess]:
    """``appliance agent --config F``, as systemd starts it."""
    port = free_port()
    config = sim.hardware.write_config(f"127.0.0.1:{port}")
    with open_notify_socket(sim.hardware.directory) as notify:
        process = start_agent(config, sim.hardware.directory / "state", port, notify)
        try:
            wait_ready(process, ["cam1", "cam2"])
            yield process
        finally:
            process.terminate()


def _silence_cam2(sim: SimRoomThread, on: bool) -> None:
    visca = sim.hardware.visca
    assert visca is not None
    sim.call(lambda: visca.silent(on, address=2))


def _run_camera_check(c: httpx.Client) -> dict[str, str]:
    run_id = c.post("/checks", json={"only": ["camera"]}).json()["run_id"]
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while (run := c.get(f"/checks/{run_id}").json())["status"] != "done":
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
    return {r["id"]: r["status"] for r in run["results"]}


def test_silent_camera_is_disconnected_once_a_check_or_command_times_out(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    _silence_cam2(sim, True)
    try:
        with api_client(agent) as c:
            statuses = _run_camera_check(c)
            assert statuses["camera.cam2.link"] == "fail"
            assert statuses["camera.cam1.link"] == "pass"
            # Right after the check: no wait for an idle poll (10 s in the agent).
            devices = device_map(agent)
            assert devices["cam2"]["state"] == "disconnected", devices["cam2"]
            assert "camera 2 does not answer" in devices["cam2"]["last_error"]
            assert devices["cam1"]["state"] == "ready"
            assert devices["cam1"]["last_error"] is None
            port = next(d for d in devices.values() if d["kind"] == "camera_port")
            assert port["state"] == "ready"  # the chain itself is fine

            _silence_cam2(sim, False)
            assert c.get("/cameras/cam2/power").status_code == 200
            assert device_map(agent)["cam2"]["state"] == "ready"  # it answered: in use

            _silence_cam2(sim, True)
            assert c.get("/cameras/cam2/power").status_code == 504
            devices = device_map(agent)
            assert devices["cam2"]["state"] == "disconnected"
            assert devices["cam1"]["state"] == "ready"
            assert c.get("/cameras/cam1/power").status_code == 200
    finally:
        _silence_cam2(sim, False)
    with api_client(agent) as c:
        assert c.get("/cameras/cam2/power").status_code == 200
    assert device_map(agent)["cam2"]["state"] == "ready"


async def _wait_state(
    service: AgentService, camera: str, want: DeviceState, within_s: float
) -> None:
    deadline = time.monotonic() + within_s
    while (state := service.camera(camera).state) is not want:
        assert service.camera("cam1").state is DeviceState.READY  # the other one stays in use
        if time.monotonic() > deadline:
            raise AssertionError(f"{camera} is {state}, not {want}, after {within_s} s")
        await asyncio.sleep(0.05)


async def test_idle_poll_notices_a_silent_camera_and_its_return(tmp_path: Path) -> None:
    hardware = SimulatedHardware(tmp_path / "room", room_id="idle-silent", display=False)
    await hardware.start()
    try:
        assert hardware.visca is not None
        config = load_config(hardware.write_config(f"127.0.0.1:{free_port()}"))
        service = AgentService(config, hotplug=False, health_interval_s=POLL_S)
        await service.start()
        try:
            link = next(iter(service.links.values()))
            await link.supervisor.wait_ready(5)
            assert service.camera("cam2").state is DeviceState.READY
            hardware.visca.silent(True, address=2)
            # Nobody uses the camera: the idle poll finds it (poll + one unanswered
            # inquiry); the port's own mark would need 3 unanswered polls.
            await _wait_state(
                service, "cam2", DeviceState.DISCONNECTED, POLL_S + link.replies.budget_s + MARGIN_S
            )
            status = {d.id: d for d in service.devices()}["cam2"]
            assert "does not answer" in (status.last_error or "")
            assert link.state is DeviceState.READY
            hardware.visca.silent(False, address=2)
            await _wait_state(service, "cam2", DeviceState.READY, POLL_S + MARGIN_S)
            assert {d.id: d for d in service.devices()}["cam2"].last_error is None
        finally:
            await service.stop()
    finally:
        await hardware.stop()


async def test_check_engine_in_process_marks_the_silent_camera_at_once(tmp_path: Path) -> None:
    """The same through the check engine the agent installs, without any idle poll."""
    hardware = SimulatedHardware(tmp_path / "room", room_id="check-silent", display=False)
    await hardware.start()
    try:
        assert hardware.visca is not None
        config = load_config(hardware.write_config(f"127.0.0.1:{free_port()}"))
        service = AgentService(config, hotplug=False, health_interval_s=None)
        engine = install(service)
        await service.start()
        try:
            await next(iter(service.links.values())).supervisor.wait_ready(5)
            hardware.visca.silent(True, address=2)
            assert service.camera("cam2").state is DeviceState.READY  # nothing asked it yet
            run = await engine.wait(await engine.start({"camera"}))
            results = {r.id: r.status.value for r in run.results}
            assert results["camera.cam2.link"] == "fail"
            assert service.camera("cam2").state is DeviceState.DISCONNECTED
            assert service.camera("cam1").state is DeviceState.READY
            hardware.visca.silent(False, address=2)
            assert await service.camera("cam2").power_state() is True
            assert service.camera("cam2").state is DeviceState.READY
        finally:
            await service.stop()
    finally:
        await hardware.stop()
