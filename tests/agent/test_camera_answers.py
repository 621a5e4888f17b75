"""Issue #7: what the agent's HTTP API answers must be what the camera did.

- Item 1 acceptance: a camera answering 0.3–1.5 s late; mixed zoom, focus, position and
  power reads, every 200 checked against the simulator's true state. Zero wrong values
  may come back as success (an honest 504 is fine). The issue asks for 1,000 reads; at
  about a second per read that is ~15 min, so the suite runs ``READS`` of them and
  ``bench/late_camera.py`` runs the full 1,000 (figures in the bench's output).
- Item 2: a preset recall overtaken by another answers 409 "superseded", the latest
  click gets 200 and the head is at its preset.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from drivers.visca.sim import PtySimulator, SimulatorThread
from tests.agent.conftest import AgentProcess, running_agent

LATE_S = (0.3, 1.5)  # the fault
READS = 24  # ~25 s; the 1,000-read run is bench/late_camera.py
HTTP_TIMEOUT_S = 30.0
LINK_READY_S = 30.0


def late_camera_reads(
    agent: AgentProcess, sim: SimulatorThread[PtySimulator], reads: int, seed: int
) -> tuple[int, int, list[str]]:
    """(right, errors, wrong values) over ``reads`` mixed reads with the camera late."""
    truth = sim.call(lambda s: s.state(1))
    expected: dict[str, dict[str, object]] = {
        "zoom": {"position": truth.zoom},
        "focus": {"position": truth.focus},
        "position": {"pan": truth.pan, "tilt": truth.tilt},
        "power": {"on": True},
    }
    rng = random.Random(seed)
    right = errors = 0
    wrong: list[str] = []
    with _client(agent) as client:
        for _ in range(reads):
            what = rng.choice(sorted(expected))
            r = client.get(f"/cameras/cam1/{what}")
            if r.status_code != 200:
                # Honest errors only: no answer (504), noise (502), or the camera marked
                # silent / the link being reopened after repeated misses (503).
                assert r.status_code in (502, 503, 504), r.text
                errors += 1
                continue
            got = r.json()
            want = expected[what]
            if {k: got[k] for k in want} == want:
                right += 1
            else:
                wrong.append(f"{what}: {got} (camera holds {want})")
    return right, errors, wrong


def _wait_link_ready(client: httpx.Client) -> None:
    """READY=1 comes before the camera link has connected, and a link that a previous
    test's fault dropped reconnects: 503 until then."""
    deadline = time.monotonic() + LINK_READY_S
    while client.get("/cameras/cam1/power").status_code != 200:
        assert time.monotonic() < deadline, "camera link never became ready"
        time.sleep(0.05)


def prepare(agent: AgentProcess) -> None:
    """Give zoom, focus and pan/tilt distinct values, so a swapped answer shows."""
    with _client(agent) as client:
        _wait_link_ready(client)
        r = client.put("/cameras/cam1/position", json={"pan_deg": 20.0, "tilt_deg": 5.0})
        assert r.status_code == 200, r.text
        assert client.post("/cameras/cam1/zoom", json={"position": 0x2345}).status_code == 200
        assert client.post("/cameras/cam1/focus", json={"mode": "manual"}).status_code == 200
        r = client.post("/cameras/cam1/focus", json={"position": 0x1567})
        assert r.status_code == 200, r.text


Room = tuple[AgentProcess, SimulatorThread[PtySimulator]]


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    directory = tmp_path_factory.mktemp("camera-answers")
    with SimulatorThread(lambda: PtySimulator(cameras=1, model="srg-300h", baud=9600)) as sim:
        cameras = f'[[cameras]]\nid = "cam1"\nport = "{sim.sim.path}"\nmodel = "srg-300h"\n'
        with running_agent(directory, cameras=cameras) as agent:
            yield agent, sim


def _client(agent: AgentProcess) -> httpx.Client:
    return httpx.Client(
        base_url=agent.base_url + "/api/v1", headers=agent.headers(), timeout=HTTP_TIMEOUT_S
    )


def test_late_camera_never_gives_a_wrong_value_through_the_api(room: Room) -> None:
    agent, sim = room
    prepare(agent)
    sim.call(lambda s: s.slow(LATE_S[0], up_to_s=LATE_S[1]))
    try:
        right, errors, wrong = late_camera_reads(agent, sim, READS, seed=7)
    finally:
        sim.call(lambda s: s.clear_faults())
    assert wrong == [], f"{len(wrong)} wrong values returned with 200: {wrong}"
    # Not vacuous: most reads must be answered (about 95 % come within the 1.5 s budget).
    assert right >= READS // 3, f"only {right} of {READS} reads answered ({errors} errors)"


def test_superseded_preset_recall_is_409_and_the_latest_click_wins(room: Room) -> None:
    agent, sim = room
    spots = {1: -150.0, 2: 45.0}  # 1 is 300° from the start: ~3 s on the way there
    with _client(agent) as client:
        _wait_link_ready(client)
        for number, pan_deg in spots.items():
            r = client.put("/cameras/cam1/position", json={"pan_deg": pan_deg, "tilt_deg": 0.0})
            assert r.status_code == 200, r.text
            assert client.post("/cameras/cam1/presets", json={"number": number}).is_success
        r = client.put("/cameras/cam1/position", json={"pan_deg": 150.0, "tilt_deg": 0.0})
        assert r.status_code == 200, r.text
        first: list[httpx.Response] = []

        def click_first() -> None:
            with _client(agent) as other:
                english = {"Accept-Language": "en"}
                first.append(other.post("/cameras/cam1/presets/1/recall", headers=english))

        clicking = threading.Thread(target=click_first)
        clicking.start()
        deadline = time.monotonic() + 10
        while not sim.call(lambda s: s.state(1).moving):  # the head is on its way to 1
            assert time.monotonic() < deadline, "the first recall never started moving"
            time.sleep(0.01)
        second = client.post("/cameras/cam1/presets/2/recall")
        clicking.join(HTTP_TIMEOUT_S)
    assert second.status_code == 200, second.text
    assert second.json()["number"] == 2
    assert first[0].status_code == 409, first[0].text
    body = first[0].json()
    assert body["error"] == "superseded"
    assert "superseded by CAM_Memory Recall" in body["message"]
    assert abs(sim.call(lambda s: s.state(1).pan_deg) - spots[2]) < 1.0
