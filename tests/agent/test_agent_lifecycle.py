"""Start and stop: a broken config starts nothing; stop() really releases the ports."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from appliance.agent.service import AgentService
from appliance.agent.simulate import SimulatedHardware
from appliance.config import load_config
from drivers.supervision import DeviceState
from drivers.visca.models import profile_for
from tests.agent.conftest import NotifySocket, free_port, spawn_agent, write_config

CAMERA = """
[[cameras]]
id = "cam1"
port = "/dev/ttyUSB0"
"""


@pytest.mark.parametrize(
    ("cameras", "key", "what"),
    [
        (CAMERA + "colour = 1\n", "cameras[0].colour", "khóa không có trong cấu hình"),
        (CAMERA.replace('"/dev/ttyUSB0"', "5"), "cameras[0].port", "sai kiểu: phải là chuỗi"),
        ('[[cameras]]\nid = "cam1"\n', "cameras[0]", "thiếu cổng"),
        (CAMERA + CAMERA.replace("ttyUSB0", "ttyUSB1"), "cameras[1].id", "trùng mã thiết bị"),
    ],
)
def test_broken_config_starts_nothing(
    tmp_path: Path, notify_socket: NotifySocket, cameras: str, key: str, what: str
) -> None:
    port = free_port()
    state = tmp_path / "state"
    config = write_config(tmp_path / "bad.toml", port=port, state_dir=state, cameras=cameras)
    proc = spawn_agent(config, tmp_path / "bad.log", notify_socket)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise
    lines = (tmp_path / "bad.log").read_text(encoding="utf-8").strip().splitlines()
    assert rc == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Lỗi cấu hình: {config}: {key}: "), lines[0]
    assert what in lines[0]
    assert not state.exists()  # not even the token file was written
    assert notify_socket.messages == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def _fds_to(target: str) -> list[Path]:
    out = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if str(fd.readlink()) == target:
                out.append(fd)
        except OSError:
            continue
    return out


async def test_stop_closes_the_serial_port(tmp_path: Path) -> None:
    hardware = SimulatedHardware(tmp_path / "room", room_id="release", display=False)
    await hardware.start()
    try:
        config = load_config(hardware.write_config(f"127.0.0.1:{free_port()}"))
        service = AgentService(config, hotplug=False)
        await service.start()
        link = next(iter(service.links.values()))
        await link.supervisor.wait_ready(5)
        assert service.cameras["cam1"].state is DeviceState.READY
        assert hardware.visca is not None
        pts = str(Path(hardware.visca.path).resolve())  # noqa: ASYNC240 - a symlink, instant
        # The simulator holds the pty's slave end once itself; the agent's open adds one.
        held = len(_fds_to(pts))
        assert await service.camera("cam1").power_state() in (True, False)
        await service.stop()
        assert len(_fds_to(pts)) == held - 1
        assert link.state is DeviceState.DISCONNECTED
        await service.stop()  # idempotent
    finally:
        await hardware.stop()


async def test_a_silent_camera_on_the_chain_leaves_the_other_in_use(tmp_path: Path) -> None:
    hardware = SimulatedHardware(tmp_path / "room", room_id="half-chain", display=False)
    await hardware.start()
    try:
        assert hardware.visca is not None
        hardware.visca.silent(True, address=2)
        config = load_config(hardware.write_config(f"127.0.0.1:{free_port()}"))
        service = AgentService(config, hotplug=False)
        await service.start()
        try:
            link = next(iter(service.links.values()))
            await link.supervisor.wait_ready(5)  # the ViscaSupervisor: one camera answers
            devices = {d.id: d for d in service.devices()}
            assert devices["cam1"].state is DeviceState.READY
            # What cam1 said it is at connect: one of its model's ids.
            model_id = int(str(devices["cam1"].details["model_id"]), 16)
            assert model_id in profile_for("srg-300h").model_ids
            assert devices["cam2"].state is DeviceState.DISCONNECTED
            assert "no answer" in (devices["cam2"].last_error or "")
            assert "model_id" not in devices["cam2"].details
            assert await service.camera("cam1").power_state() is True
            hardware.visca.silent(False, address=2)
            assert await service.camera("cam2").power_state() is True
            assert service.camera("cam2").state is DeviceState.READY  # answered: in use
        finally:
            await service.stop()
    finally:
        await hardware.stop()
