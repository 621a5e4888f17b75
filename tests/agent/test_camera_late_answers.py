"""Issue #7 acceptance: a camera answering 0.3–1.5 s late, read through the agent's HTTP API.

Mixed zoom, focus, position and power reads; every 200 is checked against the
simulator's true state. Zero wrong values may come back as success (an honest 504 is
fine). The issue asks for 1,000 reads; at about a second per read that is ~15 min, so
the suite runs ``READS`` of them and ``bench/late_camera.py`` runs the full 1,000
(figures in the bench's output).
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx

from drivers.visca.simulator import PtySimulator, SimulatorThread
from tests.agent.conftest import AgentProcess, running_agent

LATE_S = (0.3, 1.5)  # the fault
READS = 24  # ~25 s; the 1,000-read run is bench/late_camera.py
HTTP_TIMEOUT_S = 30.0


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
    with httpx.Client(
        base_url=agent.base_url + "/api/v1", headers=agent.headers(), timeout=HTTP_TIMEOUT_S
    ) as client:
        for _ in range(reads):
            what = rng.choice(sorted(expected))
            r = client.get(f"/cameras/cam1/{what}")
            if r.status_code != 200:
                assert r.status_code in (502, 504), r.text  # honest errors only
                errors += 1
                continue
            got = r.json()
            want = expected[what]
            if {k: got[k] for k in want} == want:
                right += 1
            else:
                wrong.append(f"{what}: {got} (camera holds {want})")
    return right, errors, wrong


def prepare(agent: AgentProcess) -> None:
    """Give zoom, focus and pan/tilt distinct values, so a swapped answer shows."""
    with httpx.Client(
        base_url=agent.base_url + "/api/v1", headers=agent.headers(), timeout=HTTP_TIMEOUT_S
    ) as client:
        r = client.put("/cameras/cam1/position", json={"pan_deg": 20.0, "tilt_deg": 5.0})
        assert r.status_code == 200, r.text
        assert client.post("/cameras/cam1/zoom", json={"position": 0x2345}).status_code == 200
        assert client.post("/cameras/cam1/focus", json={"mode": "manual"}).status_code == 200
        r = client.post("/cameras/cam1/focus", json={"position": 0x1567})
        assert r.status_code == 200, r.text


def test_late_camera_never_gives_a_wrong_value_through_the_api(tmp_path: Path) -> None:
    with SimulatorThread(lambda: PtySimulator(cameras=1, model="srg-300h", baud=9600)) as sim:
        cameras = f'[[cameras]]\nid = "cam1"\nport = "{sim.sim.path}"\nmodel = "srg-300h"\n'
        with running_agent(tmp_path, cameras=cameras) as agent:
            prepare(agent)
            sim.call(lambda s: s.slow(LATE_S[0], up_to_s=LATE_S[1]))
            right, errors, wrong = late_camera_reads(agent, sim, READS, seed=7)
    assert wrong == [], f"{len(wrong)} wrong values returned with 200: {wrong}"
    assert right >= READS // 2, f"only {right} of {READS} reads answered ({errors} errors)"
