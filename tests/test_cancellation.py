"""Cancellation safety: ``Supervisor.stop()`` always returns, and a cancel is never lost.

Python 3.11's ``asyncio.wait_for`` drops a ``cancel()`` that lands just as its inner
awaitable finishes (CPython gh-86296, fixed in 3.12). A VISCA supervisor whose reconnect
was failing then missed the cancel of ``stop()`` and went on polling the serial path
for ever. The drivers now use ``asyncio.timeout``, and ``stop()`` cancels again (bounded)
if the task is still running after a grace period.

Every wait here is bounded by ``asyncio.timeout`` and a stuck task is ended by force
afterwards, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import pytest

from drivers.supervision import STOP_TIMEOUT_S, Backoff, DeviceState, Supervisor
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import PtySimulator
from drivers.visca.supervisor import ViscaSupervisor
from drivers.visca.transport import SerialTransport

MODEL = "srg-300h"
YIELD_COUNTS = range(16)  # 5, 6, 9, 10, 11 or 12 yields lost the cancel before the fix
STOP_LIMIT_S = STOP_TIMEOUT_S + 0.5  # the documented bound, plus scheduling slack
FORCE_ROUNDS = 20  # cancels per stuck task when cleaning up after a failure


async def _force_end(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Cancel until done (bounded): a failed test must not leave a task running."""
    pending = {t for t in tasks if not t.done()}
    for _ in range(FORCE_ROUNDS):
        if not pending:
            return
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)


def _supervisor_tasks(device_id: str) -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == f"supervisor:{device_id}"]


async def _stops_within(sup: Supervisor, limit_s: float) -> bool:
    """Run ``sup.stop()``; True if it returned within ``limit_s``.

    The stop runs in its own task behind a shield, so the test's ``asyncio.timeout``
    only ends the wait; a stop still stuck after it is ended by force.
    """
    running = _supervisor_tasks(sup.device_id)
    stopper = asyncio.create_task(sup.stop(), name="test:stop")
    try:
        async with asyncio.timeout(limit_s):
            await asyncio.shield(stopper)
    except TimeoutError:
        await _force_end([stopper, *running])
        return False
    return True


def _recancels(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "drivers.supervision" and "again" in r.getMessage()
    ]


async def test_stop_during_a_failing_visca_reconnect_never_hangs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue (b): unplug, yield N times, stop() — for every N the stop must return."""
    caplog.set_level(logging.DEBUG, logger="drivers.supervision")
    for yields in YIELD_COUNTS:
        async with PtySimulator(cameras=1, model=MODEL) as sim:
            port = ViscaPort(SerialTransport(sim.path), ack_timeout_s=0.15, inquiry_timeout_s=0.15)
            # A long backoff, as in production: only the path poll ends its wait.
            sup = ViscaSupervisor(
                port,
                backoff=Backoff(initial_s=5.0, max_s=30.0),
                health_interval_s=None,
                connect_timeout_s=1.0,
            )
            await sup.start()
            try:
                await sup.wait_ready(2.0)
                sim.unplug()
                for _ in range(yields):
                    await asyncio.sleep(0)
                stopped = await _stops_within(sup, STOP_LIMIT_S)
            finally:
                await _force_end(_supervisor_tasks(sup.device_id))
                await port.close()
            assert stopped, f"stop() hung after {yields} yields (a lost cancel: gh-86296)"
            assert sup.state is DeviceState.DISCONNECTED
            assert not port.is_open
    # The first cancel was honoured every time: stop()'s re-cancel is a safety net only.
    assert _recancels(caplog) == []


class _DeafDevice(Supervisor):
    """Its connect swallows the first ``deaf`` cancels — what 3.11's ``wait_for`` did."""

    def __init__(self, deaf: int, *, stop_timeout_s: float, stop_grace_s: float) -> None:
        super().__init__(
            "deaf1",
            backoff=Backoff(initial_s=5.0, max_s=5.0, jitter=0.0),
            stop_timeout_s=stop_timeout_s,
            stop_grace_s=stop_grace_s,
        )
        self.deaf = deaf
        self.swallowed = 0
        self.disconnects = 0
        self.connecting = asyncio.Event()

    async def _connect(self) -> None:
        self.connecting.set()
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if self.swallowed >= self.deaf:
                    raise
                self.swallowed += 1

    async def _disconnect(self) -> None:
        self.disconnects += 1


async def _started(dev: _DeafDevice) -> None:
    await dev.start()
    async with asyncio.timeout(1.0):
        await dev.connecting.wait()


async def test_stop_cancels_again_when_a_cancel_is_swallowed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dev = _DeafDevice(2, stop_timeout_s=1.0, stop_grace_s=0.05)
    await _started(dev)
    task = _supervisor_tasks(dev.device_id)[0]
    try:
        assert await _stops_within(dev, 1.5)
    finally:
        await _force_end([task])
    assert task.cancelled()  # the third cancel ended it
    assert dev.swallowed == 2
    assert len(_recancels(caplog)) == 2
    assert dev.disconnects == 1
    assert dev.state is DeviceState.DISCONNECTED


async def test_stop_returns_within_its_budget_from_a_task_that_never_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dev = _DeafDevice(10**9, stop_timeout_s=0.4, stop_grace_s=0.05)
    await _started(dev)
    task = _supervisor_tasks(dev.device_id)[0]
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        assert await _stops_within(dev, 1.0)  # the budget (0.4 s) plus scheduling slack
        took = loop.time() - began
    finally:
        dev.deaf = 0  # let the next cancel through, so the test leaves nothing running
        await _force_end([task])
    assert took >= 0.35, took  # it kept trying for the task's share of the budget
    assert dev.swallowed >= 5  # re-cancelled every grace until the budget ran out
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("left running" in r.getMessage() for r in errors)
    assert dev.disconnects == 1  # the device is closed all the same
    assert dev.state is DeviceState.DISCONNECTED


class _SlowToEnd(Supervisor):
    """Its connect needs a moment to clean up after a cancel (e.g. closing in a thread)."""

    def __init__(self) -> None:
        super().__init__("slow1", stop_timeout_s=2.0, stop_grace_s=1.0)
        self.connecting = asyncio.Event()
        self.released: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def _connect(self) -> None:
        self.connecting.set()
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.shield(self.released)


async def test_stop_passes_on_a_cancel_of_its_caller() -> None:
    """``suppress(CancelledError)`` around ``await task`` took the caller's cancel for
    the task's own end and returned normally; the caller must end cancelled."""
    dev = _SlowToEnd()
    await dev.start()
    async with asyncio.timeout(1.0):
        await dev.connecting.wait()
    task = _supervisor_tasks(dev.device_id)[0]
    stopper = asyncio.create_task(dev.stop(), name="test:stop")
    try:
        await asyncio.sleep(0.05)  # stop() is waiting for the task's cleanup
        stopper.cancel()
        done, _ = await asyncio.wait({stopper}, timeout=1.0)
        assert done, "stop() did not react to its own cancel"
        assert stopper.cancelled()
    finally:
        dev.released.set_result(None)
        await _force_end([stopper, task])
    assert task.done()
