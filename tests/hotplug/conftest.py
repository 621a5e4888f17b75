"""Fixtures for hotplug tests: the fake udev broadcaster and an event collector.

The events go through the real netlink socket and the real ``pyudev.Monitor`` in the
production :class:`HotplugMonitor` (PLATFORM.md Infra 2 Recipe A). Broadcasts are
host-wide, so every test matches on its own unique token.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable

import pytest

from drivers.hotplug import HotplugEvent, HotplugMonitor
from tests.support import fake_udev

EVENT_WAIT_S = 5.0


class EventCollector:
    """Keeps the events that carry ``token`` somewhere in their properties."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.events: list[HotplugEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: HotplugEvent) -> None:
        if any(self.token in v for v in event.device.properties.values()):
            self.events.append(event)
            self._changed.set()

    async def wait_for(
        self, pred: Callable[[list[HotplugEvent]], bool], timeout_s: float = EVENT_WAIT_S
    ) -> list[HotplugEvent]:
        async def _loop() -> None:
            while not pred(self.events):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(_loop(), timeout_s)
        except TimeoutError:
            pytest.fail(f"events for {self.token} not seen in {timeout_s} s: {self.events}")
        return self.events

    async def wait_count(self, n: int) -> list[HotplugEvent]:
        return await self.wait_for(lambda evs: len(evs) >= n)


@pytest.fixture
def broadcast() -> None:
    """Sending on the udev netlink group needs root; say so instead of skipping."""
    if os.geteuid() != 0:
        pytest.fail(
            "hotplug tests send fake udev events on netlink group 2, which needs root "
            "(PLATFORM.md Infra 2 Recipe A); run the suite as root"
        )


@pytest.fixture
def token() -> str:
    return fake_udev.unique_token()


@pytest.fixture
async def monitor(broadcast: None) -> AsyncIterator[HotplugMonitor]:
    mon = HotplugMonitor()
    await mon.start()
    try:
        yield mon
    finally:
        await mon.stop()


@pytest.fixture
def collector(monitor: HotplugMonitor, token: str) -> EventCollector:
    col = EventCollector(token)
    monitor.subscribe(col)
    return col
