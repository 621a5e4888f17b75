"""Issue #7 fault run: a camera answering 0.3–1.5 s late, 1,000 mixed reads through the API.

    .venv/bin/python bench/late_camera.py [--reads 1000] [--seed 7]

An agent process (``appliance agent``) drives a simulated SRG-300H on a pty at 9600 baud
whose every answer comes 0.3–1.5 s late (drawn per message; answers stay in order, as a
camera's do). Zoom, focus, pan-tilt position and power are read in random order through
``GET /api/v1/cameras/cam1/…`` and every 200 is compared with the simulator's state.

Printed: reads answered right, honest errors (502/504), wrong values returned as
success (must be 0), and the mean time per read against the mean lateness (0.9 s): the
physical floor, since inquiries to one camera go one at a time. The suite runs a short
version (tests/agent/test_camera_answers.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.visca.sim import PtySimulator, SimulatorThread
from tests.agent.conftest import running_agent
from tests.agent.test_camera_answers import (
    LATE_S,
    late_camera_reads,
    prepare,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        SimulatorThread(lambda: PtySimulator(cameras=1, model="srg-300h", baud=9600)) as sim,
    ):
        cameras = f'[[cameras]]\nid = "cam1"\nport = "{sim.sim.path}"\nmodel = "srg-300h"\n'
        with running_agent(Path(directory), cameras=cameras) as agent:
            prepare(agent)
            sim.call(lambda s: s.slow(LATE_S[0], up_to_s=LATE_S[1]))
            start = time.monotonic()
            right, errors, wrong = late_camera_reads(agent, sim, args.reads, seed=args.seed)
            elapsed = time.monotonic() - start
    mean_late = sum(LATE_S) / 2
    print(f"reads: {args.reads}, camera {LATE_S[0]}–{LATE_S[1]} s late")
    print(f"right: {right}   honest errors (502/504): {errors}   wrong with 200: {len(wrong)}")
    print(
        f"time: {elapsed:.0f} s, {elapsed / args.reads:.2f} s per read "
        f"(floor: mean lateness {mean_late:.2f} s; ratio {elapsed / args.reads / mean_late:.2f})"
    )
    for line in wrong[:10]:
        print("WRONG", line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
