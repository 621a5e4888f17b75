"""The shared supervisor: backoff, kick, failure state, link loss."""

from __future__ import annotations

import asyncio

import pytest

from drivers.errors import DeviceTimeoutError, DeviceUnavailableError
from drivers.supervision import Backoff, DeviceState, Supervisor


class _FlakyDevice(Supervisor):
    """Connects only while ``present`` is True (a device that can be unplugged)."""

    def __init__(self) -> None:
        super().__init__("dev1", backoff=Backoff(initial_s=5.0, max_s=5.0, jitter=0.0))
        self.present = False
        self.connects = 0
        self.disconnects = 0

    async def _connect(self) -> None:
        self.connects += 1
        if not self.present:
            raise DeviceUnavailableError(self.device_id, "no such port")

    async def _disconnect(self) -> None:
        self.disconnects += 1


def test_backoff_is_capped_and_resets() -> None:
    b = Backoff(initial_s=0.1, max_s=1.0, factor=2.0, jitter=0.0)
    delays = [b.next_delay() for _ in range(6)]
    assert delays == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    b.reset()
    assert b.next_delay() == 0.1


async def test_kick_reconnects_without_waiting_for_backoff() -> None:
    dev = _FlakyDevice()
    states: list[DeviceState] = []
    dev.on_state_change(lambda old, new, err: states.append(new))
    await dev.start()
    try:
        with pytest.raises(DeviceTimeoutError, match="no such port"):
            await dev.wait_ready(0.2)
        with pytest.raises(DeviceUnavailableError):
            dev.require_ready()
        # The backoff is 5 s; a kick (hotplug: device is back) must connect at once.
        dev.present = True
        dev.kick()
        await dev.wait_ready(1.0)
        assert dev.state is DeviceState.READY
        assert DeviceState.CONNECTING in states
        # Link lost while ready: back to connecting, then ready again (device still there).
        dev.link_lost("read failed")
        await asyncio.sleep(0.05)
        await dev.wait_ready(1.0)
        assert dev.connects >= 3
        assert dev.disconnects >= 2
    finally:
        await dev.stop()
    assert dev.state is DeviceState.DISCONNECTED


async def test_repeated_failures_mark_failed() -> None:
    dev = _FlakyDevice()
    dev.backoff = Backoff(initial_s=0.001, max_s=0.001, jitter=0.0)
    dev.max_failures = 3
    await dev.start()
    try:
        for _ in range(200):
            if dev.state is DeviceState.FAILED:
                break
            await asyncio.sleep(0.01)
        assert dev.state is DeviceState.FAILED
        assert dev.last_error is not None
        assert "no such port" in dev.last_error
    finally:
        await dev.stop()


class _PollingDevice(_FlakyDevice):
    """Uses the ``_wait_retry`` extension point: ends the backoff when it sees the
    device itself (as the VISCA supervisor does with the serial path)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    async def _wait_retry(self, delay: float) -> None:
        self.waits.append(delay)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while loop.time() < deadline:
            if await self._kicked_within(0.01) or self.present:
                return


async def test_wait_retry_hook_ends_the_backoff_early() -> None:
    dev = _PollingDevice()  # backoff 5 s
    await dev.start()
    try:
        with pytest.raises(DeviceTimeoutError):
            await dev.wait_ready(0.1)
        assert dev.waits == [5.0]  # the hook got the backoff's delay
        dev.present = True  # no kick: the hook's own check ends the wait
        await dev.wait_ready(0.5)
        assert dev.connects == 2
    finally:
        await dev.stop()


class _SlowFailingDevice(_FlakyDevice):
    def __init__(self) -> None:
        super().__init__()
        self.connecting = asyncio.Event()

    async def _connect(self) -> None:
        self.connecting.set()
        await asyncio.sleep(0.1)
        await super()._connect()


async def test_kick_during_a_failing_connect_is_not_lost() -> None:
    dev = _SlowFailingDevice()  # backoff 5 s
    await dev.start()
    try:
        await asyncio.wait_for(dev.connecting.wait(), 1)
        dev.present = True  # arrives while the attempt that will fail is running
        dev.kick()
        dev.present = False
        await asyncio.sleep(0.15)  # that attempt fails; the kick must still count
        dev.present = True
        await dev.wait_ready(0.5)
        assert dev.connects == 2
    finally:
        await dev.stop()
