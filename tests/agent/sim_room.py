"""The simulated room's hardware in a background thread, for tests that drive an agent process.

The test's main thread talks HTTP (blocking httpx) to the agent; the simulators (VISCA
chain on a pty paced at 9600 baud, MJPEG scene streams, Xvfb screen, stand-in cec-client)
keep running in their own asyncio loop here — what ``appliance agent --simulate`` starts.
Start the agent with ``hardware.agent_env()`` (the stand-in cec-client first on PATH).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import httpx

from appliance.agent.simulate import SimulatedHardware
from tests.agent.conftest import AgentProcess, free_port, open_notify_socket, start_agent

T = TypeVar("T")
READY_WAIT_S = 10.0


class SimRoomThread:
    def __init__(self, directory: Path, room_id: str = "sim-test", *, display: bool = True) -> None:
        self.hardware = SimulatedHardware(directory, room_id=room_id, display=display)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sim-room")

    def __enter__(self) -> SimRoomThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.hardware.start(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.hardware.stop(), self._loop).result(30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the simulators' loop (their state is not thread-safe)."""
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return done.result(10)


def api_client(agent: AgentProcess) -> httpx.Client:
    """A client of the agent's ``/api/v1`` with its token."""
    return httpx.Client(base_url=agent.base_url + "/api/v1", headers=agent.headers(), timeout=20)


def device_map(agent: AgentProcess) -> dict[str, dict[str, Any]]:
    """``GET /devices`` by device id."""
    with api_client(agent) as c:
        return {d["id"]: d for d in c.get("/devices").json()}


def wait_ready(agent: AgentProcess, ids: list[str], timeout_s: float = READY_WAIT_S) -> float:
    """Wait until every device in ``ids`` is ready; return how long it took."""
    start = time.monotonic()
    while True:
        devices = device_map(agent)
        if all(devices[i]["state"] == "ready" for i in ids):
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"not ready after {timeout_s} s: {devices}\n{agent.log()}")
        time.sleep(0.05)


@contextlib.contextmanager
def running_sim_agent(
    sim: SimRoomThread, env: dict[str, str], ready: Sequence[str]
) -> Iterator[AgentProcess]:
    """``appliance agent`` on ``sim``'s hardware (plus ``env``, e.g. the PulseAudio room's),
    once the devices in ``ready`` are; SIGTERM by PID at the end."""
    port = free_port()
    config = sim.hardware.write_config(f"127.0.0.1:{port}")
    with open_notify_socket(sim.hardware.directory) as notify:
        proc = start_agent(
            config,
            sim.hardware.directory / "state",
            port,
            notify,
            extra_env={**env, **sim.hardware.agent_env()},
        )
        try:
            wait_ready(proc, list(ready))
            yield proc
        finally:
            proc.terminate()
