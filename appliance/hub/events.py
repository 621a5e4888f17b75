"""The hub's in-process event bus: presence, health, device and check changes for screens.

    bus = EventBus()
    with bus.subscribe(lambda ev: ev.room_id in mine) as sub:
        ev = await sub.get()                      # HubEvent
    bus.publish(HubEvent("presence", room_id="r1", district="d1", data={"online": True}))

``publish`` never blocks and never fails: each subscriber has a bounded queue, and a
subscriber that does not keep up loses its oldest events (counted in ``dropped``; the
SSE stream tells its browser to reload the state). The link server and the fleet
operations publish; ``GET /api/v1/events`` (SSE) and fleet operations waiting for a
room's ``check.result`` subscribe.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

# Enough for a burst of a whole fleet check's progress on one screen.
SUBSCRIBER_QUEUE: Final = 1024

_seq = itertools.count(1)


@dataclass(frozen=True)
class HubEvent:
    """One change. ``kind``: presence, health, device, check.progress, check.result,
    follow.switch, fleet.progress, fleet.done, scene.outcome. ``room_id``/``district`` decide who sees it."""

    kind: str
    room_id: str | None = None
    district: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)
    seq: int = field(default_factory=lambda: next(_seq))
    # The hub replica the event came from (appliance/hub/cluster); None: this process.
    # The cluster bridge sends only events with no origin, so nothing goes round in circles.
    origin: str | None = None


EventFilter = Callable[[HubEvent], bool]


class Subscription:
    """A subscriber's queue; ``get()`` waits for the next matching event."""

    def __init__(self, accept: EventFilter | None, maxsize: int) -> None:
        self._accept = accept
        self._queue: asyncio.Queue[HubEvent] = asyncio.Queue(maxsize)
        self.dropped = 0

    def offer(self, event: HubEvent) -> None:
        if self._accept is not None and not self._accept(event):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self) -> HubEvent:
        return await self._queue.get()

    def get_nowait(self) -> HubEvent | None:
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None


class EventBus:
    """Fan-out of :class:`HubEvent` to subscribers in the same event loop."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._taps: list[Callable[[HubEvent], None]] = []
        self.published = 0

    def tap(self, fn: Callable[[HubEvent], None]) -> None:
        """Call ``fn`` with every event published (the cluster bridge); it must not block
        or raise."""
        self._taps.append(fn)

    @contextmanager
    def subscribe(
        self, accept: EventFilter | None = None, *, maxsize: int = SUBSCRIBER_QUEUE
    ) -> Iterator[Subscription]:
        sub = Subscription(accept, maxsize)
        self._subs.add(sub)
        try:
            yield sub
        finally:
            self._subs.discard(sub)

    def publish(self, event: HubEvent) -> None:
        self.published += 1
        for fn in self._taps:
            fn(event)
        for sub in tuple(self._subs):
            sub.offer(event)

    @property
    def subscribers(self) -> int:
        return len(self._subs)
