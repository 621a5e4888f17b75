"""Acceptance: an agent PROCESS, started from a config file, on simulated hardware.

The simulators (2-camera VISCA daisy chain on a pty, MJPEG scene streams rendered from
the simulated cameras' pan/tilt/zoom) run in this test process; the agent is
``python -m appliance agent --config F`` and is driven over real HTTP / WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from drivers.audio.simulator import RoomAudioSimulator
from drivers.video.simulator import Fault
from tests.agent.conftest import (
    AgentProcess,
    free_port,
    open_notify_socket,
    start_agent,
    write_config,
)
from tests.agent.sim_room import SimRoomThread, running_sim_agent
from tests.agent.sim_room import api_client as _client
from tests.agent.sim_room import device_map as _devices
from tests.agent.sim_room import wait_ready as _wait_ready


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    with SimRoomThread(tmp_path_factory.mktemp("sim-room") / "room") as room:
        yield room


@pytest.fixture(scope="module")
def agent(sim: SimRoomThread, pulse_room: RoomAudioSimulator) -> Iterator[AgentProcess]:
    with running_sim_agent(sim, pulse_room.env(), ["cam1", "cam2", "mic1", "spk1"]) as proc:
        yield proc


def test_unused_video_sources_are_idle_in_status_and_metrics(agent: AgentProcess) -> None:
    """First in this module: no snapshot has opened a video source yet."""
    devices = _devices(agent)
    assert devices["video:cam1"]["state"] == "idle", devices["video:cam1"]
    assert devices["video:cam1"]["last_error"] is None
    with _client(agent) as c:
        status = c.get("/status").json()
        metrics = httpx.get(agent.base_url + "/metrics", headers=agent.headers(), timeout=10).text
    assert status["devices"].get("disconnected", 0) == 0, status
    assert status["devices"]["idle"] >= 2  # both cameras' video
    assert 'appliance_device_up{device="video:cam1",kind="video"} 1.0' in metrics
    assert 'appliance_device_state{device="video:cam1",kind="video",state="idle"} 1.0' in metrics


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


def test_preset_names_are_checked_and_restoring_drops_the_old_reference(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    with _client(agent) as c:
        assert c.post("/cameras/cam1/presets", json={"number": 5, "name": "ban-chu-toa"}).is_success
        before = c.get("/cameras/cam1/presets").json()
        taken = c.post("/cameras/cam1/presets", json={"number": 6, "name": "ban-chu-toa"})
        assert taken.status_code == 409, taken.text
        assert taken.json()["error"] == "conflict"
        assert "'ban-chu-toa' already names preset 5" in taken.json()["message"]
        for bad in ("   ", "a/b", "bell\x07", "two\nlines", "zero\u200bwidth"):
            r = c.post("/cameras/cam1/presets", json={"number": 6, "name": bad})
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["error"] == "invalid_input"
        assert c.get("/cameras/cam1/presets").json() == before  # nothing was taken over
        out_of_range = c.post("/cameras/cam1/presets", json={"number": 300})
        assert out_of_range.status_code == 422
        assert "number: phải nhỏ hơn hoặc bằng 255" in out_of_range.json()["message"]
        assert "Input should" not in out_of_range.json()["message"]  # no English tail

        stored = c.post("/cameras/cam1/presets/ban-chu-toa/reference")
        assert stored.status_code == 201, stored.text
        image = Path(stored.json()["image"])
        assert image.is_file()
        again = c.post(
            "/cameras/cam1/presets",
            json={"number": 5, "name": "ban-chu-toa"},
            headers={"Accept-Language": "en"},
        )
        assert again.status_code == 201, again.text
        assert again.json()["reference_removed"] is True
        assert "appliance check reference cam1 ban-chu-toa" in again.json()["hint"]
        assert not image.exists()  # the next check asks for a new one instead of failing
        third = c.post("/cameras/cam1/presets", json={"number": 5, "name": "ban-chu-toa"})
        assert (third.json()["reference_removed"], third.json()["hint"]) == (False, None)


def test_storing_a_preset_with_its_reference_picture(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    """The dashboard's "store preset" keeps the new view as the preset's reference at once
    (issue 12); a picture that cannot be had leaves the preset stored and says so."""
    with _client(agent) as c:
        c.put("/cameras/cam1/position", json={"pan_deg": 12.0, "tilt_deg": -3.0})
        stored = c.post(
            "/cameras/cam1/presets", json={"number": 8, "name": "dai-bieu-8", "reference": True}
        )
        assert stored.status_code == 201, stored.text
        body = stored.json()
        assert body["reference_error"] is None, body
        ref = body["reference"]
        assert (ref["camera"], ref["number"], ref["name"]) == ("cam1", 8, "dai-bieu-8")
        assert Path(ref["image"]).is_file()
        assert abs(ref["pan_deg"] - 12.0) < 1.0, ref  # taken where the preset points
        # A camera whose picture is gone: the camera stores the preset all the same.
        video = sim.hardware.videos[1]
        asyncio.run_coroutine_threadsafe(video.set_fault(Fault.NO_SIGNAL), sim._loop).result(10)
        try:
            blind = c.post(
                "/cameras/cam2/presets",
                json={"number": 9, "name": "toan-canh-9", "reference": True},
            )
        finally:
            asyncio.run_coroutine_threadsafe(video.set_fault(Fault.NONE), sim._loop).result(10)
        assert blind.status_code == 201, blind.text
        assert blind.json()["reference"] is None
        assert "appliance check reference cam2 toan-canh-9" in blind.json()["reference_error"]
        assert (9, "toan-canh-9") in {
            (p["number"], p["name"]) for p in c.get("/cameras/cam2/presets").json()
        }


def _wait_power(sim: SimRoomThread, address: int, on: bool) -> None:
    deadline = time.monotonic() + 10
    while sim.call(lambda: sim.hardware.visca.state(address).power) != on:
        assert time.monotonic() < deadline, f"camera {address} power never {on}"
        time.sleep(0.02)


def test_a_command_to_a_camera_in_standby_says_so(agent: AgentProcess, sim: SimRoomThread) -> None:
    with _client(agent) as c:
        assert c.put("/cameras/cam2/power", json={"on": False}).status_code == 200
        _wait_power(sim, 2, on=False)
        try:
            r = c.post("/cameras/cam2/drive", json={"pan": "left"})
            assert r.status_code == 409, r.text
            assert r.json()["error"] == "camera_standby"
            assert "Camera cam2 đang ở chế độ chờ (tắt)" in r.json()["message"]
            assert '/api/v1/cameras/cam2/power {"on": true}' in r.json()["message"]
        finally:
            assert c.put("/cameras/cam2/power", json={"on": True}).status_code == 200
            _wait_power(sim, 2, on=True)


def test_a_move_cut_short_by_a_stop_is_not_a_success(
    agent: AgentProcess, sim: SimRoomThread
) -> None:
    answers: list[httpx.Response] = []

    def put() -> None:
        with _client(agent) as c:  # a slow pan across most of the range
            answers.append(
                c.put("/cameras/cam2/position", json={"pan_deg": 150, "tilt_deg": 0, "speed": 1})
            )

    with _client(agent) as c:
        assert c.put("/cameras/cam2/position", json={"pan_deg": -10, "tilt_deg": 0}).is_success
        mover = threading.Thread(target=put)
        mover.start()
        try:
            deadline = time.monotonic() + 10
            while not sim.call(lambda: sim.hardware.visca.state(2).moving):
                assert time.monotonic() < deadline, "the camera never started moving"
                time.sleep(0.01)
            assert c.post("/cameras/cam2/stop").status_code == 204
        finally:
            mover.join(60)
    (answer,) = answers
    assert answer.status_code == 409, answer.text
    # The driver knows the stop overtook the move (issue 7 item 2: "superseded"); a move that
    # ended elsewhere without the driver seeing why is "interrupted". Never a 200.
    assert answer.json()["error"] in ("superseded", "interrupted"), answer.text
    assert sim.call(lambda: sim.hardware.visca.state(2).pan_deg) < 140


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
    # Back in use (how fast, against DESIGN §8's 2 s: bench/hotplug_bench.py).
    _wait_ready(agent, ["cam1", "cam2"], timeout_s=10)


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
        too_short = c.get("/audio/mic1/level", params={"seconds": 0.001})  # was a 500
        assert too_short.status_code == 422, too_short.text
        assert "query.seconds" in too_short.json()["message"]


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
    # An unknown device and a bad parameter each close with their own code and the
    # reason; a refused token is the handshake's 403 (test_api_auth), never these.
    base = agent.base_url.replace("http", "ws") + "/api/v1/audio"
    for path, code, reason in (
        ("/nope/levels", 4404, "nope"),
        ("/mic1/levels?interval_s=abc", 4422, "query.interval_s"),
        ("/mic1/levels?interval_s=0", 4422, "query.interval_s"),
    ):
        async with connect(base + path, additional_headers=agent.headers(), open_timeout=5) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == code, path
        assert reason in closed.value.rcvd.reason, path


def _portaudio_mapped(pid: int) -> bool:
    return "libportaudio" in Path(f"/proc/{pid}/maps").read_text()


def _numpy_mapped(pid: int) -> bool:
    return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()


def test_portaudio_never_enters_the_agent_audio_runs_in_a_child(
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
            # Measured in a child process: neither PortAudio (with libpulse, which can never
            # be unloaded) nor numpy came into the agent (issue 7 item 11, bench/agent.py).
            assert not _portaudio_mapped(proc.proc.pid)
            assert not _numpy_mapped(proc.proc.pid)
        finally:
            proc.terminate()


def test_sigterm_cancels_the_run_tells_the_waiting_client_and_releases_everything(
    tmp_path: Path,
) -> None:
    """SIGTERM while a readiness check moves the cameras and a client waits for its
    result: the run is cancelled, the waiting client gets a 503 saying so, every device
    is released and the process exits 0 (its stop time: bench/agent.py)."""
    port = free_port()
    waiting: list[httpx.Response] = []
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

            def wait_result() -> None:
                with _client(proc) as w:
                    waiting.append(
                        w.get(f"/checks/{run_id}/result", headers={"Accept-Language": "en"})
                    )

            waiter = threading.Thread(target=wait_result, name="result-waiter")
            waiter.start()
            # The agent says when the request waits on the run (a real signal, not a sleep).
            waits = f"check run {run_id}: a client waits for its result"
            deadline = time.monotonic() + 10
            while waits not in proc.log():
                assert time.monotonic() < deadline, (
                    f"the result request never arrived:\n{proc.log()}"
                )
                time.sleep(0.02)
            proc.terminate()  # bounded: raises if the agent has not exited within 10 s
            waiter.join(10)
            notify.wait_for("STOPPING=1", 1)
        finally:
            proc.terminate()
    assert proc.proc.returncode == 0, proc.log()
    # The stop time against the 5 s budget is a figure of bench/agent.py ("stop after
    # SIGTERM"), not a pass/fail under test-machine load.
    assert len(waiting) == 1
    assert waiting[0].status_code == 503, waiting[0].text
    assert waiting[0].json()["error"] == "device_unavailable"
    assert (
        f"check run {run_id} was cancelled: the agent is stopping" in waiting[0].json()["message"]
    )
    log = proc.log()
    assert f"check run {run_id} queued" in log
    assert f"check run {run_id} done" not in log  # cancelled, not finished
    assert f"check run {run_id} cancelled (the agent is stopping)" in log
    assert "all devices released" in log
    assert "timed out" not in log
    assert "Traceback" not in log
    assert "ERROR" not in log
