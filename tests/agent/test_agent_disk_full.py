"""A full disk under a running agent (issue 7 item 5), on simulated hardware: the state
directory is a small real tmpfs, filled to the last byte. Storing a preset says the
camera stored it and that only its name could not be written; a reference picture and
the check's video evidence name the full disk and what to free (507 / FAIL), never
"internal error OSError 28" or a bare 500."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.agent.conftest import AgentProcess
from tests.agent.sim_room import SimRoomThread, api_client, running_sim_agent
from tests.support.disk import SmallDisk, small_disk

RUN_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimRoomThread, SmallDisk]]:
    with (
        SimRoomThread(tmp_path_factory.mktemp("full") / "room", display=False) as sim,
        small_disk(sim.hardware.directory / "state", size=4 * 1024 * 1024) as disk,
    ):
        yield sim, disk


@pytest.fixture(scope="module")
def agent(room: tuple[SimRoomThread, SmallDisk]) -> Iterator[AgentProcess]:
    with running_sim_agent(room[0], {}, ["cam1"]) as proc:
        yield proc


def _en(c: httpx.Client) -> httpx.Client:
    c.headers["Accept-Language"] = "en"
    return c


def test_preset_store_on_a_full_disk_says_the_camera_stored_it(
    agent: AgentProcess, room: tuple[SimRoomThread, SmallDisk]
) -> None:
    sim, disk = room
    disk.fill()
    try:
        with _en(api_client(agent)) as c:
            r = c.post("/cameras/cam1/presets", json={"number": 7, "name": "bang-trang"})
            assert r.status_code == 507, r.text
            body = r.json()
            assert body["error"] == "disk_full"
            assert "cam1 carried out the command (preset_store)" in body["message"]
            assert "the disk is full" in body["message"]
            assert str(disk.root) in body["message"]
            assert sim.call(lambda: 7 in sim.hardware.visca.camera(1).presets)  # type: ignore[union-attr]

            r = c.post("/cameras/cam1/presets/1/reference")
            assert r.status_code == 507, r.text
            assert r.json()["error"] == "disk_full"
        disk.free()
        with api_client(agent) as c:
            r = c.post("/cameras/cam1/presets", json={"number": 7, "name": "bang-trang"})
            assert r.status_code == 201, r.text
            assert c.post("/cameras/cam1/presets/bang-trang/recall").status_code == 200
    finally:
        disk.free()


def test_check_on_a_full_disk_names_it_in_the_items_and_the_run(
    agent: AgentProcess, room: tuple[SimRoomThread, SmallDisk]
) -> None:
    _sim, disk = room
    disk.fill()
    try:
        with _en(api_client(agent)) as c:
            run_id = c.post("/checks", json={"only": ["video"]}).json()["run_id"]
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while (run := c.get(f"/checks/{run_id}").json())["status"] != "done":
                assert time.monotonic() < deadline, run
                time.sleep(0.1)
    finally:
        disk.free()
    results = {r["id"]: r for r in run["results"]}
    evidence = [r for r in results.values() if r["id"].startswith("video.cam1.")]
    assert evidence, results
    full = [r for r in evidence if r["message"]["en"].startswith("The disk is full")]
    assert full, evidence  # the items that write a picture
    for r in full:
        assert r["status"] == "fail"
        assert "Free space on the disk holding" in r["remediation"]["en"]
    assert not [r for r in results.values() if "Internal error" in r["message"]["en"]]
    assert "will be lost when the service restarts" in results["system.history"]["message"]["en"]
