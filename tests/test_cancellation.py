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

from drivers.errors import DeviceUnavailableError
from drivers.supervision import STOP_TIMEOUT_S, Backoff, DeviceState, Supervisor
from drivers.visca.protocol import ViscaPort
from drivers.visca.simulator import PtySimulator
from drivers.visca.supervisor import ViscaSupervisor
from drivers.visca.transport_serial import SerialTransport

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
