"""``appliance agent --simulate`` as a PROCESS: the simulated room it starts and runs on.

It starts the VISCA chain (paced at the config's 9600 baud), the scene streams, the
PulseAudio room, a screen (Xvfb) and a TV behind a stand-in cec-client, writes a config
pointing at them and runs the real agent on it. Without Xvfb (or PulseAudio) the agent
still runs and names what is missing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from appliance.agent.simulate import SIM_BAUD, SIM_OUTPUT
from appliance.cli.main import app
from appliance.config import load_config
from drivers.display import PatternKind, check_pattern, list_outputs, screenshot, select_output
from tests.agent.conftest import READY_TIMEOUT_S, free_port, open_notify_socket

DEVICES_READY_S = 10.0
SCREEN_WAIT_S = 5.0
STOP_BUDGET_S = 5.0


@dataclass
class Simulated:
    proc: subprocess.Popen[bytes]
    directory: Path  # <rooms-dir>/<room-id>: config, state, cec stand-in
    base_url: str
    log_path: Path

    def client(self) -> httpx.Client:
        token = (self.directory / "state" / "api-token").read_text(encoding="ascii").strip()
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.base_url + "/api/v1", headers=headers, timeout=20)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def simulated_agent(tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[Simulated]:
    port = free_port()
    rooms = tmp_path / "rooms"
    log_path = tmp_path / "simulate.log"
    with open_notify_socket(tmp_path) as notify, log_path.open("wb") as log:
        run_env = dict(os.environ, NOTIFY_SOCKET=str(notify.path), **(env or {}))
        run_env.pop("APPLIANCE_CONFIG", None)
        argv = [sys.executable, "-m", "appliance", "agent", "--simulate", "--rooms-dir",
                str(rooms), "--room-id", "sim-a", "--listen", f"127.0.0.1:{port}"]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=run_env)
        sim = Simulated(proc, rooms / "sim-a", f"http://127.0.0.1:{port}", log_path)
        try:
            try:
                notify.wait_for("READY=1", READY_TIMEOUT_S)
            except TimeoutError:
                raise AssertionError(f"no READY=1 from --simulate:\n{sim.log()}") from None
            yield sim
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


def _devices(c: httpx.Client) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in c.get("/devices").json()}


def _wait_cameras(sim: Simulated, c: httpx.Client) -> None:
    deadline = time.monotonic() + DEVICES_READY_S
    while not all(_devices(c)[cam]["state"] == "ready" for cam in ("cam1", "cam2")):
        assert time.monotonic() < deadline, f"cameras not ready: {_devices(c)}\n{sim.log()}"
        time.sleep(0.05)


def _x_socket(xdisplay: str) -> Path:
    return Path(f"/tmp/.X11-unix/X{xdisplay.lstrip(':').split('.')[0]}")


def _check(c: httpx.Client, only: list[str]) -> dict[str, dict[str, Any]]:
    run_id = c.post("/checks", json={"only": only}).json()["run_id"]
    run = c.get(f"/checks/{run_id}/result").json()
    return {r["id"]: r for r in run["results"]}


def test_simulate_runs_the_agent_on_a_screen_a_tv_and_a_paced_chain(tmp_path: Path) -> None:
    with simulated_agent(tmp_path) as sim, sim.client() as c:
        config = load_config(sim.directory / "appliance.toml")
        assert {cam.baud for cam in config.cameras} == {SIM_BAUD}
        (display,) = config.displays
        assert _x_socket(display.x_display).exists(), display.x_display  # its Xvfb runs
        assert (display.output, display.cec) == (SIM_OUTPUT, True)
        _wait_cameras(sim, c)
        assert c.get("/status").json()["checks_available"] is True
        assert _devices(c)["main"]["last_error"] is None
        assert c.post("/displays/main/show", json={"what": "pattern"}).status_code == 200
        output = select_output(list_outputs(display.x_display), SIM_OUTPUT)
        deadline = time.monotonic() + SCREEN_WAIT_S
        while True:
            shot = screenshot(display.x_display, output.geometry)
            if check_pattern(shot, PatternKind.BARS).ok or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert check_pattern(shot, PatternKind.BARS).ok
        # The TV behind the stand-in cec-client (first on the agent's PATH): off, checked, on.
        assert c.put("/displays/main/power", json={"on": False}).json() == {"power": "standby"}
        results = _check(c, ["display"])
        assert results["display.main.output"]["status"] == "pass"
        assert results["display.main.power"]["status"] == "fail"
        assert c.put("/displays/main/power", json={"on": True}).json() == {"power": "on"}
        assert _check(c, ["display"])["display.main.power"]["status"] == "pass"
        assert "standby 0" in (sim.directory / "cec" / "cec-calls.jsonl").read_text("utf-8")
        sim.proc.send_signal(signal.SIGTERM)
        # A bounded wait; the stop time itself is bench/agent.py's figure (≤ 5 s budget).
        assert sim.proc.wait(STOP_BUDGET_S + 5) == 0, sim.log()
    assert not _x_socket(display.x_display).exists()  # Xvfb stopped with the agent
    assert "Traceback" not in sim.log()


def test_simulate_without_xvfb_or_pulseaudio_still_runs(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    with simulated_agent(tmp_path, env={"PATH": str(empty)}) as sim, sim.client() as c:
        log = sim.log()
        assert "Không có Xvfb (cài gói Debian 'xvfb'): màn hình sẽ báo không khả dụng" in log
        assert "Không có PulseAudio (cài gói Debian 'pulseaudio')" in log
        _wait_cameras(sim, c)  # the rest of the room works
        main = c.get("/displays/main").json()
        assert main["state"] == "disconnected"
        assert "is not usable: no X server answers" in main["last_error"]
        r = c.post("/displays/main/show", json={"what": "slate"})
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "device_unavailable"
        assert r.json()["device"] == "main"
        assert c.post("/cameras/cam1/presets/chu-toa/recall").status_code == 200
        assert _check(c, ["display"])["display.main.output"]["status"] == "fail"
        assert c.get("/status").json()["health"] in ("warning", "error")
        _printed_request_works(sim)
        _second_simulate_on_the_same_room_is_refused(sim, tmp_path / "rooms")


def _printed_request_works(sim: Simulated) -> None:
    """The start-up text names the /api/v1 base and the token file; its curl line works."""
    deadline = time.monotonic() + DEVICES_READY_S
    while "curl -H" not in sim.log():  # printed just after READY=1
        assert time.monotonic() < deadline, sim.log()
        time.sleep(0.05)
    line = next(ln for ln in sim.log().splitlines() if "curl -H" in ln)
    match = re.search(r'Bearer \$\(cat (\S+)\)" (http://\S+)$', line)
    assert match is not None, line
    token_file, url = Path(match[1]), match[2]
    assert token_file == sim.directory / "state" / "api-token"
    assert url == sim.base_url + "/api/v1/devices"
    assert f"OpenAPI: {sim.base_url}/api/v1/openapi.json" in sim.log()
    token = token_file.read_text(encoding="ascii").strip()
    answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=20)
    assert answer.status_code == 200, answer.text
    assert {d["id"] for d in answer.json()} >= {"cam1", "cam2"}


def _second_simulate_on_the_same_room_is_refused(sim: Simulated, rooms: Path) -> None:
    config = (sim.directory / "appliance.toml").read_bytes()
    argv = [sys.executable, "-m", "appliance", "agent", "--simulate", "--rooms-dir", str(rooms),
            "--room-id", "sim-a", "--lang", "en", "--no-display"]  # fmt: skip
    second = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode == 1, second.stderr
    assert f"is in use by another agent --simulate (PID {sim.proc.pid})" in second.stderr
    assert (sim.directory / "appliance.toml").read_bytes() == config  # not overwritten
    assert (sim.directory / "sim-control.sock").exists()  # the first one's fault socket


def test_room_id_outside_the_rooms_directory_is_refused_before_writing(tmp_path: Path) -> None:
    rooms = tmp_path / "deep" / "rooms"
    argv = ["agent", "--simulate", "--rooms-dir", str(rooms), "--room-id", "../../etc",
            "--listen", "0.0.0.0:9"]  # fmt: skip
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    # Vietnamese by default (the technician's language): "chỉ gồm chữ, số, …"
    assert "--room-id: room.id: chỉ gồm chữ, số" in result.stderr
    assert "../../etc" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.rglob("*")) == []  # nothing written anywhere, not even the rooms dir
    # The listen address was looked at first: every machine on the network could reach it.
    assert "CẢNH BÁO: API điều khiển nghe trên 0.0.0.0:9" in result.stderr


@pytest.fixture(autouse=True)
def _no_display_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent is told its X display by the config, never by the test's $DISPLAY."""
    monkeypatch.delenv("DISPLAY", raising=False)


def _processes_with(marker: str) -> list[int]:
    """PIDs of live processes whose environment carries ``marker`` (what we started)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes():
                status = (proc / "status").read_text()
                if "\nState:\tZ" not in status:  # a zombie is gone already
                    found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_sigterm_during_start_up_leaves_nothing_running(tmp_path: Path) -> None:
    marker = f"APPLIANCE_TEST_MARK={tmp_path.name}-{os.getpid()}"
    key, value = marker.split("=", 1)
    rooms = tmp_path / "rooms"
    argv = [sys.executable, "-m", "appliance", "agent", "--simulate", "--rooms-dir", str(rooms),
            "--room-id", "sim-a", "--listen", f"127.0.0.1:{free_port()}"]  # fmt: skip
    with (tmp_path / "simulate.log").open("wb") as log:
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, **{key: value})
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not (rooms / "sim-a" / "visca-chain").exists():  # the simulators are starting
            assert proc.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(STOP_BUDGET_S + 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    log_text = (tmp_path / "simulate.log").read_text(errors="replace")
    assert returncode == 0, log_text
    assert _processes_with(marker) == []  # no Xvfb, PulseAudio or agent left behind


def test_the_simulated_rooms_port_is_held_from_the_moment_it_is_chosen() -> None:
    """A port chosen free and bound later was taken in between by another program in the
    soak (31 agents beside the suite: "address already in use"); the socket the simulated
    room serves on is bound when its port is chosen, so no other socket can take it."""
    import errno
    import socket

    from appliance.agent.simulate import bound_loopback_socket

    held = bound_loopback_socket()
    try:
        port = held.getsockname()[1]
        other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn's own
        with other, pytest.raises(OSError) as taken:
            other.bind(("127.0.0.1", port))
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        held.close()
