"""OpenCV, numpy and libVLC never enter the agent process, not even for a full readiness
check (issue 7 item 11; DESIGN.md §7: RSS ≤ 80 MB at all times — OpenCV with its FFmpeg
libraries is ~40 MB, VLC with numpy and Pillow more, and one check used to take the agent
from 69 to ~180 MB for good).

A real agent process (``appliance agent --config F``) on the simulated room (VISCA chain
on a pty, MJPEG scene streams, Xvfb + VLC screen, stand-in cec-client, PulseAudio room):
a preset reference is stored and a full check (every category) is run through the HTTP
API, with a planted fault; then the agent's memory map (/proc/PID/maps) must show none of
those libraries, while the children that did the work — the camera's video child, the
display's player — do (the same look-ups, so the test can see them where they are). The
figures are in ``bench/agent.py`` ("RSS after a full check").
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.audio.simulator import RoomAudioSimulator
from drivers.video.simulator import Fault
from tests.agent.conftest import AgentProcess
from tests.agent.sim_room import SimRoomThread, api_client, running_sim_agent
from tests.support.polling import until

RUN_TIMEOUT_S = 120.0


def opencv_libraries(pid: int) -> set[str]:
    """The shared objects of OpenCV mapped into process ``pid`` (cv2's module and the
    libopencv* / bundled FFmpeg libraries of opencv-python)."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[5] if len(line.split(maxsplit=5)) == 6 else ""
        name = Path(path).name
        if name.startswith(("cv2", "libopencv")) or "opencv" in path.split("/site-packages/")[-1]:
            found.add(path)
    return found


def numpy_loaded(pid: int) -> bool:
    return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()


def vlc_loaded(pid: int) -> bool:
    return "/libvlc" in Path(f"/proc/{pid}/maps").read_text()


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    with SimRoomThread(tmp_path_factory.mktemp("footprint") / "room", room_id="fp") as room:
        yield room


def _check(agent: AgentProcess, only: list[str]) -> dict[str, Any]:
    with api_client(agent) as c:
        started = c.post("/checks", json={"only": only})
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        progress: dict[str, Any] = {}

        def done() -> bool:
            progress.update(c.get(f"/checks/{run_id}").json())
            return progress["status"] == "done"

        until(done, timeout_s=RUN_TIMEOUT_S, what=f"check run {only}")
        return progress


def test_a_full_check_leaves_opencv_numpy_and_vlc_out_of_the_agent_process(
    sim: SimRoomThread, pulse_room: RoomAudioSimulator
) -> None:
    video = sim.hardware.videos[1]
    with running_sim_agent(sim, pulse_room.env(), ["cam1", "cam2"]) as agent:
        assert not opencv_libraries(agent.proc.pid)  # none at start either
        with api_client(agent) as c:
            stored = c.post("/cameras/cam1/presets/chu-toa/reference")
            assert stored.status_code == 201, stored.text
            assert Path(stored.json()["image"]).is_file()
        asyncio.run_coroutine_threadsafe(video.set_fault(Fault.BLACK), sim._loop).result(10)
        try:
            run = _check(agent, [])  # every category
        finally:
            asyncio.run_coroutine_threadsafe(video.set_fault(Fault.NONE), sim._loop).result(10)
        results = {r["id"]: r for r in run["results"]}
        # The work was done, and found what there was to find:
        assert results["video.cam1.signal"]["status"] == "pass", results["video.cam1.signal"]
        assert Path(results["video.cam1.signal"]["evidence"]["snapshot"]).is_file()
        assert results["video.cam1.focus"]["status"] == "pass"
        assert results["video.cam2.black"]["status"] == "fail"  # the planted fault
        assert "Tháo nắp ống kính" in results["video.cam2.black"]["remediation"]["vi"]
        preset = results["camera.cam1.preset.chu-toa"]
        assert preset["status"] == "pass", preset
        assert preset["values"]["score"] >= preset["values"]["threshold"]
        assert Path(preset["evidence"]["snapshot"]).is_file()
        output = results["display.main.output"]
        assert output["status"] == "pass", output
        assert Path(output["evidence"]["screenshot"]).is_file()
        families = {r["item"].split(".")[0] for r in run["results"] if r["status"] != "skip"}
        assert families >= {"camera", "video", "audio", "display", "system"}, families

        pid = agent.proc.pid
        with api_client(agent) as c:  # both children alive now (ended after idle / on stop)
            assert c.get("/cameras/cam1/snapshot.jpg").content[:2] == b"\xff\xd8"
            assert c.post("/displays/main/show", json={"what": "slate"}).status_code == 200
        assert opencv_libraries(pid) == set(), sorted(opencv_libraries(pid))
        assert not numpy_loaded(pid)
        assert not vlc_loaded(pid)
        assert [p for p in children(pid) if opencv_libraries(p)]  # the video child
        assert [p for p in children(pid) if vlc_loaded(p) and numpy_loaded(p)]  # the player
