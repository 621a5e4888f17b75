"""Acceptance: the check through a real agent PROCESS over HTTP, and ``appliance check``.

The simulated room (2-camera VISCA chain on a pty, MJPEG scene streams) runs in this test
process; the agent is ``python -m appliance agent --config F`` as systemd starts it
(uvicorn, token auth, sd_notify, and the check engine that ``appliance agent`` installs).
The tests talk to it over real HTTP with httpx and run the ``appliance check`` command
as a subprocess against it, in both languages, with its exit codes and ``--json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from drivers.video.simulator import Fault
from tests.agent.conftest import (
    AgentProcess,
    free_port,
    open_notify_socket,
    running_agent,
    start_agent,
)
from tests.agent.sim_room import SimRoomThread

DEVICES_READY_S = 10.0
RUN_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    with SimRoomThread(
        tmp_path_factory.mktemp("check-agent") / "room", room_id="check-proc"
    ) as room:
        yield room


@pytest.fixture(scope="module")
def agent(sim: SimRoomThread) -> Iterator[AgentProcess]:
    """``appliance agent --config F`` as systemd runs it (it installs the check engine)."""
    port = free_port()
    config = sim.hardware.write_config(f"127.0.0.1:{port}")
    state = sim.hardware.directory / "state"
    with open_notify_socket(sim.hardware.directory) as notify:
        process = start_agent(config, state, port, notify)
        try:
            _wait_cameras(process)
            yield process
        finally:
            process.terminate()


def _client(agent: AgentProcess) -> httpx.Client:
    return httpx.Client(base_url=agent.base_url + "/api/v1", headers=agent.headers(), timeout=20)


def _wait_cameras(agent: AgentProcess) -> None:
    deadline = time.monotonic() + DEVICES_READY_S
    with _client(agent) as c:
        while True:
            devices = {d["id"]: d["state"] for d in c.get("/devices").json()}
            if devices.get("cam1") == "ready" and devices.get("cam2") == "ready":
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"cameras not ready: {devices}\n{agent.log()}")
            time.sleep(0.05)


def _run_over_http(agent: AgentProcess, only: list[str]) -> dict[str, Any]:
    with _client(agent) as c:
        started = c.post("/checks", json={"only": only})
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        seen_running = False
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            progress = c.get(f"/checks/{run_id}").json()
            if progress["status"] == "done":
                break
            seen_running |= progress["status"] == "running" and progress["progress"]["total"] > 0
            assert time.monotonic() < deadline, progress
            time.sleep(0.05)
        result = c.get(f"/checks/{run_id}/result")
        assert result.status_code == 200
        run: dict[str, Any] = result.json()
        assert run == progress
        assert seen_running  # progress was visible while it ran
        return run


def _cli(agent_config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="220")
    env.pop("APPLIANCE_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "appliance", "check", "--config", str(agent_config), *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def _in_sim(sim: SimRoomThread, coro_fn: Any) -> None:
    """Run a coroutine function on the simulators' loop (their async fault APIs)."""
    asyncio.run_coroutine_threadsafe(coro_fn(), sim._loop).result(10)


def test_check_over_http_on_a_healthy_room(agent: AgentProcess) -> None:
    run = _run_over_http(agent, ["camera", "video"])
    statuses = {r["id"]: r["status"] for r in run["results"]}
    assert {k for k, v in statuses.items() if v == "fail"} == set()
    assert statuses["camera.cam1.link"] == statuses["video.cam2.frozen"] == "pass"
    assert statuses["camera.cam1.preset.chu-toa"] == "skip"  # no reference stored yet
    preset = next(r for r in run["results"] if r["id"] == "camera.cam1.preset.chu-toa")
    assert "appliance check reference cam1 chu-toa" in preset["remediation"]["vi"]
    assert run["overall"] == "pass"
    with _client(agent) as c:
        history = c.get("/checks", params={"limit": 5}).json()
        assert history[0]["run_id"] == run["run_id"]
        assert c.get("/status").json()["checks_available"] is True
        metrics = httpx.get(agent.base_url + "/metrics", headers=agent.headers()).text
    assert (
        'appliance_check_result{device="cam1",item="camera.cam1.link",status="pass"} 1.0' in metrics
    )


def test_unplugged_camera_over_http_and_the_agent_stays_up(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    assert sim.hardware.visca is not None
    visca = sim.hardware.visca
    sim.call(visca.unplug)
    try:
        run = _run_over_http(agent, ["camera"])
        failing = {r["id"]: r for r in run["results"] if r["status"] == "fail"}
        seen = [(r["id"], r["status"], r["message"]["en"]) for r in run["results"]]
        assert set(failing) == {"camera.cam1.link", "camera.cam2.link"}, seen
        hint = failing["camera.cam1.link"]["remediation"]
        assert hint["vi"].startswith("Kiểm tra cáp RS-232")
        assert hint["vi"].endswith("rồi chạy lại kiểm tra")
        assert hint["en"].startswith("Check the RS-232 cable")
        assert run["health"] == "error"
        assert httpx.get(agent.base_url + "/healthz").status_code == 200
        assert agent.proc.poll() is None
    finally:
        sim.call(visca.replug)
    _wait_cameras(agent)
    again = _run_over_http(agent, ["camera"])
    assert [r["id"] for r in again["results"] if r["status"] == "fail"] == []


def test_frozen_video_over_http(agent: AgentProcess, sim: SimRoomThread) -> None:
    video = sim.hardware.videos[1]
    _in_sim(sim, lambda: video.set_fault(Fault.FROZEN))
    try:
        run = _run_over_http(agent, ["video"])
    finally:
        _in_sim(sim, lambda: video.set_fault(Fault.NONE))
    failing = [r for r in run["results"] if r["status"] == "fail"]
    assert [r["id"] for r in failing] == ["video.cam2.frozen"]
    assert "Tắt bật lại camera cam2" in failing[0]["remediation"]["vi"]
    assert Path(
        next(r for r in run["results"] if r["id"] == "video.cam2.signal")["evidence"]["snapshot"]
    ).is_file()


def test_appliance_check_command_in_both_languages(agent: AgentProcess, sim: SimRoomThread) -> None:
    config = sim.hardware.directory / "appliance.toml"
    vi = _cli(config, "--only", "camera")
    assert vi.returncode == 0, vi.stderr + vi.stdout
    assert "Kiểm tra sẵn sàng trước cuộc họp" in vi.stdout
    assert "camera.cam1.link" in vi.stdout
    assert "ĐẠT" in vi.stdout
    assert "Kết quả chung: ĐẠT" in vi.stdout
    en = _cli(config, "--only", "video", "--lang", "en")
    assert en.returncode == 0, en.stderr + en.stdout
    assert "Pre-meeting readiness check" in en.stdout
    assert "video.cam1.focus" in en.stdout
    assert "PASS" in en.stdout
    assert "ĐẠT" not in en.stdout
    out = _cli(config, "--only", "hub", "--json")
    assert out.returncode == 0, out.stderr
    run = json.loads(out.stdout)
    assert run["status"] == "done"
    assert [r["id"] for r in run["results"]] == ["hub.link", "hub.clock"]
    assert run["results"][0]["message"]["vi"] == "Chưa cấu hình máy chủ trung tâm (hub.url)"


def test_appliance_check_exit_code_on_a_fault(agent: AgentProcess, sim: SimRoomThread) -> None:
    config = sim.hardware.directory / "appliance.toml"
    video = sim.hardware.videos[0]
    _in_sim(sim, lambda: video.set_fault(Fault.BLACK))
    try:
        black = _cli(config, "--only", "video")
    finally:
        _in_sim(sim, lambda: video.set_fault(Fault.NONE))
    assert black.returncode == 2, black.stdout + black.stderr
    assert "Hình camera cam1 đen hoàn toàn" in black.stdout
    assert "Tháo nắp ống kính" in black.stdout
    assert "Kết quả chung: LỖI" in black.stdout
    standalone = _cli(config, "--standalone", "--only", "system")
    assert standalone.returncode == 3  # the agent holds the devices
    assert "appliance-agent" in standalone.stderr
    assert "--standalone" in standalone.stderr


def test_reference_stored_through_the_running_agent(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    """``appliance check reference`` while the agent runs: through its control API."""
    config = sim.hardware.directory / "appliance.toml"
    references = sim.hardware.directory / "state" / "preset-references"
    try:
        stored = _cli(config, "reference", "cam1", "chu-toa")
        assert stored.returncode == 0, stored.stderr + stored.stdout
        assert "Đã lưu ảnh mẫu cho vị trí chu-toa của camera cam1" in stored.stdout
        assert (references / "cam1" / "preset-001.jpg").is_file()
        unknown = _cli(config, "reference", "cam1", "khong-co", "--lang", "en")
        assert unknown.returncode == 3
        assert "unknown preset name 'khong-co'" in unknown.stderr
        with _client(agent) as c:
            r = c.post("/cameras/cam2/presets/dai-bieu/reference")
            assert r.status_code == 201, r.text
            ref = r.json()
            assert (ref["camera"], ref["number"], ref["name"]) == ("cam2", 1, "dai-bieu")
            assert (ref["width"], ref["height"]) == (640, 360)
            assert Path(ref["image"]) == references / "cam2" / "preset-001.jpg"
            assert ref["pan_deg"] is not None
            assert c.post("/cameras/nope/presets/1/reference").status_code == 404
            assert c.post("/cameras/cam1/presets/300/reference").status_code == 422
        # The engine finds the references the API stored: the presets are verified now.
        run = _run_over_http(agent, ["camera"])
        results = {r["id"]: r for r in run["results"]}
        for preset in ("camera.cam1.preset.chu-toa", "camera.cam2.preset.dai-bieu"):
            assert results[preset]["status"] == "pass", results[preset]
            assert results[preset]["values"]["score"] >= results[preset]["values"]["threshold"]
        assert results["camera.cam1.preset.toan-canh"]["status"] == "skip"
    finally:
        shutil.rmtree(references, ignore_errors=True)  # the other tests expect none


def test_unreachable_hub_is_a_clear_result_and_never_blocks_the_agent(tmp_path: Path) -> None:
    """hub.url set, the room enrolled, the hub silent (accepts TCP, never answers the
    upgrade): the agent starts without it and answers while its link waits; hub.link
    (the real link, docs/LINK.md) says what failed. Not enrolled: hub.link says so and
    how to enrol."""
    from appliance.agent.link.enrol import RoomSecret, write_secret

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes handshakes; nobody ever answers
        silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        link_url = silent_url.replace("http:", "ws:") + "/api/v1/link"
        secret = RoomSecret("test-room", "a-room-secret", silent_url, link_url)
        write_secret(tmp_path / "state" / "hub-secret", secret)
        with running_agent(tmp_path, hub=f'[hub]\nurl = "{silent_url}"\n') as agent:
            with _client(agent) as c:
                assert c.get("/status").json()["hub_link"] == "connecting"  # still dialling
                assert httpx.get(agent.base_url + "/healthz", timeout=2).status_code == 200
                run = _run_hub_check(agent)
            results = {r["id"]: r for r in run["results"]}
            link = results["hub.link"]
            assert link["status"] == "fail"
            assert link["message"]["en"].startswith(f"No link to the central hub {silent_url}")
            assert "Results are kept and sent once the link is back" in link["message"]["en"]
            assert link["message"]["vi"].startswith("Mất kết nối máy chủ trung tâm")
            assert "hub.url" in link["remediation"]["vi"]
            assert results["hub.clock"]["status"] == "skip"
            assert results["hub.clock"]["message"]["en"] == (
                "Clock not compared: the central hub did not answer"
            )
            assert "a-room-secret" not in agent.log()
    refused_url = f"http://127.0.0.1:{free_port()}/"
    (tmp_path / "refused").mkdir()
    with running_agent(tmp_path / "refused", hub=f'[hub]\nurl = "{refused_url}"\n') as agent:
        with _client(agent) as c:
            assert c.get("/status").json()["hub_link"] == "not_enrolled"
        run = _run_hub_check(agent)
        assert "is not enrolled at the hub" in agent.log()
    link = next(r for r in run["results"] if r["id"] == "hub.link")
    assert link["status"] == "fail"
    assert link["message"]["en"] == f"The room is not enrolled at the central hub {refused_url}"
    assert "appliance agent enrol --hub" in link["remediation"]["vi"]
    assert run["overall"] == "fail"


def _run_hub_check(agent: AgentProcess) -> dict[str, Any]:
    with _client(agent) as c:
        run_id = c.post("/checks", json={"only": ["hub"]}).json()["run_id"]
        run: dict[str, Any] = c.get(f"/checks/{run_id}/result").json()
    return run


class _HubAnswering503(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def sick_hub() -> Iterator[str]:
    """A hub on loopback that answers every request with 503."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HubAnswering503)
    thread = threading.Thread(target=server.serve_forever, name="sick-hub")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_appliance_check_says_when_no_agent_runs(tmp_path: Path, sick_hub: str) -> None:
    port = free_port()
    config = tmp_path / "appliance.toml"
    config.write_text(
        f'[room]\nid = "r"\nname = "R"\n[api]\nlisten = "127.0.0.1:{port}"\n'
        f'[hub]\nurl = "{sick_hub}"\n[state]\ndir = "{tmp_path / "state"}"\n',
        encoding="utf-8",
    )
    vi = _cli(config)
    assert vi.returncode == 3
    assert "Không kết nối được dịch vụ appliance-agent" in vi.stderr
    assert "appliance check --standalone" in vi.stderr
    en = _cli(config, "--lang", "en")
    assert "Cannot reach the appliance-agent service" in en.stderr
    standalone = _cli(config, "--standalone", "--only", "system", "--lang", "en")
    assert standalone.returncode == 0, standalone.stderr
    assert "system.disk" in standalone.stdout
    warned = _cli(config, "--standalone", "--only", "hub")  # the hub answers 503: a warning
    assert warned.returncode == 1, warned.stderr
    assert "Kết quả chung: CẢNH BÁO" in warned.stdout
    assert "HTTP 503" in warned.stdout
    bad = _cli(config, "--standalone", "--only", "kamera")
    assert bad.returncode == 3
    assert "unknown check categories kamera" in bad.stderr


def test_reference_then_standalone_check_verifies_the_preset(tmp_path: Path) -> None:
    """While no agent runs: store a preset's reference picture, then check it in-process."""
    with SimRoomThread(tmp_path / "room", room_id="check-ref") as room:
        config = room.hardware.write_config(f"127.0.0.1:{free_port()}")
        stored = _cli(config, "reference", "cam1", "chu-toa")
        assert stored.returncode == 0, stored.stderr
        assert "Đã lưu ảnh mẫu cho vị trí chu-toa của camera cam1" in stored.stdout
        assert (room.hardware.directory / "state/preset-references/cam1/preset-001.jpg").is_file()
        unknown = _cli(config, "reference", "cam1", "khong-co", "--lang", "en")
        assert unknown.returncode == 3
        assert "unknown preset name 'khong-co'" in unknown.stderr
        out = _cli(config, "--standalone", "--only", "camera", "--json")
    assert out.returncode == 0, out.stderr
    results = {r["id"]: r for r in json.loads(out.stdout)["results"]}
    preset = results["camera.cam1.preset.chu-toa"]
    assert preset["status"] == "pass"
    assert preset["values"]["score"] >= preset["values"]["threshold"]
    assert Path(preset["evidence"]["snapshot"]).is_file()
    assert results["camera.cam1.preset.toan-canh"]["status"] == "skip"  # no reference for it
