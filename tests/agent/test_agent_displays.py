"""Displays over real HTTP: an agent PROCESS draws with VLC (in its display player child,
``appliance.agent.display``) into the simulated room's Xvfb.

The simulated room (``SimulatedHardware`` in a thread, as ``appliance agent --simulate``
starts it) has a 1280×720 screen with an ``HDMI-1`` output and a TV behind a stand-in
``cec-client`` put first on the agent's PATH. The agent is ``python -m appliance agent
--config F``; the test reads the screen back (Xvfb screenshots) and compares it with the
published pattern layout. The missing CEC adapter is the real ``cec-client`` (Debian
cec-utils) on a PC without one.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from appliance.agent.simulate import SIM_OUTPUT
from drivers.display import PatternKind, check_pattern, pattern_layout, render_pattern
from tests.agent.conftest import (
    AgentProcess,
    free_port,
    open_notify_socket,
    running_agent,
    start_agent,
)
from tests.agent.sim_room import SimRoomThread, wait_ready
from tests.agent.sim_room import api_client as _client

SCREEN_WAIT_S = 5.0  # play → picture on the screen took 0.3–0.5 s (PLATFORM.md Media 2a)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    with SimRoomThread(tmp_path_factory.mktemp("display-room") / "room", "display-test") as room:
        yield room


@pytest.fixture(scope="module")
def agent(sim: SimRoomThread) -> Iterator[AgentProcess]:
    port = free_port()
    config = sim.hardware.write_config(f"127.0.0.1:{port}")
    state = sim.hardware.directory / "state"
    with open_notify_socket(sim.hardware.directory) as notify:
        proc = start_agent(config, state, port, notify, extra_env=sim.hardware.agent_env())
        try:
            wait_ready(proc, ["cam1"])  # its stream is what the display plays as a URL
            yield proc
        finally:
            proc.terminate()


def _screen(sim: SimRoomThread) -> Image.Image:
    assert sim.hardware.screen is not None, "the room's Xvfb did not start"
    return sim.hardware.screen.screenshot(SIM_OUTPUT)


def _wait_screen(sim: SimRoomThread, kind: str) -> Image.Image:
    """The output's screenshot once it shows ``kind`` (or the last one at the deadline)."""
    deadline = time.monotonic() + SCREEN_WAIT_S
    while True:
        shot = _screen(sim)
        if check_pattern(shot, kind).ok or time.monotonic() > deadline:
            return shot
        time.sleep(0.05)


def _varied(image: Image.Image) -> bool:
    return float(np.asarray(image).std()) > 10


def _name_box(image: Image.Image, kind: str) -> np.ndarray:
    # pattern_layout wants the enum: a plain "bars" would silently give the slate's layout.
    box = pattern_layout(PatternKind(kind), image.width, image.height).text_boxes["name"]
    return np.asarray(image.convert("RGB"))[box.y0 : box.y1, box.x0 : box.x1]


def test_display_show_state_and_stop_over_http(agent: AgentProcess, sim: SimRoomThread) -> None:
    """VLC in the agent's player child draws into the simulated room's Xvfb; the test
    reads the screen back and compares it with the published pattern layout."""
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
        deadline = time.monotonic() + SCREEN_WAIT_S
        while True:  # between two media VLC may show black for a moment
            scene = _screen(sim)
            is_scene = not check_pattern(scene, "slate").ok and _varied(scene)
            if is_scene or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert is_scene  # the camera's scene (not the slate, not a flat screen)
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
