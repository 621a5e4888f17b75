"""Run a simulator in a background thread with its own event loop.

For synchronous callers — a CLI test that runs the real ``appliance camera`` command
(which runs its own ``asyncio.run``), the demo, a third-party blocking client such as
VOIP-PY. Everything that touches the simulator goes through :meth:`call`, which runs
in the simulator's loop, so fault injection and unplug/replug stay single-threaded.

    with SimulatorThread(lambda: PtySimulator(cameras=2, baud=9600)) as sim_thread:
        path = sim_thread.call(lambda sim: sim.path)
        sim_thread.call(lambda sim: sim.silent())
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Final, Generic, Self, TypeVar

from drivers.visca.sim.server import ViscaSimulator

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ViscaSimulator)
T = TypeVar("T")

START_TIMEOUT_S: Final = 10.0
STOP_TIMEOUT_S: Final = 10.0
CALL_TIMEOUT_S: Final = 10.0


class SimulatorThread(Generic[S]):
    """Owns one thread, one event loop and one started simulator."""

    def __init__(self, factory: Callable[[], S], *, name: str = "visca-sim") -> None:
        self._factory = factory
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sim: S | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = concurrent.futures.Future[S]()

    @property
    def sim(self) -> S:
        """The simulator object; read-only use from other threads (``state``, ``path``)."""
        if self._sim is None:
            raise RuntimeError("simulator thread not started")
        return self._sim

    def start(self) -> S:
        """Start the thread and the simulator; return it once it serves."""
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self._started.result(START_TIMEOUT_S)

    def call(self, fn: Callable[[S], T]) -> T:
        """Run ``fn(sim)`` in the simulator's loop and return its result."""
        loop = self._loop
        if loop is None or self._sim is None:
            raise RuntimeError("simulator thread not started")
        sim = self._sim

        async def run() -> T:
            return fn(sim)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(CALL_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the simulator and join the thread (idempotent)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive():  # a daemon thread: it dies with the process
                log.error(
                    "simulator thread %s did not stop within %.0f s", self._name, STOP_TIMEOUT_S
                )
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start(); never kills the caller
            if not self._started.done():
                self._started.set_exception(exc)
            else:
                log.warning("simulator thread %s ended with an error: %s", self._name, exc)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        sim = self._factory()
        await sim.start()
        self._sim = sim
        self._started.set_result(sim)
        try:
            await self._stop.wait()
        finally:
            await sim.stop()
