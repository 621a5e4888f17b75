"""The simulated room's hardware in a background thread, for tests that drive an agent process.

The test's main thread talks HTTP (blocking httpx) to the agent; the simulators (VISCA
chain on a pty paced at 9600 baud, MJPEG scene streams, Xvfb screen, stand-in cec-client)
keep running in their own asyncio loop here — what ``appliance agent --simulate`` starts.
Start the agent with ``hardware.agent_env()`` (the stand-in cec-client first on PATH).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from appliance.agent.simulate import SimulatedHardware

T = TypeVar("T")


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
