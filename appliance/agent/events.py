"""In-process events of the room agent: ``service.events.publish({"kind": …, …})``.

    unsubscribe = service.events.subscribe(callback)   # callback(event: dict) — plain function
    service.events.publish({"kind": "follow.switch", "seat": "Đại biểu 3", …})
    queue = service.events.queue()                     # async consumers: an asyncio.Queue
    unsubscribe()

The hook the hub link carries to the hub (DESIGN.md §3 "events at once") and the control
API's WebSockets show live; docs/INTERFACES.md lists the kinds. An event is a JSON-ready
``dict`` with at least ``kind`` (``<area>.<what>``) and ``at`` (ISO-8601 UTC, added when
missing). Callbacks run synchronously in ``publish``'s thread (the event loop): they must
be quick and must not raise — one that raises is logged and the others still get the
event. A queue subscriber that falls ``QUEUE_MAX`` events behind loses the oldest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Final

log = logging.getLogger(__name__)

Event = dict[str, Any]
EventCallback = Callable[[Event], None]

QUEUE_MAX: Final = 256


class EventBus:
    """Publish/subscribe of event dicts inside one agent process."""

    def __init__(self) -> None:
        self._callbacks: list[EventCallback] = []
        self.published = 0

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def queue(self, maxsize: int = QUEUE_MAX) -> tuple[asyncio.Queue[Event], Callable[[], None]]:
        """An asyncio.Queue that receives every event from now on, and its unsubscribe."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

        def put(event: Event) -> None:
            if queue.full():
                queue.get_nowait()  # drop the oldest: a live view wants the present
            queue.put_nowait(event)

        return queue, self.subscribe(put)

    def publish(self, event: Event) -> None:
        if "kind" not in event:
            raise ValueError("an event needs a 'kind'")
        event.setdefault("at", dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"))
        self.published += 1
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.get("kind"))
