"""An Xvfb whose owner dies (SIGKILL: no cleanup runs) goes with it.

A child process starts Xvfb — with ``Xvfb.start()`` on its main thread, or with
``DisplaySimulator`` (which starts it from the asyncio loop's executor thread) — and
prints the server's PID and display; the test SIGKILLs the child and watches the Xvfb
PID end (``setpriv --pdeathsig``, drivers/display/simulator.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

START_TIMEOUT_S = 20.0  # the child imports the display package and starts Xvfb
GONE_WITHIN_S = 5.0  # Xvfb exits on SIGTERM in ~10 ms here

MAIN_THREAD = """
import sys, time
from drivers.display.simulator import Xvfb
server = Xvfb([(640, 480)])
display = server.start()
print(server.pid, display, flush=True)
time.sleep(600)
"""

LOOP_EXECUTOR = """
import asyncio
from drivers.display.simulator import DisplaySimulator
async def main():
    sim = DisplaySimulator(size=(640, 480))
    display = await sim.start()
    print(sim.pid, display, flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
"""


def _state(pid: int) -> str | None:
    """The process state letter of ``pid`` (``Z`` once it exited), None once reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


@pytest.mark.parametrize("script", [MAIN_THREAD, LOOP_EXECUTOR], ids=["main-thread", "executor"])
def test_killed_owner_leaves_no_xvfb_behind(script: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    xvfb_pid: int | None = None
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # the child prints once Xvfb is ready
        if not line:
            child.wait(START_TIMEOUT_S)
            assert child.stderr is not None
            pytest.fail(f"the child did not start Xvfb: {child.stderr.read()}")
        pid_text, display = line.split()
        xvfb_pid = int(pid_text)
        assert display.startswith(":")
        assert _comm(xvfb_pid) == "Xvfb"  # setpriv exec'd it: the PID is the server's
        assert _state(xvfb_pid) not in (None, "Z")

        child.send_signal(signal.SIGKILL)
        child.wait(START_TIMEOUT_S)
        deadline = time.monotonic() + GONE_WITHIN_S
        # Z: exited, waiting for whoever adopted it to reap it — not running any more.
        while _state(xvfb_pid) not in (None, "Z"):
            assert time.monotonic() < deadline, f"Xvfb {xvfb_pid} still runs ({_comm(xvfb_pid)})"
            time.sleep(0.02)
        xvfb_pid = None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(START_TIMEOUT_S)
        if xvfb_pid is not None and _state(xvfb_pid) not in (None, "Z"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(xvfb_pid, signal.SIGKILL)  # the one this test started, by PID
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
