"""Acceptance: an agent PROCESS, started from a config file, on simulated hardware.

The simulators (2-camera VISCA daisy chain on a pty, MJPEG scene streams rendered from
the simulated cameras' pan/tilt/zoom) run in this test process; the agent is
``python -m appliance agent --config F`` and is driven over real HTTP / WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from PIL import Image
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from appliance.agent.simulate import SIM_OUTPUT
from drivers.audio.simulator import RoomAudioSimulator
from drivers.display import PatternKind, check_pattern, pattern_layout, render_pattern
from drivers.video.simulator import Fault
from tests.agent.conftest import (
    AgentProcess,
    free_port,
    open_notify_socket,
    running_agent,
    start_agent,
    write_config,
)
from tests.agent.sim_room import SimRoomThread

READY_WAIT_S = 10.0
SCREEN_WAIT_S = 5.0  # play → picture on the screen took 0.3–0.5 s (PLATFORM.md Media 2a)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    with SimRoomThread(tmp_path_factory.mktemp("sim-room") / "room") as room:
        yield room


@pytest.fixture(scope="module")
def agent(sim: SimRoomThread, pulse_room: RoomAudioSimulator) -> Iterator[AgentProcess]:
    port = free_port()
    config = sim.hardware.write_config(f"127.0.0.1:{port}")
    state = sim.hardware.directory / "state"
    with open_notify_socket(sim.hardware.directory) as notify:
        env = {**pulse_room.env(), **sim.hardware.agent_env()}
        proc = start_agent(config, state, port, notify, extra_env=env)
        try:
            _wait_ready(proc, ["cam1", "cam2", "mic1", "spk1"])
            yield proc
        finally:
            proc.terminate()


def _client(agent: AgentProcess) -> httpx.Client:
    return httpx.Client(base_url=agent.base_url + "/api/v1", headers=agent.headers(), timeout=20)


def _devices(agent: AgentProcess) -> dict[str, dict[str, Any]]:
    with _client(agent) as c:
        return {d["id"]: d for d in c.get("/devices").json()}


def _wait_ready(agent: AgentProcess, ids: list[str], timeout_s: float = READY_WAIT_S) -> float:
    start = time.monotonic()
    while True:
        devices = _devices(agent)
        if all(devices[i]["state"] == "ready" for i in ids):
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"not ready after {timeout_s} s: {devices}\n{agent.log()}")
        time.sleep(0.05)


def test_daisy_chain_is_one_link_two_cameras(agent: AgentProcess) -> None:
    devices = _devices(agent)
    links = [d for d in devices.values() if d["kind"] == "camera_port"]
    assert len(links) == 1
    assert links[0]["details"]["cameras_on_chain"] == 2  # AddressSet counted the chain
    assert devices["cam1"]["details"]["address"] == 1
    assert devices["cam2"]["details"]["address"] == 2
    with _client(agent) as c:
        status = c.get("/status").json()
        cams = c.get("/cameras").json()
    assert status["room_id"] == "sim-test"
    assert status["checks_available"] is True  # `appliance agent` installs the check engine
    assert [cam["id"] for cam in cams] == ["cam1", "cam2"]
    assert {"number": 1, "name": "chu-toa"} in cams[0]["presets"]


def test_snapshot_jpeg_is_the_cameras_picture(agent: AgentProcess) -> None:
    with _client(agent) as c:
        r = c.get("/cameras/cam1/snapshot.jpg")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert image.shape == (360, 640, 3)
    assert float(image.std()) > 10  # a rendered scene, not a flat or black frame


def test_snapshot_after_the_stream_went_away_and_came_back(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    video = sim.hardware.videos[1]
    with _client(agent) as c:
        assert c.get("/cameras/cam2/snapshot.jpg").status_code == 200  # the source is open
        asyncio.run_coroutine_threadsafe(video.set_fault(Fault.NO_SIGNAL), sim._loop).result(10)
        try:
            deadline = time.monotonic() + 5  # until the agent's reader sees the stream end
            while (gone := c.get("/cameras/cam2/snapshot.jpg")).status_code == 200:
                assert time.monotonic() < deadline, "snapshots kept coming from a dead stream"
                time.sleep(0.05)
        finally:
            asyncio.run_coroutine_threadsafe(video.set_fault(Fault.NONE), sim._loop).result(10)
        assert gone.status_code == 503, gone.text
        assert gone.json()["device"] == "video:cam2"
        back = c.get("/cameras/cam2/snapshot.jpg")  # reopened, not the ended source
        assert back.status_code == 200, back.text
        assert back.content[:2] == b"\xff\xd8"
        video_state = _devices(agent)["video:cam2"]
    assert video_state["state"] == "ready"
    assert video_state["details"]["reopened"] >= 1


def test_camera_power_position_zoom_focus(agent: AgentProcess, sim: SimRoomThread) -> None:
    with _client(agent) as c:
        assert c.put("/cameras/cam2/power", json={"on": True}).json() == {"on": True}
        assert c.get("/cameras/cam2/power").json() == {"on": True}
        r = c.put("/cameras/cam2/position", json={"pan_deg": 20.0, "tilt_deg": 5.0})
        assert r.status_code == 200, r.text
        assert abs(r.json()["pan_deg"] - 20.0) < 1.0
        state = sim.call(lambda: sim.hardware.visca.state(2) if sim.hardware.visca else None)
        assert state is not None
        assert abs(state.pan_deg - 20.0) < 1.0  # the simulated head really moved
        assert abs(sim.call(lambda: sim.hardware.visca.state(1).pan_deg)) < 1.0  # cam1 did not
        r = c.post("/cameras/cam2/zoom", json={"position": 0x2000})
        assert r.status_code == 200, r.text
        assert abs(r.json()["position"] - 0x2000) < 0x100
        assert c.post("/cameras/cam2/focus", json={"mode": "auto"}).status_code == 200
        assert c.post("/cameras/cam2/drive", json={"pan": "left"}).status_code == 204
        assert c.post("/cameras/cam2/stop").status_code == 204
        assert c.get("/cameras/cam2/position").status_code == 200


def test_presets_store_and_recall_by_name_and_number(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    with _client(agent) as c:
        assert c.put("/cameras/cam1/position", json={"pan_deg": -30, "tilt_deg": 0}).is_success
        r = c.post("/cameras/cam1/presets", json={"number": 3, "name": "phat-bieu"})
        assert r.status_code == 201, r.text
        assert {"number": 3, "name": "phat-bieu"} in c.get("/cameras/cam1/presets").json()
        assert c.put("/cameras/cam1/position", json={"pan_deg": 10, "tilt_deg": 0}).is_success
        r = c.post("/cameras/cam1/presets/phat-bieu/recall")
        assert r.status_code == 200, r.text
        assert r.json()["number"] == 3
        assert abs(sim.call(lambda: sim.hardware.visca.state(1).pan_deg) + 30) < 1.0
        r = c.post("/cameras/cam1/presets/3/recall")
        assert r.json()["name"] == "phat-bieu"
    names = (sim.hardware.directory / "state" / "presets.json").read_text(encoding="utf-8")
    assert "phat-bieu" in names  # survives a restart


def test_errors_map_to_status_codes(agent: AgentProcess) -> None:
    with _client(agent) as c:
        r = c.get("/cameras/nope/position")
        assert r.status_code == 404
        assert r.json() == {
            "error": "not_found",
            "message": "Không có thiết bị nope (camera_position_get)",
            "device": "nope",
            "operation": "camera_position_get",
        }
        r = c.post("/cameras/cam1/presets/khong-co/recall", headers={"Accept-Language": "en"})
        assert r.status_code == 422
        assert r.json()["device"] == "cam1"
        assert "unknown preset name 'khong-co'" in r.json()["message"]
        r = c.post("/cameras/cam1/drive", json={"pan": "sideways"})
        assert r.status_code == 422
        assert r.json()["error"] == "invalid_input"
        assert r.json()["device"] == "cam1"
        r = c.post("/checks", json={"only": ["kamera"]})
        assert r.status_code == 422, r.text
        assert "kamera" in r.json()["message"]
        r = c.get("/checks/khong-co-run")
        assert r.status_code == 404
        assert r.json()["error"] == "not_found"


def test_unplugged_chain_gives_503_then_comes_back(agent: AgentProcess, sim: SimRoomThread) -> None:
    assert sim.hardware.visca is not None
    visca = sim.hardware.visca
    sim.call(visca.unplug)
    try:
        with _client(agent) as c:
            deadline = time.monotonic() + 5
            while True:
                r = c.get("/cameras/cam1/power")
                if r.status_code == 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        assert r.status_code == 503, r.text
        assert r.json()["device"] == "cam1"
        assert r.json()["error"] == "device_unavailable"
    finally:
        sim.call(visca.replug)
    back_s = _wait_ready(agent, ["cam1", "cam2"], timeout_s=5)
    assert back_s < 2.0, f"back in use after {back_s:.2f} s (DESIGN §8: 2 s)"


def test_metrics(agent: AgentProcess) -> None:
    with _client(agent) as c:
        c.post("/cameras/cam1/presets/1/recall")
        text = httpx.get(agent.base_url + "/metrics", headers=agent.headers(), timeout=5).text
    assert 'appliance_device_up{device="cam1",kind="camera"} 1.0' in text
    assert 'appliance_device_up{device="mic1",kind="microphone"} 1.0' in text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("appliance_command_duration_seconds_count")
        and 'device="cam1"' in ln
        and 'operation="preset_recall"' in ln
    )
    assert float(line.split()[-1]) >= 1


def test_audio_devices_and_level(agent: AgentProcess) -> None:
    with _client(agent) as c:
        devices = {d["id"]: d for d in c.get("/audio/devices").json()}
        assert devices["mic1"]["kind"] == "microphone"
        assert devices["mic1"]["state"] == "ready"
        assert devices["mic1"]["device_name"] is not None
        assert "Room Mic" in devices["mic1"]["device_name"]
        assert devices["spk1"]["kind"] == "speaker"
        r = c.get("/audio/mic1/level", params={"seconds": 0.3})
        assert r.status_code == 200, r.text
        level = r.json()
        # The simulated room has a noise floor: a real, finite, below-full-scale level.
        assert -120 < level["rms_dbfs"] < 0
        assert level["peak_dbfs"] >= level["rms_dbfs"]
        assert c.get("/audio/spk1/level").status_code == 409  # measured on microphones
        assert c.get("/audio/nope/level").status_code == 404
        assert c.get("/audio/mic1/level", params={"seconds": 0}).status_code == 422


async def test_live_level_stream_over_websocket(agent: AgentProcess) -> None:
    url = agent.base_url.replace("http", "ws") + "/api/v1/audio/mic1/levels?interval_s=0.1"
    async with (
        connect(url, additional_headers=agent.headers(), open_timeout=5) as ws,
        asyncio.timeout(15),  # three readings at 0.1 s intervals
    ):
        readings = [json.loads(await ws.recv()) for _ in range(3)]
    for reading in readings:
        assert reading["device"] == "mic1"
        assert -120 < reading["rms_dbfs"] < 0
    unknown = agent.base_url.replace("http", "ws") + "/api/v1/audio/nope/levels"
    with pytest.raises(InvalidStatus) as info:
        async with connect(unknown, additional_headers=agent.headers(), open_timeout=5):
            pass
    assert info.value.response.status_code == 403


def _portaudio_mapped(pid: int) -> bool:
    return "libportaudio" in Path(f"/proc/{pid}/maps").read_text()


def test_portaudio_stays_out_of_the_agent_until_audio_is_used(
    tmp_path: Path, pulse_room: RoomAudioSimulator
) -> None:
    # DESIGN §7 idle RSS: the start-up device look-up runs in a child process, so the
    # idle agent has neither numpy nor PortAudio mapped, yet reports the microphone.
    port = free_port()
    state = tmp_path / "state"
    config = write_config(
        tmp_path / "audio.toml",
        port=port,
        state_dir=state,
        audio='[[microphones]]\nid = "mic1"\nname = "Room Mic"\n\n'
        '[[speakers]]\nid = "spk1"\nname = "Nobody Has This Speaker"\n',
    )
    with open_notify_socket(tmp_path) as notify:
        proc = start_agent(config, state, port, notify, extra_env=pulse_room.env())
        try:
            _wait_ready(proc, ["mic1"])
            devices = _devices(proc)
            assert "Room Mic" in devices["mic1"]["details"]["device"]
            assert devices["spk1"]["state"] == "disconnected"
            assert "no speaker (output) device matches" in devices["spk1"]["last_error"]
            assert not _portaudio_mapped(proc.proc.pid)
            with _client(proc) as c:
                r = c.get("/audio/mic1/level", params={"seconds": 0.2})
            assert r.status_code == 200, r.text
            assert -120 < r.json()["rms_dbfs"] < 0
            # the reading loaded PortAudio here and unloaded it when its stream closed
            assert not _portaudio_mapped(proc.proc.pid)
        finally:
            proc.terminate()


def _screen(sim: SimRoomThread) -> Image.Image:
    assert sim.hardware.screen is not None, "the room's Xvfb did not start"
    return sim.hardware.screen.screenshot(SIM_OUTPUT)


def _wait_screen(sim: SimRoomThread, kind: str, *, ok: bool = True) -> Image.Image:
    """The output's screenshot once it shows ``kind`` (or, ``ok=False``, no longer does)."""
    deadline = time.monotonic() + SCREEN_WAIT_S
    while True:
        shot = _screen(sim)
        if check_pattern(shot, kind).ok is ok or time.monotonic() > deadline:
            return shot
        time.sleep(0.05)


def _name_box(image: Image.Image, kind: str) -> np.ndarray:
    # pattern_layout wants the enum: a plain "bars" would silently give the slate's layout.
    box = pattern_layout(PatternKind(kind), image.width, image.height).text_boxes["name"]
    return np.asarray(image.convert("RGB"))[box.y0 : box.y1, box.x0 : box.x1]


def test_display_show_state_and_stop_over_http(agent: AgentProcess, sim: SimRoomThread) -> None:
    """VLC in the agent process draws into the simulated room's Xvfb; the test reads the
    screen back and compares it with the published pattern layout."""
    room_name = sim.hardware.room_name
    with _client(agent) as c:
        listed = c.get("/displays").json()
        assert [d["id"] for d in listed] == ["main"]
        assert listed[0]["x_display"] == sim.hardware.xdisplay
        assert listed[0]["output"] == SIM_OUTPUT
        assert listed[0]["last_error"] is None  # the X server answered the start-up probe
        r = c.post("/displays/main/show", json={"what": "pattern"})
        assert r.status_code == 200, r.text
        shown = r.json()
        assert (shown["state"], shown["showing"]) == ("ready", "pattern")
        assert shown["player"]["state"] == "playing"
        assert shown["player"]["content"] == "pattern"
        assert shown["player"]["output"].startswith(f"{SIM_OUTPUT} 1280x720+0+0")
        bars = _wait_screen(sim, "bars")
        check = check_pattern(bars, "bars")
        assert check.ok, (check.mismatches, check.ink)
        # The room's name is drawn on the bars (pixel for pixel: a PNG through VLC).
        now = datetime.now()  # noqa: DTZ005 - the pattern shows local time; the name box has none
        named = render_pattern("bars", bars.width, bars.height, room_name, now)
        nameless = render_pattern("bars", bars.width, bars.height, "", now)
        assert np.array_equal(_name_box(bars, "bars"), _name_box(named, "bars"))
        assert not np.array_equal(_name_box(bars, "bars"), _name_box(nameless, "bars"))

        r = c.post("/displays/main/show", json={"what": "slate"})
        assert r.status_code == 200, r.text
        slate = _wait_screen(sim, "slate")
        assert check_pattern(slate, "slate").ok
        named = render_pattern("slate", slate.width, slate.height, room_name, now)
        assert np.array_equal(_name_box(slate, "slate"), _name_box(named, "slate"))

        cam1 = sim.hardware.videos[0].url
        r = c.post("/displays/main/show", json={"what": "url", "url": cam1})
        assert r.status_code == 200, r.text
        assert r.json()["showing"] == f"url:{cam1}"
        assert r.json()["player"]["content"] == "url"
        assert r.json()["player"]["source"] == cam1
        scene = _wait_screen(sim, "slate", ok=False)
        assert float(np.asarray(scene).std()) > 10  # the camera's scene, not a flat screen
        deadline = time.monotonic() + SCREEN_WAIT_S
        while True:  # GET asks the player (a live stream tells its size after some frames)
            player = c.get("/displays/main").json()["player"]
            if player["video_width"] is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert player["state"] == "playing"
        assert (player["video_width"], player["video_height"]) == (640, 360)  # cam1's stream

        refused = c.post("/displays/main/show", json={"what": "url", "url": "http://127.0.0.1:9/x"})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "command_rejected"
        assert refused.json()["device"] == "main"
        r = c.post("/displays/main/show", json={"what": "url"})
        assert r.status_code == 422  # a URL is required for what=url
        r = c.post("/displays/main/show", json={"what": "pattern", "pattern": "zebra"})
        assert r.status_code == 409, r.text
        assert r.json()["error"] == "not_supported"
        assert c.post("/displays/nope/show", json={"what": "slate"}).status_code == 404

        assert c.post("/displays/main/stop").status_code == 204
        stopped = c.get("/displays/main").json()
        assert stopped["showing"] is None
        assert stopped["player"]["state"] == "idle"
        assert not check_pattern(_screen(sim), "bars").ok
        # Shown again after a stop: the player reopens.
        assert c.post("/displays/main/show", json={"what": "pattern"}).status_code == 200
        assert _wait_screen(sim, "bars") is not None
        assert check_pattern(_screen(sim), "bars").ok
        assert c.post("/displays/main/stop").status_code == 204


def test_display_power_over_cec(agent: AgentProcess, sim: SimRoomThread) -> None:
    """HDMI-CEC through the stand-in cec-client (libCEC's output) on the agent's PATH."""
    tv = sim.hardware.tv
    assert tv is not None
    with _client(agent) as c:
        r = c.put("/displays/main/power", json={"on": False})
        assert r.status_code == 200, r.text
        assert r.json() == {"power": "standby"}
        assert tv.power == "standby"  # the simulated TV really went to standby
        assert c.get("/displays/main/power").json() == {"power": "standby"}
        assert c.put("/displays/main/power", json={"on": True}).json() == {"power": "on"}
        assert tv.power == "on"
        assert c.get("/displays/main").json()["power"] == "on"
        assert c.put("/displays/nope/power", json={"on": True}).status_code == 404
    sent = [call["stdin"] for call in tv.calls()]
    assert "standby 0" in sent
    assert "on 0" in sent
    assert "pow 0" in sent


def test_display_power_without_cec_adapter(tmp_path: Path, sim: SimRoomThread) -> None:
    """The real cec-client (Debian cec-utils) on a PC without a CEC adapter."""
    assert shutil.which("cec-client"), "cec-client missing: install the Debian package cec-utils"
    displays = (
        f'[[displays]]\nid = "tv"\nx_display = "{sim.hardware.xdisplay}"\ncec = true\n'
        '[[displays]]\nid = "wall"\nx_display = ":1"\n'
    )
    with running_agent(tmp_path, displays=displays) as agent, _client(agent) as c:
        assert c.get("/displays/tv/power").json() == {"power": "not_available"}
        r = c.put("/displays/tv/power", json={"on": True})
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "device_unavailable"
        assert r.json()["device"] == "tv"
        assert "CEC" in r.json()["message"]
        off = c.put("/displays/wall/power", json={"on": True})
        assert off.status_code == 409  # cec = false for this display
        assert off.json()["error"] == "not_supported"


def test_sigterm_releases_everything_within_5s(tmp_path: Path) -> None:
    """SIGTERM while a readiness check moves the cameras: the run is cancelled, every
    device released, the process gone within the 5 s budget."""
    port = free_port()
    with SimRoomThread(tmp_path / "room") as sim, open_notify_socket(tmp_path) as notify:
        config = sim.hardware.write_config(f"127.0.0.1:{port}")
        proc = start_agent(config, sim.hardware.directory / "state", port, notify)
        try:
            _wait_ready(proc, ["cam1", "cam2"])
            notify.wait_for("WATCHDOG=1", 5)
            with _client(proc) as c:
                run_id = c.post("/checks", json={"only": ["camera"]}).json()["run_id"]
                deadline = time.monotonic() + 10
                while not c.get(f"/checks/{run_id}").json()["progress"]["current"]:
                    assert time.monotonic() < deadline, "the check never started an item"
                    time.sleep(0.02)
            stop_s = proc.terminate()
            notify.wait_for("STOPPING=1", 1)
        finally:
            proc.terminate()
    assert proc.proc.returncode == 0, proc.log()
    assert stop_s < 5.0, proc.log()
    log = proc.log()
    assert f"check run {run_id} queued" in log
    assert f"check run {run_id} done" not in log  # cancelled, not finished
    assert "all devices released" in log
    assert "timed out" not in log
    assert "Traceback" not in log
